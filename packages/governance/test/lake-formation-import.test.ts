import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { expressionOf, principalPermissions } from './lake-formation-fixture';
import { GovernedSource, LakeFormationSettings, LakeFormationSettingsAttributes, SourceGovernance } from '../src/lake-formation';

const SERVICE_TOKEN = 'arn:aws:lambda:eu-west-1:111111111111:function:platform-revocation-provider';
const REVOCATION_ROLE_ARN = 'arn:aws:iam::111111111111:role/platform-revocation';
const WAREHOUSE = 'lakehouse-dev-warehouse';
const ATTRS: LakeFormationSettingsAttributes = {
  domains: ['orders', 'billing'],
  warehouseBucketName: WAREHOUSE,
  revocationServiceToken: SERVICE_TOKEN,
  revocationRoleArn: REVOCATION_ROLE_ARN,
};

/** A source stack of an app of its own, without the platform: imported settings, the source's raw bucket and its job role. */
function sourceApp(attrs: Partial<LakeFormationSettingsAttributes> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Orders');
  const settings = LakeFormationSettings.fromAttributes(stack, 'Settings', { ...ATTRS, ...attrs });
  const key = new kms.Key(stack, 'RawKey', { enableKeyRotation: true });
  const rawBucket = new s3.Bucket(stack, 'Raw', { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
  Validations.of(rawBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test fixture: the real raw bucket (raw-zone) logs access.' });
  const job = new iam.Role(stack, 'Job', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  const source: GovernedSource = {
    sourceName: 'orders',
    curatedDatabaseName: 'curated_orders',
    rawBucket,
    rawEncryptionKey: key,
    piiColumns: { customers: ['email'] },
    writers: [job],
  };
  return { app, stack, settings, source, rawBucket, key, job };
}

describe('LakeFormationSettings.fromAttributes', () => {
  test('creates nothing: no data lake settings, tags, provider or registration of the warehouse; no grant dependencies', () => {
    const { stack, settings } = sourceApp();
    expect(settings.domains).toEqual(['orders', 'billing']);
    expect(settings.grantDependencies).toEqual([]);
    expect(settings.revocationServiceToken).toBe(SERVICE_TOKEN);
    expect(settings.revocationRole.roleArn).toBe(REVOCATION_ROLE_ARN);
    expect(settings.warehouseBucket.bucketName).toBe(WAREHOUSE);
    expect(stack.node.findAll().filter((c) => c.node.defaultChild !== undefined && c.node.path.startsWith('Orders/Settings'))).toEqual([]);
  });

  test('imports the revocation role immutable: a grant to it adds no policy', () => {
    const { stack, settings } = sourceApp();
    settings.revocationRole.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));
    new iam.Role(stack, 'Placeholder', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test.each<[string, Partial<LakeFormationSettingsAttributes>, RegExp]>([
    ['no domains', { domains: [] }, /^LakeFormationSettings.fromAttributes: `domains` is empty/],
    ['a domain twice', { domains: ['orders', 'Orders'] }, /^LakeFormationSettings.fromAttributes source "Orders": given twice in `domains`/],
    ['a domain that is no LF-tag value', { domains: ['orders', 'bad,name'] }, /source "bad,name": `domains` are lakehouse:domain LF-tag values/],
  ])('refuses %s', (_name, attrs, message) => {
    expect(() => sourceApp(attrs)).toThrow(message);
  });
});

describe('SourceGovernance over imported settings, in a stack without the platform', () => {
  const { stack, settings, source, job } = sourceApp();
  new SourceGovernance(stack, 'Governance', { settings, source });
  const template = Template.fromStack(stack);
  const resources: Record<string, any> = template.toJSON().Resources;

  test('tags its curated database with its domain, the curated zone and unclassified', () => {
    const associations = Object.values(template.findResources('AWS::LakeFormation::TagAssociation'));
    expect(associations.map((a) => [a.Properties.Resource.Database.Name, a.Properties.LFTags.map((t: any) => `${t.TagKey}=${t.TagValues}`)])).toEqual([
      ['curated_orders', ['lakehouse:domain=orders', 'lakehouse:zone=curated', 'lakehouse:sensitivity=unclassified']],
    ]);
  });

  test('grants its writer its curated database, its tables and its folder of the imported warehouse bucket', () => {
    const jobArn = JSON.stringify(stack.resolve(job.roleArn));
    const grants = principalPermissions(template).filter(([, r]) => JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier) === jobArn);
    const summary = ([, r]: [string, Record<string, any>]) =>
      [r.Properties.Resource.LFTagPolicy?.ResourceType ?? 'DATA_LOCATION', expressionOf(r), r.Properties.Permissions];
    expect(grants.map(summary)).toEqual([
      ['DATA_LOCATION', [], ['DATA_LOCATION_ACCESS']],
      ['DATABASE', ['lakehouse:domain=orders', 'lakehouse:zone=curated'], ['CREATE_TABLE', 'DESCRIBE']],
      ['TABLE', ['lakehouse:domain=orders', 'lakehouse:zone=curated'], ['ALL']],
    ]);
    const [[, folder]] = grants;
    expect(folder.Properties.Resource.DataLocation.ResourceArn).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:s3:::${WAREHOUSE}/curated_orders`]],
    });
  });

  test('revokes IAM_ALLOWED_PRINCIPALS through the imported service token, after its grants and the imported role\'s read policy', () => {
    const [[, revocation]] = Object.entries(template.findResources('Custom::LakeFormationIamAllowedPrincipalsRevocation'));
    expect(revocation.Properties).toEqual({ ServiceToken: SERVICE_TOKEN, Databases: ['curated_orders'] });
    const [[accessId, access]] = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.Roles) === JSON.stringify(['platform-revocation']));
    expect(JSON.stringify(access.Properties.PolicyDocument)).toContain('database/curated_orders');
    const writerGrants = principalPermissions(template).filter(([id]) => !id.includes('PiiTagger')).map(([id]) => id);
    expect(revocation.DependsOn).toEqual(expect.arrayContaining([...writerGrants, accessId]));
  });

  test('no DependsOn outside the stack, no import from another stack, no stack dependency', () => {
    for (const resource of Object.values(resources)) {
      for (const dependency of resource.DependsOn ?? []) expect(Object.keys(resources)).toContain(dependency);
    }
    expect(JSON.stringify(resources)).not.toContain('Fn::ImportValue');
    expect(stack.dependencies).toEqual([]);
    template.resourceCountIs('AWS::LakeFormation::DataLakeSettings', 0);
    template.resourceCountIs('AWS::LakeFormation::Tag', 0);
  });

  test('the source is claimed: governing it again through the same settings throws like the real settings', () => {
    expect(() => new SourceGovernance(stack, 'Again', { settings, source })).toThrow(/^SourceGovernance source "orders": governed twice/);
  });
});

describe('SourceGovernance over imported settings: misuse is refused as with the real settings', () => {
  test('an unknown domain', () => {
    const { stack, settings, source } = sourceApp();
    expect(() => new SourceGovernance(stack, 'Governance', { settings, source: { ...source, sourceName: 'sales' } }))
      .toThrow(/source "sales": not among the settings' lakehouse:domain values \(orders, billing\)/);
  });

  test('a database or raw bucket of another source governed through the same settings', () => {
    const { stack, settings, source } = sourceApp();
    new SourceGovernance(stack, 'Orders', { settings, source });
    expect(() => new SourceGovernance(stack, 'Billing', { settings, source: { ...source, sourceName: 'billing', curatedDatabaseName: 'curated_billing' } }))
      .toThrow(/^SourceGovernance source "billing": its raw bucket is also source "orders"'s/);
    const other = sourceApp();
    new SourceGovernance(other.stack, 'Orders', { settings: other.settings, source: other.source });
    const billingRaw = s3.Bucket.fromBucketName(other.stack, 'BillingRaw', 'billing-raw');
    expect(() => new SourceGovernance(other.stack, 'Billing', {
      settings: other.settings,
      source: { ...other.source, sourceName: 'billing', rawBucket: billingRaw },
    })).toThrow(/^SourceGovernance source "billing": database "curated_orders" also belongs to source "orders"/);
  });

  test('takes the service token and the role ARN from SSM parameters', () => {
    const app = new App();
    const stack = new Stack(app, 'Orders');
    const value = (name: string) => ssm.StringParameter.valueForStringParameter(stack, `/lakehouse/platform/${name}`);
    const settings = LakeFormationSettings.fromAttributes(stack, 'Settings', {
      domains: ['orders'],
      warehouseBucketName: value('warehouse-bucket-name'),
      revocationServiceToken: value('revocation-service-token'),
      revocationRoleArn: value('revocation-role-arn'),
    });
    const key = new kms.Key(stack, 'RawKey', { enableKeyRotation: true });
    const rawBucket = new s3.Bucket(stack, 'Raw', { encryption: s3.BucketEncryption.KMS, encryptionKey: key });
    const job = new iam.Role(stack, 'Job', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    new SourceGovernance(stack, 'Governance', {
      settings,
      source: { sourceName: 'orders', curatedDatabaseName: 'curated_orders', rawBucket, rawEncryptionKey: key, piiColumns: {}, writers: [job] },
    });
    const template = Template.fromStack(stack);
    const [revocation] = Object.values(template.findResources('Custom::LakeFormationIamAllowedPrincipalsRevocation'));
    expect(revocation.Properties.ServiceToken).toEqual({ Ref: expect.stringMatching(/^SsmParameterValuelakehouseplatformrevocationservicetoken/) });
    const access = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => JSON.stringify(p.Properties.PolicyDocument).includes('database/curated_orders'));
    expect(JSON.stringify(access?.Properties.Roles)).toContain('SsmParameterValuelakehouseplatformrevocationrolearn');
  });
});
