import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { SparkJobSpec } from '@cdc-lakehouse/curation';
import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { RawZone, dataRemoval } from '@cdc-lakehouse/raw-zone';
import { Duration, Names, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { GlueCurationJobProps } from './glue-curation-job-props';
import { findGlueScriptsDir, glueScriptsLayout } from './glue-scripts';
import { ICEBERG_CATALOG, glueConfArgument, icebergSparkConf } from './iceberg-spark-conf';
import { sourceJobSpec } from './job-spec';
import { CURATION_METRIC_NAMESPACE } from '../athena/runtime/metric-names';
import { curatedDatabaseName, validateSourceName } from '../private/names';

const RAW_PREFIX = /^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/;

/**
 * The curation of one source on AWS: a Glue 5.0 PySpark job (`glue-scripts/curate_table.py`, with
 * the `lakehouse_curation` package as `--extra-py-files`) that merges the source's raw DMS files
 * into its Iceberg tables in the warehouse, following the job spec generated at synth from the
 * source's tables. One run at a time (`MaxConcurrentRuns` 1): runs of one source never race on a table.
 *
 * Iceberg on Glue is configured once (`--datalake-formats iceberg` and the Spark conf of
 * {@link icebergSparkConf}). A security configuration encrypts what Glue writes to S3 with the
 * warehouse key, and the job's CloudWatch logs and bookmarks with a key of the job. The role reads
 * the raw zone, reads and writes the source's warehouse folder and its `curated_<source>` database
 * and tables, reads exactly the three objects the job is made of, and writes its own logs.
 */
export class GlueCurationJob extends Construct {
  /** The source the job curates. */
  public readonly sourceName: string;
  /** The Glue database the job writes: `curated_<source>`. */
  public readonly databaseName: string;
  /** The Glue job. */
  public readonly job: glue.PySparkEtlJob;
  /** The job's name, a literal: what other stacks name it by (`job.jobName` is the resource's Ref). */
  public readonly jobName: string;
  /** The job's role. */
  public readonly role: iam.Role;
  /** Encrypts the job's CloudWatch logs and job bookmarks. */
  public readonly encryptionKey: kms.Key;
  /** The job's security configuration. */
  public readonly securityConfiguration: glue.SecurityConfiguration;
  /** The job's continuous (driver and executor) log group. */
  public readonly logGroup: logs.LogGroup;
  /** The job spec the job runs, as generated from `tables` (also uploaded, see `jobSpecUri`). */
  public readonly jobSpec: SparkJobSpec;
  /** `s3://…` of the uploaded job spec (`--job_spec_uri`). */
  public readonly jobSpecUri: string;
  /** The job arguments of the contract: `--job_spec_uri`, `--raw_root`, `--warehouse`, `--catalog`. */
  public readonly jobParameters: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: GlueCurationJobProps) {
    super(scope, id);
    validateSourceName('sourceName', props.sourceName);
    validateRawPrefix(props.rawPrefix);
    const workerCount = wholeNumber('workerCount', props.workerCount ?? 2, 2, 299);
    const maxRetries = wholeNumber('maxRetries', props.maxRetries ?? 0, 0, 10);
    const timeout = props.timeout ?? Duration.minutes(60);
    wholeNumber('timeout (minutes)', timeout.toMinutes({ integral: false }), 1, 2880);
    this.sourceName = props.sourceName;
    this.databaseName = curatedDatabaseName(props.sourceName);
    if (props.jobName !== undefined && (Token.isUnresolved(props.jobName) || props.jobName.length === 0 || props.jobName.length > 255)) {
      throw new Error(`jobName: '${props.jobName}' is not a literal Glue job name of 1 to 255 characters; `
        + 'give a literal (other stacks name the job by it), or leave it out for a generated one');
    }
    this.jobName = props.jobName ?? Names.uniqueResourceName(this, { maxLength: 255, separator: '-' });
    props.warehouse.curatedDatabase(props.sourceName); // fails early, naming the fix, when the warehouse lacks it
    const stack = Stack.of(this);
    const removal = dataRemoval(this);
    const layout = glueScriptsLayout(props.glueScriptsDir ?? findGlueScriptsDir());

    this.jobSpec = sourceJobSpec(props.sourceName, props.tables, ICEBERG_CATALOG);
    // the name Glue derives the log group names from; unique per job, a literal so policies can name the groups
    const securityConfigurationName = Names.uniqueResourceName(this, { maxLength: 100, separator: '-' }).toLowerCase();
    const logGroupPrefix = `/aws-glue/jobs/${securityConfigurationName}`;
    const logGroupArns = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${logGroupPrefix}-*`;

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('glue.amazonaws.com'),
      description: `Glue curation job of source ${props.sourceName}: raw zone read, ${this.databaseName} read/write`,
    });

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the logs and job bookmarks of the curation job of source ${props.sourceName}`,
      enableKeyRotation: true,
      removalPolicy: removal.removalPolicy,
      pendingWindow: removal.removeData ? Duration.days(7) : undefined,
    });
    // CloudWatch Logs encrypts the job's log groups with the key, and only those
    this.encryptionKey.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': logGroupArns } },
    }));

    this.securityConfiguration = new glue.SecurityConfiguration(this, 'SecurityConfiguration', {
      securityConfigurationName,
      s3Encryption: glue.S3Encryption.kms(props.warehouse.encryptionKey),
      cloudWatchEncryption: glue.CloudWatchEncryption.kms(this.encryptionKey),
      jobBookmarksEncryption: glue.JobBookmarksEncryption.clientSideKms(this.encryptionKey),
      // settings, not data: a retained configuration would block redeploying under the same name
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName: `${logGroupPrefix}-continuous`,
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: removal.removalPolicy,
    });

    const script = new s3assets.Asset(this, 'Script', { path: layout.entryPoint });
    const pythonPackage = new s3assets.Asset(this, 'PythonPackage', {
      path: layout.pythonSources,
      exclude: ['**/__pycache__', '**/*.pyc', '**/tests', '**/.pytest_cache'],
    });
    const spec = new s3assets.Asset(this, 'JobSpec', { path: writeJobSpecFile(this.jobSpec) });
    this.jobSpecUri = spec.s3ObjectUrl;

    this.jobParameters = {
      '--job_spec_uri': this.jobSpecUri,
      '--raw_root': `s3://${props.rawZone.bucket.bucketName}/${props.rawPrefix}`,
      '--warehouse': props.warehouse.warehouseUri,
      '--catalog': ICEBERG_CATALOG,
    };

    this.job = new glue.PySparkEtlJob(this, 'Job', {
      jobName: this.jobName,
      description: `Merges the raw DMS changes of source ${props.sourceName} into the Iceberg tables of ${this.databaseName}`,
      role: this.role,
      glueVersion: glue.GlueVersion.V5_0,
      script: new ObjectCode(script),
      extraPythonFiles: [new ObjectCode(pythonPackage)],
      workerConfiguration: { workerType: props.workerType ?? glue.WorkerType.G_1X, numberOfWorkers: workerCount },
      timeout,
      maxRetries,
      maxConcurrentRuns: 1,
      securityConfiguration: this.securityConfiguration,
      continuousLogging: { enabled: true, logGroup: this.logGroup },
      enableMetrics: props.metrics ?? false,
      enableObservabilityMetrics: props.metrics ?? false,
      defaultArguments: {
        '--datalake-formats': 'iceberg',
        '--conf': glueConfArgument(icebergSparkConf(props.warehouse.warehouseUri, ICEBERG_CATALOG)),
        // bookmarks cannot track Iceberg tables; the watermark lives in each table's snapshot summary
        '--job-bookmark-option': 'job-bookmark-disable',
        // turns on the per-table FreshnessSeconds metric (CdcLakehouse/Curation, Source = this source); local runs pass none
        '--freshness_source': props.sourceName,
        ...this.jobParameters,
      },
    });
    ObjectCode.grantRead(this.role, spec);

    this.grantData(props.rawZone, props.warehouse);
    this.grantLogs(logGroupArns);
    const unscoped = [
      this.grantFreshnessMetric(),
      ...(props.lakeFormation ? [this.grantLakeFormation()] : []),
      ...(props.metrics ? [this.grantMetrics()] : []),
    ];
    if (unscoped.length > 0) acknowledgeResource(this.role, 'AwsSolutions-IAM5', '*', unscoped.join(' '));
  }

  /** Lets `grantee` (a scheduler, a Step Functions state machine) start this job, follow its runs and stop them. */
  public grantStartRun(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:StartJobRun', 'glue:GetJobRun', 'glue:GetJobRuns', 'glue:BatchStopJobRun'],
      resourceArns: [this.job.jobArn],
    });
  }

  private grantData(rawZone: RawZone, warehouse: GlueCurationJobProps['warehouse']): void {
    rawZone.grantRead(this.role);
    acknowledgeResource(this.role, 'AwsSolutions-IAM5', rawZone.bucket.arnForObjects('*'),
      'The job reads change files DMS names itself, anywhere in this source\'s own raw-zone bucket; read-only.');
    warehouse.grantReadWrite(this.role, this.sourceName);
    acknowledgeResource(this.role, 'AwsSolutions-IAM5', warehouse.objectsArn(this.sourceName),
      `Iceberg names data and metadata files itself; access is limited to the folder of ${this.databaseName} in the warehouse.`);
    const tables = warehouse.catalogArns(this.sourceName).find((arn) => arn.includes(':table/'))!;
    acknowledgeResource(this.role, 'AwsSolutions-IAM5', tables,
      `The job creates the curated tables at run time (from the raw files' schema); catalog access is limited to ${this.databaseName}.`);
  }

  private grantLogs(logGroupArns: string): void {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents', 'logs:AssociateKmsKey'],
      resources: [logGroupArns],
    }));
    acknowledgeResource(this.role, 'AwsSolutions-IAM5', logGroupArns,
      'Glue names the output/error log groups after the security configuration and the role and creates them on the first run; '
      + 'the prefix belongs to this job\'s security configuration only.');
    // the security configuration has the job encrypt bookmarks client-side with the job key, through this role
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
      resources: [this.encryptionKey.keyArn],
    }));
  }

  /** @returns why the statement's `*` resource is acceptable */
  private grantLakeFormation(): string {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lakeformation:GetDataAccess'], resources: ['*'] }));
    return 'lakeformation:GetDataAccess has no resource-level permissions; Lake Formation grants decide which tables the credentials cover.';
  }

  /** @returns why the statement's `*` resource is acceptable */
  private grantFreshnessMetric(): string {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': CURATION_METRIC_NAMESPACE } },
    }));
    return `cloudwatch:PutMetricData has no resource-level permissions; the freshness statement is limited to the ${CURATION_METRIC_NAMESPACE} namespace.`;
  }

  /** @returns why the statement's `*` resource is acceptable */
  private grantMetrics(): string {
    this.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
    }));
    return 'cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the Glue namespace.';
  }
}

/**
 * Code in an asset, read by the job role with `s3:GetObject` on that one object (the stock asset
 * code grants `s3:GetObject*`/`s3:List*` on the whole staging bucket).
 */
class ObjectCode extends glue.Code {
  /** Grants `s3:GetObject` on exactly the asset's object. */
  public static grantRead(grantee: iam.IGrantable, asset: s3assets.Asset): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject'],
      resources: [`arn:${Stack.of(asset).partition}:s3:::${asset.s3BucketName}/${asset.s3ObjectKey}`],
    }));
  }

  constructor(private readonly asset: s3assets.Asset) {
    super();
  }

  public bind(_scope: Construct, grantable: iam.IGrantable): glue.CodeConfig {
    ObjectCode.grantRead(grantable, this.asset);
    return { s3Location: { bucketName: this.asset.s3BucketName, objectKey: this.asset.s3ObjectKey } };
  }
}

/**
 * Writes the spec where an asset can pick it up: a file named by its content hash under the system
 * temp folder, so synthesizing twice (or in parallel) gives the same file and the same asset hash.
 */
function writeJobSpecFile(spec: SparkJobSpec): string {
  const text = `${JSON.stringify(spec, undefined, 2)}\n`;
  const hash = crypto.createHash('sha256').update(text).digest('hex');
  const dir = path.join(os.tmpdir(), 'cdc-lakehouse-job-specs', hash);
  const file = path.join(dir, 'job-spec.json');
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
    fs.mkdirSync(dir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  }
  return file;
}

function validateRawPrefix(prefix: string): void {
  if (Token.isUnresolved(prefix)) return;
  if (!RAW_PREFIX.test(prefix)) {
    throw new Error(`rawPrefix: '${prefix}' is not allowed; use the DMS target's bucketFolder, e.g. 'orders': letters, digits, _ . = - separated by single slashes, no leading or trailing slash`);
  }
}

function wholeNumber(prop: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop}: ${value} is not allowed; use a whole number from ${min} to ${max}`);
  }
  return value;
}
