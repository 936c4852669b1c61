import { Duration, Size } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { COMMIT_TIMESTAMP_COLUMN, DmsS3Target } from '../src';
import { testStack } from './helpers';

describe('DmsS3Target', () => {
  test('writes Parquet 2.0 with op column, commit timestamp and deletes kept, SSE-KMS with the raw zone key', () => {
    const { stack, rawZone } = testStack();
    new DmsS3Target(stack, 'Target', { sourceName: 'billing', rawZone });
    const template = Template.fromStack(stack);

    template.hasResourceProperties('AWS::DMS::Endpoint', {
      EndpointType: 'target',
      EngineName: 's3',
      S3Settings: Match.objectEquals({
        BucketName: stack.resolve(rawZone.bucket.bucketName),
        BucketFolder: 'billing',
        ServiceAccessRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TargetRole'), 'Arn'] },
        ExpectedBucketOwner: { Ref: 'AWS::AccountId' },
        DataFormat: 'parquet',
        ParquetVersion: 'parquet-2-0',
        ParquetTimestampInMillisecond: false,
        CompressionType: 'GZIP',
        EncryptionMode: 'SSE_KMS',
        ServerSideEncryptionKmsKeyId: stack.resolve(rawZone.encryptionKey.keyArn),
        IncludeOpForFullLoad: true,
        CdcInsertsOnly: false,
        CdcInsertsAndUpdates: false,
        TimestampColumnName: '_dms_commit_ts',
        UseTaskStartTimeForFullLoadTimestamp: true,
        CdcMaxBatchInterval: 60,
        CdcMinFileSize: 32000,
        DatePartitionEnabled: false,
      }),
    });
    expect(COMMIT_TIMESTAMP_COLUMN).toBe('_dms_commit_ts');
  });

  test('the role trusts the regional DMS principal of this account only', () => {
    const { stack, rawZone } = testStack();
    new DmsS3Target(stack, 'Target', { sourceName: 'billing', rawZone });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: { 'Fn::Join': ['', ['dms.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }],
      },
    });
  });

  test('write access is scoped to the target folder (raw zone grant plus object tagging)', () => {
    const { stack, rawZone } = testStack();
    const target = new DmsS3Target(stack, 'Target', { sourceName: 'billing', rawZone, bucketFolder: 'billing/v1' });
    const template = Template.fromStack(stack);
    const roleRef = stack.resolve((target.role as any).roleName);
    const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleRef] } }));
    expect(policies).toHaveLength(1);
    const statements: any[] = policies[0].Properties.PolicyDocument.Statement;
    const objectArn = (suffix: string) => ({ 'Fn::Join': ['', [stack.resolve(rawZone.bucket.bucketArn), suffix]] });
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: ['s3:PutObject', 's3:DeleteObject'], Resource: objectArn('/billing/v1/*') }),
      expect.objectContaining({ Action: 's3:ListBucket', Condition: { StringLike: { 's3:prefix': ['billing/v1/*'] } } }),
      expect.objectContaining({ Action: 's3:PutObjectTagging', Resource: objectArn('/billing/v1/*') }),
    ]));
    for (const s of statements) {
      expect(JSON.stringify(s.Resource)).not.toMatch(/"\*"/);
    }
    template.hasResourceProperties('AWS::DMS::Endpoint', { S3Settings: Match.objectLike({ BucketFolder: 'billing/v1' }) });
  });

  test('the endpoint waits for the role policy', () => {
    const { stack, rawZone } = testStack();
    new DmsS3Target(stack, 'Target', { sourceName: 'billing', rawZone });
    const template = Template.fromStack(stack);
    const [endpoint] = Object.values(template.findResources('AWS::DMS::Endpoint'));
    const policyIds = Object.keys(template.findResources('AWS::IAM::Policy')).filter(id => id.startsWith('TargetRole'));
    expect(policyIds).toHaveLength(1);
    expect(endpoint.DependsOn).toEqual(expect.arrayContaining(policyIds));
  });

  test('batching, compression, timestamp column and date partitioning are configurable', () => {
    const { stack, rawZone } = testStack();
    new DmsS3Target(stack, 'Target', {
      sourceName: 'billing',
      rawZone,
      cdcMaxBatchInterval: Duration.minutes(5),
      cdcMinFileSize: Size.mebibytes(64),
      compressionType: 'NONE',
      timestampColumnName: 'commit_ts',
      datePartitioning: { sequence: 'YYYYMMDDHH', delimiter: 'DASH', timezone: 'Europe/Paris' },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::DMS::Endpoint', {
      S3Settings: Match.objectLike({
        CdcMaxBatchInterval: 300,
        CdcMinFileSize: 65536,
        CompressionType: 'NONE',
        TimestampColumnName: 'commit_ts',
        DatePartitionEnabled: true,
        DatePartitionSequence: 'YYYYMMDDHH',
        DatePartitionDelimiter: 'DASH',
        DatePartitionTimezone: 'Europe/Paris',
        CdcInsertsOnly: false,
        CdcInsertsAndUpdates: false,
      }),
    });
  });

  test('date partitioning defaults to YYYYMMDD folders separated by slashes', () => {
    const { stack, rawZone } = testStack();
    new DmsS3Target(stack, 'Target', { sourceName: 'billing', rawZone, datePartitioning: {} });
    Template.fromStack(stack).hasResourceProperties('AWS::DMS::Endpoint', {
      S3Settings: Match.objectLike({ DatePartitionEnabled: true, DatePartitionSequence: 'YYYYMMDD', DatePartitionDelimiter: 'SLASH' }),
    });
  });

  test.each<[string, object, RegExp]>([
    ['fractional batch interval', { cdcMaxBatchInterval: Duration.millis(1500) }, /cdcMaxBatchInterval must be a whole number of seconds/],
    ['zero file size', { cdcMinFileSize: Size.kibibytes(0) }, /cdcMinFileSize must be a whole number of KiB, at least 1/],
    ['folder with a leading slash', { bucketFolder: '/billing' }, /bucketFolder "\/billing" is invalid/],
    ['unknown compression', { compressionType: 'zstd' }, /compressionType "zstd" is not supported; allowed values: GZIP, NONE/],
    ['unknown date sequence', { datePartitioning: { sequence: 'YYYY' } }, /datePartitioning.sequence "YYYY" is not supported; allowed values: YYYYMMDD, YYYYMMDDHH/],
    ['bad time zone', { datePartitioning: { timezone: 'Paris time' } }, /datePartitioning.timezone "Paris time" is invalid/],
    ['bad timestamp column', { timestampColumnName: 'commit-ts' }, /timestampColumnName "commit-ts" is invalid/],
  ])('rejects a %s', (_, extra, error) => {
    const { stack, rawZone } = testStack();
    expect(() => new DmsS3Target(stack, 'Target', { sourceName: 'billing', rawZone, ...extra })).toThrow(error);
  });

  test('rejects an invalid source name, naming the prop', () => {
    const { stack, rawZone } = testStack();
    expect(() => new DmsS3Target(stack, 'Target', { sourceName: 'Billing_DB', rawZone }))
      .toThrow('DmsS3Target: sourceName "Billing_DB" is invalid; use 1-48 lowercase letters, digits and single hyphens');
  });
});
