import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawZoneReader, advanceWatermark } from '@cdc-lakehouse/curation';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { makeFakeSpark } from './helpers/fake-spark';
import { run } from './helpers/run-cli';
import { writeCaptureState } from '../src/capture/capture-state';
import { ProgressReporter } from '../src/cli/progress';
import { WAREHOUSE_JOB_SPEC_FILE } from '../src/engines/spark/warehouse';
import { LakehouseError } from '../src/errors';
import { curateOnce } from '../src/lake/curate';
import { lakeRows, openLake } from '../src/lake/lake-database';
import { discoverLakeTables } from '../src/lake/plans';
import { checkRawFiles, parquetShapeProblem } from '../src/lake/raw-file-check';
import { CAPTURE_RAW_FORMAT, TableMetadata } from '../src/source/catalog';
import { dmsTypeMapping } from '../src/source/type-mapping';

function metadata(table: string): TableMetadata {
  return {
    format: 'lakehouse-table-metadata',
    version: 1,
    source: { engine: 'postgres', database: 'db', schema: 'shop', table },
    capturedAt: '2026-01-01T00:00:00Z',
    columns: [
      { name: 'id', ordinal: 1, sourceType: 'integer', nullable: false, ...dmsTypeMapping('int4', -1, 'N') },
      { name: 'name', ordinal: 2, sourceType: 'text', nullable: true, ...dmsTypeMapping('text', -1, 'S') },
    ],
    primaryKey: ['id'],
    replicaIdentity: 'default',
    rowIdentity: ['id'],
    rawFormat: CAPTURE_RAW_FORMAT,
  };
}

function recorder(): ProgressReporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, status: () => undefined, line: (text) => lines.push(text), done: () => undefined };
}

describe('curate never replaces a table with nothing', () => {
  let dir: string;
  let raw: string;
  let lakeFile: string;
  let duck: DuckDBInstance;
  let writer: DuckDBConnection;

  beforeAll(async () => {
    duck = await DuckDBInstance.create(':memory:');
    writer = await duck.connect();
  });
  afterAll(() => {
    writer.closeSync();
    duck.closeSync();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-curate-safety-'));
    raw = path.join(dir, 'raw');
    lakeFile = path.join(dir, 'lake.duckdb');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function tableDir(table: string): string {
    const d = path.join(raw, 'shop', table);
    fs.mkdirSync(d, { recursive: true });
    fs.writeFileSync(path.join(d, '_table.json'), JSON.stringify(metadata(table)));
    return d;
  }

  /** A real LOAD file with rows `ids` (none: a zero-row load). */
  async function loadFile(table: string, ids: number[]): Promise<string> {
    const file = path.join(tableDir(table), 'LOAD00000001.parquet');
    const values = ids.length === 0 ? 'SELECT 0 AS id WHERE false' : `SELECT unnest([${ids.join(',')}]) AS id`;
    await writer.run(`COPY (SELECT '2026-01-01 00:00:00.000000' AS _dms_commit_ts, id::INTEGER AS id, 'row ' || id AS name FROM (${values}))
      TO '${file}' (FORMAT parquet)`);
    return file;
  }

  /** A real CDC file inserting `id`. */
  async function cdcFile(table: string, name: string, id: number): Promise<string> {
    const file = path.join(tableDir(table), name);
    await writer.run(`COPY (SELECT 'I' AS Op, '2026-01-02 00:00:00.000000' AS _dms_commit_ts, ${id}::INTEGER AS id, 'new ${id}' AS name,
      '17673000000000000001' AS _dms_change_seq) TO '${file}' (FORMAT parquet)`);
    return file;
  }

  function state(phase: 'full-load' | 'streaming', loaded: Record<string, number>, tables = ['orders', 'items']): void {
    writeCaptureState(raw, {
      source: { url: 'postgres://localhost/db', database: 'db', systemIdentifier: '1' },
      slot: 'lakehouse_test',
      phase,
      taskStartTime: '2026-01-01 00:00:00.000000',
      tables: tables.map((table) => ({ schema: 'shop', table })),
      fullLoadRows: loaded,
      consistentPoint: '0/1',
      confirmedLsn: null,
      lastSequenceMicros: 0,
      cdcFiles: 0,
      cdcRows: 0,
    });
  }

  async function rows(sql: string): Promise<Record<string, unknown>[]> {
    const lake = await openLake(lakeFile, { readOnly: true });
    try {
      return await lakeRows(lake.connection, sql);
    } finally {
      lake.close();
    }
  }

  async function tablesInLake(): Promise<string[]> {
    const found = await rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'shop' ORDER BY 1");
    return found.map((r) => String(r.table_name));
  }

  test('a table still in its full load is skipped with one line and curated on a later run; the loaded ones are curated', async () => {
    await loadFile('orders', [1, 2]);
    tableDir('items');
    state('full-load', { 'shop.orders': 2 });
    const progress = recorder();
    const first = await curateOnce({ rawDir: raw, lakeFile, progress });
    expect(first.map((r) => r.source)).toEqual(['shop.orders']);
    expect(progress.lines.filter((l) => /skipping/.test(l))).toEqual([
      expect.stringMatching(/^curate: skipping shop\.items: its full load has not finished .*curate again once capture has loaded it$/),
    ]);
    expect(await tablesInLake()).toEqual(['orders']);

    await loadFile('items', [7]);
    state('streaming', { 'shop.orders': 2, 'shop.items': 1 });
    const second = await curateOnce({ rawDir: raw, lakeFile, progress: recorder() });
    expect(second.find((r) => r.source === 'shop.items')).toMatchObject({ kind: 'initial', filesApplied: 1 });
    expect(await rows('SELECT id, name FROM shop.items')).toEqual([{ id: 7, name: 'row 7' }]);
  });

  test('a restarted full load never empties a table curated before', async () => {
    await loadFile('orders', [1, 2, 3]);
    state('streaming', { 'shop.orders': 3 }, ['orders']);
    await curateOnce({ rawDir: raw, lakeFile });
    // capture starts its full load over: the table's folder is emptied until its new LOAD files are published
    fs.rmSync(path.join(raw, 'shop', 'orders', 'LOAD00000001.parquet'));
    state('full-load', {}, ['orders']);
    const progress = recorder();
    expect(await curateOnce({ rawDir: raw, lakeFile, progress })).toEqual([]);
    expect(progress.lines).toEqual([expect.stringMatching(/^curate: skipping shop\.orders: its full load has not finished/)]);
    expect(await rows('SELECT count(*)::INTEGER AS n FROM shop.orders')).toEqual([{ n: 3 }]);
  });

  test('a complete zero-row load curates an empty table', async () => {
    await loadFile('orders', []);
    state('streaming', { 'shop.orders': 0 }, ['orders']);
    const results = await curateOnce({ rawDir: raw, lakeFile });
    expect(results).toEqual([expect.objectContaining({ source: 'shop.orders', kind: 'initial', filesApplied: 1 })]);
    expect(await rows('SELECT count(*)::INTEGER AS n FROM shop.orders')).toEqual([{ n: 0 }]);
  });

  test('a complete load of an empty table (no LOAD file, as with DMS) curates an empty table', async () => {
    tableDir('orders');
    state('full-load', { 'shop.orders': 0 }, ['orders', 'items']);
    const progress = recorder();
    expect((await curateOnce({ rawDir: raw, lakeFile, progress })).map((r) => r.source)).toEqual(['shop.orders']);
    expect(progress.lines).toEqual([]);
    expect(await rows('SELECT count(*)::INTEGER AS n FROM shop.orders')).toEqual([{ n: 0 }]);
  });

  test('a raw zone without capture state (DMS, copied) is curated as it is', async () => {
    await loadFile('orders', [1]);
    expect((await curateOnce({ rawDir: raw, lakeFile })).map((r) => r.source)).toEqual(['shop.orders']);
  });

  test('a truncated CDC file stops curate with one line naming the file; the table keeps its rows', async () => {
    await loadFile('orders', [1, 2]);
    state('streaming', { 'shop.orders': 2 }, ['orders']);
    await curateOnce({ rawDir: raw, lakeFile });
    const file = await cdcFile('orders', '20260102-000000000.parquet', 3);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const error = await curateOnce({ rawDir: raw, lakeFile }).then(() => undefined, (err: unknown) => err);
    expect(error).toBeInstanceOf(LakehouseError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain(file);
    expect(message).toMatch(/not a readable Parquet file \([^()]+\); shop\.orders was left as it was\. Replace the file/);
    expect(message).not.toMatch(/LINE 1|DESCRIBE|read_parquet/);
    expect(await rows('SELECT id FROM shop.orders ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
  });

  test('a corrupt LOAD file under a curated table stops curate; the table keeps its rows', async () => {
    const file = await loadFile('orders', [1, 2]);
    state('streaming', { 'shop.orders': 2 }, ['orders']);
    await curateOnce({ rawDir: raw, lakeFile });
    fs.writeFileSync(file, 'PAR1 this is not parquet');
    await expect(curateOnce({ rawDir: raw, lakeFile })).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable Parquet file`));
    expect(await rows('SELECT count(*)::INTEGER AS n FROM shop.orders')).toEqual([{ n: 2 }]);
  });

  test('an empty (0-byte) LOAD file stops a first curate, leaving no table, schema or registry behind; the complete file is curated next run', async () => {
    const file = path.join(tableDir('orders'), 'LOAD00000001.parquet');
    fs.writeFileSync(file, '');
    state('streaming', { 'shop.orders': 1 }, ['orders']);
    await expect(curateOnce({ rawDir: raw, lakeFile })).rejects.toThrow(/LOAD00000001\.parquet: not a readable Parquet file \(.*too small/);
    expect(await rows("SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = '_lakehouse_tables'")).toEqual([{ n: 0 }]);
    // nothing left of the failed first curate: no empty table, no schema
    expect(await rows("SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_schema = 'shop'")).toEqual([{ n: 0 }]);
    expect(await rows("SELECT count(*)::INTEGER AS n FROM information_schema.schemata WHERE schema_name = 'shop'")).toEqual([{ n: 0 }]);
    await loadFile('orders', [5]);
    expect(await curateOnce({ rawDir: raw, lakeFile })).toEqual([expect.objectContaining({ source: 'shop.orders', kind: 'initial', filesApplied: 1 })]);
    expect(await rows('SELECT id FROM shop.orders')).toEqual([{ id: 5 }]);
  });
});

describe('the raw-file check before Spark and Trino start', () => {
  let dir: string;
  let duck: DuckDBInstance;
  let writer: DuckDBConnection;
  beforeAll(async () => {
    duck = await DuckDBInstance.create(':memory:');
    writer = await duck.connect();
  });
  afterAll(() => {
    writer.closeSync();
    duck.closeSync();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-raw-file-check-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function rawZone(): Promise<{ raw: string; load: string; cdc: string }> {
    const raw = path.join(dir, 'raw');
    const folder = path.join(raw, 'shop', 'orders');
    fs.mkdirSync(folder, { recursive: true });
    fs.writeFileSync(path.join(folder, '_table.json'), JSON.stringify(metadata('orders')));
    const load = path.join(folder, 'LOAD00000001.parquet');
    await writer.run(`COPY (SELECT '2026-01-01 00:00:00.000000' AS _dms_commit_ts, 1::INTEGER AS id, 'one' AS name) TO '${load}' (FORMAT parquet)`);
    const cdc = path.join(folder, '20260102-000000000.parquet');
    await writer.run(`COPY (SELECT 'I' AS Op, '2026-01-02 00:00:00.000000' AS _dms_commit_ts, 2::INTEGER AS id, 'two' AS name,
      '17673000000000000001' AS _dms_change_seq) TO '${cdc}' (FORMAT parquet)`);
    return { raw, load, cdc };
  }

  test('each way a file can be broken is named, with the one line curate gives', async () => {
    const { raw, cdc } = await rawZone();
    const [table] = discoverLakeTables(raw, new Map());
    await expect(checkRawFiles(raw, [{ table, watermark: undefined }])).resolves.toBeUndefined();
    const bytes = fs.readFileSync(cdc);
    const broken = async (content: Buffer | string): Promise<string> => {
      fs.writeFileSync(cdc, content);
      const error = await checkRawFiles(raw, [{ table, watermark: undefined }]).then(() => undefined, (err: unknown) => err);
      expect(error).toBeInstanceOf(LakehouseError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message.startsWith(`${cdc}: not a readable Parquet file (`)).toBe(true);
      expect(message).toContain('; shop.orders was left as it was. Replace the file with a complete copy');
      return message;
    };
    expect(await broken('')).toContain('(0 bytes, too small to be a Parquet file)');
    expect(await broken('not parquet at all, just text')).toContain('(no Parquet magic bytes at its start)');
    expect(await broken(bytes.subarray(0, Math.floor(bytes.length / 2)))).toContain('(no Parquet magic bytes at its end: cut short or overwritten)');
    // a footer length larger than the file
    const long = Buffer.from(bytes);
    long.writeUInt32LE(bytes.length * 2, bytes.length - 8);
    expect(await broken(long)).toMatch(/\(its footer claims \d+ bytes of a \d+-byte file: cut short\)/);
    // the shape is right, the footer is garbage: DuckDB's parser says why
    const garbled = Buffer.from(bytes);
    const footer = bytes.readUInt32LE(bytes.length - 8);
    garbled.fill(0x7f, bytes.length - 8 - footer, bytes.length - 8);
    fs.writeFileSync(cdc, garbled);
    expect(parquetShapeProblem(cdc)).toBeUndefined();
    await broken(garbled);
    fs.writeFileSync(cdc, bytes);
  });

  test('only the files the run applies are checked: an applied file behind the watermark is not read', async () => {
    const { raw, load } = await rawZone();
    const [table] = discoverLakeTables(raw, new Map());
    const apply = new RawZoneReader({ rootDir: raw }).planApply(table.plan.source, undefined);
    const watermark = advanceWatermark(undefined, [...apply.load, ...apply.changes], true, apply.files.loadFingerprint);
    // a CDC file broken after it was applied: the next run applies nothing, so nothing stops it
    expect(parquetShapeProblem(load)).toBeUndefined();
    const cdc = apply.changes[0].path;
    fs.writeFileSync(cdc, 'overwritten with text, not Parquet');
    await expect(checkRawFiles(raw, [{ table, watermark }])).resolves.toBeUndefined();
    await expect(checkRawFiles(raw, [{ table, watermark: undefined }])).rejects.toThrow(`${cdc}: not a readable Parquet file (no Parquet magic bytes at its start)`);
  });
});

describe('every engine gets only the loaded tables', () => {
  const fake = makeFakeSpark();
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-curate-safety-spark-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterAll(() => fake.remove());

  test('curate --engine spark during a full load: the job spec lists the loaded table, the other is skipped with its line', async () => {
    const raw = path.join(dir, 'raw');
    for (const table of ['orders', 'items']) {
      fs.mkdirSync(path.join(raw, 'shop', table), { recursive: true });
      fs.writeFileSync(path.join(raw, 'shop', table, '_table.json'), JSON.stringify(metadata(table)));
    }
    writeCaptureState(raw, {
      source: { url: 'postgres://localhost/db', database: 'db', systemIdentifier: '1' },
      slot: 'lakehouse_test',
      phase: 'full-load',
      taskStartTime: '2026-01-01 00:00:00.000000',
      tables: [{ schema: 'shop', table: 'items' }, { schema: 'shop', table: 'orders' }],
      fullLoadRows: { 'shop.items': 0 },
      consistentPoint: '0/1',
      confirmedLsn: null,
      lastSequenceMicros: 0,
      cdcFiles: 0,
      cdcRows: 0,
    });
    const warehouse = path.join(dir, 'warehouse');
    const result = await fake.withEnv({}, () => run(['local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse]));
    expect(result.stderr).toMatch(/^curate: skipping shop\.orders: its full load has not finished/m);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^curated 1 table into .*; 1 still loading, left for a later run\)\n$/) });
    const spec = JSON.parse(fs.readFileSync(path.join(warehouse, WAREHOUSE_JOB_SPEC_FILE), 'utf8'));
    expect(spec.tables.map((t: { name: string }) => t.name)).toEqual(['shop.items']);
  });
});
