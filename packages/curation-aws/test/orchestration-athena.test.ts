import { RawZone } from '@cdc-lakehouse/raw-zone';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { nagErrors } from './helpers';
import { allStates, aslErrors, definitions } from './orchestration-helpers';
import { AthenaCuration, CurationTable, LakehouseWarehouse, SourceCuration, athenaMaintenanceStatements } from '../src';

const TABLES: CurationTable[] = [
  { schema: 'billing', table: 'invoices', primaryKey: ['invoice_id'], partitionBy: [{ column: 'issued_at', transform: 'month' }] },
  { schema: 'billing', table: 'payments', primaryKey: ['payment_id'] },
];

describe('SourceCuration with the Athena engine', () => {
  const app = new App();
  const platform = new Stack(app, 'Platform');
  const warehouse = new LakehouseWarehouse(platform, 'Warehouse', { sourceNames: ['billing'] });
  const stack = new Stack(app, 'Source');
  const rawZone = new RawZone(stack, 'RawZone', { sourceName: 'billing' });
  const athena = new AthenaCuration(stack, 'Athena', {
    sourceName: 'billing', rawZone, rawPrefix: 'billing', warehouse, tables: TABLES, maxParallelTables: 2, sqlMaintenance: ['invoices'],
  });
  const curation = new SourceCuration(stack, 'Curation', { sourceName: 'billing', engine: athena.engine(), schedule: 'rate(15 minutes)' });
  const template = Template.fromStack(stack);
  const [definition] = definitions(template);
  const states = allStates(definition);

  test('the same shape as the Glue engine: lock, curate (the Athena workflow), release; valid ASL', () => {
    expect(curation.engine).toBe('athena');
    expect(aslErrors(definition)).toEqual([]);
    expect(definition.StartAt).toBe('Acquire lock');
    expect(states.Curate.Branches[0].StartAt).toBe('Athena tables');
    expect(states['Curate each table'].MaxConcurrency).toBe(2);
    expect(states['Run statement'].Resource).toMatch(/:states:::athena:startQueryExecution\.sync$/);
    expect(states.Curate.Catch[0].Next).toBe('Release lock after failure');
    template.resourceCountIs('AWS::Glue::Job', 0);
  });

  test('SQL maintenance runs after curation, one statement at a time, rerunning OPTIMIZE while Athena asks', () => {
    expect(athena.maintenanceStatements).toEqual(athenaMaintenanceStatements('curated_billing', 'invoices'));
    expect(athena.maintenanceStatements).toEqual([
      'OPTIMIZE "curated_billing"."invoices" REWRITE DATA USING BIN_PACK',
      'VACUUM "curated_billing"."invoices"',
    ]);
    expect(states['All tables curated'].Next).toBe('Maintenance statements');
    expect(states['Maintain tables'].MaxConcurrency).toBe(1);
    expect(states['Run maintenance statement'].Resource).toMatch(/:states:::athena:startQueryExecution\.sync$/);
    expect(states['More runs needed?'].Choices[0].And[0]).toEqual({ Variable: '$.error.Cause', StringMatches: '*ICEBERG_OPTIMIZE_MORE_RUNS_NEEDED*' });
  });

  test('the role may run queries in the curation workgroup only, and has no Glue delete', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions).toContain('athena:StartQueryExecution');
    expect(actions.filter((a: string) => /^glue:(Batch)?Delete/.test(a))).toEqual([]);
  });

  test('refuses SQL maintenance of a table the source does not curate', () => {
    const other = new Stack(app, 'Other');
    const raw = new RawZone(other, 'RawZone', { sourceName: 'billing' });
    expect(() => new AthenaCuration(other, 'Athena', { sourceName: 'billing', rawZone: raw, rawPrefix: 'billing', warehouse, tables: TABLES, sqlMaintenance: ['refunds'] }))
      .toThrow(/sqlMaintenance: 'refunds' is not a curated table of source 'billing'/);
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged on the orchestration', () => {
    // the workflow's own resources (its Lambda) are checked by the athena-* tests
    expect(nagErrors(app).filter((e) => !e.includes('/Other/') && !e.includes('/Athena/Workflow/'))).toEqual([]);
  });
});
