import { LakehouseWarehouse } from '@cdc-lakehouse/curation-aws';
import { DmsAccountRoles } from '@cdc-lakehouse/dms';
import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { AccessLogsBucket } from '@cdc-lakehouse/raw-zone';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PlatformConfig, sourcePorts, validateConfig } from './config';

/** Properties of the {@link PlatformStack}. */
export interface PlatformStackProps extends StackProps {
  /** Sources and options the platform is built from. */
  readonly config: PlatformConfig;
  /**
   * Whether this stack creates the account-wide DMS roles (`dms-vpc-role`, `dms-cloudwatch-logs-role`).
   * Set to false when the account already has them and another tool owns them.
   *
   * @default true
   */
  readonly createDmsAccountRoles?: boolean;
}

/** What every source stack takes from the platform. */
export interface SourceStackDependencies {
  readonly network: LakehouseNetwork;
  readonly serverAccessLogsBucket: IBucket;
  readonly accountRoles?: DmsAccountRoles;
  readonly bucketNamePrefix?: string;
  readonly warehouse: LakehouseWarehouse;
}

/**
 * The shared platform: the lakehouse network, whose replication security group reaches the
 * configured sources' ports; one access log bucket for every raw zone and the warehouse; the
 * account-wide DMS roles, created once here rather than by each source; and the warehouse, with
 * one curated database per source, that every source's curation job writes into.
 */
export class PlatformStack extends Stack {
  /** The lakehouse network. */
  public readonly network: LakehouseNetwork;
  /** The bucket every raw zone writes its server access logs to. */
  public readonly accessLogs: AccessLogsBucket;
  /** The account-wide DMS roles, when this stack creates them. */
  public readonly dmsAccountRoles?: DmsAccountRoles;
  /** The warehouse of curated Iceberg tables: one bucket, one `curated_<source>` database per source. */
  public readonly warehouse: LakehouseWarehouse;
  private readonly config: PlatformConfig;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    validateConfig(props.config);
    this.config = props.config;

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
    new CfnOutput(this, 'AccessLogsBucketName', { value: this.accessLogs.bucket.bucketName, description: 'Server access logs of every raw zone' });

    if (props.createDmsAccountRoles ?? true) {
      this.dmsAccountRoles = new DmsAccountRoles(this, 'DmsAccountRoles');
    }

    this.warehouse = new LakehouseWarehouse(this, 'Warehouse', {
      sourceNames: props.config.sources.map((s) => s.name),
      serverAccessLogsBucket: this.accessLogs.bucket,
      bucketName: props.config.bucketNamePrefix ? `${props.config.bucketNamePrefix}-warehouse` : undefined,
    });
    new CfnOutput(this, 'WarehouseBucketName', { value: this.warehouse.bucket.bucketName, description: 'Warehouse of the curated Iceberg tables' });
  }

  /** The shared pieces a source stack is built on. */
  public sourceStackDependencies(): SourceStackDependencies {
    return {
      network: this.network,
      serverAccessLogsBucket: this.accessLogs.bucket,
      accountRoles: this.dmsAccountRoles,
      bucketNamePrefix: this.config.bucketNamePrefix,
      warehouse: this.warehouse,
    };
  }
}
