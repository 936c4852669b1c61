import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PostgresSource, PostgresSourceProps } from '../src';
import { cfnLintErrors, testStack } from './helpers';

/** LakehouseNetwork + RawZone + PostgresSource, as an app composes them. */
function composed(props: Partial<PostgresSourceProps> = {}) {
  const t = testStack();
  new PostgresSource(t.stack, 'Billing', {
    sourceName: 'billing',
    network: t.network,
    rawZone: t.rawZone,
    secret: 'prod/billing/dms',
    secretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    databaseName: 'billing',
    tables: [{ schema: 'public', table: '%' }],
    ...props,
  });
  return t;
}

const variants: Array<[string, Partial<PostgresSourceProps>]> = [
  ['defaults', {}],
  ['pglogical, slot, DDL capture, verify-full, Multi-AZ, no account roles', {
    pluginName: 'pglogical',
    slotName: 'dms_billing',
    captureDdls: true,
    sslMode: 'verify-full',
    certificateArn: 'arn:aws:dms:eu-west-1:123456789012:cert:RDSBUNDLE',
    replication: { multiAz: true, maxCapacityUnits: 16, replicationType: 'cdc' },
    createAccountRoles: false,
  }],
];

describe('PostgresSource compliance', () => {
  test.each(variants)('cdk-nag AwsSolutions: no unacknowledged error (%s)', (_, props) => {
    const { app } = composed(props);
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
    expect(cfnLintErrors(Template.fromStack(composed().stack).toJSON())).toEqual([]);
  }, 120_000);

  test.each(variants)('no password in the template, and deletes never dropped (%s)', (_, props) => {
    const json = JSON.stringify(Template.fromStack(composed(props).stack).toJSON());
    expect(json).not.toMatch(/password/i);
    expect(json).not.toMatch(/"CdcInserts(Only|AndUpdates)":\s*true/);
    expect(json).toContain('"CdcInsertsOnly":false');
    expect(json).toContain('"CdcInsertsAndUpdates":false');
  });
});
