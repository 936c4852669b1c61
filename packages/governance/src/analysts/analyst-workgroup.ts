import { Duration, Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Athena engine version 3: Iceberg reads, time travel (`FOR TIMESTAMP AS OF`), `$snapshots` metadata tables. */
const ENGINE_VERSION = 'Athena engine version 3';
/** Longest session an analyst gets from one AssumeRole (IAM's maximum). */
const MAX_SESSION = Duration.hours(12);

/** One Athena workgroup with the only role that may query in it. */
export interface AnalystWorkgroupAccess {
  /** The workgroup: configuration enforced, engine v3, results encrypted with the results key, scan cutoff. */
  readonly workgroup: athena.CfnWorkGroup;
  /** The workgroup's name (`lakehouse-analysts` or `lakehouse-pii-readers`). */
  readonly workgroupName: string;
  /** The role to assume for queries in this workgroup (and nowhere else). */
  readonly role: iam.Role;
  /** This workgroup's folder of the results bucket, e.g. `analysts/`; nobody else may read it. */
  readonly resultsPrefix: string;
}

/** What {@link AnalystWorkgroup} builds on (not exported from the package). */
export interface AnalystWorkgroupProps {
  readonly workgroupName: string;
  readonly description: string;
  readonly resultsPrefix: string;
  readonly principals: readonly iam.IPrincipal[];
  readonly resultsBucket: s3.IBucket;
  readonly resultsKey: kms.IKey;
  readonly curatedDatabaseNames: readonly string[];
  readonly bytesScannedCutoffPerQuery: number;
}

/**
 * A workgroup and its role: the role may run, stop and read queries in this workgroup only, read the Glue catalog
 * entries of the curated databases only, and read and write this workgroup's results folder only. It has no S3
 * access to any data bucket: Lake Formation vends short-lived credentials for the tables it was granted.
 * Not exported from the package: {@link AnalystAccess} builds it.
 */
export class AnalystWorkgroup extends Construct implements AnalystWorkgroupAccess {
  public readonly workgroup: athena.CfnWorkGroup;
  public readonly workgroupName: string;
  public readonly role: iam.Role;
  public readonly resultsPrefix: string;

  constructor(scope: Construct, id: string, props: AnalystWorkgroupProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.workgroupName = props.workgroupName;
    this.resultsPrefix = props.resultsPrefix;

    this.workgroup = new athena.CfnWorkGroup(this, 'Workgroup', {
      name: props.workgroupName,
      description: props.description,
      state: 'ENABLED',
      // the workgroup holds no data (results live in the bucket): deleting it with its saved queries is fine
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        requesterPaysEnabled: false,
        bytesScannedCutoffPerQuery: props.bytesScannedCutoffPerQuery,
        engineVersion: { selectedEngineVersion: ENGINE_VERSION },
        resultConfiguration: {
          outputLocation: `s3://${props.resultsBucket.bucketName}/${props.resultsPrefix}`,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.resultsKey.keyArn },
          expectedBucketOwner: stack.account,
        },
      },
    });

    this.role = new iam.Role(this, 'Role', {
      description: `Queries the curated lakehouse tables in Athena workgroup ${props.workgroupName}`,
      assumedBy: new iam.CompositePrincipal(...props.principals),
      maxSessionDuration: MAX_SESSION,
    });
    // lets CloudTrail name the person behind each session (e.g. the SSO user) when the caller sets a source identity
    for (const principal of props.principals) {
      this.role.assumeRolePolicy?.addStatements(new iam.PolicyStatement({ actions: ['sts:SetSourceIdentity'], principals: [principal] }));
    }
    this.grantQueries(props);
  }

  /** The workgroup's ARN. */
  public get workgroupArn(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:athena:${stack.region}:${stack.account}:workgroup/${this.workgroupName}`;
  }

  private grantQueries(props: AnalystWorkgroupProps): void {
    const stack = Stack.of(this);
    const glue = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    const statements = [
      new iam.PolicyStatement({
        sid: 'QueriesInTheWorkgroup',
        actions: [
          'athena:StartQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryExecution', 'athena:GetQueryResults',
          'athena:GetWorkGroup', 'athena:ListQueryExecutions', 'athena:BatchGetQueryExecution',
        ],
        resources: [this.workgroupArn],
      }),
      new iam.PolicyStatement({
        sid: 'CuratedCatalog',
        actions: ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions'],
        resources: [
          glue('catalog'),
          ...props.curatedDatabaseNames.map((db) => glue(`database/${db}`)),
          ...props.curatedDatabaseNames.map((db) => glue(`table/${db}/*`)),
        ],
      }),
      new iam.PolicyStatement({
        sid: 'ResultsBucketLocation',
        actions: ['s3:GetBucketLocation'],
        resources: [props.resultsBucket.bucketArn],
      }),
      new iam.PolicyStatement({
        sid: 'ListOwnResults',
        actions: ['s3:ListBucket'],
        resources: [props.resultsBucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': [`${props.resultsPrefix}*`] } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadWriteOwnResults',
        actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
        resources: [props.resultsBucket.arnForObjects(`${props.resultsPrefix}*`)],
      }),
      new iam.PolicyStatement({
        sid: 'ResultsKeyThroughS3',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [props.resultsKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }),
      new iam.PolicyStatement({
        sid: 'LakeFormationCredentials',
        // Lake Formation checks its own grants before vending credentials; this action has no resource type
        actions: ['lakeformation:GetDataAccess'],
        resources: ['*'],
      }),
    ];
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
  }
}
