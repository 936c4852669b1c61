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
  const networking = lib('networking');
  const rawZone = lib('raw-zone');
  const dms = lib('dms');
  const dmsPostgres = lib('dms-postgres');
  const dmsMysql = lib('dms-mysql');
  const app = new CdkApp(repo, { name: 'platform', description: 'app', workspaceDeps: [networking] });
  const catalog = new SourceCatalog(repo, { app, networking, rawZone, dms, dmsPostgres, dmsMysql });
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

  test('the app deploying sources depends on every source package and adds one stack each', () => {
    expect(files['apps/platform/package.json'].dependencies).toMatchObject({
      '@cdc-lakehouse/source-orders': WORKSPACE_VERSION,
      '@cdc-lakehouse/source-billing-eu': WORKSPACE_VERSION,
    });
    const registry: string = files['apps/platform/src/sources.generated.ts'];
    expect(registry).toContain("new OrdersSourceStack(scope, 'LakehouseSource-orders', { ...props, ...shared }),");
    expect(registry).toContain("new BillingEuSourceStack(scope, 'LakehouseSource-billing-eu', { ...props, ...shared }),");
    expect(registry).toContain("  { name: 'billing-eu', engine: 'mariadb' },");
  });

  test('generated packages are tagged as sources for Nx', () => {
    expect(files['packages/source-billing-eu/project.json'].tags).toEqual(['type:construct-library', 'type:source', 'engine:mariadb']);
  });

  test('the README lists tables, keys and partitioning', () => {
    const readme: string = files['packages/source-orders/README.md'];
    expect(readme).toContain('| public.orders | order_id | day(ordered_at) |');
    expect(readme).toContain('| public.events | (append-only) | — |');
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
