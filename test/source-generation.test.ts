import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { CdkApp, ConstructLibrary, LakehouseMonorepo, SourceCatalog } from '../projenrc';

const ROOT = path.join(__dirname, '..');

/**
 * The "add a source" recipe end to end: one entry, synthesize the projen project, then build the
 * generated package with tsc and synthesize its stack against the real engine packages.
 */
describe('a source added in .projenrc.ts', () => {
  const tmpParent = path.join(ROOT, '.tmp');
  let outdir: string;

  beforeAll(() => {
    fs.mkdirSync(tmpParent, { recursive: true });
    outdir = fs.mkdtempSync(path.join(tmpParent, 'source-generation-'));
    // resolve packages (and @types) from the real workspace, as a package inside it would
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(outdir, 'node_modules'), 'dir');

    const repo = new LakehouseMonorepo({ name: 'generated', description: 'test', outdir });
    const lib = (name: string) => new ConstructLibrary(repo, { name, description: name });
    const [rawZone, dms, dmsPostgres, dmsMysql, curationAws, governance, operations, platformLink, config] = [
      'raw-zone', 'dms', 'dms-postgres', 'dms-mysql', 'curation-aws', 'governance', 'operations', 'platform-link', 'app-config',
    ].map(lib);
    const app = new CdkApp(repo, { name: 'lakehouse', description: 'app', workspaceDeps: [config, platformLink, dms] });
    new SourceCatalog(repo, {
      app, config, platformLink, rawZone, dms, dmsPostgres, dmsMysql, curationAws, governance, operations,
    }).add({
      name: 'inventory',
      engine: 'aurora-mysql',
      secret: 'lakehouse/sources/inventory',
      database: 'inventory',
      tables: [
        { schema: 'inventory', table: 'stock_levels', primaryKey: ['sku', 'warehouse_id'], deletes: 'soft' },
        {
          schema: 'inventory',
          table: 'movements',
          primaryKey: ['movement_id'],
          partitionBy: [{ column: 'moved_at', transform: 'day' }],
          pii: ['operator_email'],
          freshnessAlarmMinutes: 45,
        },
        { schema: 'inventory', table: 'audit_log', mode: 'append-only' },
      ],
      curation: { workerType: 'G.2X', workerCount: 4, timeoutMinutes: 90, maxRetries: 1, freshnessAlarmMinutes: 240 },
    });
    const disablePost = process.env.PROJEN_DISABLE_POST;
    process.env.PROJEN_DISABLE_POST = 'true';
    try {
      repo.synth();
    } finally {
      if (disablePost === undefined) delete process.env.PROJEN_DISABLE_POST;
      else process.env.PROJEN_DISABLE_POST = disablePost;
    }
  });

  afterAll(() => {
    fs.rmSync(outdir, { recursive: true, force: true });
  });

  test('the generated package compiles with tsc', () => {
    const pkg = path.join(outdir, 'packages/source-inventory');
    try {
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(pkg, 'tsconfig.json')], { stdio: 'pipe' });
    } catch (e) {
      throw new Error(`tsc failed:\n${(e as { stdout?: Buffer }).stdout?.toString()}`);
    }
    expect(fs.existsSync(path.join(pkg, 'lib/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(pkg, 'lib/stack.d.ts'))).toBe(true);
  });

  /** The generated stack, built against the real packages the way the lakehouse app builds it: on the platform's SSM parameters. */
  function synthGenerated() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const generated = require(path.join(outdir, 'packages/source-inventory/lib/index.js'));
    // resolved the way the generated package resolves them
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const curationAws = require(require.resolve('@cdc-lakehouse/curation-aws', { paths: [outdir] }));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PlatformParameters } = require(require.resolve('@cdc-lakehouse/platform-link', { paths: [outdir] }));
    const app = new App();
    const platform = new PlatformParameters({ environmentName: 'test', domains: ['inventory'] });
    const stack = new generated.InventorySourceStack(app, 'LakehouseSource-inventory', { platform });
    app.synth();
    return { generated, curationAws, app, stack, template: Template.fromStack(stack) };
  }

  test('its stack synthesizes an Aurora MySQL source replicating the declared tables', () => {
    const { generated, template } = synthGenerated();
    template.hasResourceProperties('AWS::DMS::Endpoint', { EndpointType: 'source', EngineName: 'aurora' });
    const config = Object.values(template.findResources('AWS::DMS::ReplicationConfig'))[0];
    const mappings = JSON.stringify(config.Properties.TableMappings);
    expect(mappings).toContain('"table-name":"stock_levels"');
    expect(mappings).toContain('"table-name":"movements"');
    expect(generated.SOURCE.tables[1].partitionBy).toEqual([{ column: 'moved_at', transform: 'day' }]);
  });

  test('its stack curates the source with a Glue 5.0 job whose spec and settings come from the same entry', () => {
    const { generated, curationAws, stack, template } = synthGenerated();
    template.resourceCountIs('AWS::Glue::Job', 1);
    template.hasResourceProperties('AWS::Glue::Job', {
      GlueVersion: '5.0', WorkerType: 'G.2X', NumberOfWorkers: 4, Timeout: 90, MaxRetries: 1, ExecutionProperty: { MaxConcurrentRuns: 1 },
    });
    const spec = stack.curation.jobSpec;
    expect(spec).toEqual(curationAws.sourceJobSpec('inventory', generated.SOURCE.tables));
    const byTable = Object.fromEntries(spec.tables.map((t: { table: string }) => [t.table, t]));
    expect(byTable.stock_levels).toMatchObject({ database: 'curated_inventory', primaryKey: ['sku', 'warehouse_id'], mode: 'merge', deletes: 'soft' });
    expect(byTable.movements).toMatchObject({ partitionBy: [{ column: 'moved_at', transform: 'day' }], deletes: 'hard' });
    expect(byTable.audit_log).toMatchObject({ mode: 'append-only', primaryKey: [] });
  });

  test('its stack tells the dashboard its replication, job and tables, each with its own or the source\'s freshness threshold', () => {
    const { stack } = synthGenerated();
    type Table = { name: string; freshnessAlarmAfter?: { toMinutes(): number } };
    const tables = stack.monitoring.tables.map((t: Table) => [t.name, t.freshnessAlarmAfter?.toMinutes()]);
    expect(tables).toEqual([['curated_inventory.stock_levels', 240], ['curated_inventory.movements', 45], ['curated_inventory.audit_log', 240]]);
    expect(stack.monitoring.sourceName).toBe('inventory');
    // by their physical names, literals: the dashboard's stack imports nothing from this one
    expect(stack.monitoring.glueJobName).toBe(stack.curation.jobName);
    expect(stack.monitoring.stateMachineName).toBe(stack.orchestration.stateMachineName);
    expect([stack.monitoring.glueJobName, stack.monitoring.stateMachineName].filter((n: string) => Token.isUnresolved(n))).toEqual([]);
  });

  test('its stack governs its PII columns (by curated table), databases and writers on the platform\'s settings', () => {
    const { stack, template } = synthGenerated();
    expect(stack.governance.source.piiColumns).toEqual({ movements: ['operator_email'] });
    expect(stack.governance.source.curatedDatabaseName).toBe('curated_inventory');
    expect(stack.governance.source.rawDatabaseName).toBeUndefined(); // the Glue engine reads the raw files by path
    const [tagging] = Object.values(template.findResources('Custom::LakehousePiiTagging'));
    expect(JSON.parse(tagging.Properties.Config)).toEqual({ databases: { curated_inventory: { movements: ['operator_email'] } } });
    const writers = stack.governance.source.writers.map((r: { node: { path: string } }) => r.node.path);
    expect(writers).toEqual(['LakehouseSource-inventory/Curation/Role', 'LakehouseSource-inventory/Orchestration/StateMachine/Role']);
  });

  test('its stack reads the platform from the SSM parameters the platform app publishes, and creates its own curated database', () => {
    const { app, stack, template } = synthGenerated();
    const parameters = Object.values(template.toJSON().Parameters ?? {}) as { Type: string; Default?: string }[];
    const read = parameters.filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value')).map((p) => p.Default);
    expect(read).toEqual(expect.arrayContaining([
      '/cdc-lakehouse/test/platform/network/replication-subnet-ids',
      '/cdc-lakehouse/test/platform/network/replication-security-group-id',
      '/cdc-lakehouse/test/platform/access-logs/bucket-name',
      '/cdc-lakehouse/test/platform/warehouse/bucket-name',
      '/cdc-lakehouse/test/platform/warehouse/key-arn',
      '/cdc-lakehouse/test/platform/lake-formation/revocation-service-token',
      '/cdc-lakehouse/test/platform/lake-formation/revocation-role-arn',
    ]));
    // every other parameter is the test environment's platform's (besides the CDK's bootstrap version)
    for (const name of read.filter((n) => n !== '/cdk-bootstrap/hnb659fds/version')) expect(name).toMatch(/^\/cdc-lakehouse\/test\/platform\//);
    template.resourceCountIs('AWS::Glue::Database', 1); // its curated one (the Glue engine reads the raw files by path)
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'curated_inventory' }) });
    // no platform stack in the app: nothing is exported to or depended on
    expect(app.node.children.filter((c) => Stack.isStack(c)).map((c) => c.node.id)).toEqual(['LakehouseSource-inventory']);
    expect(stack.dependencies).toEqual([]);
    expect(JSON.stringify(template.toJSON())).not.toContain('Fn::ImportValue');
    // the platform creates the account-wide DMS roles once, never a source stack
    template.resourceCountIs('Custom::DmsAccountRole', 0);
  });

  test('the lakehouse app registry adds its stack on the platform it is given', () => {
    const registry = fs.readFileSync(path.join(outdir, 'apps/lakehouse/src/sources.generated.ts'), 'utf8');
    expect(registry).toContain("import { InventorySourceStack } from '@cdc-lakehouse/source-inventory';");
    expect(registry).toContain("new InventorySourceStack(scope, 'LakehouseSource-inventory', { ...props, platform }),");
    const list = fs.readFileSync(path.join(outdir, 'packages/app-config/src/config/sources.generated.ts'), 'utf8');
    expect(list).toContain("  { name: 'inventory', engine: 'aurora-mysql' },");
  });
});
