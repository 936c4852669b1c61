import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { AccessLogsBucket, RawZone } from '@cdc-lakehouse/raw-zone';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { PlatformConfig, sourcePorts, validateConfig } from './config';

/** Properties of the {@link PlatformStack}. */
export interface PlatformStackProps extends StackProps {
  /** Sources and options the platform is built from. */
  readonly config: PlatformConfig;
}

/**
 * The shared platform: the lakehouse network, whose replication security group reaches the
 * configured sources' ports, one raw zone per source, and one access log bucket for all of them.
 */
export class PlatformStack extends Stack {
  /** The lakehouse network. */
  public readonly network: LakehouseNetwork;
  /** The bucket every raw zone writes its server access logs to. */
  public readonly accessLogs: AccessLogsBucket;
  /** The raw zone of each source, by source name. */
  public readonly rawZones: Readonly<Record<string, RawZone>>;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    validateConfig(props.config);

    this.network = new LakehouseNetwork(this, 'Network', {
      sourcePorts: sourcePorts(props.config),
      sourcePeerCidrs: props.config.sourcePeerCidrs,
    });
    new CfnOutput(this, 'VpcId', { value: this.network.vpc.vpcId, description: 'ID of the lakehouse VPC' });
    new CfnOutput(this, 'ReplicationSecurityGroupId', {
      value: this.network.replicationSecurityGroup.securityGroupId,
      description: 'Security group for DMS replication',
    });

    // one log bucket for all sources, each under its own prefix: fewer buckets to govern
    this.accessLogs = new AccessLogsBucket(this, 'AccessLogs');
    const rawZones: Record<string, RawZone> = {};
    for (const source of props.config.sources) {
      const zone = new RawZone(this, `RawZone-${source.name}`, {
        sourceName: source.name,
        bucketNamePrefix: props.config.bucketNamePrefix,
        serverAccessLogsBucket: this.accessLogs.bucket,
      });
      rawZones[source.name] = zone;
      new CfnOutput(this, `RawBucket-${source.name}`, { value: zone.bucket.bucketName, description: `Raw zone bucket of source ${source.name}` });
    }
    this.rawZones = rawZones;
  }
}
