import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { expressionOf, governedLakehouse, logicalId, nagErrors, principalPermissions } from './lake-formation-fixture';

describe('LakeFormationGovernance', () => {
  const lake = governedLakehouse();
  lake.governance.grantReaders(lake.roles.analyst, { pii: false });
  lake.governance.grantReaders(lake.roles.piiReader, { pii: true });
  const template = Template.fromStack(lake.stack);
  const settingsId = logicalId(lake.governance.settings);
  const roleRef = (role: keyof typeof lake.roles) => ({ 'Fn::GetAtt': [logicalId(lake.roles[role]), 'Arn'] });
  const grantsOf = (role: keyof typeof lake.roles) => principalPermissions(template)
    .filter(([, r]) => JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier) === JSON.stringify(roleRef(role)))
    .map(([, r]) => ({ type: r.Properties.Resource.LFTagPolicy?.ResourceType, expression: expressionOf(r), permissions: r.Properties.Permissions }));

  test('settings: APPEND, the CDK deploy role (Fn::Sub of the cfn exec role) and the given admins, full table access allowed', () => {
    template.hasResourceProperties('AWS::LakeFormation::DataLakeSettings', {
      MutationType: 'APPEND',
      AllowFullTableExternalDataAccess: true,
      Admins: [
        { DataLakePrincipalIdentifier: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/cdk-hnb659fds-cfn-exec-role-${AWS::AccountId}-${AWS::Region}' } },
        { DataLakePrincipalIdentifier: 'arn:aws:iam::111122223333:role/platform-admin' },
        { DataLakePrincipalIdentifier: { 'Fn::GetAtt': [Match.stringLikeRegexp('^GovernanceIamAllowedPrincipalsHandlerRole'), 'Arn'] } },
      ],
    });
  });

  test('every grant, tag, tag association and location depends on the settings; grants and associations also on the tags', () => {
    const tagIds = Object.keys(template.findResources('AWS::LakeFormation::Tag'));
    expect(tagIds).toHaveLength(3);
    const grants = principalPermissions(template);
    expect(grants.length).toBeGreaterThan(10);
    for (const [, grant] of grants) expect(grant.DependsOn).toEqual(expect.arrayContaining([settingsId, ...tagIds]));
    for (const type of ['AWS::LakeFormation::Tag', 'AWS::LakeFormation::Resource', 'AWS::LakeFormation::TagAssociation']) {
      for (const resource of Object.values(template.findResources(type))) expect(resource.DependsOn).toContain(settingsId);
    }
    for (const association of Object.values(template.findResources('AWS::LakeFormation::TagAssociation'))) {
      expect(association.DependsOn).toEqual(expect.arrayContaining(tagIds));
    }
    for (const grant of grants) expect(grant[1].Properties.PermissionsWithGrantOption).toEqual([]);
  });

  test('tags: domain per source, zone raw|curated, sensitivity unclassified|general|pii; databases tagged unclassified', () => {
    template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: 'lakehouse:domain', TagValues: ['orders', 'billing'] });
    template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: 'lakehouse:zone', TagValues: ['raw', 'curated'] });
    template.hasResourceProperties('AWS::LakeFormation::Tag', { TagKey: 'lakehouse:sensitivity', TagValues: ['unclassified', 'general', 'pii'] });
    const associations = Object.values(template.findResources('AWS::LakeFormation::TagAssociation')).map((a) => ({
      database: a.Properties.Resource.Database.Name,
      tags: a.Properties.LFTags.map((t: any) => `${t.TagKey}=${t.TagValues.join('|')}`),
    }));
    expect(associations).toEqual([
      { database: 'curated_orders', tags: ['lakehouse:domain=orders', 'lakehouse:zone=curated', 'lakehouse:sensitivity=unclassified'] },
      { database: 'curated_billing', tags: ['lakehouse:domain=billing', 'lakehouse:zone=curated', 'lakehouse:sensitivity=unclassified'] },
      { database: 'raw_billing', tags: ['lakehouse:domain=billing', 'lakehouse:zone=raw', 'lakehouse:sensitivity=unclassified'] },
    ]);
  });

  test('readers: curated databases DESCRIBE; tables general (analysts) or general|pii (PII readers); nothing on raw', () => {
    expect(grantsOf('analyst')).toEqual([
      { type: 'DATABASE', expression: ['lakehouse:zone=curated'], permissions: ['DESCRIBE'] },
      { type: 'TABLE', expression: ['lakehouse:zone=curated', 'lakehouse:sensitivity=general'], permissions: ['SELECT', 'DESCRIBE'] },
    ]);
    expect(grantsOf('piiReader')).toEqual([
      { type: 'DATABASE', expression: ['lakehouse:zone=curated'], permissions: ['DESCRIBE'] },
      { type: 'TABLE', expression: ['lakehouse:zone=curated', 'lakehouse:sensitivity=general|pii'], permissions: ['SELECT', 'DESCRIBE'] },
    ]);
  });

  test('zone=raw appears only in writers\' grants; the pii value only in the PII reader\'s expression', () => {
    const writers = [roleRef('billingStateMachine'), roleRef('billingLambda')].map((r) => JSON.stringify(r));
    const raw = principalPermissions(template).filter(([, r]) => expressionOf(r).some((c) => c === 'lakehouse:zone=raw'));
    expect(raw.length).toBe(2);
    for (const [, r] of raw) expect(writers).toContain(JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier));
    const pii = principalPermissions(template).filter(([, r]) => expressionOf(r).some((c) => c.startsWith('lakehouse:sensitivity=') && c.includes('pii')));
    expect(pii.map(([, r]) => r.Properties.Principal.DataLakePrincipalIdentifier)).toEqual([roleRef('piiReader')]);
  });

  test('writers of a source: its curated database CREATE_TABLE, DESCRIBE; its curated tables ALL; its raw tables read (+ALTER); its warehouse folder', () => {
    expect(grantsOf('billingLambda')).toEqual([
      { type: undefined, expression: [], permissions: ['DATA_LOCATION_ACCESS'] },
      { type: 'DATABASE', expression: ['lakehouse:domain=billing', 'lakehouse:zone=curated'], permissions: ['CREATE_TABLE', 'DESCRIBE'] },
      { type: 'TABLE', expression: ['lakehouse:domain=billing', 'lakehouse:zone=curated'], permissions: ['ALL'] },
      { type: 'TABLE', expression: ['lakehouse:domain=billing', 'lakehouse:zone=raw'], permissions: ['SELECT', 'DESCRIBE', 'ALTER'] },
    ]);
    // a Glue-curated source has no raw tables in the catalog: no raw grant
    expect(grantsOf('ordersJob').map((g) => g.expression.join(','))).not.toContain('lakehouse:domain=orders,lakehouse:zone=raw');
    template.hasResourceProperties('AWS::LakeFormation::PrincipalPermissions', {
      Principal: { DataLakePrincipalIdentifier: roleRef('ordersJob') },
      Resource: { DataLocation: { ResourceArn: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(lake.warehouse.bucket), 'Arn'] }, '/curated_orders']] } } },
    });
    expect(grantsOf('ordersOptimizer')).toEqual([
      { type: 'TABLE', expression: ['lakehouse:domain=orders', 'lakehouse:zone=curated'], permissions: ['ALTER', 'DESCRIBE', 'INSERT', 'DELETE'] },
    ]);
  });

  test('locations: warehouse and each raw bucket, our registration role, no service-linked role', () => {
    const locations = Object.values(template.findResources('AWS::LakeFormation::Resource')).map((r) => r.Properties);
    const roleArn = { 'Fn::GetAtt': [logicalId(lake.governance.registrationRole), 'Arn'] };
    expect(locations).toEqual([lake.warehouse, lake.ordersRaw, lake.billingRaw].map(({ bucket }) => ({
      ResourceArn: { 'Fn::GetAtt': [logicalId(bucket), 'Arn'] }, UseServiceLinkedRole: false, RoleArn: roleArn,
    })));
  });

  test('registration role: trusts Lake Formation; S3 and KMS on exactly the registered buckets and their keys', () => {
    const role = template.findResources('AWS::IAM::Role', { Properties: { AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lakeformation.amazonaws.com' } }] } } });
    expect(Object.keys(role)).toEqual([logicalId(lake.governance.registrationRole)]);
    const policy = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(lake.governance.registrationRole) }] } }));
    expect(policy).toHaveLength(1);
    const all = [lake.warehouse, lake.ordersRaw, lake.billingRaw];
    const arn = (c: any) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });
    expect(policy[0].Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: all.map((b) => arn(b.bucket)) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: all.map((b) => ({ 'Fn::Join': ['', [arn(b.bucket), '/*']] })) },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'], Resource: all.map((b) => arn(b.key)) },
    ]);
  });

  test('IAM_ALLOWED_PRINCIPALS revoked on every lakehouse database, after the settings and the writers\' grants', () => {
    const [[, resource]] = Object.entries(template.findResources('Custom::LakeFormationIamAllowedPrincipalsRevocation'));
    expect(resource.Properties.Databases).toEqual(['curated_orders', 'curated_billing', 'raw_billing']);
    expect(resource.DependsOn).toContain(settingsId);
    const writerGrantIds = principalPermissions(template)
      .filter(([, r]) => JSON.stringify(r).includes(logicalId(lake.roles.ordersJob))).map(([id]) => id);
    expect(resource.DependsOn).toEqual(expect.arrayContaining(writerGrantIds));
  });

  test('PII tagger: Glue CreateTable/UpdateTable events of the curated databases, daily, and at deploy after its grants', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.glue'],
        'detail-type': ['Glue Data Catalog Database State Change', 'Glue Data Catalog Table State Change'],
        'detail': { databaseName: ['curated_orders', 'curated_billing'], typeOfChange: ['CreateTable', 'UpdateTable'] },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)', Targets: [{ Input: '{"action":"reconcile"}' }] });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: { PII_TAGGER_CONFIG: JSON.stringify({ databases: { curated_orders: { customers: ['email', 'phone'] }, curated_billing: {} } }) } },
    });
    const [[, run]] = Object.entries(template.findResources('Custom::LakehousePiiTagging'));
    const taggerGrants = principalPermissions(template).filter(([id]) => id.startsWith('GovernancePiiTagger'));
    expect(taggerGrants.map(([, r]) => r.Properties.Resource.LFTag ?? expressionOf(r))).toEqual([
      { CatalogId: { Ref: 'AWS::AccountId' }, TagKey: 'lakehouse:sensitivity', TagValues: ['unclassified', 'general', 'pii'] },
      ['lakehouse:zone=curated'],
      ['lakehouse:zone=curated'],
    ]);
    const associations = Object.entries(template.findResources('AWS::LakeFormation::TagAssociation'))
      .filter(([, a]) => a.Properties.Resource.Database.Name.startsWith('curated_')).map(([id]) => id);
    expect(run.DependsOn).toEqual(expect.arrayContaining([...taggerGrants.map(([id]) => id), ...associations]));
  });

  test('the PII tagger\'s IAM: tag APIs and catalog reads of the curated databases only', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .filter((s) => JSON.stringify(s.Action).includes('lakeformation:AddLFTagsToResource') || JSON.stringify(s.Action).includes('glue:GetTable"'));
    expect(statements.map((s) => s.Action)).toEqual([['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'], ['lakeformation:AddLFTagsToResource', 'lakeformation:GetResourceLFTags']]);
    expect(JSON.stringify(statements[0].Resource)).not.toContain('raw_');
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(nagErrors(lake.app)).toEqual([]);
  });
});

describe('LakeFormationGovernance validation and misuse', () => {
  test('grantReaders twice for one role: one-line error naming the role', () => {
    const lake = governedLakehouse();
    lake.governance.grantReaders(lake.roles.analyst, { pii: false });
    expect(() => lake.governance.grantReaders(lake.roles.analyst, { pii: true })).toThrow(/^LakeFormationGovernance.grantReaders: role Governed\/Analyst already has reader grants; call grantReaders once per role$/);
  });

  test.each([
    [{ sourceName: 'billing' }, /source "billing": `sourceName` is given twice/],
    [{ sourceName: 'bad,name' }, /`sourceName` is its lakehouse:domain LF-tag value/],
    [{ curatedDatabaseName: 'curated_billing' }, /database "curated_billing" belongs to two sources/],
    [{ curatedDatabaseName: 'Curated-Orders' }, /`curatedDatabaseName` "Curated-Orders" is no Glue database name/],
    [{ writers: [] }, /source "orders": `writers` is empty/],
    [{ piiColumns: { customers: [''] } }, /`piiColumns` has an empty table or column name \(table "customers"\)/],
  ])('source %j -> %p', (override, message) => {
    expect(() => governedLakehouse({}, override)).toThrow(message);
  });

  test('piiColumns too large for the tagger\'s environment: one-line error', () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`table_${i}`, ['email_address']]));
    expect(() => governedLakehouse({}, { piiColumns: many })).toThrow(/`piiColumns` take \d+ characters in the PII tagger's environment/);
  });
});

describe('LakeFormationGovernance with a shared raw bucket and a reader role from another stack', () => {
  test('a raw bucket shared by two sources is registered once', () => {
    const lake = governedLakehouse({}, {}, { shareRawBucket: true });
    const locations = Object.values(Template.fromStack(lake.stack).findResources('AWS::LakeFormation::Resource'));
    expect(locations.map((l) => l.Properties.ResourceArn)).toEqual([lake.warehouse, lake.ordersRaw].map((b) => ({ 'Fn::GetAtt': [logicalId(b.bucket), 'Arn'] })));
  });

  test('a writer or maintainer listed twice gets its grants once', () => {
    const count = (stack: Stack) => principalPermissions(Template.fromStack(stack)).length;
    expect(count(governedLakehouse({}, {}, { doubleWriters: true }).stack)).toBe(count(governedLakehouse().stack));
  });

  test('a reader role of another stack is granted by its (imported) ARN', () => {
    const lake = governedLakehouse();
    const other = new Stack(lake.app, 'Analysts');
    const role = new iam.Role(other, 'Analyst', { assumedBy: new iam.AccountRootPrincipal() });
    lake.governance.grantReaders(role, { pii: false });
    const grants = principalPermissions(Template.fromStack(lake.stack))
      .filter(([, r]) => JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier).includes('Fn::ImportValue'));
    expect(grants.map(([, r]) => expressionOf(r))).toEqual([['lakehouse:zone=curated'], ['lakehouse:zone=curated', 'lakehouse:sensitivity=general']]);
  });
});
