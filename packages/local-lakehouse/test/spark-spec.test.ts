import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeFakeSpark } from './helpers/fake-spark';
import { run } from './helpers/run-cli';
import { TABLE_METADATA_FILE } from '../src/capture/capture-state';
import { sparkTableWatermark } from '../src/engines/spark/iceberg-watermark';
import { localSparkJobSpec, readWarehouseRegistry, registerWarehouseTables, WAREHOUSE_JOB_SPEC_FILE } from '../src/engines/spark/warehouse';
import { discoverLakeTables } from '../src/lake/plans';
import { CAPTURE_RAW_FORMAT, TableMetadata } from '../src/source/catalog';
import { dmsTypeMapping } from '../src/source/type-mapping';

function metadata(schema: string, table: string, keyless = false): TableMetadata {
  return {
    format: 'lakehouse-table-metadata',
    version: 1,
    source: { engine: 'postgres', database: 'db', schema, table },
    capturedAt: '2026-01-01T00:00:00Z',
    columns: [
      { name: 'id', ordinal: 1, sourceType: 'bigint', nullable: keyless, ...dmsTypeMapping('int8', -1, 'N') },
      { name: 'amount', ordinal: 2, sourceType: 'numeric(12,2)', nullable: true, ...dmsTypeMapping('numeric', 786438, 'N') },
      { name: 'at', ordinal: 3, sourceType: 'timestamp with time zone', nullable: true, ...dmsTypeMapping('timestamptz', -1, 'D') },
    ],
    primaryKey: keyless ? [] : ['id'],
    replicaIdentity: keyless ? 'full' : 'default',
    rowIdentity: keyless ? ['id', 'amount', 'at'] : ['id'],
    rawFormat: CAPTURE_RAW_FORMAT,
  };
}

describe('the Spark job spec from local plans', () => {
  let dir: string;
  let raw: string;
  const fake = makeFakeSpark();

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-spark-spec-'));
    raw = path.join(dir, 'raw');
    for (const [schema, table, keyless] of [['Sales', 'Order Items', false], ['sales', 'events', true]] as const) {
      fs.mkdirSync(path.join(raw, schema, table), { recursive: true });
      fs.writeFileSync(path.join(raw, schema, table, TABLE_METADATA_FILE), JSON.stringify(metadata(schema, table, keyless)));
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterAll(() => fake.remove());

  test('one spec table per plan: names, raw folder, key, declared columns, the plan overrides', () => {
    const plans = path.join(dir, 'plans.json');
    fs.writeFileSync(plans, JSON.stringify([{ source: { schema: 'sales', table: 'events' }, deletes: 'soft', partitionBy: [{ column: 'at', transform: 'day' }] }]));
    const tables = discoverLakeTables(raw, new Map([['sales.events', JSON.parse(fs.readFileSync(plans, 'utf8'))[0]]]));
    const spec = localSparkJobSpec(tables);
    expect(spec).toMatchObject({
      version: 3, catalog: 'glue_catalog', rawFormat: { opColumn: 'Op', commitTimestampColumn: '_dms_commit_ts', changeSequenceColumn: '_dms_change_seq' },
    });
    const summary = spec.tables.map((t) => ({
      name: t.name, source: t.source, primaryKey: t.primaryKey, nullableKey: t.nullableKey, deletes: t.deletes, keepDuplicates: t.keepDuplicates,
    }));
    // soft deletes (the override) cannot count copies: the keyless table is merged by its whole row
    expect(summary).toEqual([
      { name: 'sales.order_items', source: { schema: 'Sales', table: 'Order Items' }, primaryKey: ['id'], nullableKey: false, deletes: 'hard', keepDuplicates: false },
      { name: 'sales.events', source: { schema: 'sales', table: 'events' }, primaryKey: ['id', 'amount', 'at'], nullableKey: true, deletes: 'soft', keepDuplicates: false },
    ]);
    // without the override, the keyless table keeps its identical rows: the copy-counting MERGE, data columns as placeholders
    const counting = localSparkJobSpec(discoverLakeTables(raw)).tables[1];
    expect(counting.keepDuplicates).toBe(true);
    expect(counting.sql.merge).toContain('GROUP BY {columns:c}');
    expect(spec.tables[0].columns).toEqual([
      { name: 'id', type: 'bigint', sparkType: 'BIGINT' },
      { name: 'amount', type: 'decimal(12,2)', sparkType: 'DECIMAL(12,2)' },
      { name: 'at', type: 'timestamp', sparkType: 'TIMESTAMP_NTZ' },
    ]);
    expect(spec.tables[1].partitionBy).toEqual([{ column: 'at', transform: 'day' }]);
    expect(spec.tables[1].sql.merge).toContain('MERGE INTO glue_catalog.');
  });

  test('the warehouse registry keeps other tables and names what verify needs', () => {
    const tables = discoverLakeTables(raw);
    const warehouse = path.join(dir, 'warehouse');
    registerWarehouseTables(warehouse, tables.slice(0, 1));
    registerWarehouseTables(warehouse, tables.slice(1));
    const ownColumns = { bookkeepingColumns: ['_dms_commit_ts', '_dms_change_seq'] };
    expect(readWarehouseRegistry(warehouse)).toEqual([
      { sourceSchema: 'Sales', sourceTable: 'Order Items', curatedDatabase: 'sales', curatedTable: 'order_items', mode: 'merge', deletes: 'hard', rowIdentity: ['id'], ...ownColumns },
      { sourceSchema: 'sales', sourceTable: 'events', curatedDatabase: 'sales', curatedTable: 'events', mode: 'merge', deletes: 'hard', rowIdentity: ['id', 'amount', 'at'], ...ownColumns },
    ]);
    fs.writeFileSync(path.join(warehouse, '_lakehouse_tables.json'), '{"format":"other"}');
    expect(() => readWarehouseRegistry(warehouse)).toThrow(/_lakehouse_tables\.json: not a lakehouse-warehouse-tables file; curate again/);
  });

  test('curate --engine spark writes the spec, runs the job core, reports each table (stand-in job core)', async () => {
    const warehouse = path.join(dir, 'warehouse');
    const result = await fake.withEnv({}, () => run(['local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse]));
    expect(result.stderr).toContain('fake spark: curate started');
    expect(result.stderr).toContain('curate sales.order_items (spark): initial, 2 files in 1 batch');
    expect(result).toMatchObject({ code: 0, stdout: `curated 2 tables into ${warehouse} (4 raw files applied)\n` });
    const spec = JSON.parse(fs.readFileSync(path.join(warehouse, WAREHOUSE_JOB_SPEC_FILE), 'utf8'));
    expect(spec.tables.map((t: { name: string }) => t.name)).toEqual(['sales.order_items', 'sales.events']);
    expect(readWarehouseRegistry(warehouse)).toHaveLength(2);
  });

  test('a failed table: exit 1, one line naming it and the cause', async () => {
    const result = await fake.withEnv({ FAKE_FAIL: 'sales.events' }, () => run(['local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', path.join(dir, 'wh')]));
    expect(result.code).toBe(1);
    const errors = result.stderr.split('\n').filter((l) => l.startsWith('lakehouse:'));
    expect(errors).toEqual(['lakehouse: curate --engine spark: 1 of 2 tables failed: sales.events: column amount: decimal(12,2) cannot narrow to int']);
  });

  test('without Spark installed: one line saying how to install it, nothing written', async () => {
    const warehouse = path.join(dir, 'wh');
    const result = await fake.withEnv({ LAKEHOUSE_SPARK_HOME: path.join(dir, 'nowhere') }, () => run(['local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse]));
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^lakehouse: Spark 3\.5\.4 with Iceberg 1\.7\.1 is not installed in .*; run `bash scripts\/install-spark\.sh` from the repository root.*\n$/);
    expect(fs.existsSync(warehouse)).toBe(false);
  });
});

describe('sparkTableWatermark', () => {
  test('follows the current snapshot\'s ancestry to the newest watermark; 64-bit ids are told apart exactly', () => {
    const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-iceberg-watermark-'));
    try {
      const metadataDir = path.join(warehouse, 'shop', 'orders', 'metadata');
      fs.mkdirSync(metadataDir, { recursive: true });
      const watermark = { loadFingerprint: 'f', lastFile: '20260102-000000000.parquet', lastCdcOrderKey: '20260102-000000000', filesApplied: 2 };
      const other = { ...watermark, lastFile: 'LOAD00000001.parquet', lastCdcOrderKey: null, filesApplied: 1 };
      // ids 1 apart above 2^53 (the same JavaScript number): the maintenance commit's parent is the first, not the second
      const snapshots = [
        `{"snapshot-id": 9007199254740993, "summary": {"operation": "append", "lakehouse.watermark": ${JSON.stringify(JSON.stringify(watermark))}}}`,
        `{"snapshot-id": 9007199254740992, "summary": {"operation": "append", "lakehouse.watermark": ${JSON.stringify(JSON.stringify(other))}}}`,
        '{"snapshot-id": 7, "parent-snapshot-id": 9007199254740993, "summary": {"operation": "replace"}}',
      ];
      fs.writeFileSync(path.join(metadataDir, 'v3.metadata.json'), `{"format-version": 2, "current-snapshot-id": 7, "snapshots": [${snapshots.join(', ')}]}`);
      fs.writeFileSync(path.join(metadataDir, 'version-hint.text'), '3');
      expect(sparkTableWatermark(warehouse, { database: 'shop', table: 'orders' })).toEqual(watermark);
      expect(sparkTableWatermark(warehouse, { database: 'shop', table: 'missing' })).toBeUndefined();
      fs.writeFileSync(path.join(metadataDir, 'version-hint.text'), '4');
      expect(() => sparkTableWatermark(warehouse, { database: 'shop', table: 'orders' }))
        .toThrow(/cannot read the watermark of shop\.orders from .*version-hint\.text \(version-hint\.text names version 4, whose metadata file is missing\)/);
    } finally {
      fs.rmSync(warehouse, { recursive: true, force: true });
    }
  });
});
