import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DmsAccountRoles, DmsSourcePipeline, DmsSourcePipelineProps } from '../src';
import { sourceEndpoint, testStack, TestStack } from './helpers';

function pipeline(t: TestStack, props: Partial<DmsSourcePipelineProps> = {}): DmsSourcePipeline {
  return new DmsSourcePipeline(t.stack, 'Billing', {
    sourceName: 'billing',
    network: t.network,
    rawZone: t.rawZone,
    sourceEndpoint: sourceEndpoint(t.stack),
    tables: [{ schema: 'public', table: 'invoices', primaryKey: ['invoice_id'] }, { schema: 'sales', table: '%' }],
    exclude: [{ schema: 'sales', table: 'tmp_%' }],
    ...props,
  });
}

describe('DmsSourcePipeline', () => {
  test('wires the source endpoint, the S3 target and the table mappings into one replication', () => {
    const t = testStack();
    const p = pipeline(t);
    const template = Template.fromStack(t.stack);
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
      SourceEndpointArn: { Ref: 'SourceEndpoint' },
      TargetEndpointArn: t.stack.resolve(p.target.endpointArn),
      TableMappings: {
        rules: [
          Match.objectLike({ 'rule-id': '1', 'rule-action': 'include', 'object-locator': { 'schema-name': 'public', 'table-name': 'invoices' } }),
          Match.objectLike({ 'rule-id': '2', 'rule-action': 'include', 'object-locator': { 'schema-name': 'sales', 'table-name': '%' } }),
          Match.objectLike({ 'rule-id': '3', 'rule-action': 'exclude', 'object-locator': { 'schema-name': 'sales', 'table-name': 'tmp_%' } }),
          Match.objectLike({ 'rule-id': '4', 'rule-action': 'add-column', 'expression': '$AR_H_CHANGE_SEQ' }),
        ],
      },
    });
    expect(p.tables[0].primaryKey).toEqual(['invoice_id']);
  });

  test('creates the account roles once per stack by default', () => {
    const t = testStack();
    const a = pipeline(t);
    const b = new DmsSourcePipeline(t.stack, 'Crm', {
      sourceName: 'crm',
      network: t.network,
      rawZone: t.rawZone,
      sourceEndpoint: a.node.scope!.node.findChild('SourceEndpoint') as any,
      tables: [{ schema: 'public', table: '%' }],
    });
    expect(b.accountRoles).toBe(a.accountRoles);
    Template.fromStack(t.stack).resourceCountIs('Custom::DmsAccountRole', 2);
  });

  test('createAccountRoles: false creates no role and adds no dependency', () => {
    const t = testStack();
    const p = pipeline(t, { createAccountRoles: false });
    const template = Template.fromStack(t.stack);
    expect(p.accountRoles).toBeUndefined();
    template.resourceCountIs('Custom::DmsAccountRole', 0);
    template.resourceCountIs('Custom::DmsAccountRolePolicy', 0);
    const [config] = Object.values(template.findResources('AWS::DMS::ReplicationConfig'));
    expect(config.DependsOn).toBeUndefined();
  });

  test('accountRoles given are waited for instead of creating new ones', () => {
    const t = testStack();
    const roles = new DmsAccountRoles(t.stack, 'SharedRoles');
    const p = pipeline(t, { accountRoles: roles, createAccountRoles: false });
    expect(p.accountRoles).toBe(roles);
    const template = Template.fromStack(t.stack);
    template.resourceCountIs('Custom::DmsAccountRole', 2);
    const [config] = Object.values(template.findResources('AWS::DMS::ReplicationConfig'));
    expect(config.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^SharedRolesCreateVpcRole/)]));
  });

  test('target and replication options are passed through', () => {
    const t = testStack();
    pipeline(t, { target: { cdcMaxBatchInterval: Duration.minutes(2) }, replication: { maxCapacityUnits: 8, replicationType: 'cdc' } });
    const template = Template.fromStack(t.stack);
    template.hasResourceProperties('AWS::DMS::Endpoint', { S3Settings: Match.objectLike({ CdcMaxBatchInterval: 120 }) });
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', { ReplicationType: 'cdc', ComputeConfig: Match.objectLike({ MaxCapacityUnits: 8 }) });
  });

  test('the target-latency threshold must exceed the CDC batch interval', () => {
    expect(() => pipeline(testStack(), {
      target: { cdcMaxBatchInterval: Duration.minutes(10) },
      alarms: { cdcTargetLatencyThreshold: Duration.minutes(10) },
    })).toThrow(/alarms.cdcTargetLatencyThreshold \(10 minutes\) must exceed target.cdcMaxBatchInterval \(10 minutes\)/);
  });

  test.each<[string, Partial<DmsSourcePipelineProps>, RegExp]>([
    ['no table', { tables: [] }, /DmsSourcePipeline "billing": tables is empty/],
    ['a primary key on a pattern', { tables: [{ schema: 'public', table: 'order_%', primaryKey: ['id'] }] }, /table public.order_% is a pattern; a primaryKey can only be declared for one exact table/],
    ['an empty primary key', { tables: [{ schema: 'public', table: 'orders', primaryKey: [] }] }, /table public.orders has an empty primaryKey/],
    ['a bad key column', { tables: [{ schema: 'public', table: 'orders', primaryKey: ['order id'] }] }, /primaryKey column "order id" is invalid/],
    ['a repeated key column', { tables: [{ schema: 'public', table: 'orders', primaryKey: ['id', 'id'] }] }, /primaryKey lists a column twice/],
    ['a bad table name', { tables: [{ schema: 'public', table: 'or-ders' }] }, /DmsSourcePipeline "billing": TableMappings: table name "or-ders" is invalid/],
    ['a duplicate table', { tables: [{ schema: 'a', table: 'b' }, { schema: 'a', table: 'b' }] }, /duplicate include rule for a.b/],
  ])('rejects %s', (_, props, error) => {
    expect(() => pipeline(testStack(), props)).toThrow(error);
  });
});
