import { Testing } from 'projen';
import {
  CdkApp,
  ConstructLibrary,
  LakehouseMonorepo,
  SourceCatalog,
  SourceEntry,
  WORKSPACE_VERSION,
  tsLiteral,
} from '../projenrc';
import { sampleOutdir } from './sample-outdir';

const orders: SourceEntry = {
  name: 'orders',
  engine: 'postgres',
  secret: 'lakehouse/sources/orders',
  database: 'orders',
  tables: [
    { schema: 'public', table: 'orders', primaryKey: ['order_id'], partitionBy: [{ column: 'ordered_at', transform: 'day' }] },
    { schema: 'public', table: 'events' },
  ],
};
const billing: SourceEntry = {
  name: 'billing-eu',
  engine: 'mariadb',
  secret: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:billing-AbCdEf',
  database: 'billing',
  tables: [{ schema: 'billing', table: 'invoices', primaryKey: ['invoice_id'] }],
};

function workspace() {
  const repo = new LakehouseMonorepo({ name: 'sample', description: 'test', outdir: sampleOutdir('source-catalog') });
  const lib = (name: string) => new ConstructLibrary(repo, { name, description: name });
  const rawZone = lib('raw-zone');
  const dms = lib('dms');
  const dmsPostgres = lib('dms-postgres');
  const dmsMysql = lib('dms-mysql');
  const curationAws = lib('curation-aws');
  const governance = lib('governance');
  const operations = lib('operations');
  const platformLink = lib('platform-link');
  const config = lib('app-config');
  const app = new CdkApp(repo, { name: 'lakehouse', description: 'app', workspaceDeps: [config, platformLink] });
  const catalog = new SourceCatalog(repo, {
    app, config, platformLink, rawZone, dms, dmsPostgres, dmsMysql, curationAws, governance, operations,
  });
  return { repo, catalog };
}

describe('adding a source from .projenrc.ts', () => {
  const { repo, catalog } = workspace();
  catalog.add(orders);
  catalog.add(billing);
  const files = Testing.synth(repo);

  test('one entry generates a package with config, stack, index, tests and README', () => {
    for (const file of ['package.json', 'project.json', 'src/config.ts', 'src/stack.ts', 'src/index.ts', 'test/stack.test.ts', 'README.md']) {
      expect(files[`packages/source-orders/${file}`]).toBeDefined();
    }
    expect(files['package.json'].workspaces).toEqual(expect.arrayContaining(['packages/source-orders', 'packages/source-billing-eu']));
  });

  test('the generated config is the entry itself', () => {
    const config: string = files['packages/source-orders/src/config.ts'];
    expect(config).toContain(`export const SOURCE = ${tsLiteral(orders)} as const;`);
  });

  test('the engine decides which DMS package the stack uses', () => {
    expect(files['packages/source-orders/src/stack.ts']).toContain("import { PostgresSource } from '@cdc-lakehouse/dms-postgres';");
    expect(files['packages/source-orders/package.json'].dependencies['@cdc-lakehouse/dms-postgres']).toBe(WORKSPACE_VERSION);
    const mariadb: string = files['packages/source-billing-eu/src/stack.ts'];
    expect(mariadb).toContain("import { MysqlSource } from '@cdc-lakehouse/dms-mysql';");
    expect(mariadb).toContain('engine: SOURCE.engine,');
    expect(mariadb).toContain('export class BillingEuSourceStack extends Stack');
  });

  test('the app deploying sources depends on every source package and adds one stack each, on the platform it is given', () => {
    expect(files['apps/lakehouse/package.json'].dependencies).toMatchObject({
      '@cdc-lakehouse/source-orders': WORKSPACE_VERSION,
      '@cdc-lakehouse/source-billing-eu': WORKSPACE_VERSION,
    });
    const registry: string = files['apps/lakehouse/src/sources.generated.ts'];
    expect(registry).toContain("new OrdersSourceStack(scope, 'LakehouseSource-orders', { ...props, platform }),");
    expect(registry).toContain("new BillingEuSourceStack(scope, 'LakehouseSource-billing-eu', { ...props, platform }),");
    expect(registry).toContain("export const SOURCE_STACK_IDS: readonly string[] = [\n  'LakehouseSource-orders',\n  'LakehouseSource-billing-eu',\n];");
    expect(registry).toContain("import type { SourceStackOptions } from '@cdc-lakehouse/app-config';");
    expect(registry).toContain("import type { IPlatformLink } from '@cdc-lakehouse/platform-link';");
    // the options are the config package's now, and the list of sources too
    expect(registry).not.toContain('interface SourceStackOptions');
    expect(registry).not.toContain('SOURCE_DATABASES');
  });

  test('the config package lists the sources, name and engine, in order', () => {
    const list: string = files['packages/app-config/src/config/sources.generated.ts'];
    expect(list).toContain("import type { SourceConfig } from './config';");
    expect(list).toContain([
      'export const SOURCE_DATABASES: SourceConfig[] = [',
      "  { name: 'orders', engine: 'postgres' },",
      "  { name: 'billing-eu', engine: 'mariadb' },",
      '];',
    ].join('\n'));
    expect(files['apps/lakehouse/src/config/sources.generated.ts']).toBeUndefined();
  });

  test('each source stack finds the platform through the platform link, not the platform\'s constructs', () => {
    const stack: string = files['packages/source-orders/src/stack.ts'];
    expect(stack).toContain("import type { IPlatformLink, SourcePlatform } from '@cdc-lakehouse/platform-link';");
    expect(stack).toContain('  readonly platform: IPlatformLink;');
    expect(stack).toContain('  public readonly platform: SourcePlatform;');
    expect(stack).toContain('    this.platform = props.platform.bind(this, SOURCE.name);\n    const platform = this.platform;');
    expect(stack).toContain([
      "    this.rawZone = new RawZone(this, 'RawZone', {",
      '      sourceName: SOURCE.name,',
      '      serverAccessLogsBucket: platform.serverAccessLogsBucket,',
      '      bucketNamePrefix: platform.bucketNamePrefix,',
      '    });',
    ].join('\n'));
    expect(stack).toContain('      network: platform.network,\n');
    expect(stack).toContain('      warehouse: platform.warehouse,\n');
    // the platform app creates the account-wide DMS roles once; no source stack creates or adopts them
    expect(stack).toContain('      createAccountRoles: false,');
    for (const gone of ['props.network', 'props.warehouse', 'props.governance', 'props.accountRoles', 'props.serverAccessLogsBucket', '@cdc-lakehouse/networking']) {
      expect(stack).not.toContain(gone);
    }
    const deps = files['packages/source-orders/package.json'].dependencies;
    expect(deps['@cdc-lakehouse/platform-link']).toBe(WORKSPACE_VERSION);
    expect(deps).not.toHaveProperty('@cdc-lakehouse/networking');
    // its generated test reads the platform as the platform app publishes it
    const test: string = files['packages/source-orders/test/stack.test.ts'];
    expect(test).toContain("  const platform = new PlatformParameters({ environmentName: 'test', domains: [SOURCE.name] });");
    expect(test).toContain("const stack = new OrdersSourceStack(app, 'Source', { platform });");
    expect(test).not.toContain("new Stack(app, 'Platform')");
    expect(files['packages/source-orders/README.md']).toContain('- stack: `OrdersSourceStack`, deployed by the lakehouse app as `LakehouseSource-orders`');
  });

  test('each source stack governs itself on the platform\'s Lake Formation settings', () => {
    const stack: string = files['packages/source-orders/src/stack.ts'];
    expect(stack).toContain("import { SourceGovernance } from '@cdc-lakehouse/governance';");
    expect(stack).toContain("    this.governance = new SourceGovernance(this, 'Governance', {\n      settings: platform.governance,\n      source: {");
    expect(files['packages/source-orders/package.json'].dependencies['@cdc-lakehouse/governance']).toBe(WORKSPACE_VERSION);
    expect(files['apps/lakehouse/src/sources.generated.ts'])
      .toContain('export type SourceStack = Stack & { readonly governance: SourceGovernance; readonly monitoring: LakehouseDashboardSource };');
  });

  test('generated packages are tagged as sources for Nx', () => {
    expect(files['packages/source-billing-eu/project.json'].tags).toEqual(['type:construct-library', 'type:source', 'engine:mariadb']);
  });

  test('the README lists tables, keys, curation mode, delete handling and partitioning', () => {
    const readme: string = files['packages/source-orders/README.md'];
    expect(readme).toContain('| public.orders | order_id | merge | hard | day(ordered_at) |');
    expect(readme).toContain('| public.events | — | append-only | hard | — |');
    expect(readme).toContain('warehouse database `curated_orders`');
  });

  test('the stack curates the source with a GlueCurationJob fed by the entry; job settings only where the entry sets them', () => {
    const stack: string = files['packages/source-orders/src/stack.ts'];
    expect(stack).toContain("import { CurationEngine, GlueCurationJob, SourceCuration, TableOptimizers, curatedDatabaseName } from '@cdc-lakehouse/curation-aws';");
    expect(stack).toContain('      tables: SOURCE.tables,\n      logRetention: props.logRetention,\n    });');
    expect(stack).toContain('      rawPrefix: this.source.target.bucketFolder,');
    expect(stack).toContain("new CfnOutput(this, 'CurationJobName', {\n      value: this.curation.job.jobName,");
    expect(files['packages/source-orders/package.json'].dependencies['@cdc-lakehouse/curation-aws']).toBe(WORKSPACE_VERSION);

    const { repo: tuned, catalog: tunedCatalog } = workspace();
    tunedCatalog.add({ ...orders, curation: { workerType: 'G.2X', workerCount: 5, timeoutMinutes: 30, maxRetries: 2 } });
    const tunedStack: string = Testing.synth(tuned)['packages/source-orders/src/stack.ts'];
    expect(tunedStack).toContain("import { CfnOutput, Duration, Stack, StackProps } from 'aws-cdk-lib';");
    expect(tunedStack).toContain("import { WorkerType } from 'aws-cdk-lib/aws-glue';");
    expect(tunedStack).toContain([
      '      tables: SOURCE.tables,',
      '      workerType: WorkerType.G_2X,',
      '      workerCount: SOURCE.curation.workerCount,',
      '      timeout: Duration.minutes(SOURCE.curation.timeoutMinutes),',
      '      maxRetries: SOURCE.curation.maxRetries,',
      '      logRetention: props.logRetention,',
    ].join('\n'));
  });

  test('the stack orchestrates curation: state machine, triggers from the entry, optimizers for tables left to them', () => {
    const stack: string = files['packages/source-orders/src/stack.ts'];
    expect(stack).toContain("this.orchestration = new SourceCuration(this, 'Orchestration', {");
    expect(stack).toContain('engine: CurationEngine.glue(this.curation, { maintenance: false }),');
    // started by hand when the entry names no trigger, unless the environment sets a schedule
    expect(stack).toContain('      schedule: props.curationSchedule,\n');
    expect(stack).not.toContain('SOURCE.curation.schedule');
    expect(stack).toContain("new CfnOutput(this, 'CurationStateMachineArn', {");
    expect(stack).toContain("tables: [\n        'orders',\n        'events',\n      ],");

    const { repo: tuned, catalog: tunedCatalog } = workspace();
    tunedCatalog.add({
      ...orders,
      tables: [{ ...orders.tables[0], maintenance: 'sql' }, { ...orders.tables[1], maintenance: 'off' }],
      curation: { schedule: 'rate(30 minutes)', onNewFiles: { debounceSeconds: 60 }, stateMachineTimeoutMinutes: 90 },
    });
    const tunedStack: string = Testing.synth(tuned)['packages/source-orders/src/stack.ts'];
    expect(tunedStack).toContain('engine: CurationEngine.glue(this.curation, { maintenance: true }),');
    expect(tunedStack).toContain('      schedule: props.curationSchedule ?? SOURCE.curation.schedule,');
    expect(tunedStack).toContain('        debounce: Duration.seconds(SOURCE.curation.onNewFiles.debounceSeconds),');
    expect(tunedStack).toContain('      timeout: Duration.minutes(SOURCE.curation.stateMachineTimeoutMinutes),');
    expect(tunedStack).not.toContain('TableOptimizers');
  });

  test('an environment reaches every source stack: DMS capacity, schedule, log retention, alarm e-mails (optional props)', () => {
    const stack: string = files['packages/source-orders/src/stack.ts'];
    for (const prop of ['replication?: ReplicationOptions', 'curationSchedule?: string', 'logRetention?: RetentionDays', 'alarmEmails?: string[]']) {
      expect(stack).toContain(`  readonly ${prop};`);
    }
    expect(stack).toContain('      createAccountRoles: false, // the platform creates the account-wide DMS roles once\n      replication: props.replication,\n    });');
    expect(stack).toContain('this.orchestration.alarms.topic.addSubscription(new EmailSubscription(email));');
    expect(stack).toContain('replication.failureAlarm]) {\n      alarm.addAlarmAction(alarmAction);');
    expect(files['apps/lakehouse/src/sources.generated.ts'])
      .toContain('export function addSourceStacks(scope: Construct, platform: IPlatformLink, props: SourceStackOptions = {}): SourceStack[] {');
  });

  test('an Athena source gets the Athena engine and no Glue job', () => {
    const { repo: athenaRepo, catalog: athenaCatalog } = workspace();
    const keyed = orders.tables.filter((t) => (t.primaryKey ?? []).length > 0); // append-only tables need the Glue engine
    athenaCatalog.add({ ...orders, tables: keyed, curation: { engine: 'athena', maxParallelTables: 2, schedule: 'rate(15 minutes)' } });
    const out = Testing.synth(athenaRepo);
    const stack: string = out['packages/source-orders/src/stack.ts'];
    expect(stack).toContain("this.athena = new AthenaCuration(this, 'Athena', {");
    expect(stack).toContain('      maxParallelTables: SOURCE.curation.maxParallelTables,');
    expect(stack).toContain('      engine: this.athena.engine(),');
    expect(stack).not.toContain('GlueCurationJob');
    expect(out['packages/source-orders/README.md']).toContain('Athena MERGE statements');
    expect(out['packages/source-orders/test/stack.test.ts']).toContain("template.resourceCountIs('AWS::Glue::Job', 0);");
    // its raw database by Ref, so its governance tags and revokes it after the database exists
    expect(stack).toContain('        rawDatabaseName: this.athena.workflow.rawTables.database.ref,');
  });
});

describe('a bad source entry is refused with the reason', () => {
  test.each<[string, Partial<SourceEntry>, string]>([
    ['bad name', { name: 'Orders_DB' }, 'source "Orders_DB": name must be 2-40 lowercase letters'],
    ['unknown engine', { engine: 'oracle' as any }, 'engine must be one of postgres, mysql, mariadb, aurora-mysql (got "oracle")'],
    ['no tables', { tables: [] }, 'list at least one table'],
    ['duplicate table', { tables: [orders.tables[0], orders.tables[0]] }, 'table public.orders is listed twice'],
    ['bad key', { tables: [{ schema: 'public', table: 't', primaryKey: ['a b'] }] }, 'invalid primary-key column "a b"'],
    ['zero buckets', { tables: [{ schema: 'public', table: 't', partitionBy: [{ column: 'id', transform: { bucket: 0 } }] }] },
      'bucket/truncate width must be a positive integer (got 0)'],
    ['no secret', { secret: '' }, 'secret must name a Secrets Manager secret'],
    ['unknown mode', { tables: [{ schema: 'public', table: 't', mode: 'upsert' as any }] }, 'table public.t has mode "upsert"; use \'merge\' or \'append-only\''],
    ['merge without a key', { tables: [{ schema: 'public', table: 't', mode: 'merge' }] },
      "table public.t has mode 'merge' but no primaryKey; set primaryKey: [...] or mode: 'append-only'"],
    ['append-only with a key', { tables: [{ schema: 'public', table: 't', primaryKey: ['id'], mode: 'append-only' }] },
      "table public.t has mode 'append-only' and a primaryKey; remove primaryKey or use mode: 'merge'"],
    ['soft deletes without a key', { tables: [{ schema: 'public', table: 't', deletes: 'soft' }] },
      "table public.t has deletes 'soft' in mode 'append-only'; soft deletes need a primaryKey (mode 'merge')"],
    ['unknown delete handling', { tables: [{ schema: 'public', table: 't', primaryKey: ['id'], deletes: 'archive' as any }] },
      'table public.t has deletes "archive"; use \'hard\' or \'soft\''],
    ['unknown worker type', { curation: { workerType: 'G.3X' as any } }, 'curation.workerType "G.3X" is not a Glue Spark worker type; use one of G.1X, G.2X'],
    ['one worker', { curation: { workerCount: 1 } }, 'curation.workerCount must be a whole number from 2 to 299 (got 1)'],
    ['a 3-day timeout', { curation: { timeoutMinutes: 4320 } }, 'curation.timeoutMinutes must be a whole number from 1 to 2880 (got 4320)'],
    ['too many retries', { curation: { maxRetries: 11 } }, 'curation.maxRetries must be a whole number from 0 to 10 (got 11)'],
    ['unknown curation engine', { curation: { engine: 'emr' as any } }, 'curation.engine "emr" is not an engine; use \'glue\' or \'athena\''],
    ['bad schedule', { curation: { schedule: 'hourly' } }, 'curation.schedule "hourly" is not an EventBridge schedule'],
    ['Glue settings on Athena', { curation: { engine: 'athena', workerCount: 4 } }, "curation.workerCount is a Glue job setting; remove it or use engine: 'glue'"],
    ['an append-only table on Athena', { curation: { engine: 'athena' }, tables: [{ schema: 'public', table: 't', primaryKey: ['id'] }, { schema: 'public', table: 'u' }] },
      "table public.u is append-only, which the Athena engine cannot apply exactly once; use curation.engine 'glue' for this source or give the table a primaryKey"],
    ['parallel tables on Glue', { curation: { maxParallelTables: 2 } }, 'curation.maxParallelTables applies to the Athena engine'],
    ['too many parallel tables', { curation: { engine: 'athena', maxParallelTables: 50 } }, 'curation.maxParallelTables must be a whole number from 1 to 20'],
    ['negative debounce', { curation: { onNewFiles: { debounceSeconds: -1 } } }, 'curation.onNewFiles.debounceSeconds must be a whole number from 0 to 3600'],
    ['unknown maintenance', { tables: [{ schema: 'public', table: 't', primaryKey: ['id'], maintenance: 'nightly' as any }] },
      'table public.t has maintenance "nightly"; use \'optimizer\', \'sql\' or \'off\''],
    ['a table Glue cannot name', { tables: [{ schema: 'public', table: 'price$list', primaryKey: ['id'] }] },
      'table public.price$list cannot be curated as "price$list"; Glue table names are lowercase letters'],
    ['two tables with one curated name', { tables: [{ schema: 'a', table: 'items', primaryKey: ['id'] }, { schema: 'b', table: 'Items', primaryKey: ['id'] }] },
      'tables a.items and b.Items would both be curated as curated_orders.items'],
    ['a pii column that is no identifier', { tables: [{ schema: 'public', table: 't', primaryKey: ['id'], pii: ['e mail'] }] },
      'table public.t lists an invalid pii column "e mail"; use the column\'s plain name'],
    ['a pii column twice', { tables: [{ schema: 'public', table: 't', primaryKey: ['id'], pii: ['email', 'EMAIL'] }] }, 'table public.t lists pii column "EMAIL" twice'],
    ['a freshness alarm under 5 minutes', { tables: [{ schema: 'public', table: 't', primaryKey: ['id'], freshnessAlarmMinutes: 2 }] },
      'table public.t has freshnessAlarmMinutes 2; use a whole number from 5 to 1440'],
    ['a source freshness alarm over a day', { curation: { freshnessAlarmMinutes: 2000 } }, 'curation.freshnessAlarmMinutes must be a whole number from 5 to 1440 (got 2000)'],
  ])('%s', (_, change, message) => {
    const { catalog } = workspace();
    expect(() => catalog.add({ ...orders, ...change })).toThrow(message);
  });

  test('the same source twice', () => {
    const { catalog } = workspace();
    catalog.add(orders);
    expect(() => catalog.add(orders)).toThrow('source "orders": defined twice in .projenrc.ts');
  });
});
