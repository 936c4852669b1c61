import { LakehouseWarehouse } from '@cdc-lakehouse/curation-aws';
import { ILakeFormationSettings, LakeFormationSettings } from '@cdc-lakehouse/governance';
import { IReplicationNetwork, ReplicationNetwork } from '@cdc-lakehouse/networking';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';
import { PlatformParameterKey, platformParameterName, platformParameterPrefix } from './names';

/** The platform's pieces a source stack builds on, imported into that stack. */
export interface SourcePlatform {
  /** The network the source's replication runs in. */
  readonly network: IReplicationNetwork;
  /** The bucket of the raw zone's server access logs. */
  readonly serverAccessLogsBucket: s3.IBucket;
  /** The warehouse, with the source's curated database (created in the source's stack). */
  readonly warehouse: LakehouseWarehouse;
  /** The shared Lake Formation settings the source's governance builds on. */
  readonly governance: ILakeFormationSettings;
  /** Prefix of the raw bucket's physical name. @default - a generated name */
  readonly bucketNamePrefix?: string;
}

/** Where a source stack finds the platform. */
export interface IPlatformLink {
  /**
   * Imports the platform's pieces into `scope` (a construct of the source's stack, which reads them there) and adds the
   * source's curated database to the warehouse in that scope.
   */
  bind(scope: Construct, sourceName: string): SourcePlatform;
}

/** Properties of {@link PlatformParameters}. */
export interface PlatformParametersProps {
  /**
   * The environment whose platform is read (`/cdc-lakehouse/<environment>/platform/…`).
   * @default - the platform deployed without an environment (`/cdc-lakehouse/default/platform/…`)
   */
  readonly environmentName?: string;
  /** The `lakehouse:domain` values the platform declares: the names of every source it governs. */
  readonly domains: readonly string[];
  /** Prefix of the raw buckets' physical names. @default - generated names */
  readonly bucketNamePrefix?: string;
}

/**
 * The platform as the platform app published it ({@link PublishedPlatform}): each source stack reads the SSM parameters
 * as CloudFormation parameters, resolved at its own deploy. Nothing is exported from the platform's stack, so the
 * platform can be updated (even replaced pieces get new values at the next source deploy) while sources depend on it.
 * A deploy before the platform's fails in CloudFormation; the lakehouse app's `deploy` target checks first and says so
 * (`checkPlatform`).
 */
export class PlatformParameters implements IPlatformLink {
  /** The path read. */
  public readonly prefix: string;

  constructor(private readonly props: PlatformParametersProps) {
    this.prefix = platformParameterPrefix(props.environmentName);
  }

  public bind(scope: Construct, sourceName: string): SourcePlatform {
    const imports = new Construct(scope, 'Platform');
    const value = (key: PlatformParameterKey) => ssm.StringParameter.valueForStringParameter(imports, platformParameterName(this.prefix, key));
    const network = ReplicationNetwork.fromAttributes(imports, 'Network', {
      subnetIds: ssm.StringListParameter.valueForTypedListParameter(imports, platformParameterName(this.prefix, 'replicationSubnetIds')),
      securityGroupId: value('replicationSecurityGroupId'),
    });
    const serverAccessLogsBucket = s3.Bucket.fromBucketName(imports, 'AccessLogs', value('accessLogsBucketName'));
    const warehouseBucketName = value('warehouseBucketName');
    const warehouse = LakehouseWarehouse.fromAttributes(imports, 'Warehouse', {
      bucketName: warehouseBucketName,
      encryptionKeyArn: value('warehouseKeyArn'),
      sourceNames: [sourceName],
    });
    const governance = LakeFormationSettings.fromAttributes(imports, 'LakeFormation', {
      domains: [...this.props.domains],
      warehouseBucketName,
      revocationServiceToken: value('revocationServiceToken'),
      revocationRoleArn: value('revocationRoleArn'),
    });
    return { network, serverAccessLogsBucket, warehouse, governance, bucketNamePrefix: this.props.bucketNamePrefix };
  }

  /** The platform's alarm topic, imported into `scope`. */
  public alarmTopic(scope: Construct, id: string): sns.ITopic {
    return sns.Topic.fromTopicArn(scope, id, ssm.StringParameter.valueForStringParameter(scope, platformParameterName(this.prefix, 'alarmTopicArn')));
  }
}
