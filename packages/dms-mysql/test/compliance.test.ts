import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MysqlEngine, MysqlSource } from '../src';
import { cfnLintErrors, testStack } from './helpers';

/** LakehouseNetwork + RawZone + MysqlSource, as an app composes them. */
function composed(engine: MysqlEngine = 'mysql') {
  const t = testStack('shop');
  new MysqlSource(t.stack, 'Shop', {
    sourceName: 'shop',
    engine,
    network: t.network,
    rawZone: t.rawZone,
    secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/shop/dms-a1B2c3',
    tables: [{ schema: 'shop', table: '%' }],
  });
  return t;
}

const engines: MysqlEngine[] = ['mysql', 'mariadb', 'aurora-mysql'];

describe('MysqlSource compliance', () => {
  test.each(engines)('cdk-nag AwsSolutions: no unacknowledged error (%s)', (engine) => {
    const { app } = composed(engine);
    const errors = new AwsSolutionsChecks().validateScope(app).violations
      .filter(v => v.severity === 'error')
      .map(v => `${v.ruleName} at ${v.violatingResources.map(r => r.constructPath).join(', ')}`);
    expect(errors).toEqual([]);
  });

  test('every acknowledgment carries a reason', () => {
    const { app } = composed();
    const reasons = app.node.findAll().flatMap(c => c.node.metadata)
      .filter(m => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap(m => Object.values(m.data as Record<string, string>));
    expect(reasons.length).toBeGreaterThan(0);
    reasons.forEach(reason => expect(reason.length).toBeGreaterThan(40));
  });

  test('cfn-lint reports no error', () => {
    expect(cfnLintErrors(Template.fromStack(composed('aurora-mysql').stack).toJSON())).toEqual([]);
  }, 120_000);

  test.each(engines)('no password in the template, and deletes never dropped (%s)', (engine) => {
    const json = JSON.stringify(Template.fromStack(composed(engine).stack).toJSON());
    expect(json).not.toMatch(/password/i);
    expect(json).not.toMatch(/"CdcInserts(Only|AndUpdates)":\s*true/);
    expect(json).toContain('"CdcInsertsOnly":false');
    expect(json).toContain('"CdcInsertsAndUpdates":false');
  });
});
