import { GOVERNANCE_CONTEXT_KEYS, GovernanceConfig, governanceFromContext } from '@cdc-lakehouse/app-config';
import { ANALYSTS_WORKGROUP_NAME, PII_READERS_WORKGROUP_NAME, SENSITIVITY_TAG, ZONE_TAG } from '@cdc-lakehouse/governance';
import { buildLakehouseApp } from '@cdc-lakehouse/lakehouse';
import { buildPlatformApp } from '@cdc-lakehouse/platform';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';

const PII_READER = 'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PiiReaders_0123456789abcdef';
const ANALYSTS = 'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Analysts_0123456789abcdef';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

/**
 * Both apps as their main.ts build them, with governance settings given as CDK context (as `cdk deploy -c …` would): the
 * platform's template (shared settings, tags, analysts) and every source's (its own governance).
 */
function lakehouseApp(context: Record<string, unknown> = {}) {
  const { platform } = buildPlatformApp(new App({ context }));
  const stacks = { ...buildLakehouseApp(new App({ context })), platform };
  const template = Template.fromStack(stacks.platform);
  const sourceTemplates = stacks.sources.map((s) => Template.fromStack(s));
  // keyed `<stack>/<logical ID>`: the source stacks' logical IDs repeat
  const sourceResources: Record<string, Resource> = Object.fromEntries(sourceTemplates.flatMap((t, i) =>
    Object.entries(t.toJSON().Resources as Record<string, Resource>).map(([id, r]) => [`${stacks.sources[i].stackName}/${id}`, r])));
  return { ...stacks, template, resources: template.toJSON().Resources as Record<string, Resource>, sourceTemplates, sourceResources };
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** Logical ID of a role's ARN as it appears in this stack: its own (GetAtt) or another stack's (an import). */
function principalText(stack: Stack, role: { roleArn: string }): string {
  return JSON.stringify(stack.resolve(role.roleArn));
}

describe('the governance of the sample sources: shared on the platform app\'s stack, per source in its stack of the lakehouse app', () => {
  const app = lakehouseApp({
    [GOVERNANCE_CONTEXT_KEYS.analystPrincipals]: ANALYSTS,
    [GOVERNANCE_CONTEXT_KEYS.piiReaderPrincipals]: PII_READER,
    [GOVERNANCE_CONTEXT_KEYS.lakeFormationAdmins]: 'arn:aws:iam::111111111111:role/DataPlatformAdmin',
  });

  test('adds admins (APPEND) and keeps the deploy role one; full table access for Glue 5.0 writers', () => {
    const [settings] = ofType(app.resources, 'AWS::LakeFormation::DataLakeSettings');
    expect(settings[1].Properties.MutationType).toBe('APPEND');
    const admins = JSON.stringify(settings[1].Properties.Admins);
    expect(admins).toContain('cfn-exec-role');
    expect(admins).toContain('Fn::Sub');
    expect(admins).toContain('arn:aws:iam::111111111111:role/DataPlatformAdmin');
    expect(settings[1].Properties.AllowFullTableExternalDataAccess).toBe(true);
  });

  test('every platform grant is created after the settings (DependsOn); a source\'s grants come after by deploy order (platform first)', () => {
    const [[settingsId]] = ofType(app.resources, 'AWS::LakeFormation::DataLakeSettings');
    const grants = ofType(app.resources, 'AWS::LakeFormation::PrincipalPermissions');
    expect(grants.length).toBeGreaterThan(0);
    for (const [id, grant] of grants) {
      expect({ id, dependsOn: grant.DependsOn ?? [] }).toEqual({ id, dependsOn: expect.arrayContaining([settingsId]) });
    }
    for (const source of app.sources) {
      expect(ofType(app.sourceTemplates[app.sources.indexOf(source)].toJSON().Resources, 'AWS::LakeFormation::PrincipalPermissions').length).toBeGreaterThan(0);
      expect(source.dependencies).toEqual([]); // the lakehouse app is deployed after the platform app, whose settings exist by then
    }
  });

  test('registers the warehouse (platform) and each raw zone (its source stack), each with a registration role of its own', () => {
    const [[, warehouse]] = ofType(app.resources, 'AWS::LakeFormation::Resource');
    expect(warehouse.Properties.RoleArn).toEqual(app.platform.resolve(app.platform.lakeFormation.registrationRole.roleArn));
    for (const source of app.sources) {
      const locations = ofType(app.sourceTemplates[app.sources.indexOf(source)].toJSON().Resources, 'AWS::LakeFormation::Resource');
      expect(locations).toHaveLength(1);
      expect(locations[0][1].Properties.UseServiceLinkedRole).toBe(false);
      expect(locations[0][1].Properties.RoleArn).toEqual(source.resolve(source.governance.registrationRole.roleArn));
    }
    expect(warehouse.Properties.UseServiceLinkedRole).toBe(false);
  });

  test('tags each lakehouse database with its source domain and zone; each source\'s tagger knows only its PII columns', () => {
    expect(ofType(app.sourceResources, 'AWS::LakeFormation::TagAssociation')).toHaveLength(3);
    template('AWS::LakeFormation::TagAssociation', 0);
    const configs = app.sourceTemplates.map((t) => Object.values(t.findResources('Custom::LakehousePiiTagging'))[0].Properties.Config);
    expect(configs.map((c) => JSON.parse(c))).toEqual([
      { databases: { curated_orders: { customers: ['email', 'phone'] } } },
      { databases: { curated_billing: { payments: ['card_holder'] } } },
    ]);
  });

  function template(type: string, count: number): void {
    app.template.resourceCountIs(type, count);
  }

  test('analysts read curated tables tagged general only; the PII role also pii; neither ever raw', () => {
    const grants = ofType({ ...app.resources, ...app.sourceResources }, 'AWS::LakeFormation::PrincipalPermissions').map(([, g]) => g.Properties);
    const analyst = principalText(app.platform, app.platform.access.analysts.role);
    const piiReader = principalText(app.platform, app.platform.access.piiReaders!.role);
    const of = (principal: string) => grants.filter((g) => JSON.stringify(g.Principal.DataLakePrincipalIdentifier) === principal);
    for (const principal of [analyst, piiReader]) {
      const text = JSON.stringify(of(principal));
      expect(text).not.toContain('"raw"');
      for (const grant of of(principal)) expect(grant.Permissions.every((p: string) => ['SELECT', 'DESCRIBE'].includes(p))).toBe(true);
    }
    const piiGrants = grants.filter((g) => JSON.stringify(g.Resource).includes('"pii"') && JSON.stringify(g.Resource).includes(SENSITIVITY_TAG)
      && g.Resource.LFTagPolicy !== undefined);
    expect(piiGrants.length).toBeGreaterThan(0);
    for (const grant of piiGrants) expect(JSON.stringify(grant.Principal.DataLakePrincipalIdentifier)).toBe(piiReader);
    expect(JSON.stringify(of(analyst))).toContain(ZONE_TAG);
  });

  test('no analyst or PII-reader policy reaches a raw bucket or the warehouse bucket', () => {
    const policies = ofType(app.resources, 'AWS::IAM::Policy').filter(([, p]) => {
      const roles = JSON.stringify(p.Properties.Roles);
      return [app.platform.access.analysts.role, app.platform.access.piiReaders!.role]
        .some((role) => roles.includes(app.platform.getLogicalId(role.node.defaultChild as never)));
    });
    expect(policies).toHaveLength(2);
    const text = JSON.stringify(policies);
    for (const stack of app.sources) {
      const raw = (stack as unknown as { rawZone: { bucket: { bucketArn: string } } }).rawZone.bucket;
      expect(text).not.toContain(JSON.stringify(stack.resolve(raw.bucketArn)));
      expect(text).not.toMatch(/RawZone/);
    }
    expect(text).not.toMatch(/Warehouse/);
    expect(text).not.toContain(JSON.stringify(app.platform.resolve(app.platform.warehouse.bucket.bucketArn)));
  });

  test('one workgroup per role, enforced, engine v3, each with its own results prefix', () => {
    for (const name of [ANALYSTS_WORKGROUP_NAME, PII_READERS_WORKGROUP_NAME]) {
      app.template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: name,
        WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: true, EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' } }),
      });
    }
    expect(app.platform.access.analysts.resultsPrefix).not.toBe(app.platform.access.piiReaders!.resultsPrefix);
  });

  test('the roles trust only the configured principals', () => {
    const roles = ofType(app.resources, 'AWS::IAM::Role').map(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument));
    expect(roles.filter((trust) => trust.includes(ANALYSTS))).toHaveLength(1);
    expect(roles.filter((trust) => trust.includes(PII_READER))).toHaveLength(1);
  });
});

describe('governance settings from CDK context', () => {
  test('without any, analysts are this account\'s principals and there is no PII-reader role', () => {
    const app = lakehouseApp();
    expect(app.platform.access.piiReaders).toBeUndefined();
    app.template.resourceCountIs('AWS::Athena::WorkGroup', 1);
    const trust = JSON.stringify(ofType(app.resources, 'AWS::IAM::Role').map(([, r]) => r.Properties.AssumeRolePolicyDocument));
    expect(trust).toContain(':root');
  });

  test('lists are arrays or comma-separated strings; the cutoff a whole number of bytes', () => {
    const config: GovernanceConfig = governanceFromContext((key) => ({
      [GOVERNANCE_CONTEXT_KEYS.analystPrincipals]: `${ANALYSTS}, 222222222222`,
      [GOVERNANCE_CONTEXT_KEYS.piiReaderPrincipals]: [PII_READER],
      [GOVERNANCE_CONTEXT_KEYS.bytesScannedCutoffPerQuery]: '21474836480',
    } as Record<string, unknown>)[key]);
    expect(config).toEqual({
      lakeFormationAdmins: undefined,
      analystPrincipals: [ANALYSTS, '222222222222'],
      piiReaderPrincipals: [PII_READER],
      bytesScannedCutoffPerQuery: 21474836480,
    });
  });

  test.each([
    [GOVERNANCE_CONTEXT_KEYS.analystPrincipals, 'analysts@example.com', /^lakehouse:analystPrincipals: "analysts@example.com" is neither a 12-digit account ID nor an IAM role\/user ARN/],
    [GOVERNANCE_CONTEXT_KEYS.bytesScannedCutoffPerQuery, '10GB', /^lakehouse:bytesScannedCutoffPerQuery: "10GB" is not a whole number of bytes/],
  ])('a bad %s is one line naming the key and the fix', (key, value, message) => {
    expect(() => lakehouseApp({ [key]: value })).toThrow(message);
  });
});
