import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LakehouseWarehouse } from '../warehouse/lakehouse-warehouse';

/** Props of {@link CurationWorkgroup}. */
export interface CurationWorkgroupProps {
  /** The warehouse: its bucket holds the query results, its key encrypts them. */
  readonly warehouse: LakehouseWarehouse;
  /**
   * Workgroup name.
   * @default `lakehouse-curation-<stack name>` (lowercase)
   */
  readonly workgroupName?: string;
  /**
   * Folder of the warehouse bucket for query results (nobody but curation reads it: results can hold any row).
   * @default '_athena-results/curation/'
   */
  readonly resultsPrefix?: string;
}

/**
 * The Athena workgroup curation runs in: engine version 3 (MERGE into Iceberg), its configuration enforced, results
 * in the warehouse bucket encrypted with the warehouse key (SSE_KMS), CloudWatch metrics on, and no
 * BytesScannedCutoffPerQuery: a MERGE over the limit would be cancelled half-way and billed all the same.
 */
export class CurationWorkgroup extends Construct {
  /** The workgroup. */
  public readonly workgroup: athena.CfnWorkGroup;
  /** Its name. */
  public readonly workgroupName: string;
  /** The results folder, `s3://<warehouse bucket>/<prefix>`. */
  public readonly resultsLocation: string;
  /** The results folder's key prefix in the warehouse bucket. */
  public readonly resultsPrefix: string;
  private readonly warehouse: LakehouseWarehouse;

  constructor(scope: Construct, id: string, props: CurationWorkgroupProps) {
    super(scope, id);
    this.warehouse = props.warehouse;
    this.resultsPrefix = props.resultsPrefix ?? '_athena-results/curation/';
    if (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/$/.test(this.resultsPrefix)) {
      throw new Error(`resultsPrefix: '${this.resultsPrefix}' must be a folder such as '_athena-results/curation/' (no leading slash, ending with '/')`);
    }
    this.workgroupName = props.workgroupName ?? `lakehouse-curation-${Stack.of(this).stackName}`.toLowerCase().slice(0, 128);
    this.resultsLocation = `s3://${props.warehouse.bucket.bucketName}/${this.resultsPrefix}`;
    this.workgroup = new athena.CfnWorkGroup(this, 'Resource', {
      name: this.workgroupName,
      description: 'Lakehouse curation (Athena MERGE into Iceberg): results encrypted with the warehouse key, no scan cutoff',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: this.resultsLocation,
          encryptionConfiguration: { encryptionOption: 'SSE_KMS', kmsKey: props.warehouse.encryptionKey.keyArn },
          expectedBucketOwner: Stack.of(this).account,
        },
      },
    });
  }

  /** The workgroup's ARN. */
  public get workgroupArn(): string {
    const stack = Stack.of(this);
    return `arn:${stack.partition}:athena:${stack.region}:${stack.account}:workgroup/${this.workgroupName}`;
  }

  /**
   * What running a query here and waiting for it (`startQueryExecution.sync`) needs beyond the catalog and data:
   * start / get / stop the query and read its results in this workgroup, write the results folder, encrypt them.
   */
  public grantQueries(grantee: iam.IGrantable): iam.Grant {
    const bucket = this.warehouse.bucket;
    const athenaGrant = iam.Grant.addToPrincipal({
      grantee,
      actions: ['athena:StartQueryExecution', 'athena:GetQueryExecution', 'athena:StopQueryExecution', 'athena:GetQueryResults', 'athena:GetWorkGroup'],
      resourceArns: [this.workgroupArn],
    });
    const location = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [bucket.bucketArn] });
    const listing = iam.Grant.addToPrincipal({
      grantee, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${this.resultsPrefix}*`] } },
    });
    const results = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resourceArns: [bucket.arnForObjects(`${this.resultsPrefix}*`)],
    });
    const key = iam.Grant.addToPrincipal({
      grantee,
      actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      resourceArns: [this.warehouse.encryptionKey.keyArn],
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    return athenaGrant.combine(location).combine(listing).combine(results).combine(key);
  }
}
