import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { catalogName, discoverLakeTables, planFromMetadata } from '../src/lake/plans';
import { CAPTURE_RAW_FORMAT, TableMetadata } from '../src/source/catalog';
import { dmsTypeMapping } from '../src/source/type-mapping';

function meta(overrides: Partial<TableMetadata> = {}): TableMetadata {
  return {
    format: 'lakehouse-table-metadata',
    version: 1,
    source: { engine: 'postgres', database: 'db', schema: 'Sales', table: 'Order Items' },
    capturedAt: '2026-01-01T00:00:00Z',
    columns: [
      { name: 'id', ordinal: 1, sourceType: 'bigint', nullable: false, ...dmsTypeMapping('int8', -1, 'N') },
      { name: 'at', ordinal: 2, sourceType: 'timestamp with time zone', nullable: true, ...dmsTypeMapping('timestamptz', -1, 'D') },
    ],
    primaryKey: ['id'],
    replicaIdentity: 'default',
    rowIdentity: ['id'],
    rawFormat: CAPTURE_RAW_FORMAT,
    ...overrides,
  };
}

describe('plans from capture metadata', () => {
  test('catalog names are Glue-safe', () => {
    expect(catalogName('Order Items')).toBe('order_items');
    expect(catalogName('2024-data')).toBe('t_2024_data');
  });

  test('a table with a primary key merges by it', () => {
    const plan = planFromMetadata(meta());
    expect(plan.curated).toEqual({ database: 'sales', table: 'order_items' });
    expect(plan.primaryKey).toEqual(['id']);
    expect(plan.mode).toBe('merge');
    expect(plan.columns).toEqual([{ name: 'id', type: 'bigint' }, { name: 'at', type: 'timestamp' }]);
  });

  test('a table without primary key (REPLICA IDENTITY FULL) merges by the whole row and keeps identical rows', () => {
    const plan = planFromMetadata(meta({ primaryKey: [], replicaIdentity: 'full', rowIdentity: ['id', 'at'] }));
    expect(plan.primaryKey).toEqual(['id', 'at']);
    expect(plan.keepDuplicates).toBe(true);
    expect(plan.countsCopies).toBe(true);
    expect(planFromMetadata(meta()).keepDuplicates).toBe(false);
    // REPLICA IDENTITY USING INDEX: a DELETE carries only the index columns, so rows cannot be counted by their whole value
    expect(planFromMetadata(meta({ primaryKey: [], replicaIdentity: 'index', rowIdentity: ['id'] })).keepDuplicates).toBe(false);
  });

  test('explicit plans override the metadata', () => {
    const plan = planFromMetadata(meta(), { partitionBy: [{ column: 'at', transform: 'day' }], curated: { database: 'analytics', table: 'items' } });
    expect(plan.partitionBy).toEqual([{ column: 'at', transform: 'day' }]);
    expect(plan.curated).toEqual({ database: 'analytics', table: 'items' });
  });

  test('an invalid override is a one-line error naming the table', () => {
    expect(() => planFromMetadata(meta(), { partitionBy: [{ column: 'nope', transform: 'day' }] })).toThrow(/^Sales\.Order Items: curation plan .*partitions on "nope"/);
  });
});

describe('discoverLakeTables', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-plans-test-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('finds tables by their _table.json', () => {
    fs.mkdirSync(path.join(dir, 'Sales', 'Order Items'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'Sales', 'Order Items', '_table.json'), JSON.stringify(meta()));
    expect(discoverLakeTables(dir).map((t) => t.plan.description)).toEqual(['Sales.Order Items → sales.order_items']);
  });

  test('DMS files without metadata or plan, and directories without tables, are named errors', () => {
    expect(() => discoverLakeTables(path.join(dir, 'missing'))).toThrow(/does not exist/);
    expect(() => discoverLakeTables(dir)).toThrow(/is not a DMS raw zone/);
    fs.mkdirSync(path.join(dir, 'public', 'orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'public', 'orders', 'LOAD00000001.parquet'), '');
    expect(() => discoverLakeTables(dir)).toThrow(/public\.orders in .* has DMS files but no _table\.json; pass --plans/);
  });

  test('a broken metadata file is a one-line error', () => {
    fs.mkdirSync(path.join(dir, 'public', 'orders'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'public', 'orders', '_table.json'), '{"format": "something else"}');
    expect(() => discoverLakeTables(dir)).toThrow(/not a table metadata file of version 1/);
  });
});
