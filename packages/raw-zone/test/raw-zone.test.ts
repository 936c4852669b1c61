import { App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { IConstruct } from 'constructs';
import { AccessLogsBucket, DATA_RETAINED_WARNING_ID, RawZone, RawZoneProps, REMOVE_DATA_ON_DESTROY_CONTEXT } from '../src';

function stackWith(context: Record<string, unknown> = {}): Stack {
  return new Stack(new App({ context }), 'Raw');
}

function synth(props: Partial<RawZoneProps> = {}, stack: Stack = stackWith()) {
  const zone = new RawZone(stack, 'Orders', { sourceName: 'orders', ...props });
  return { zone, stack, template: Template.fromStack(stack) };
}

function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
}

function getAtt(construct: IConstruct, attribute = 'Arn') {
  return { 'Fn::GetAtt': [logicalId(construct), attribute] };
}

function objectsArn(bucket: IConstruct, suffix: string) {
  return { 'Fn::Join': ['', [getAtt(bucket), suffix]] };
}

function bucketPolicyStatements(template: Template, bucket: IConstruct): Record<string, unknown>[] {
  const policies = Object.values(template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logicalId(bucket) } } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

function rolePolicyStatements(template: Template, role: iam.Role): Record<string, unknown>[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

const VIA_S3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } };

describe('encryption and access', () => {
  test('a customer-managed key with rotation encrypts the bucket, with S3 bucket keys', () => {
    const { zone, template } = synth();
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: 'Encrypts the raw zone of source orders' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(zone.encryptionKey) },
        }],
      },
    });
  });

  test('the raw bucket blocks all public access, disables ACLs and is versioned', () => {
    const { zone, template } = synth();
    const bucket = template.toJSON().Resources[logicalId(zone.bucket)];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
  });

  test('the bucket policy denies requests without TLS or below TLS 1.2, on the bucket and its objects', () => {
    const { zone, template } = synth();
    const resources = [getAtt(zone.bucket), objectsArn(zone.bucket, '/*')];
    expect(bucketPolicyStatements(template, zone.bucket)).toEqual([
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources, Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Resource: resources, Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } },
    ]);
  });

  test('server access logs go to a created log bucket under the source name', () => {
    const { zone, template } = synth();
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(zone.serverAccessLogsBucket) }, LogFilePrefix: 'orders/' },
    });
  });

  test('the created log bucket accepts log delivery: SSE-S3, TLS only, no public access, delivery by bucket policy', () => {
    const { zone, template } = synth();
    const logBucket = template.toJSON().Resources[logicalId(zone.serverAccessLogsBucket)];
    expect(logBucket.Properties.BucketEncryption).toEqual({ ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    expect(logBucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(logBucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(logBucket.Properties.AccessControl).toBeUndefined();
    const statements = bucketPolicyStatements(template, zone.serverAccessLogsBucket);
    expect(statements).toContainEqual(expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: objectsArn(zone.serverAccessLogsBucket, '/orders/*'),
      Condition: { ArnLike: { 'aws:SourceArn': getAtt(zone.bucket) }, StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
    });
  });

  test('a log bucket passed in is used instead of creating one', () => {
    const stack = stackWith();
    const shared = new AccessLogsBucket(stack, 'SharedLogs');
    const { zone, template } = synth({ serverAccessLogsBucket: shared.bucket }, stack);
    expect(zone.serverAccessLogsBucket).toBe(shared.bucket);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(shared.bucket) }, LogFilePrefix: 'orders/' },
    });
  });
});

describe('lifecycle', () => {
  test('defaults: Standard-IA after 30 days, expiry after 365, noncurrent versions after 30, uploads aborted after 3', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [{
          Id: 'raw-change-files',
          Status: 'Enabled',
          Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }],
          ExpirationInDays: 365,
          NoncurrentVersionExpiration: { NoncurrentDays: 30 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
        }],
      },
    });
  });

  test('every duration is configurable', () => {
    const { template } = synth({
      infrequentAccessAfter: Duration.days(45),
      expireAfter: Duration.days(90),
      noncurrentVersionExpiration: Duration.days(7),
      abortIncompleteMultipartUploadAfter: Duration.days(1),
    });
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: [Match.objectLike({
          Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 45 }],
          ExpirationInDays: 90,
          NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        })],
      },
    });
  });
});

describe('removal policy and the destroy flag', () => {
  test('without the flag, bucket, key and log bucket are retained and a warning tells how to allow destroy', () => {
    const { stack, template } = synth();
    expect(Object.keys(template.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' }))).toHaveLength(2);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const annotations = Annotations.fromStack(stack);
    annotations.hasWarning('/Raw/Orders', Match.stringLikeRegexp(
      `raw zone of source 'orders' \\(bucket and KMS key\\) will be retained.*${REMOVE_DATA_ON_DESTROY_CONTEXT}=true.*\\[ack: ${DATA_RETAINED_WARNING_ID}\\]`,
    ));
    annotations.hasWarning('/Raw/Orders/AccessLogs', Match.stringLikeRegexp('server access log bucket will be retained'));
    expect(REMOVE_DATA_ON_DESTROY_CONTEXT).toBe('@cdc-lakehouse/raw-zone:removeDataOnDestroy');
  });

  test.each([true, 'true'])('the flag set to %p destroys bucket, key and log bucket and empties the buckets', (flag) => {
    const { zone, stack, template } = synth({}, stackWith({ [REMOVE_DATA_ON_DESTROY_CONTEXT]: flag }));
    expect(zone.removeDataOnDestroy).toBe(true);
    expect(Object.keys(template.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' }))).toHaveLength(2);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', Properties: Match.objectLike({ PendingWindowInDays: 7 }) });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 2);
    template.hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalId(zone.bucket) } });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('will be retained'));
  });

  test.each([false, 'false'])('the flag set to %p retains everything without a warning', (flag) => {
    const { zone, stack, template } = synth({}, stackWith({ [REMOVE_DATA_ON_DESTROY_CONTEXT]: flag }));
    expect(zone.removeDataOnDestroy).toBe(false);
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
    expect(Object.keys(template.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' }))).toHaveLength(2);
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });

  test('any other flag value is an error naming the flag and the allowed values', () => {
    expect(() => synth({}, stackWith({ [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'yes' }))).toThrow(
      `Context ${REMOVE_DATA_ON_DESTROY_CONTEXT}: 'yes' is not allowed; allowed values are true and false`,
    );
  });
});

describe('grants', () => {
  function withRole() {
    const stack = stackWith();
    const zone = new RawZone(stack, 'Orders', { sourceName: 'orders' });
    const role = new iam.Role(stack, 'Role', { assumedBy: new iam.ServicePrincipal('dms.amazonaws.com') });
    return { stack, zone, role };
  }

  test('grantWrite: put/delete under the prefix, list only the prefix, encrypt through S3 with the zone key', () => {
    const { zone, role } = withRole();
    const grant = zone.grantWrite(role, 'orders/public');
    expect(grant.success).toBe(true);
    const template = Template.fromStack(Stack.of(zone));
    expect(rolePolicyStatements(template, role)).toEqual([
      { Effect: 'Allow', Action: ['s3:PutObject', 's3:DeleteObject'], Resource: objectsArn(zone.bucket, '/orders/public/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: getAtt(zone.bucket), Condition: { StringLike: { 's3:prefix': ['orders/public/*'] } } },
      { Effect: 'Allow', Action: ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt'], Resource: getAtt(zone.encryptionKey), Condition: VIA_S3 },
    ]);
  });

  test('grantRead: list the bucket, get objects, decrypt through S3 with the zone key', () => {
    const { zone, role } = withRole();
    const grant = zone.grantRead(role);
    expect(grant.success).toBe(true);
    const template = Template.fromStack(Stack.of(zone));
    expect(rolePolicyStatements(template, role)).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: getAtt(zone.bucket) },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objectsArn(zone.bucket, '/*') },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: getAtt(zone.encryptionKey), Condition: VIA_S3 },
    ]);
  });

  test('grants leave the bucket and key policies alone for a principal of the same account', () => {
    const { zone, role } = withRole();
    zone.grantWrite(role, 'orders');
    zone.grantRead(role);
    const template = Template.fromStack(Stack.of(zone));
    const statements = bucketPolicyStatements(template, zone.bucket);
    expect(statements.every(s => s.Effect === 'Deny')).toBe(true);
    const keyStatements = template.toJSON().Resources[logicalId(zone.encryptionKey)].Properties.KeyPolicy.Statement;
    expect(keyStatements).toHaveLength(1);
  });

  test.each(['', '/orders', 'orders/', 'orders/*', 'a//b', 'orders prefix'])('grantWrite rejects the prefix %p', (prefix) => {
    const { zone, role } = withRole();
    expect(() => zone.grantWrite(role, prefix)).toThrow(/^grantWrite: prefix '.*' is not allowed; use a key prefix such as 'orders'/);
  });
});

describe('naming and validation', () => {
  test('bucketNamePrefix names the bucket <prefix>-<sourceName>-raw', () => {
    const { template } = synth({ bucketNamePrefix: 'acme-lakehouse' });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lakehouse-orders-raw' });
  });

  test('without bucketNamePrefix CloudFormation names the bucket', () => {
    const { zone, template } = synth();
    expect(template.toJSON().Resources[logicalId(zone.bucket)].Properties.BucketName).toBeUndefined();
  });

  test.each(['Orders', 'orders_db', '-orders', 'orders-', 'a'.repeat(33), ''])('sourceName %p is rejected', (sourceName) => {
    expect(() => synth({ sourceName })).toThrow(
      /^sourceName: '.*' is not allowed; use lowercase letters \(a-z\), digits \(0-9\) and hyphens \(-\), starting and ending with a letter or digit, at most 32 characters$/,
    );
  });

  test('bucketNamePrefix with invalid characters is rejected', () => {
    expect(() => synth({ bucketNamePrefix: 'Acme.Lake' })).toThrow(/^bucketNamePrefix: 'Acme.Lake' is not allowed; use lowercase letters/);
  });

  test('a bucket name longer than 63 characters is rejected, with the room left', () => {
    expect(() => synth({ bucketNamePrefix: 'a'.repeat(56) })).toThrow(
      /^bucketNamePrefix: the bucket name 'a{56}-orders-raw' is 67 characters; S3 allows at most 63, so bucketNamePrefix may have at most 52 characters/,
    );
  });

  test('expireAfter must be longer than infrequentAccessAfter', () => {
    expect(() => synth({ infrequentAccessAfter: Duration.days(60), expireAfter: Duration.days(60) })).toThrow(
      /^expireAfter: 60 days must be longer than infrequentAccessAfter \(60 days\)/,
    );
  });

  test('infrequentAccessAfter below the S3 minimum of 30 days is rejected', () => {
    expect(() => synth({ infrequentAccessAfter: Duration.days(7) })).toThrow(
      /^infrequentAccessAfter: 7 days is not allowed; use a whole number of days, at least 30$/,
    );
  });

  test('durations must be whole days', () => {
    expect(() => synth({ noncurrentVersionExpiration: Duration.hours(36) })).toThrow(/^noncurrentVersionExpiration: .* is not allowed; use a whole number of days, at least 1$/);
    expect(() => synth({ abortIncompleteMultipartUploadAfter: Duration.hours(1) })).toThrow(/^abortIncompleteMultipartUploadAfter: /);
  });

  test('an SSE-KMS log bucket is rejected: S3 cannot deliver access logs to it', () => {
    const stack = stackWith();
    const kmsBucket = new s3.Bucket(stack, 'KmsLogs', { encryptionKey: new kms.Key(stack, 'LogKey', { enableKeyRotation: true }) });
    expect(() => synth({ serverAccessLogsBucket: kmsBucket }, stack)).toThrow(/^serverAccessLogsBucket: S3 server access logs cannot be delivered to an SSE-KMS bucket/);
  });
});
