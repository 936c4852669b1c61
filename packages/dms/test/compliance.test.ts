import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dms from 'aws-cdk-lib/aws-dms';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DmsSecretAccessRole, DmsSourcePipeline } from '../src';
import { cfnLint, testStack } from './helpers';

/** A whole source built from this package's parts, as an engine package would. */
function composedStack() {
  const t = testStack();
  const secret = new DmsSecretAccessRole(t.stack, 'SecretAccess', { secret: 'prod/billing/dms' });
  const endpoint = new dms.CfnEndpoint(t.stack, 'SourceEndpoint', {
    endpointType: 'source',
    engineName: 'postgres',
    databaseName: 'billing',
    sslMode: 'require',
    postgreSqlSettings: { secretsManagerSecretId: secret.secretId, secretsManagerAccessRoleArn: secret.roleArn },
  });
  new DmsSourcePipeline(t.stack, 'Billing', {
    sourceName: 'billing',
    network: t.network,
    rawZone: t.rawZone,
    sourceEndpoint: endpoint,
    tables: [{ schema: 'public', table: '%' }],
  });
  return t;
}

describe('compliance of a composed source', () => {
  test('cdk-nag AwsSolutions: no unacknowledged error', () => {
    const { app } = composedStack();
    const report = new AwsSolutionsChecks().validateScope(app);
    const errors = report.violations.filter(v => v.severity === 'error')
      .map(v => `${v.ruleName} at ${v.violatingResources.map(r => r.constructPath).join(', ')}`);
    expect(errors).toEqual([]);
  });

  test('every acknowledgment carries a reason', () => {
    const { app } = composedStack();
    const reasons = app.node.findAll().flatMap(c => c.node.metadata)
      .filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap(m => Object.values(m.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThan(0);
    for (const reason of reasons) {
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  test('cfn-lint reports no error', () => {
    const { stack } = composedStack();
    const { output } = cfnLint(Template.fromStack(stack).toJSON());
    expect(output.split('\n').filter(line => /:E\d{4}:/.test(line))).toEqual([]);
  }, 120_000);

  test('no password, and never cdcInsertsOnly / cdcInsertsAndUpdates true', () => {
    const { stack } = composedStack();
    const json = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(json).not.toMatch(/password/i);
    expect(json).not.toMatch(/"CdcInserts(Only|AndUpdates)":\s*true/);
    expect(json).toMatch(/"CdcInsertsOnly":false/);
    expect(json).toMatch(/"CdcInsertsAndUpdates":false/);
  });
});
