import { AccessLogsBucket, DATA_RETAINED_WARNING_ID, REMOVE_DATA_ON_DESTROY_CONTEXT } from '@cdc-lakehouse/raw-zone';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { getAtt, logicalId, nagErrors, rolePolicyStatements } from './helpers';
import { LakehouseWarehouse, LakehouseWarehouseProps, curatedDatabaseName } from '../src';

function synth(props: LakehouseWarehouseProps = { sourceNames: ['orders', 'billing-eu'] }, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'Platform');
  const warehouse = new LakehouseWarehouse(stack, 'Warehouse', props);
  return { app, stack, warehouse, template: () => Template.fromStack(stack) };
}

const VIA_S3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } };
const glueArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});

describe('the warehouse bucket', () => {
  test('is encrypted with its own rotated KMS key, with S3 bucket keys', () => {
    const { warehouse, template } = synth();
    template().hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true, Description: 'Encrypts the lakehouse warehouse (curated Iceberg tables)' });
    template().hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{
          BucketKeyEnabled: true,
          ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: getAtt(warehouse.encryptionKey) },
        }],
      },
    });
  });

  test('blocks public access, disables ACLs, is versioned and denies requests without TLS 1.2', () => {
    const { warehouse, template } = synth();
    const bucket = template().toJSON().Resources[logicalId(warehouse.bucket)];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
    });
    expect(bucket.Properties.OwnershipControls).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const policy = Object.values(template().findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: logicalId(warehouse.bucket) } } }))[0];
    expect(policy.Properties.PolicyDocument.Statement.map((s: any) => s.Condition)).toEqual([
      { Bool: { 'aws:SecureTransport': 'false' } },
      { NumericLessThan: { 's3:TlsVersion': 1.2 } },
    ]);
  });

  test('never expires current objects (Iceberg decides which files are live), only old versions and stale uploads', () => {
    const { warehouse, template } = synth();
    const rules = template().toJSON().Resources[logicalId(warehouse.bucket)].Properties.LifecycleConfiguration.Rules;
    expect(rules).toEqual([{
      Id: 'noncurrent-versions-and-uploads',
      Status: 'Enabled',
      NoncurrentVersionExpiration: { NoncurrentDays: 30 },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 },
    }]);
  });

  test('logs server access to the given log bucket under warehouse/', () => {
    const app = new App();
    const stack = new Stack(app, 'Platform');
    const logs = new AccessLogsBucket(stack, 'AccessLogs');
    const warehouse = new LakehouseWarehouse(stack, 'Warehouse', { serverAccessLogsBucket: logs.bucket });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    expect(template.toJSON().Resources[logicalId(warehouse.bucket)].Properties.LoggingConfiguration)
      .toEqual({ DestinationBucketName: { Ref: logicalId(logs.bucket) }, LogFilePrefix: 'warehouse/' });
  });

  test('without a log bucket it creates one; a KMS-encrypted log bucket is refused', () => {
    const { template } = synth({});
    template().resourceCountIs('AWS::S3::Bucket', 2);
    const { warehouse } = synth({});
    expect(() => new LakehouseWarehouse(Stack.of(warehouse), 'Other', { serverAccessLogsBucket: warehouse.bucket }))
      .toThrow(/^serverAccessLogsBucket: S3 server access logs cannot be delivered to an SSE-KMS bucket/);
  });

  test('a bucket name that S3 would refuse fails at synth', () => {
    expect(() => synth({ bucketName: 'Acme_Lake' })).toThrow(/^bucketName: 'Acme_Lake' is not allowed; use 3-63 lowercase letters/);
    synth({ bucketName: 'acme-lake-warehouse' }).template().hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-warehouse' });
  });
});

describe('data is retained unless the raw zone\'s removal flag says otherwise', () => {
  test('by default bucket, key and databases are retained, with one warning', () => {
    const { warehouse, stack, template } = synth();
    for (const type of ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::Glue::Database']) {
      const resources = Object.values(template().findResources(type));
      expect(resources.length).toBeGreaterThan(0);
      expect(resources.map((r) => r.DeletionPolicy)).toEqual(resources.map(() => 'Retain'));
    }
    template().resourceCountIs('Custom::S3AutoDeleteObjects', 0);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('lakehouse warehouse .* will be retained'));
    expect(warnings.map((w) => w.id)).toEqual([`/${warehouse.node.path}`]);
    expect(JSON.stringify(warnings[0].entry.data)).toContain(REMOVE_DATA_ON_DESTROY_CONTEXT);
    expect(warehouse.removeDataOnDestroy).toBe(false);
  });

  test('with the flag true they are deleted, the bucket emptied first, and nothing is warned', () => {
    const { warehouse, stack, template } = synth(undefined, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'true' });
    template().hasResource('AWS::S3::Bucket', { Properties: Match.objectLike({ VersioningConfiguration: { Status: 'Enabled' } }), DeletionPolicy: 'Delete' });
    template().hasResource('AWS::Glue::Database', { DeletionPolicy: 'Delete' });
    template().hasResourceProperties('Custom::S3AutoDeleteObjects', { BucketName: { Ref: logicalId(warehouse.bucket) } });
    template().hasResource('AWS::KMS::Key', { Properties: Match.objectLike({ PendingWindowInDays: 7 }), DeletionPolicy: 'Delete' });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp(DATA_RETAINED_WARNING_ID))).toEqual([]);
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained'))).toEqual([]);
  });

  test('with the flag false they are retained and nothing is warned', () => {
    const { stack, template } = synth(undefined, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: false });
    template().hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained'))).toEqual([]);
  });

  test('any other flag value fails naming the allowed values', () => {
    expect(() => synth(undefined, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'yes' }))
      .toThrow(`Context ${REMOVE_DATA_ON_DESTROY_CONTEXT}: 'yes' is not allowed; allowed values are true and false`);
  });
});

describe('curated databases', () => {
  test('one per source, curated_<source> (hyphens as underscores), located in the warehouse under its own name', () => {
    const { warehouse, template } = synth();
    template().resourceCountIs('AWS::Glue::Database', 2);
    for (const name of ['curated_orders', 'curated_billing_eu']) {
      template().hasResourceProperties('AWS::Glue::Database', {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: Match.objectLike({
          Name: name,
          LocationUri: { 'Fn::Join': ['', ['s3://', { Ref: logicalId(warehouse.bucket) }, `/${name}/`]] },
          CreateTableDefaultPermissions: [], // Lake Formation grants, not IAMAllowedPrincipals, decide who reads new tables
        }),
      });
    }
    expect(warehouse.sourceNames).toEqual(['orders', 'billing-eu']);
    expect(curatedDatabaseName('billing-eu')).toBe('curated_billing_eu');
    expect(warehouse.locationOf('billing-eu')).toBe(`s3://${warehouse.bucket.bucketName}/curated_billing_eu/`);
  });

  test('addSource adds a database once', () => {
    const { warehouse, template } = synth({});
    const first = warehouse.addSource('inventory');
    expect(warehouse.addSource('inventory')).toBe(first);
    template().resourceCountIs('AWS::Glue::Database', 1);
  });

  test('asking for a source it does not hold names the fix', () => {
    const { warehouse } = synth();
    expect(() => warehouse.curatedDatabase('hr')).toThrow(
      "warehouse Platform/Warehouse has no curated database for source 'hr' (has: orders, billing-eu); list it in sourceNames or call addSource('hr')",
    );
  });

  test('a source name that cannot name a database is refused', () => {
    expect(() => synth({ sourceNames: ['Orders'] })).toThrow(/^sourceName: 'Orders' is not allowed; use lowercase letters/);
  });
});

describe('grants', () => {
  function withGrantee(write: boolean, sourceName?: string) {
    const s = synth();
    const role = new iam.Role(s.stack, 'Grantee', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    if (write) s.warehouse.grantReadWrite(role, sourceName);
    else s.warehouse.grantRead(role, sourceName);
    return { ...s, role, statements: rolePolicyStatements(s.template(), role) };
  }

  test('grantReadWrite(role, source): that folder, the warehouse key through S3 only, that database and its tables', () => {
    const { warehouse, statements } = withGrantee(true, 'orders');
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: getAtt(warehouse.bucket) },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: getAtt(warehouse.bucket),
        Condition: { StringLike: { 's3:prefix': ['curated_orders/*'] } },
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: { 'Fn::Join': ['', [getAtt(warehouse.bucket), '/curated_orders/*']] },
      },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: getAtt(warehouse.encryptionKey), Condition: VIA_S3 },
      {
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable'],
        Resource: [glueArn('catalog'), glueArn('database/curated_orders'), glueArn('table/curated_orders/*')],
      },
    ]);
  });

  test('grantRead(role): every database, read-only, decrypt only', () => {
    const { warehouse, statements } = withGrantee(false);
    expect(statements).toEqual([
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: getAtt(warehouse.bucket) },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: getAtt(warehouse.bucket) },
      { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [getAtt(warehouse.bucket), '/*']] } },
      { Effect: 'Allow', Action: 'kms:Decrypt', Resource: getAtt(warehouse.encryptionKey), Condition: VIA_S3 },
      {
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'],
        Resource: [
          glueArn('catalog'), glueArn('database/curated_orders'), glueArn('database/curated_billing_eu'),
          glueArn('table/curated_orders/*'), glueArn('table/curated_billing_eu/*'),
        ],
      },
    ]);
  });

  test('a grant for a source the warehouse does not hold fails', () => {
    expect(() => withGrantee(true, 'hr')).toThrow(/has no curated database for source 'hr'/);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('a warehouse has no finding, retained or not', () => {
    expect(nagErrors(synth().app)).toEqual([]);
    expect(nagErrors(synth(undefined, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'true' }).app)).toEqual([]);
  });

  test('a grantee\'s only findings are the object and table wildcards, which the grantee acknowledges', () => {
    const { app, stack, warehouse } = synth();
    const role = new iam.Role(stack, 'Grantee', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    warehouse.grantReadWrite(role, 'orders');
    expect(nagErrors(app)).toEqual([
      expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<WarehouseBucket\w+\.Arn>\/curated_orders\/\*\] @ Platform\/Grantee\/DefaultPolicy\/Resource$/),
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:glue:<AWS::Region>:<AWS::AccountId>:table/curated_orders/*] @ Platform/Grantee/DefaultPolicy/Resource',
    ]);
  });
});
