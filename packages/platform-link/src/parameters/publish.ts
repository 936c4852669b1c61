import type { LakehouseWarehouse } from '@cdc-lakehouse/curation-aws';
import type { LakeFormationSettings } from '@cdc-lakehouse/governance';
import type { IReplicationNetwork } from '@cdc-lakehouse/networking';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { PLATFORM_LINK_VERSION, PLATFORM_PARAMETERS, PlatformParameterKey, platformParameterName } from './names';

/** Properties of {@link PublishedPlatform}. */
export interface PublishedPlatformProps {
  /** The path the parameters are published under, see `platformParameterPrefix`. */
  readonly prefix: string;
  /** The network the replications run in. */
  readonly network: IReplicationNetwork;
  /** The bucket receiving every raw zone's server access logs. */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** The warehouse; the sources create their curated databases in it. */
  readonly warehouse: LakehouseWarehouse;
  /** The shared Lake Formation settings: domains, revocation provider. */
  readonly lakeFormation: LakeFormationSettings;
  /** The topic the lakehouse's alarms notify. */
  readonly alarmTopic: sns.ITopic;
}

/**
 * Publishes the platform's shared pieces as SSM parameters (Standard tier, no cost) under one prefix, so source stacks in
 * another app find them without CloudFormation exports: the platform stays free to change, and each source stack reads
 * the current values at its own deploy (see `PlatformParameters`).
 */
export class PublishedPlatform extends Construct {
  /** The parameters, by key. */
  public readonly parameters: Readonly<Record<PlatformParameterKey, ssm.StringParameter | ssm.StringListParameter>>;
  /** The prefix they are published under. */
  public readonly prefix: string;

  constructor(scope: Construct, id: string, props: PublishedPlatformProps) {
    super(scope, id);
    this.prefix = props.prefix;
    const values: Record<PlatformParameterKey, string | string[]> = {
      version: PLATFORM_LINK_VERSION,
      replicationSubnetIds: props.network.replicationSubnetIds,
      replicationSecurityGroupId: props.network.replicationSecurityGroup.securityGroupId,
      accessLogsBucketName: props.serverAccessLogsBucket.bucketName,
      warehouseBucketName: props.warehouse.bucket.bucketName,
      warehouseKeyArn: props.warehouse.encryptionKey.keyArn,
      domains: [...props.lakeFormation.domains],
      revocationServiceToken: props.lakeFormation.revocationServiceToken,
      revocationRoleArn: props.lakeFormation.revocationRole.roleArn,
      alarmTopicArn: props.alarmTopic.topicArn,
    };
    const parameters = {} as Record<PlatformParameterKey, ssm.StringParameter | ssm.StringListParameter>;
    for (const key of Object.keys(PLATFORM_PARAMETERS) as PlatformParameterKey[]) {
      const spec = PLATFORM_PARAMETERS[key];
      const value = values[key];
      const common = { parameterName: platformParameterName(props.prefix, key), description: spec.description, tier: ssm.ParameterTier.STANDARD };
      parameters[key] = spec.list
        ? new ssm.StringListParameter(this, key, { ...common, stringListValue: value as string[] })
        : new ssm.StringParameter(this, key, { ...common, stringValue: value as string });
    }
    this.parameters = parameters;
  }
}
