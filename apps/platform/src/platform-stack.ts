import { LakehouseWarehouse, curatedDatabaseName } from '@cdc-lakehouse/curation-aws';
import { DmsAccountRoles } from '@cdc-lakehouse/dms';
import { AnalystAccess, ILakeFormationSettings, LakeFormationSettings } from '@cdc-lakehouse/governance';
import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { AccessLogsBucket, dataRemoval } from '@cdc-lakehouse/raw-zone';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ACCOUNT_ID, GovernanceConfig, PlatformConfig, sourcePorts, validateConfig } from './config';

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
  /**
   * Lake Formation admins, who may assume the analyst and PII-reader roles, the analysts' scan cutoff.
   * @default - no added admins; this account may assume the analyst role; no PII-reader role
   */
  readonly governance?: GovernanceConfig;
}

/** What every source stack takes from the platform. */
export interface SourceStackDependencies {
  readonly network: LakehouseNetwork;
  readonly serverAccessLogsBucket: IBucket;
  readonly accountRoles?: DmsAccountRoles;
  readonly bucketNamePrefix?: string;
  readonly warehouse: LakehouseWarehouse;
  /** The shared Lake Formation settings each source's governance builds on. */
  readonly governance: ILakeFormationSettings;
}

/** An account ID becomes that account's principal, an ARN that role or user. */
function principalOf(value: string): iam.IPrincipal {
  return ACCOUNT_ID.test(value) ? new iam.AccountPrincipal(value) : new iam.ArnPrincipal(value);
}

/**
 * The shared platform: the lakehouse network, whose replication security group reaches the
 * configured sources' ports; one access log bucket for every raw zone and the warehouse; the
 * account-wide DMS roles, created once here rather than by each source; the warehouse, with
 * one curated database per source, that every source's curation job writes into; and the shared
 * governance: Lake Formation settings (admins appended, the deploy role kept), the warehouse
 * location, the LF-tags, the revocation provider, and the analysts' side (an analyst role and,
 * when configured, a PII-reader role, each with its own Athena workgroup and results prefix,
 * granted by tag). Each source stack governs its own raw zone, databases and writers on these.
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
  /** The shared Lake Formation settings, tags, warehouse location, revocation provider and reader grants. */
  public readonly lakeFormation: LakeFormationSettings;
  /** The analysts' and PII readers' roles, workgroups and results bucket. */
  public readonly access: AnalystAccess;
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
    const governance = props.governance ?? {};
    this.lakeFormation = new LakeFormationSettings(this, 'LakeFormation', {
      sourceNames: props.config.sources.map((s) => s.name),
      warehouseBucket: this.warehouse.bucket,
      warehouseEncryptionKey: this.warehouse.encryptionKey,
      admins: governance.lakeFormationAdmins,
    });
    this.access = this.analystAccess(governance);
  }

  /** The analysts' (and PII readers') roles and workgroups, granted the curated zone by tag, with their outputs. */
  private analystAccess(governance: GovernanceConfig): AnalystAccess {
    const analysts = governance.analystPrincipals ?? [];
    const access = new AnalystAccess(this, 'Access', {
      curatedDatabaseNames: this.config.sources.map((s) => curatedDatabaseName(s.name)),
      analystPrincipals: analysts.length > 0 ? analysts.map(principalOf) : [new iam.AccountRootPrincipal()],
      piiReaderPrincipals: governance.piiReaderPrincipals?.map(principalOf),
      bytesScannedCutoffPerQuery: governance.bytesScannedCutoffPerQuery,
      serverAccessLogsBucket: this.accessLogs.bucket,
      // the analysts' results follow the lakehouse's removal flag (an environment's `removal`), like every bucket
      removalPolicy: dataRemoval(this).removalPolicy,
    });
    this.lakeFormation.grantReaders(access.analysts.role, { pii: false });
    new CfnOutput(this, 'AnalystRoleArn', { value: access.analysts.role.roleArn, description: 'Role analysts assume to query the curated tables' });
    new CfnOutput(this, 'AnalystWorkgroup', {
      value: access.analysts.workgroupName,
      description: 'Athena workgroup of the analyst role: lakehouse query --athena --workgroup <value> "SQL"',
    });
    if (access.piiReaders) {
      this.lakeFormation.grantReaders(access.piiReaders.role, { pii: true });
      new CfnOutput(this, 'PiiReaderRoleArn', { value: access.piiReaders.role.roleArn, description: 'Role that also reads the PII columns' });
      new CfnOutput(this, 'PiiReaderWorkgroup', { value: access.piiReaders.workgroupName, description: 'Athena workgroup of the PII-reader role' });
    }
    return access;
  }

  /** The analysts' workgroups (the analysts' and, when configured, the PII readers'). */
  public get workgroupNames(): string[] {
    return [this.access.analysts.workgroupName, ...(this.access.piiReaders ? [this.access.piiReaders.workgroupName] : [])];
  }

  /** The shared pieces a source stack is built on. */
  public sourceStackDependencies(): SourceStackDependencies {
    return {
      network: this.network,
      serverAccessLogsBucket: this.accessLogs.bucket,
      accountRoles: this.dmsAccountRoles,
      bucketNamePrefix: this.config.bucketNamePrefix,
      warehouse: this.warehouse,
      governance: this.lakeFormation,
    };
  }
}
