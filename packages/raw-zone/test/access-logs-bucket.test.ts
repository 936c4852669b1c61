import { App, Duration, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AccessLogsBucket, REMOVE_DATA_ON_DESTROY_CONTEXT, RawZone } from '../src';

function synth(props = {}, context: Record<string, unknown> = {}) {
  const stack = new Stack(new App({ context }), 'Logs');
  const logs = new AccessLogsBucket(stack, 'AccessLogs', props);
  return { logs, template: Template.fromStack(stack) };
}

describe('AccessLogsBucket', () => {
  test('is SSE-S3, blocks public access, disables ACLs and expires logs after a year', () => {
    const { template } = synth();
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [{ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 365, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }],
        },
      },
      DeletionPolicy: 'Retain',
    });
  });

  test('denies requests without TLS', () => {
    const { template } = synth();
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: [
          { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: [{}, {}] },
          { Effect: 'Deny', Principal: { AWS: '*' }, Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } }, Resource: [{}, {}] },
        ],
      },
    });
  });

  test('grants log delivery by bucket policy even when the app turns the feature flag off', () => {
    const stack = new Stack(new App({ context: { [cxapi.S3_SERVER_ACCESS_LOGS_USE_BUCKET_POLICY]: false } }), 'Logs');
    const logs = new AccessLogsBucket(stack, 'AccessLogs');
    // a bucket outside the construct, in an app where the flag is off, logging to it
    new s3.Bucket(stack, 'Data', { serverAccessLogsBucket: logs.bucket, serverAccessLogsPrefix: 'data/' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', { OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    const statements = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(statements).toContainEqual(expect.objectContaining({
      Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject',
    }));
    expect(template.toJSON().Resources[stack.getLogicalId(logs.bucket.node.defaultChild as never)].Properties.AccessControl).toBeUndefined();
  });

  test('expireAfter and bucketName are configurable', () => {
    const { template } = synth({ expireAfter: Duration.days(90), bucketName: 'acme-access-logs' });
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-access-logs',
      LifecycleConfiguration: { Rules: [{ Id: 'expire-access-logs', Status: 'Enabled', ExpirationInDays: 90, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }] },
    });
  });

  test('follows the destroy flag', () => {
    const { template } = synth({}, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: true });
    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Delete' });
    template.resourceCountIs('Custom::S3AutoDeleteObjects', 1);
  });

  test('acknowledges AwsSolutions-S1 on its bucket with a reason', () => {
    const { logs } = synth();
    const acks = logs.bucket.node.metadata.filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map(m => m.data);
    expect(acks).toEqual([{ 'Annotation::AwsSolutions-S1': expect.stringMatching(/server access log target/) }]);
  });

  test('rejects an invalid bucketName and a fractional expireAfter', () => {
    expect(() => synth({ bucketName: 'Access_Logs' })).toThrow(/^bucketName: 'Access_Logs' is not allowed; use lowercase letters/);
    expect(() => synth({ expireAfter: Duration.hours(12) })).toThrow(/^expireAfter: .* is not allowed; use a whole number of days, at least 1$/);
  });

  test('acceptLogsFromAccount lets S3 log delivery write for this account\'s buckets only (buckets of another app)', () => {
    const stack = new Stack(new App(), 'Logs', { env: { account: '111111111111', region: 'eu-west-1' } });
    new AccessLogsBucket(stack, 'AccessLogs').acceptLogsFromAccount();
    Template.fromStack(stack).hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({
          Sid: 'S3ServerAccessLogsFromThisAccount',
          Effect: 'Allow',
          Principal: { Service: 'logging.s3.amazonaws.com' },
          Action: 's3:PutObject',
          Condition: { StringEquals: { 'aws:SourceAccount': '111111111111' } },
        })]),
      },
    });
  });

  test('a raw zone logging to an imported bucket acknowledges that it cannot add itself to that bucket\'s policy', () => {
    const warning = Match.stringLikeRegexp('Unable to add necessary logging permissions');
    const plain = new Stack(new App(), 'Plain'); // what the CDK says of any bucket logging to an imported one
    new s3.Bucket(plain, 'Bucket', { serverAccessLogsBucket: s3.Bucket.fromBucketName(plain, 'Logs', 'platform-logs') });
    expect(Annotations.fromStack(plain).findWarning('*', warning)).toHaveLength(1);
    const stack = new Stack(new App(), 'Source');
    new RawZone(stack, 'RawZone', { sourceName: 'orders', serverAccessLogsBucket: s3.Bucket.fromBucketName(stack, 'Logs', 'platform-logs') });
    expect(Annotations.fromStack(stack).findWarning('*', warning)).toEqual([]);
  });
});
