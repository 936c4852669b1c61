import { Annotations, Duration, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { dataRemoval, warnDataRetained } from './data-removal';
import { RawZoneProps } from './raw-zone-props';
import { validateDnsLabel, wholeDays } from './validation';

const MAX_SOURCE_NAME = 32;
const MAX_BUCKET_NAME = 63;
/** S3 refuses lifecycle transitions to Standard-IA earlier than this. */
const MIN_IA_DAYS = 30;
/** An S3 key prefix without wildcards, without leading or trailing slash. */
const KEY_PREFIX = /^[A-Za-z0-9!_.'()=-]+(?:\/[A-Za-z0-9!_.'()=-]+)*$/;

/**
 * The raw zone of one source: the S3 bucket DMS writes change files into, encrypted with a
 * customer-managed KMS key of its own (rotated), versioned, TLS-only, never public, with server
 * access logs and a lifecycle that moves change files to Standard-IA and then expires them.
 *
 * Bucket and key are retained on stack deletion unless the context flag
 * `REMOVE_DATA_ON_DESTROY_CONTEXT` is `true`.
 */
export class RawZone extends Construct {
  /** Name of the source this raw zone belongs to. */
  public readonly sourceName: string;
  /** The raw bucket. */
  public readonly bucket: s3.Bucket;
  /** The key encrypting the raw bucket. */
  public readonly encryptionKey: kms.Key;
  /** The bucket receiving the raw bucket's server access logs. */
  public readonly serverAccessLogsBucket: s3.IBucket;
  /** Whether bucket and key are deleted with the stack (the context flag is `true`). */
  public readonly removeDataOnDestroy: boolean;

  constructor(scope: Construct, id: string, props: RawZoneProps) {
    super(scope, id);
    validateDnsLabel('sourceName', props.sourceName, MAX_SOURCE_NAME);
    this.sourceName = props.sourceName;
    const bucketName = this.bucketNameFrom(props);
    const lifecycle = lifecycleFrom(props);
    if (props.serverAccessLogsBucket?.encryptionKey) {
      throw new Error('serverAccessLogsBucket: S3 server access logs cannot be delivered to an SSE-KMS bucket; use an SSE-S3 bucket such as AccessLogsBucket');
    }

    const removal = dataRemoval(this);
    this.removeDataOnDestroy = removal.removeData;
    this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? new AccessLogsBucket(this, 'AccessLogs').bucket;

    this.encryptionKey = new kms.Key(this, 'Key', {
      description: `Encrypts the raw zone of source ${props.sourceName}`,
      enableKeyRotation: true,
      removalPolicy: removal.removalPolicy,
      pendingWindow: removal.removeData ? Duration.days(7) : undefined,
    });

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.encryptionKey,
      // one data key per bucket rather than per object: far fewer KMS calls for many small change files
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.serverAccessLogsBucket,
      serverAccessLogsPrefix: `${props.sourceName}/`,
      lifecycleRules: [{
        id: 'raw-change-files',
        transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: lifecycle.infrequentAccessAfter }],
        expiration: lifecycle.expireAfter,
        noncurrentVersionExpiration: lifecycle.noncurrentVersionExpiration,
        abortIncompleteMultipartUploadAfter: lifecycle.abortIncompleteMultipartUploadAfter,
      }],
      removalPolicy: removal.removalPolicy,
      autoDeleteObjects: removal.removeData,
    });

    if (!(this.serverAccessLogsBucket instanceof s3.Bucket)) {
      // an imported log bucket's policy is its owner's: the platform's accepts log delivery from the account
      Annotations.of(this.bucket).acknowledgeWarning('@aws-cdk/aws-s3:accessLogsPolicyNotAdded',
        'The log bucket is imported; its owner accepts S3 log delivery from this account (AccessLogsBucket.acceptLogsFromAccount).');
    }
    if (!removal.flagSet) warnDataRetained(this, `The raw zone of source '${props.sourceName}' (bucket and KMS key)`);
  }

  /**
   * Lets `grantee` (the DMS S3 target role) write change files under `prefix/`: put and delete
   * objects there, list only that prefix, and have S3 encrypt with the raw zone's key.
   *
   * @param grantee the principal writing change files
   * @param prefix key prefix without wildcards or leading/trailing slash, e.g. `orders`
   */
  public grantWrite(grantee: iam.IGrantable, prefix: string): iam.Grant {
    validateKeyPrefix(prefix);
    const objects = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:PutObject', 's3:DeleteObject'],
      resourceArns: [this.bucket.arnForObjects(`${prefix}/*`)],
      resource: this.bucket,
    });
    const listing = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      resource: this.bucket,
      conditions: { StringLike: { 's3:prefix': [`${prefix}/*`] } },
    });
    // Decrypt too: completing a multipart upload to an SSE-KMS bucket decrypts the upload's data key
    const key = this.grantKeyViaS3(grantee, ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt']);
    return objects.combine(listing).combine(key);
  }

  /**
   * Lets `grantee` (curation jobs, Athena users) list the bucket, read every object and have S3
   * decrypt with the raw zone's key.
   *
   * @param grantee the principal reading change files
   */
  public grantRead(grantee: iam.IGrantable): iam.Grant {
    const bucket = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:ListBucket', 's3:GetBucketLocation'],
      resourceArns: [this.bucket.bucketArn],
      resource: this.bucket,
    });
    const objects = iam.Grant.addToPrincipalOrResource({
      grantee,
      actions: ['s3:GetObject'],
      resourceArns: [this.bucket.arnForObjects('*')],
      resource: this.bucket,
    });
    const key = this.grantKeyViaS3(grantee, ['kms:Decrypt']);
    return bucket.combine(objects).combine(key);
  }

  /** Key permissions usable only through S3, so they cannot encrypt or decrypt anything else. */
  private grantKeyViaS3(grantee: iam.IGrantable, actions: string[]): iam.Grant {
    return iam.Grant.addToPrincipalOrResource({
      grantee,
      actions,
      resourceArns: [this.encryptionKey.keyArn],
      resource: this.encryptionKey,
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
  }

  private bucketNameFrom(props: RawZoneProps): string | undefined {
    if (props.bucketNamePrefix === undefined) return undefined;
    const name = `${props.bucketNamePrefix}-${props.sourceName}-raw`;
    validateDnsLabel('bucketNamePrefix', props.bucketNamePrefix, MAX_BUCKET_NAME);
    if (!Token.isUnresolved(name) && name.length > MAX_BUCKET_NAME) {
      throw new Error(
        `bucketNamePrefix: the bucket name '${name}' is ${name.length} characters; S3 allows at most ${MAX_BUCKET_NAME}, `
        + `so bucketNamePrefix may have at most ${MAX_BUCKET_NAME - name.length + props.bucketNamePrefix.length} characters for source '${props.sourceName}'`,
      );
    }
    return name;
  }
}

function lifecycleFrom(props: RawZoneProps) {
  const iaDays = wholeDays('infrequentAccessAfter', props.infrequentAccessAfter ?? Duration.days(30), MIN_IA_DAYS);
  const expireDays = wholeDays('expireAfter', props.expireAfter ?? Duration.days(365), 1);
  if (expireDays <= iaDays) {
    throw new Error(
      `expireAfter: ${expireDays} days must be longer than infrequentAccessAfter (${iaDays} days); `
      + 'otherwise files expire before they move to Standard-IA',
    );
  }
  return {
    infrequentAccessAfter: Duration.days(iaDays),
    expireAfter: Duration.days(expireDays),
    noncurrentVersionExpiration: Duration.days(wholeDays('noncurrentVersionExpiration', props.noncurrentVersionExpiration ?? Duration.days(30), 1)),
    abortIncompleteMultipartUploadAfter: Duration.days(
      wholeDays('abortIncompleteMultipartUploadAfter', props.abortIncompleteMultipartUploadAfter ?? Duration.days(3), 1),
    ),
  };
}

function validateKeyPrefix(prefix: string): void {
  if (Token.isUnresolved(prefix)) return;
  if (!KEY_PREFIX.test(prefix)) {
    throw new Error(
      `grantWrite: prefix '${prefix}' is not allowed; use a key prefix such as 'orders' or 'orders/public': `
      + "letters, digits and !_.'()=- separated by single slashes, no wildcard, no leading or trailing slash",
    );
  }
}
