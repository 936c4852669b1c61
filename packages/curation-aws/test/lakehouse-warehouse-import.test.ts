import { RawZone, REMOVE_DATA_ON_DESTROY_CONTEXT } from '@cdc-lakehouse/raw-zone';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { rolePolicyStatements } from './helpers';
import { CurationTable, GlueCurationJob, LakehouseWarehouse, LakehouseWarehouseAttributes } from '../src';

const BUCKET = 'lakehouse-dev-warehouse';
const KEY_ARN = 'arn:aws:kms:eu-west-1:111111111111:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789';
const BUCKET_ARN = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET}`]] };
const objectsArn = (suffix: string) => ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${BUCKET}/${suffix}`]] });
const VIA_S3 = { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['s3.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } };
const glueArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':glue:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:${resource}`]],
});

/** A source stack of another app, with no platform in it, importing the warehouse. */
function synth(attrs: Partial<LakehouseWarehouseAttributes> = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new Stack(app, 'Source');
  const warehouse = LakehouseWarehouse.fromAttributes(stack, 'Warehouse', { bucketName: BUCKET, encryptionKeyArn: KEY_ARN, ...attrs });
  return { app, stack, warehouse, template: () => Template.fromStack(stack) };
}

describe('an imported warehouse', () => {
  test('creates no bucket, key or access-log bucket; addSource creates the curated database located in the imported bucket', () => {
    const { warehouse, template } = synth();
    const database = warehouse.addSource('orders');
    const t = template();
    t.resourceCountIs('AWS::S3::Bucket', 0);
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.resourceCountIs('AWS::Glue::Database', 1);
    t.hasResource('AWS::Glue::Database', {
      Properties: {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseInput: {
          Name: 'curated_orders',
          LocationUri: `s3://${BUCKET}/curated_orders/`,
          CreateTableDefaultPermissions: [],
          Description: Match.anyValue(),
        },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(warehouse.serverAccessLogsBucket).toBeUndefined();
    expect(warehouse.curatedDatabase('orders')).toBe(database);
    expect(warehouse.locationOf('orders')).toBe(`s3://${BUCKET}/curated_orders/`);
    expect(warehouse.warehouseUri).toBe(`s3://${BUCKET}/`);
    expect(warehouse.bucket.bucketName).toBe(BUCKET);
    expect(warehouse.encryptionKey.keyArn).toBe(KEY_ARN);
  });

  test('sourceNames creates the databases at once; the databases follow the removal flag', () => {
    const { warehouse, template } = synth({ sourceNames: ['orders', 'billing-eu'] }, { [REMOVE_DATA_ON_DESTROY_CONTEXT]: true });
    expect(warehouse.sourceNames).toEqual(['orders', 'billing-eu']);
    expect(warehouse.removeDataOnDestroy).toBe(true);
    const databases = Object.values(template().findResources('AWS::Glue::Database'));
    expect(databases.map((d) => [d.Properties.DatabaseInput.Name, d.DeletionPolicy])).toEqual([
      ['curated_orders', 'Delete'],
      ['curated_billing_eu', 'Delete'],
    ]);
  });

  test('warns about no retained data: it has no bucket or key', () => {
    const { stack, warehouse } = synth();
    warehouse.addSource('orders');
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained'))).toEqual([]);
  });

  test('asking for a source it does not hold names the fix, as on a created warehouse', () => {
    const { warehouse } = synth({ sourceNames: ['orders'] });
    expect(() => warehouse.curatedDatabase('hr')).toThrow(/has no curated database for source 'hr'.*addSource\('hr'\)/);
  });

  test('grantReadWrite grants the imported bucket\'s folder, the imported key through S3 only, and the catalog', () => {
    const { stack, warehouse, template } = synth({ sourceNames: ['orders'] });
    const role = new iam.Role(stack, 'Grantee', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    warehouse.grantReadWrite(role, 'orders');
    expect(rolePolicyStatements(template(), role)).toEqual([
      { Effect: 'Allow', Action: 's3:GetBucketLocation', Resource: BUCKET_ARN },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: BUCKET_ARN, Condition: { StringLike: { 's3:prefix': ['curated_orders/*'] } } },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
        Resource: objectsArn('curated_orders/*'),
      },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'], Resource: KEY_ARN, Condition: VIA_S3 },
      {
        Effect: 'Allow',
        Action: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable'],
        Resource: [glueArn('catalog'), glueArn('database/curated_orders'), glueArn('table/curated_orders/*')],
      },
    ]);
    expect(stack.resolve(warehouse.objectsArn('orders'))).toEqual(objectsArn('curated_orders/*'));
    expect(stack.resolve(warehouse.catalogArns('orders'))).toEqual([glueArn('catalog'), glueArn('database/curated_orders'), glueArn('table/curated_orders/*')]);
  });

  test('a Glue curation job over it writes to the imported bucket with the imported key', () => {
    const { stack, warehouse, template } = synth({ sourceNames: ['orders'] });
    const rawZone = new RawZone(stack, 'RawZone', { sourceName: 'orders' });
    const tables: CurationTable[] = [{ schema: 'public', table: 'orders', primaryKey: ['order_id'] }];
    const job = new GlueCurationJob(stack, 'Curation', { sourceName: 'orders', rawZone, rawPrefix: 'orders', warehouse, tables });
    const t = template();
    const statements = rolePolicyStatements(t, job.role);
    expect(statements).toEqual(expect.arrayContaining([
      expect.objectContaining({ Action: expect.arrayContaining(['s3:PutObject']), Resource: objectsArn('curated_orders/*') }),
      expect.objectContaining({ Action: expect.arrayContaining(['kms:GenerateDataKey']), Resource: KEY_ARN }),
    ]));
    t.hasResourceProperties('AWS::Glue::SecurityConfiguration', {
      EncryptionConfiguration: Match.objectLike({ S3Encryptions: [{ S3EncryptionMode: 'SSE-KMS', KmsKeyArn: KEY_ARN }] }),
    });
    t.resourceCountIs('AWS::Glue::Database', 1);
  });

  test('takes tokens read from SSM parameters', () => {
    const app = new App();
    const stack = new Stack(app, 'Source');
    const bucketName = ssm.StringParameter.valueForStringParameter(stack, '/lakehouse/warehouse/bucket-name');
    const encryptionKeyArn = ssm.StringParameter.valueForStringParameter(stack, '/lakehouse/warehouse/key-arn');
    const warehouse = LakehouseWarehouse.fromAttributes(stack, 'Warehouse', { bucketName, encryptionKeyArn, sourceNames: ['orders'] });
    const role = new iam.Role(stack, 'Grantee', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    warehouse.grantRead(role, 'orders');
    const t = Template.fromStack(stack);
    const [database] = Object.values(t.findResources('AWS::Glue::Database'));
    expect(database.Properties.DatabaseInput.LocationUri).toEqual({
      'Fn::Join': ['', ['s3://', { Ref: expect.stringMatching(/^SsmParameterValuelakehousewarehousebucketname/) }, '/curated_orders/']],
    });
    const keyStatement = rolePolicyStatements(t, role).find((s) => s.Action === 'kms:Decrypt');
    expect(keyStatement?.Resource).toEqual({ Ref: expect.stringMatching(/^SsmParameterValuelakehousewarehousekeyarn/) });
  });

  test.each<[string, Partial<LakehouseWarehouseAttributes>, RegExp]>([
    ['a bucket name S3 would refuse', { bucketName: 'Lakehouse_Warehouse' }, /^bucketName: 'Lakehouse_Warehouse' is not a bucket name/],
    ['a key ARN that is not one', { encryptionKeyArn: 'alias/warehouse' }, /^encryptionKeyArn: 'alias\/warehouse' is not a KMS key ARN/],
  ])('refuses %s', (_name, attrs, message) => {
    expect(() => synth(attrs)).toThrow(message);
  });
});
