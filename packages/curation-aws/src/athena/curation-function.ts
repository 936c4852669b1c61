import * as fs from 'node:fs';
import * as path from 'node:path';
import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { RawTables } from './raw-tables';
import { CURATION_METRIC_NAMESPACE, FRESHNESS_SOURCE_ENV } from './runtime/metric-names';
import { LakehouseWarehouse } from '../warehouse/lakehouse-warehouse';

/** Where the warehouse keeps Athena curation watermarks: `_watermarks/<curated db>/<table>.json`. */
export const WATERMARK_PREFIX = '_watermarks/';

/** Props of {@link AthenaCurationFunction}. */
export interface AthenaCurationFunctionProps {
  readonly sourceName: string;
  readonly warehouse: LakehouseWarehouse;
  /** The raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /** The source's folder in the raw bucket (key prefix, ending with `/`, or '' for the whole bucket). */
  readonly rawPrefix: string;
  /** The source's raw tables in the catalog. */
  readonly rawTables: RawTables;
  /** The curated database (its tables' columns are read, never changed, by the function). */
  readonly curatedDatabase: string;
}

/**
 * The Athena curation Lambda (Node.js 24, bundled with esbuild): `prepare` and `commit` of the runtime in
 * `runtime/handler.ts`. Least privilege: read the source's raw folder (and decrypt with the raw key), read and write
 * the watermark folder of the source's curated database, read the curated tables' catalog entries, read and update
 * the raw tables' catalog entries. It runs no query: the state machine does.
 */
export class AthenaCurationFunction extends Construct {
  public readonly function: nodejs.NodejsFunction;
  /** The watermark folder's key prefix in the warehouse bucket. */
  public readonly watermarkPrefix: string;

  constructor(scope: Construct, id: string, props: AthenaCurationFunctionProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const envKey = new kms.Key(this, 'EnvironmentKey', { description: `Encrypts the environment of source ${props.sourceName}'s Athena curation Lambda`, enableKeyRotation: true });
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    // a role of its own: the managed AWSLambdaBasicExecutionRole would let it write to every log group
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Athena curation Lambda of source ${props.sourceName}`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [`${logGroup.logGroupArn}:*`] }));
    acknowledgeResource(role, 'AwsSolutions-IAM5', `${logGroup.logGroupArn}:*`, 'Lambda names its log streams itself; only this function\'s log group.');
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry: handlerEntry(),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: Duration.minutes(5),
      description: `Athena curation of source ${props.sourceName}: plans each table's batch (prepare) and stores its watermark (commit)`,
      environmentEncryption: envKey,
      // the source names the freshness metric's Source dimension and turns publishing on
      environment: { NODE_OPTIONS: '--enable-source-maps', [FRESHNESS_SOURCE_ENV]: props.sourceName },
      logGroup,
      role,
      bundling: { minify: true, sourceMap: true, target: 'node22', externalModules: ['@aws-sdk/*'] },
    });
    // the commit step publishes each table's FreshnessSeconds
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': CURATION_METRIC_NAMESPACE } },
    }));
    acknowledgeResource(role, 'AwsSolutions-IAM5', '*',
      `cloudwatch:PutMetricData has no resource-level permissions; the statement is limited to the ${CURATION_METRIC_NAMESPACE} namespace (FreshnessSeconds).`);
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;

    // raw zone: list the source's folder, read its files (footers only, by ranged GET)
    const rawPrefix = props.rawPrefix;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [props.rawBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${rawPrefix}*`] } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.rawBucket.arnForObjects(`${rawPrefix}*`)] }));
    acknowledgeResource(role, 'AwsSolutions-IAM5', props.rawBucket.arnForObjects(`${rawPrefix}*`),
      'DMS names the change files itself; read-only (footers), within this source\'s raw folder.');
    if (props.rawBucket.encryptionKey) {
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['kms:Decrypt'],
        resources: [props.rawBucket.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }));
    }
    // watermarks: read (ListBucket so a missing watermark is a 404, not a 403) and write
    this.watermarkPrefix = `${WATERMARK_PREFIX}${props.curatedDatabase}/`;
    const bucket = props.warehouse.bucket;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${this.watermarkPrefix}*`] } },
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:PutObject'], resources: [bucket.arnForObjects(`${this.watermarkPrefix}*`)] }));
    acknowledgeResource(role, 'AwsSolutions-IAM5', bucket.arnForObjects(`${this.watermarkPrefix}*`),
      `One watermark object per table, in the watermark folder of ${props.curatedDatabase} only.`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resources: [props.warehouse.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
    }));
    // catalog: the raw tables (read, update columns) and the curated tables (read)
    const rawDb = props.rawTables.databaseName;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['glue:GetTable', 'glue:UpdateTable'],
      resources: [glueArn('catalog'), glueArn(`database/${rawDb}`), ...[...props.rawTables.tables.values()].map((t) => glueArn(`table/${rawDb}/${t.tableName}`))],
    }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['glue:GetTable'], resources: [glueArn('catalog'), glueArn(`database/${props.curatedDatabase}`), glueArn(`table/${props.curatedDatabase}/*`)],
    }));
    acknowledgeResource(role, 'AwsSolutions-IAM5', glueArn(`table/${props.curatedDatabase}/*`),
      `Reads (never changes) the columns of the curated tables of ${props.curatedDatabase}, which Athena creates at run time.`);
  }
}

/** The handler's source next to this file (TypeScript in the repository, JavaScript in `lib/`). */
function handlerEntry(): string {
  for (const name of ['handler.ts', 'handler.js']) {
    const candidate = path.join(__dirname, 'runtime', name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`the Athena curation handler is missing next to ${__dirname}; build @cdc-lakehouse/curation-aws`);
}
