import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { expressionOf, governedLakehouse, logicalId, nagErrors, principalPermissions } from './lake-formation-fixture';

type Lake = ReturnType<typeof governedLakehouse>;
type RoleName = keyof Lake['roles'];

/** Grants of `role` in `template`, as resource type, tag expression and permissions. */
function grantsOf(lake: Lake, template: Template, role: RoleName, ref: unknown = { 'Fn::GetAtt': [logicalId(lake.roles[role]), 'Arn'] }) {
  return principalPermissions(template)
    .filter(([, r]) => JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier) === JSON.stringify(ref))
    .map(([, r]) => ({ type: r.Properties.Resource.LFTagPolicy?.ResourceType, expression: expressionOf(r), permissions: r.Properties.Permissions }));
}

describe('SourceGovernance, each source in its own stack', () => {
  const lake = governedLakehouse();
  const orders = Template.fromStack(lake.ordersStack);
  const billing = Template.fromStack(lake.billingStack);

  test('every grant, location and tag association comes after the settings and the tags: the source stacks depend on the settings\' stack', () => {
    for (const stack of [lake.ordersStack, lake.billingStack]) expect(stack.dependencies).toContain(lake.stack);
    for (const template of [orders, billing]) {
      for (const [, grant] of principalPermissions(template)) expect(grant.Properties.PermissionsWithGrantOption).toEqual([]);
      template.resourceCountIs('AWS::LakeFormation::DataLakeSettings', 0);
      template.resourceCountIs('AWS::LakeFormation::Tag', 0);
    }
  });

  test('tags its databases with its domain, their zone and unclassified', () => {
    const associations = (template: Template) => Object.values(template.findResources('AWS::LakeFormation::TagAssociation')).map((a) => ({
      database: a.Properties.Resource.Database.Name,
      tags: a.Properties.LFTags.map((t: any) => `${t.TagKey}=${t.TagValues.join('|')}`),
    }));
    expect(associations(orders)).toEqual([
      { database: 'curated_orders', tags: ['lakehouse:domain=orders', 'lakehouse:zone=curated', 'lakehouse:sensitivity=unclassified'] },
    ]);
    expect(associations(billing)).toEqual([
      { database: 'curated_billing', tags: ['lakehouse:domain=billing', 'lakehouse:zone=curated', 'lakehouse:sensitivity=unclassified'] },
      { database: 'raw_billing', tags: ['lakehouse:domain=billing', 'lakehouse:zone=raw', 'lakehouse:sensitivity=unclassified'] },
    ]);
  });

  test('writers: its curated database CREATE_TABLE, DESCRIBE; its curated tables ALL; its raw tables read (+ALTER); its warehouse folder', () => {
    expect(grantsOf(lake, billing, 'billingLambda')).toEqual([
      { type: undefined, expression: [], permissions: ['DATA_LOCATION_ACCESS'] },
      { type: 'DATABASE', expression: ['lakehouse:domain=billing', 'lakehouse:zone=curated'], permissions: ['CREATE_TABLE', 'DESCRIBE'] },
      { type: 'TABLE', expression: ['lakehouse:domain=billing', 'lakehouse:zone=curated'], permissions: ['ALL'] },
      { type: 'TABLE', expression: ['lakehouse:domain=billing', 'lakehouse:zone=raw'], permissions: ['SELECT', 'DESCRIBE', 'ALTER'] },
    ]);
    // a Glue-curated source has no raw tables in the catalog: no raw grant
    expect(grantsOf(lake, orders, 'ordersJob').map((g) => g.expression.join(','))).not.toContain('lakehouse:domain=orders,lakehouse:zone=raw');
    const folder = principalPermissions(orders).find(([, r]) => r.Properties.Resource.DataLocation)![1];
    expect(JSON.stringify(folder.Properties.Resource.DataLocation.ResourceArn)).toMatch(/Fn::ImportValue.*\/curated_orders/);
    expect(grantsOf(lake, orders, 'ordersOptimizer')).toEqual([
      { type: 'TABLE', expression: ['lakehouse:domain=orders', 'lakehouse:zone=curated'], permissions: ['ALTER', 'DESCRIBE', 'INSERT', 'DELETE'] },
    ]);
  });

  test('zone=raw appears only in writers\' grants; the pii value in no source grant', () => {
    const writers = ['billingStateMachine', 'billingLambda'].map((r) => JSON.stringify({ 'Fn::GetAtt': [logicalId(lake.roles[r as RoleName]), 'Arn'] }));
    const all = [...principalPermissions(orders), ...principalPermissions(billing)];
    const raw = all.filter(([, r]) => expressionOf(r).some((c) => c === 'lakehouse:zone=raw'));
    expect(raw.length).toBe(2);
    for (const [, r] of raw) expect(writers).toContain(JSON.stringify(r.Properties.Principal.DataLakePrincipalIdentifier));
    expect(all.filter(([, r]) => expressionOf(r).some((c) => c.startsWith('lakehouse:sensitivity=')))).toEqual([]);
  });

  test('its raw bucket registered with a registration role of its own, scoped to that bucket and its key', () => {
    const role = lake.orders.registrationRole;
    const locations = Object.values(orders.findResources('AWS::LakeFormation::Resource')).map((r) => r.Properties);
    const arn = (c: any) => ({ 'Fn::GetAtt': [logicalId(c), 'Arn'] });
    expect(locations).toEqual([{ ResourceArn: arn(lake.ordersRaw.bucket), UseServiceLinkedRole: false, RoleArn: arn(role) }]);
    const policy = Object.values(orders.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }));
    expect(policy[0].Properties.PolicyDocument.Statement).toEqual([
      { Effect: 'Allow', Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: arn(lake.ordersRaw.bucket) },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'], Resource: { 'Fn::Join': ['', [arn(lake.ordersRaw.bucket), '/*']] } },
      { Effect: 'Allow', Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'], Resource: arn(lake.ordersRaw.key) },
    ]);
    expect(JSON.stringify(billing.toJSON())).not.toContain(logicalId(lake.ordersRaw.bucket));
  });

  test('IAM_ALLOWED_PRINCIPALS revoked on its own databases through the shared provider, after its grants and the provider\'s read access', () => {
    const [[, resource]] = Object.entries(billing.findResources('Custom::LakeFormationIamAllowedPrincipalsRevocation'));
    expect(resource.Properties.Databases).toEqual(['curated_billing', 'raw_billing']);
    expect(JSON.stringify(resource.Properties.ServiceToken)).toContain('Fn::ImportValue');
    const grantIds = principalPermissions(billing).filter(([id]) => !id.includes('PiiTagger')).map(([id]) => id);
    const [[accessId, access]] = Object.entries(billing.findResources('AWS::IAM::Policy'))
      .filter(([, p]) => JSON.stringify(p.Properties.PolicyDocument).includes('glue:GetTables') && JSON.stringify(p.Properties.Roles).includes('ImportValue'));
    expect(resource.DependsOn).toEqual(expect.arrayContaining([...grantIds, accessId]));
    expect(JSON.stringify(access.Properties.PolicyDocument)).toContain('database/raw_billing');
    expect(JSON.stringify(access.Properties.PolicyDocument)).not.toContain('orders');
  });

  test('its own PII tagger: only this source\'s pii columns, its curated database\'s events, at deploy after its grants and tags', () => {
    for (const [template, databases] of [[orders, { curated_orders: { customers: ['email', 'phone'] } }], [billing, { curated_billing: { invoices: ['iban'] } }]] as const) {
      template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { PII_TAGGER_CONFIG: JSON.stringify({ databases }) } } });
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.glue'],
          'detail-type': ['Glue Data Catalog Database State Change', 'Glue Data Catalog Table State Change'],
          'detail': { databaseName: Object.keys(databases), typeOfChange: ['CreateTable', 'UpdateTable'] },
        },
      });
      template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 day)', Targets: [{ Input: '{"action":"reconcile"}' }] });
    }
    const [[, run]] = Object.entries(orders.findResources('Custom::LakehousePiiTagging'));
    const taggerGrants = principalPermissions(orders).filter(([id]) => id.startsWith('OrdersGovernancePiiTagger'));
    expect(taggerGrants.map(([, r]) => r.Properties.Resource.LFTag ?? expressionOf(r))).toEqual([
      { CatalogId: { Ref: 'AWS::AccountId' }, TagKey: 'lakehouse:sensitivity', TagValues: ['unclassified', 'general', 'pii'] },
      ['lakehouse:domain=orders', 'lakehouse:zone=curated'],
      ['lakehouse:domain=orders', 'lakehouse:zone=curated'],
    ]);
    const associations = Object.keys(orders.findResources('AWS::LakeFormation::TagAssociation'));
    expect(run.DependsOn).toEqual(expect.arrayContaining([...taggerGrants.map(([id]) => id), ...associations]));
  });

  test('the PII tagger\'s IAM: tag APIs and catalog reads of its curated database only', () => {
    const statements = Object.values(billing.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement as any[])
      .filter((s) => JSON.stringify(s.Action).includes('lakeformation:AddLFTagsToResource') || JSON.stringify(s.Action).includes('glue:GetTable"'));
    expect(statements.map((s) => s.Action)).toEqual([['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'], ['lakeformation:AddLFTagsToResource', 'lakeformation:GetResourceLFTags']]);
    expect(JSON.stringify(statements[0].Resource)).not.toContain('raw_');
    expect(JSON.stringify(statements[0].Resource)).toContain('curated_billing');
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(nagErrors(lake.app)).toEqual([]);
  });
});

describe('SourceGovernance in the settings\' stack', () => {
  const lake = governedLakehouse({}, {}, { sameStack: true });
  const template = Template.fromStack(lake.stack);
  const settingsId = logicalId(lake.settings.settings);

  test('every grant, tag association and location depends on the settings and the tags', () => {
    const tagIds = Object.keys(template.findResources('AWS::LakeFormation::Tag'));
    const grants = principalPermissions(template);
    expect(grants.length).toBeGreaterThan(10);
    for (const [, grant] of grants) expect(grant.DependsOn).toEqual(expect.arrayContaining([settingsId, ...tagIds]));
    for (const location of Object.values(template.findResources('AWS::LakeFormation::Resource'))) expect(location.DependsOn).toContain(settingsId);
    for (const association of Object.values(template.findResources('AWS::LakeFormation::TagAssociation'))) {
      expect(association.DependsOn).toEqual(expect.arrayContaining([settingsId, ...tagIds]));
    }
  });

  test('cdk-nag AwsSolutions: no unacknowledged finding', () => {
    expect(nagErrors(lake.app)).toEqual([]);
  });
});

describe('SourceGovernance validation and misuse', () => {
  test.each([
    [{ sourceName: 'billing' }, /source "billing": governed twice/],
    [{ sourceName: 'sales' }, /source "sales": not among the settings' lakehouse:domain values \(orders, billing\); add it to LakeFormationSettings `sourceNames`/],
    [{ sourceName: 'bad,name' }, /`sourceName` is its lakehouse:domain LF-tag value/],
    [{ curatedDatabaseName: 'curated_billing' }, /database "curated_billing" also belongs to source "orders"/],
    [{ curatedDatabaseName: 'Curated-Orders' }, /`curatedDatabaseName` "Curated-Orders" is no Glue database name/],
    [{ writers: [] }, /source "orders": `writers` is empty/],
    [{ piiColumns: { customers: [''] } }, /`piiColumns` has an empty table or column name \(table "customers"\)/],
  ])('source %j -> %p', (override, message) => {
    expect(() => governedLakehouse({}, override)).toThrow(message);
  });

  test('a raw bucket shared by two sources: one-line error (a location is registered once)', () => {
    expect(() => governedLakehouse({}, {}, { shareRawBucket: true, sameStack: true }))
      .toThrow(/^SourceGovernance source "billing": its raw bucket is also source "orders"'s \(a location is registered once\); give each source its own raw zone$/);
  });

  test('piiColumns too large for the tagger\'s environment: one-line error naming the source', () => {
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`table_${i}`, ['email_address']]));
    expect(() => governedLakehouse({}, { piiColumns: many })).toThrow(/^SourceGovernance "orders": its `piiColumns` take \d+ characters in the PII tagger's environment/);
  });

  test('a writer or maintainer listed twice gets its grants once', () => {
    const count = (stack: Stack) => principalPermissions(Template.fromStack(stack)).length;
    expect(count(governedLakehouse({}, {}, { doubleWriters: true }).ordersStack)).toBe(count(governedLakehouse().ordersStack));
  });
});
