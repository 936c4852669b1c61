import { nagResource } from '@cdc-lakehouse/nag-support';
import { Duration, Size, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dms from 'aws-cdk-lib/aws-dms';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { COMMIT_TIMESTAMP_COLUMN } from './constants';
import { dmsServicePrincipal } from './dms-principal';
import { DatePartitionDelimiter, DatePartitionSequence, DmsS3TargetProps, S3CompressionType } from './s3-target-props';
import { validateSourceName } from './source-name';

const SEQUENCES: readonly DatePartitionSequence[] = ['YYYYMMDD', 'YYYYMMDDHH', 'YYYYMM', 'MMYYYYDD', 'DDMMYYYY'];
const DELIMITERS: readonly DatePartitionDelimiter[] = ['SLASH', 'UNDERSCORE', 'DASH', 'NONE'];
const COMPRESSIONS: readonly S3CompressionType[] = ['GZIP', 'NONE'];
const FOLDER_PATTERN = /^[A-Za-z0-9_.=-]+(\/[A-Za-z0-9_.=-]+)*$/;
const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TIMEZONE_PATTERN = /^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/;

/**
 * A DMS S3 target endpoint that writes one source's changes into its raw zone as Parquet, in the
 * layout the curation reads:
 *
 * - Parquet 2.0, every row with the operation column (`I`/`U`/`D`, full load included, so LOAD and
 *   CDC files share one schema) and the commit-timestamp column;
 * - full-load rows stamped with the task start time, so they sort before every CDC change;
 * - DELETEs kept: `cdcInsertsOnly` and `cdcInsertsAndUpdates` are written as `false` and cannot be
 *   changed (`cdcInsertsAndUpdates: true` silently drops deletes);
 * - timestamps in microseconds (`parquetTimestampInMillisecond: false`), as Athena engine v3 reads them;
 * - SSE-KMS with the raw zone's key; write access limited to the target's folder.
 */
export class DmsS3Target extends Construct {
  /** The role DMS assumes to write into the raw zone. */
  public readonly role: iam.IRole;

  /** The `AWS::DMS::Endpoint` (target, engine `s3`). */
  public readonly endpoint: dms.CfnEndpoint;

  /** Folder (key prefix) of this target in the raw-zone bucket. */
  public readonly bucketFolder: string;

  /** Name of the commit-timestamp column. */
  public readonly timestampColumnName: string;

  /** Longest time DMS holds CDC changes before writing a file. */
  public readonly cdcMaxBatchInterval: Duration;

  constructor(scope: Construct, id: string, props: DmsS3TargetProps) {
    super(scope, id);
    validateSourceName(props.sourceName, 'DmsS3Target');
    const owner = `DmsS3Target "${props.sourceName}"`;

    this.bucketFolder = props.bucketFolder ?? props.sourceName;
    if (!Token.isUnresolved(this.bucketFolder) && !FOLDER_PATTERN.test(this.bucketFolder)) {
      throw new Error(`${owner}: bucketFolder "${this.bucketFolder}" is invalid; use letters, digits, _ . = - separated by single /, without a leading or trailing /`);
    }
    this.timestampColumnName = props.timestampColumnName ?? COMMIT_TIMESTAMP_COLUMN;
    if (!COLUMN_PATTERN.test(this.timestampColumnName)) {
      throw new Error(`${owner}: timestampColumnName "${this.timestampColumnName}" is invalid; use letters, digits and _, starting with a letter or _`);
    }
    this.cdcMaxBatchInterval = props.cdcMaxBatchInterval ?? Duration.seconds(60);
    const cdcMaxBatchIntervalSeconds = wholeNumber(owner, 'cdcMaxBatchInterval', () => this.cdcMaxBatchInterval.toSeconds(), 'seconds');
    const cdcMinFileSizeKb = wholeNumber(owner, 'cdcMinFileSize', () => (props.cdcMinFileSize ?? Size.kibibytes(32000)).toKibibytes(), 'KiB');
    const compressionType = props.compressionType ?? 'GZIP';
    oneOf(owner, 'compressionType', compressionType, COMPRESSIONS);

    const role = new iam.Role(this, 'Role', {
      assumedBy: dmsServicePrincipal(this),
      description: `Lets AWS DMS write the changes of source ${props.sourceName} into its raw zone`,
    });
    props.rawZone.grantWrite(role, this.bucketFolder);
    // DMS's documented S3-target permissions include tagging the objects it writes; same folder only.
    role.addToPolicy(new iam.PolicyStatement({
      actions: ['s3:PutObjectTagging'],
      resources: [props.rawZone.bucket.arnForObjects(`${this.bucketFolder}/*`)],
    }));
    this.role = role;
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagResource(this, props.rawZone.bucket.arnForObjects(`${this.bucketFolder}/*`))}]`,
      reason: 'DMS names the files it writes itself (<schema>/<table>/LOAD….parquet, <timestamp>.parquet), so object access needs a '
        + 'wildcard; it is limited to this source\'s folder of the raw zone.',
    });

    this.endpoint = new dms.CfnEndpoint(this, 'Endpoint', {
      endpointType: 'target',
      engineName: 's3',
      s3Settings: {
        bucketName: props.rawZone.bucket.bucketName,
        bucketFolder: this.bucketFolder,
        serviceAccessRoleArn: role.roleArn,
        expectedBucketOwner: Stack.of(this).account,
        dataFormat: 'parquet',
        parquetVersion: 'parquet-2-0',
        parquetTimestampInMillisecond: false,
        compressionType,
        encryptionMode: 'SSE_KMS',
        serverSideEncryptionKmsKeyId: props.rawZone.encryptionKey.keyArn,
        includeOpForFullLoad: true,
        // Never true: cdcInsertsOnly drops updates and deletes, cdcInsertsAndUpdates drops deletes.
        cdcInsertsOnly: false,
        cdcInsertsAndUpdates: false,
        timestampColumnName: this.timestampColumnName,
        useTaskStartTimeForFullLoadTimestamp: true,
        cdcMaxBatchInterval: cdcMaxBatchIntervalSeconds,
        cdcMinFileSize: cdcMinFileSizeKb,
        ...this.datePartitionSettings(owner, props),
      },
    });
    // The endpoint is only usable once the role may write (the role itself is already referenced).
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (policy) {
      this.endpoint.node.addDependency(policy);
    }
  }

  /** ARN of the endpoint, for `targetEndpointArn`. */
  public get endpointArn(): string {
    return this.endpoint.ref;
  }

  private datePartitionSettings(owner: string, props: DmsS3TargetProps): dms.CfnEndpoint.S3SettingsProperty {
    const partitioning = props.datePartitioning;
    if (!partitioning) {
      return { datePartitionEnabled: false };
    }
    const sequence = partitioning.sequence ?? 'YYYYMMDD';
    const delimiter = partitioning.delimiter ?? 'SLASH';
    oneOf(owner, 'datePartitioning.sequence', sequence, SEQUENCES);
    oneOf(owner, 'datePartitioning.delimiter', delimiter, DELIMITERS);
    if (partitioning.timezone !== undefined && !TIMEZONE_PATTERN.test(partitioning.timezone)) {
      throw new Error(`${owner}: datePartitioning.timezone "${partitioning.timezone}" is invalid; use an Area/Location name such as "Europe/Paris"`);
    }
    return {
      datePartitionEnabled: true,
      datePartitionSequence: sequence,
      datePartitionDelimiter: delimiter,
      datePartitionTimezone: partitioning.timezone,
    };
  }
}

function oneOf<T extends string>(owner: string, prop: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new Error(`${owner}: ${prop} "${value}" is not supported; allowed values: ${allowed.join(', ')}`);
  }
}

function wholeNumber(owner: string, prop: string, read: () => number, unit: string): number {
  let value: number;
  try {
    value = read();
  } catch (e) {
    throw new Error(`${owner}: ${prop} must be a whole number of ${unit}: ${(e as Error).message}`);
  }
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${owner}: ${prop} must be a whole number of ${unit}, at least 1 (got ${value})`);
  }
  return value;
}
