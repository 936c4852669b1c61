import { ACCOUNT_ID, GovernanceConfig, PlatformConfig, sourcePorts, validateConfig } from '@cdc-lakehouse/app-config';
import { LakehouseWarehouse, curatedDatabaseName } from '@cdc-lakehouse/curation-aws';
import { DmsAccountRoles } from '@cdc-lakehouse/dms';
import { AnalystAccess, LakeFormationSettings } from '@cdc-lakehouse/governance';
import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { PublishedPlatform, platformParameterPrefix } from '@cdc-lakehouse/platform-link';
import { AccessLogsBucket, dataRemoval } from '@cdc-lakehouse/raw-zone';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

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
  /**
   * The environment the platform is deployed as: names the path of its SSM parameters, `/cdc-lakehouse/<name>/platform`.
   * @default - `/cdc-lakehouse/default/platform`
   */
  readonly environmentName?: string;
  /** Who is e-mailed when an alarm of the lakehouse fires (the environment's alarm recipients). @default nobody */
  readonly alarmEmails?: readonly string[];
}

/** An account ID becomes that account's principal, an ARN that role or user. */
function principalOf(value: string): iam.IPrincipal {
  return ACCOUNT_ID.test(value) ? new iam.AccountPrincipal(value) : new iam.ArnPrincipal(value);
}

/**
 * The shared platform, deployed once per account and region by the platform app: the lakehouse network, whose
 * replication security group reaches the configured sources' ports; one access log bucket for every raw zone and the
 * warehouse; the account-wide DMS roles, created once here rather than by each source; the warehouse every source's
 * curation writes into (each source creates its own curated database in it); the shared governance (Lake Formation
 * settings with admins appended and the deploy role kept, the warehouse location, the LF-tags, the revocation
 * provider, and the analysts' side: an analyst role and, when configured, a PII-reader role, each with its own Athena
 * workgroup and results prefix, granted by tag); and the lakehouse's alarm topic. Its pieces are published as SSM
 * parameters (`PublishedPlatform`), where the lakehouse app's source stacks find them.
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
  /** The topic every alarm of the lakehouse's dashboard notifies (KMS-encrypted, TLS only). */
  public readonly alarmTopic: sns.Topic;
  /** The SSM parameters the lakehouse app's source stacks read. */
  public readonly published: PublishedPlatform;
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
    // the raw zones live in the lakehouse app's stacks and cannot add themselves to this bucket's policy
    this.accessLogs.acceptLogsFromAccount();
    new CfnOutput(this, 'AccessLogsBucketName', { value: this.accessLogs.bucket.bucketName, description: 'Server access logs of every raw zone' });

    if (props.createDmsAccountRoles ?? true) {
      this.dmsAccountRoles = new DmsAccountRoles(this, 'DmsAccountRoles');
    }

    // the curated databases belong to the sources' stacks (each creates its own in this warehouse)
    this.warehouse = new LakehouseWarehouse(this, 'Warehouse', {
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
    this.alarmTopic = this.createAlarmTopic(props.alarmEmails ?? []);
    this.published = new PublishedPlatform(this, 'Parameters', {
      prefix: platformParameterPrefix(props.environmentName),
      network: this.network,
      serverAccessLogsBucket: this.accessLogs.bucket,
      warehouse: this.warehouse,
      lakeFormation: this.lakeFormation,
      alarmTopic: this.alarmTopic,
    });
    new CfnOutput(this, 'ParameterPrefix', {
      value: this.published.prefix,
      description: 'SSM path of the parameters the lakehouse app reads: aws ssm get-parameters-by-path --recursive --path <value>',
    });
  }

  /** The alarm topic, encrypted with a key CloudWatch may use for this account's alarms, with the recipients subscribed. */
  private createAlarmTopic(emails: readonly string[]): sns.Topic {
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the lakehouse alarm topic' });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
    }));
    const topic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'CDC lakehouse alarms' });
    for (const email of emails) topic.addSubscription(new EmailSubscription(email));
    new CfnOutput(this, 'AlarmTopicArn', { value: topic.topicArn, description: 'SNS topic of the lakehouse alarms: subscribe to it' });
    return topic;
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
}
