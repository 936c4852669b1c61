import { ANALYSTS_WORKGROUP_NAME, PII_READERS_WORKGROUP_NAME, SENSITIVITY_TAG, ZONE_TAG } from '@cdc-lakehouse/governance';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { GOVERNANCE_CONTEXT_KEYS, GovernanceConfig, LakehouseStacks, buildLakehouseApp, governanceFromContext } from '../src';

const PII_READER = 'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_PiiReaders_0123456789abcdef';
const ANALYSTS = 'arn:aws:iam::222222222222:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Analysts_0123456789abcdef';

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };

/** The app as main.ts builds it, with governance settings given as CDK context (as `cdk deploy -c …` would). */
function lakehouseApp(context: Record<string, unknown> = {}): LakehouseStacks & { template: Template; resources: Record<string, Resource> } {
  const app = new App({ context });
  const stacks = buildLakehouseApp(app);
  const template = Template.fromStack(stacks.governance);
  return { ...stacks, template, resources: template.toJSON().Resources };
}

function ofType(resources: Record<string, Resource>, type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, r]) => r.Type === type);
}

/** Logical ID of a role's ARN as it appears in this stack: its own (GetAtt) or another stack's (an import). */
function principalText(stack: Stack, role: { roleArn: string }): string {
  return JSON.stringify(stack.resolve(role.roleArn));
}

describe('the governance stack of the sample sources', () => {
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

  test('every grant is created after the settings (and so removed before them on delete)', () => {
    const [[settingsId]] = ofType(app.resources, 'AWS::LakeFormation::DataLakeSettings');
    const grants = ofType(app.resources, 'AWS::LakeFormation::PrincipalPermissions');
    expect(grants.length).toBeGreaterThan(0);
    for (const [id, grant] of grants) {
      expect({ id, dependsOn: grant.DependsOn ?? [] }).toEqual({ id, dependsOn: expect.arrayContaining([settingsId]) });
    }
  });

  test('registers both raw zones and the warehouse with the custom registration role', () => {
    const locations = ofType(app.resources, 'AWS::LakeFormation::Resource');
    expect(locations).toHaveLength(3);
    for (const [, location] of locations) {
      expect(location.Properties.UseServiceLinkedRole).toBe(false);
      expect(location.Properties.RoleArn).toEqual(app.governance.resolve(app.governance.lakeFormation.registrationRole.roleArn));
    }
  });

  test('tags each lakehouse database with its source domain and zone; PII columns come from the source entries', () => {
    template('AWS::LakeFormation::TagAssociation', 3);
    const tagger = ofType(app.resources, 'AWS::Lambda::Function').map(([, f]) => JSON.stringify(f.Properties.Environment ?? {}));
    const config = tagger.find((env) => env.includes('customers'));
    expect(config).toBeDefined();
    for (const column of ['email', 'phone', 'card_holder']) expect(config).toContain(column);
  });

  function template(type: string, count: number): void {
    app.template.resourceCountIs(type, count);
  }

  test('analysts read curated tables tagged general only; the PII role also pii; neither ever raw', () => {
    const grants = ofType(app.resources, 'AWS::LakeFormation::PrincipalPermissions').map(([, g]) => g.Properties);
    const analyst = principalText(app.governance, app.governance.access.analysts.role);
    const piiReader = principalText(app.governance, app.governance.access.piiReaders!.role);
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
      return [app.governance.access.analysts.role, app.governance.access.piiReaders!.role]
        .some((role) => roles.includes(app.governance.getLogicalId(role.node.defaultChild as never)));
    });
    expect(policies).toHaveLength(2);
    const text = JSON.stringify(policies);
    for (const stack of app.sources) {
      const raw = (stack as unknown as { rawZone: { bucket: { bucketArn: string } } }).rawZone.bucket;
      expect(text).not.toContain(JSON.stringify(app.governance.resolve(raw.bucketArn)));
      expect(text).not.toMatch(/RawZone/);
    }
    expect(text).not.toMatch(/Warehouse/);
  });

  test('one workgroup per role, enforced, engine v3, each with its own results prefix', () => {
    for (const name of [ANALYSTS_WORKGROUP_NAME, PII_READERS_WORKGROUP_NAME]) {
      app.template.hasResourceProperties('AWS::Athena::WorkGroup', {
        Name: name,
        WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: true, EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' } }),
      });
    }
    expect(app.governance.access.analysts.resultsPrefix).not.toBe(app.governance.access.piiReaders!.resultsPrefix);
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
    expect(app.governance.access.piiReaders).toBeUndefined();
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
