import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { Construct } from 'constructs';
import { AnalystWorkgroup, AnalystWorkgroupAccess } from './analyst-workgroup';

/** Athena's floor for a workgroup's per-query scan cutoff: 10 MB (10,485,760 bytes). */
export const MIN_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024;
/** Default per-query scan cutoff of the analyst workgroups: 10 GiB (about $0.05 per query at $5 per TB). */
export const DEFAULT_BYTES_SCANNED_CUTOFF = 10 * 1024 * 1024 * 1024;
/** Name of the analysts' workgroup. */
export const ANALYSTS_WORKGROUP_NAME = 'lakehouse-analysts';
/** Name of the PII readers' workgroup. */
export const PII_READERS_WORKGROUP_NAME = 'lakehouse-pii-readers';

/** A Glue / Athena database name: lowercase letters, digits and underscores. */
const DATABASE_NAME = /^[a-z0-9_]{1,255}$/;

/** Props of {@link AnalystAccess}. */
export interface AnalystAccessProps {
  /**
   * The curated databases (`curated_<source>`) analysts may see in the catalog; what they may read is up to Lake Formation.
   * Give literal names: the cdk-nag acknowledgements of the `table/<database>/*` wildcards are written with them.
   */
  readonly curatedDatabaseNames: readonly string[];
  /**
   * Who may assume the analyst role (e.g. an SSO permission set's role as `iam.ArnPrincipal`, or `iam.AccountRootPrincipal`).
   * The role allows 12-hour sessions, but a session assumed from another role's session (role chaining, e.g. from SSO) lasts
   * at most 1 hour: that is an STS limit.
   */
  readonly analystPrincipals: readonly iam.IPrincipal[];
  /**
   * Who may assume the PII-reader role.
   * @default - none, and no PII-reader role or workgroup is created (an empty list means the same)
   */
  readonly piiReaderPrincipals?: readonly iam.IPrincipal[];
  /**
   * Per-query scan cutoff of both workgroups, in bytes: a query scanning more is cancelled (and billed for what it scanned).
   * @default DEFAULT_BYTES_SCANNED_CUTOFF (10 GiB)
   */
  readonly bytesScannedCutoffPerQuery?: number;
  /**
   * Where the results bucket's server access logs go; must not be SSE-KMS encrypted (S3 log delivery cannot write there).
   * @default - a log bucket of its own (SSE-S3, TLS only, logs expire after 365 days)
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * How long query results are kept.
   * @default Duration.days(30)
   */
  readonly resultsExpiration?: Duration;
  /**
   * What happens to the results bucket, its key and the created log bucket when the stack is deleted.
   * `DESTROY` empties and deletes the buckets and schedules the key for deletion (7 days).
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * Athena access for people: one results bucket (customer-managed key with rotation, TLS only, never public, results
 * expired, server access logs) and one workgroup per role, `lakehouse-analysts` and optionally `lakehouse-pii-readers`,
 * each writing to its own folder of the bucket. Anyone who can get an object in a folder reads every result in it, so the
 * bucket policy denies reading a folder to everybody but its own role: PII results never reach the analysts.
 *
 * The roles can query, read the curated databases' catalog entries and use their results folder; they get no S3 access to
 * raw or warehouse data. What rows and columns they see is granted in Lake Formation by tag (see
 * `LakeFormationSettings.grantReaders`): pass `analysts.role` with `pii: false` and `piiReaders.role` with `pii: true`.
 *
 * The workgroup names are fixed, so there is one `AnalystAccess` per account and region. Because of the bucket policy, not
 * even an administrator reads results through S3 without assuming the folder's role (they can still change the policy).
 */
export class AnalystAccess extends Construct {
  /** The bucket both workgroups write their results to, each in its own folder. */
  public readonly resultsBucket: s3.Bucket;
  /** The key encrypting the results (bucket default and the workgroups' SSE_KMS). */
  public readonly resultsKey: kms.Key;
  /** The analysts' workgroup and role: curated tables tagged `sensitivity=general`. */
  public readonly analysts: AnalystWorkgroupAccess;
  /** The PII readers' workgroup and role, when `piiReaderPrincipals` were given. */
  public readonly piiReaders?: AnalystWorkgroupAccess;

  constructor(scope: Construct, id: string, props: AnalystAccessProps) {
    super(scope, id);
    // log delivery is granted by bucket policy (ACLs are disabled) whatever the app's feature flags say
    this.node.setContext(cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, true);
    const databases = validateDatabaseNames(props.curatedDatabaseNames);
    if (props.analystPrincipals.length === 0) {
      throw new Error('analystPrincipals: empty; pass at least one principal that may assume the analyst role, e.g. new iam.ArnPrincipal(<SSO role ARN>)');
    }
    const cutoff = validateCutoff(props.bytesScannedCutoffPerQuery ?? DEFAULT_BYTES_SCANNED_CUTOFF);
    const expirationDays = wholeDays('resultsExpiration', props.resultsExpiration ?? Duration.days(30));
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    if (removalPolicy === RemovalPolicy.SNAPSHOT) {
      throw new Error('removalPolicy: SNAPSHOT is not supported by S3 buckets or KMS keys; use RETAIN (keep the results) or DESTROY (delete them)');
    }
    if (props.serverAccessLogsBucket?.encryptionKey) {
      throw new Error('serverAccessLogsBucket: S3 server access logs cannot be delivered to an SSE-KMS bucket; use an SSE-S3 bucket');
    }
    const destroy = removalPolicy === RemovalPolicy.DESTROY;

    this.resultsKey = new kms.Key(this, 'ResultsKey', {
      description: 'Encrypts the Athena query results of the lakehouse analysts',
      enableKeyRotation: true,
      removalPolicy,
      pendingWindow: destroy ? Duration.days(7) : undefined,
    });
    this.resultsBucket = new s3.Bucket(this, 'ResultsBucket', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.resultsKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // results are disposable and re-runnable: no versions to keep
      versioned: false,
      serverAccessLogsBucket: props.serverAccessLogsBucket ?? this.createLogBucket(removalPolicy),
      serverAccessLogsPrefix: 'athena-results/',
      lifecycleRules: [{
        id: 'expire-query-results',
        expiration: Duration.days(expirationDays),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      }],
      removalPolicy,
      autoDeleteObjects: destroy,
    });

    const common = {
      resultsBucket: this.resultsBucket, resultsKey: this.resultsKey, curatedDatabaseNames: databases, bytesScannedCutoffPerQuery: cutoff,
    };
    const analysts = new AnalystWorkgroup(this, 'Analysts', {
      ...common,
      workgroupName: ANALYSTS_WORKGROUP_NAME,
      description: 'Lakehouse analysts: curated tables without PII; results encrypted, in a folder only analysts read',
      resultsPrefix: 'analysts/',
      principals: props.analystPrincipals,
    });
    this.analysts = analysts;
    const workgroups = [analysts];
    if (props.piiReaderPrincipals && props.piiReaderPrincipals.length > 0) {
      const piiReaders = new AnalystWorkgroup(this, 'PiiReaders', {
        ...common,
        workgroupName: PII_READERS_WORKGROUP_NAME,
        description: 'Lakehouse PII readers: curated tables including PII columns; results in a folder only PII readers read',
        resultsPrefix: 'pii-readers/',
        principals: props.piiReaderPrincipals,
      });
      this.piiReaders = piiReaders;
      workgroups.push(piiReaders);
    }
    for (const workgroup of workgroups) this.denyOthersReading(workgroup);
    this.acknowledgeWildcards(workgroups, databases);
  }

  /** Only the workgroup's role may read its results folder, whatever other IAM policies in the account allow. */
  private denyOthersReading(workgroup: AnalystWorkgroup): void {
    this.resultsBucket.addToResourcePolicy(new iam.PolicyStatement({
      sid: `OnlyTheRoleReads${workgroup.node.id}`,
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['s3:GetObject', 's3:GetObjectVersion'],
      resources: [this.resultsBucket.arnForObjects(`${workgroup.resultsPrefix}*`)],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': workgroup.role.roleArn } },
    }));
  }

  private acknowledgeWildcards(workgroups: readonly AnalystWorkgroup[], databases: readonly string[]): void {
    for (const workgroup of workgroups) {
      const ids = [
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::<${this.logicalIdOf(this.resultsBucket)}.Arn>/${workgroup.resultsPrefix}*]`,
        ...databases.map((db) => `AwsSolutions-IAM5[Resource::${this.glueArnAsNagShowsIt(`table/${db}/*`)}]`),
      ];
      for (const id of ids) {
        Validations.of(workgroup.role).acknowledge({
          id,
          reason: 'Wildcards limited to: the role\'s own results folder (Athena names result files), the tables of the curated databases '
            + '(which tables and columns are readable is granted in Lake Formation), and lakeformation:GetDataAccess (no resource type).',
        });
      }
    }
  }

  /** A Glue ARN the way cdk-nag writes it in a finding: pseudo parameters as `<AWS::Region>`, literals as they are. */
  private glueArnAsNagShowsIt(resource: string): string {
    const stack = Stack.of(this);
    const part = (value: string, pseudo: string) => (Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value);
    return `arn:${part(stack.partition, 'Partition')}:glue:${part(stack.region, 'Region')}:${part(stack.account, 'AccountId')}:${resource}`;
  }

  private logicalIdOf(bucket: s3.Bucket): string {
    return Stack.of(this).getLogicalId(bucket.node.defaultChild as s3.CfnBucket);
  }

  private createLogBucket(removalPolicy: RemovalPolicy): s3.Bucket {
    const bucket = new s3.Bucket(this, 'AccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy,
      autoDeleteObjects: removalPolicy === RemovalPolicy.DESTROY,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This bucket is the server access log target; logging it would need yet another log bucket, and logging it into itself loops.',
    });
    return bucket;
  }
}

function validateDatabaseNames(names: readonly string[]): string[] {
  if (names.length === 0) {
    throw new Error('curatedDatabaseNames: empty; pass the curated databases analysts may query, e.g. [\'curated_orders\']');
  }
  for (const name of names) {
    if (!Token.isUnresolved(name) && !DATABASE_NAME.test(name)) {
      throw new Error(`curatedDatabaseNames: '${name}' is not a Glue database name; use lowercase letters, digits and underscores, e.g. 'curated_orders'`);
    }
  }
  return [...new Set(names)];
}

function validateCutoff(bytes: number): number {
  if (Token.isUnresolved(bytes)) return bytes;
  if (!Number.isSafeInteger(bytes) || bytes < MIN_BYTES_SCANNED_CUTOFF) {
    throw new Error(
      `bytesScannedCutoffPerQuery: ${bytes} is not allowed; use a whole number of bytes of at least ${MIN_BYTES_SCANNED_CUTOFF} (10 MB, Athena's minimum)`,
    );
  }
  return bytes;
}

function wholeDays(prop: string, duration: Duration): number {
  const days = duration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < 1) {
    throw new Error(`${prop}: ${duration.toHumanString()} is not allowed; use a whole number of days, at least 1`);
  }
  return days;
}
