import { App, LegacyStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { expressionOf, governedLakehouse, logicalId, nagErrors, principalPermissions } from './lake-formation-fixture';
import { LakeFormationSettings } from '../src/lake-formation';

describe('LakeFormationSettings', () => {
  const lake = governedLakehouse();
  lake.settings.grantReaders(lake.roles.analyst, { pii: false });
  lake.settings.grantReaders(lake.roles.piiReader, { pii: true });
  const template = Template.fromStack(lake.stack);
  const settingsId = logicalId(lake.settings.settings);
  const roleRef = (role: 'analyst' | 'piiReader') => ({ 'Fn::GetAtt': [logicalId(lake.roles[role]), 'Arn'] });
  const grantsOf = (role: 'analyst' | 'piiReader') => principalPermissions(template)
    .filter(([, r]) => JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier) === JSON.stringify(roleRef(role)))
    .map(([, r]) => ({ type: r.Properties.Resource.LFTagPolicy?.ResourceType, expression: expressionOf(r), permissions: r.Properties.Permissions }));

  test('settings: APPEND, the CDK deploy role (Fn::Sub of the cfn exec role), the given admins and the revoking Lambda; full table access', () => {
    template.hasResourceProperties('AWS::LakeFormation::DataLakeSettings', {
      MutationType: 'APPEND',
      AllowFullTableExternalDataAccess: true,
      Admins: [
        { DataLakePrincipalIdentifier: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}' } },
        { DataLakePrincipalIdentifier: 'arn:aws:iam::111122223333:role/platform-admin' },
        { DataLakePrincipalIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^SettingsIamAllowedPrincipalsHandlerRole'), 'Arn'] } },
      ],
    });
  });

  test('tags: domain = the source names, zone raw|curated, sensitivity unclassified|general|pii; each after the settings', () => {
    template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: 'lakehouse:domain', TagValues: ['orders', 'billing'] });
    template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: 'lakehouse:zone', TagValues: ['raw', 'curated'] });
    template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: 'lakehouse:sensitivity', TagValues: ['unclassified', 'general', 'pii'] });
    for (const tag of Object.values(template.findResources('AWS::LakeFormation::Tag'))) expect(tag.DependsOn).toContain(settingsId);
  });

  test('readers: curated databases DESCRIBE; tables general (analysts) or general|pii (PII readers); nothing on raw; after settings and tags', () => {
    expect(grantsOf('analyst')).toEqual([
      { type: 'DATABASE', expression: ['lakehouse:zone=curated'], permissions: ['DESCRIBE'] },
      { type: 'TABLE', expression: ['lakehouse:zone=curated', 'lakehouse:sensitivity=general'], permissions: ['SELECT', 'DESCRIBE'] },
    ]);
    expect(grantsOf('piiReader')).toEqual([
      { type: 'DATABASE', expression: ['lakehouse:zone=curated'], permissions: ['DESCRIBE'] },
      { type: 'TABLE', expression: ['lakehouse:zone=curated', 'lakehouse:sensitivity=general|pii'], permissions: ['SELECT', 'DESCRIBE'] },
    ]);
    const tagIds = Object.keys(template.findResources('AWS::LakeFormation::Tag'));
    for (const [, grant] of principalPermissions(template)) {
      expect(grant.DependsOn).toEqual(expect.arrayContaining([settingsId, ...tagIds]));
      expect(grant.Properties.PermissionsWithGrantOption).toEqual([]);
    }
  });

  test('the pii value appears only in the PII reader\'s expression', () => {
    const pii = principalPermissions(template).filter(([, r]) => expressionOf(r).some((c) => c.startsWith('lakehouse:sensitivity=') && c.includes('pii')));
    expect(pii.map(([, r]) => r.Properties.Principal.DataLakePrincipalIdentifier)).toEqual([roleRef('piiReader')]);
  });

  test('the warehouse registered (after the settings) with a role scoped to the warehouse bucket and key only', () => {
    const roleArn = { 'Fn::GetAtt': [logicalId(lake.settings.registrationRole), 'Arn'] };
    const locations = Object.values(template.findResources('AWS::LakeFormation::Resource'));
    expect(locations.map((l) => l.Properties)).toEqual([{ ResourceArn: { 'Fn::GetAtt': [logicalId(lake.warehouse.bucket), 'Arn'] }, UseServiceLinkedRole: false, RoleArn: roleArn }]);
    expect(locations[0].DependsOn).toContain(settingsId);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(lake.settings.registrationRole) }] } }));
    const arn = (c: any) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });
    expect(policy[0].Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: arn(lake.warehouse.bucket) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [arn(lake.warehouse.bucket), '/*']] } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'], Resource: arn(lake.warehouse.key) },
    ]);
  });

  test('the revocation provider: RevokePermissions only (each source lets it read its databases), its token exported for the source stacks', () => {
    const revoker = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('lakeformation:RevokePermissions'));
    expect(revoker.map((p) => p.Properties.PolicyDocument.Statement.find((s: any) => s.Action === 'lakeformation:RevokePermissions')?.Resource)).toEqual(['*']);
    expect(JSON.stringify(revoker)).not.toContain('glue:');
    template.resourceCountIs('Custom::LakeFormationIamAllowedPrincipalsRevocation', 0);
    expect(Object.keys(template.toJSON().Outputs ?? {}).length).toBeGreaterThan(0);
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(nagErrors(lake.app)).toEqual([]);
  });
});

describe('LakeFormationSettings validation and misuse', () => {
  test('grantReaders twice for one role: one-line error naming the role', () => {
    const lake = governedLakehouse();
    lake.settings.grantReaders(lake.roles.analyst, { pii: false });
    expect(() => lake.settings.grantReaders(lake.roles.analyst, { pii: true }))
      .toThrow(/^LakeFormationSettings.grantReaders: role Platform\/Analyst already has reader grants; call grantReaders once per role$/);
  });

  test.each([
    [[], /`sourceNames` is empty/],
    [['orders', 'Orders'], /source "Orders": given twice in `sourceNames`/],
    [['bad,name'], /source "bad,name": `sourceNames` are lakehouse:domain LF-tag values/],
  ])('sourceNames %j -> %p', (sourceNames, message) => {
    expect(() => governedLakehouse({ sourceNames })).toThrow(message);
  });

  test('a reader role of another stack is granted by its (imported) ARN', () => {
    const lake = governedLakehouse();
    const other = new Stack(lake.app, 'Analysts');
    const role = new iam.Role(other, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    lake.settings.grantReaders(role, { pii: false });
    const grants = principalPermissions(Template.fromStack(lake.stack))
      .filter(([, r]) => JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier).includes('Fn::ImportValue'));
    expect(grants.map(([, r]) => expressionOf(r))).toEqual([['lakehouse:zone=curated'], ['lakehouse:zone=curated', 'lakehouse:sensitivity=general']]);
  });

  test('needs the DefaultStackSynthesizer', () => {
    const stack = new Stack(new App(), 'Legacy', { synthesizer: new LegacyStackSynthesizer() });
    const key = new kms.Key(stack, 'Key');
    const bucket = new s3.Bucket(stack, 'Warehouse', { encryptionKey: key });
    expect(() => new LakeFormationSettings(stack, 'Settings', { sourceNames: ['orders'], warehouseBucket: bucket, warehouseEncryptionKey: key }))
      .toThrow(/^LakeFormationSettings in stack Legacy: needs the DefaultStackSynthesizer/);
  });
});
