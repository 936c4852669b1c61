import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ChangeFile, ChangeOperation, ColumnDefinition, DMS_FACTS_TO_VERIFY, DmsRawWriter, RawChange, RawZoneError, RawZoneReader, Watermark,
  cdcFileName, classifyRawFileName, datePartitionFolder, loadFileName, planApply,
} from '../src';
import { queryParquet } from './helpers/duckdb';
import { DMS_FIXTURE, makeTempDir } from './helpers/temp-dir';

const table = { schema: 'public', table: 'orders' };
const columns: ColumnDefinition[] = [
  { name: 'id', type: 'bigint' },
  { name: 'name', type: 'string' },
  { name: 'amount', type: 'decimal(12,2)' },
  { name: 'qty', type: 'int' },
  { name: 'ok', type: 'boolean' },
  { name: 'at', type: 'timestamp' },
  { name: 'blob', type: 'binary' },
];

describe('DMS file names', () => {
  test('LOAD names carry an 8-digit hexadecimal counter', () => {
    expect(loadFileName(1)).toBe('LOAD00000001.parquet');
    expect(loadFileName(26)).toBe('LOAD0000001A.parquet');
    expect(classifyRawFileName('LOAD0000001A.parquet')).toEqual({ kind: 'load', orderKey: '0000001A|LOAD0000001A.parquet' });
  });

  test('CDC names are the UTC write time to the millisecond', () => {
    const at = new Date(Date.UTC(2022, 9, 23, 1, 38, 30, 913));
    expect(cdcFileName(at)).toBe('20221023-013830913.parquet');
    expect(classifyRawFileName('2022/10/23/20221023-013830913.parquet'))
      .toEqual({ kind: 'cdc', orderKey: '20221023013830913|2022/10/23/20221023-013830913.parquet' });
  });

  test('the name patterns live in DMS_FACTS_TO_VERIFY', () => {
    expect(DMS_FACTS_TO_VERIFY.loadFileName.test(loadFileName(7))).toBe(true);
    expect(DMS_FACTS_TO_VERIFY.cdcFileName.test(cdcFileName(new Date()))).toBe(true);
    expect(DMS_FACTS_TO_VERIFY.opColumnName).toBe('Op');
    expect(classifyRawFileName('part-0001.parquet')).toBeUndefined();
    expect(classifyRawFileName('20221023-0138.parquet')).toBeUndefined();
  });

  test.each([
    [{ sequence: 'YYYYMMDD', delimiter: 'SLASH' }, '2022/10/23'],
    [{ sequence: 'YYYYMMDD', delimiter: 'NONE' }, '20221023'],
    [{ sequence: 'YYYYMMDDHH', delimiter: 'DASH' }, '2022-10-23-01'],
    [{ sequence: 'YYYYMM', delimiter: 'UNDERSCORE' }, '2022_10'],
    [{ sequence: 'DDMMYYYY', delimiter: 'SLASH' }, '23/10/2022'],
    [{ sequence: 'MMYYYYDD', delimiter: 'NONE' }, '10202223'],
  ] as const)('date folder %j is %s', (partitioning, folder) => {
    expect(datePartitionFolder(new Date(Date.UTC(2022, 9, 23, 1, 38, 30, 913)), partitioning)).toBe(folder);
  });
});

describe('RawZoneReader', () => {
  let dir: string;
  let cleanup: () => void;
  beforeEach(() => ({ dir, cleanup } = makeTempDir('reader')));
  afterEach(() => cleanup());

  const place = (relativePath: string, modifiedMs: number, content = 'x'): void => {
    const file = path.join(dir, 'public', 'orders', relativePath);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    fs.utimesSync(file, new Date(modifiedMs), new Date(modifiedMs));
  };
  const names = (files: readonly ChangeFile[]): string[] => files.map((f) => f.relativePath);

  test('lists LOAD files first (by counter), then CDC files by the time in their names, whatever the folders', () => {
    place('LOAD0000000A.parquet', 1_000);
    place('LOAD00000009.parquet', 1_000);
    // DDMMYYYY folders: path order is not time order
    place('01/11/2022/20221101-000000000.parquet', 5_000);
    place('23/10/2022/20221023-013830913.parquet', 4_000);
    place('20221023-013830912.parquet', 3_000);
    place('.20221023-013830999.parquet.1.tmp', 3_000);
    place('notes.txt', 3_000);
    const reader = new RawZoneReader({ rootDir: dir });
    expect(names(reader.listInApplyOrder(table))).toEqual([
      'LOAD00000009.parquet',
      'LOAD0000000A.parquet',
      '20221023-013830912.parquet',
      '23/10/2022/20221023-013830913.parquet',
      '01/11/2022/20221101-000000000.parquet',
    ]);
  });

  test('CDC files modified before the load are superseded by it', () => {
    place('20221023-000000001.parquet', 1_000);
    place('LOAD00000001.parquet', 2_000);
    place('20221023-000000002.parquet', 2_000);
    place('20221023-000000003.parquet', 3_000);
    const files = new RawZoneReader({ rootDir: dir }).listTableFiles(table);
    expect(names(files.load)).toEqual(['LOAD00000001.parquet']);
    expect(names(files.changes)).toEqual(['20221023-000000002.parquet', '20221023-000000003.parquet']);
    expect(names(files.superseded)).toEqual(['20221023-000000001.parquet']);
  });

  test('a .parquet name that is neither LOAD nor CDC stops the listing with the file named', () => {
    place('LOAD00000001.parquet', 1_000);
    place('part-00000.parquet', 1_000);
    expect(() => new RawZoneReader({ rootDir: dir }).listInApplyOrder(table)).toThrow(RawZoneError);
    expect(() => new RawZoneReader({ rootDir: dir }).listInApplyOrder(table)).toThrow(/part-00000\.parquet: not a DMS file name.*DMS_FACTS_TO_VERIFY/);
  });

  test('a table without a folder has no files', () => {
    const reader = new RawZoneReader({ rootDir: dir });
    expect(reader.listInApplyOrder(table)).toEqual([]);
    expect(reader.planApply(table, undefined).kind).toBe('up-to-date');
  });

  describe('planApply', () => {
    const watermarkAfter = (files: ChangeFile[], fingerprint: string): Watermark => ({
      loadFingerprint: fingerprint,
      lastFile: files[files.length - 1].relativePath,
      lastCdcOrderKey: files.filter((f) => f.kind === 'cdc').pop()?.orderKey ?? null,
      filesApplied: files.length,
    });

    test('initial, incremental, up-to-date', () => {
      place('LOAD00000001.parquet', 1_000);
      place('20221023-000000001.parquet', 2_000);
      const reader = new RawZoneReader({ rootDir: dir });
      const initial = reader.planApply(table, undefined);
      expect(initial.kind).toBe('initial');
      expect(names(initial.load)).toEqual(['LOAD00000001.parquet']);
      expect(names(initial.changes)).toEqual(['20221023-000000001.parquet']);

      const applied = watermarkAfter([...initial.load, ...initial.changes], initial.files.loadFingerprint);
      expect(reader.planApply(table, applied).kind).toBe('up-to-date');

      place('20221023-000000002.parquet', 3_000);
      const incremental = reader.planApply(table, applied);
      expect(incremental.kind).toBe('incremental');
      expect(incremental.load).toEqual([]);
      expect(names(incremental.changes)).toEqual(['20221023-000000002.parquet']);
    });

    test('a rewritten LOAD file is a reload: the new load plus the CDC files after it', () => {
      place('LOAD00000001.parquet', 1_000);
      place('20221023-000000001.parquet', 2_000);
      const reader = new RawZoneReader({ rootDir: dir });
      const initial = reader.planApply(table, undefined);
      const applied = watermarkAfter([...initial.load, ...initial.changes], initial.files.loadFingerprint);
      place('20221023-000000002.parquet', 3_000); // written before the reload, never applied
      place('LOAD00000001.parquet', 4_000, 'reloaded');
      place('20221023-000000003.parquet', 5_000);
      const reload = reader.planApply(table, applied);
      expect(reload.kind).toBe('reload');
      expect(names(reload.load)).toEqual(['LOAD00000001.parquet']);
      expect(names(reload.changes)).toEqual(['20221023-000000003.parquet']);
    });

    test('a LOAD file added to the load is a reload too (a load still being written when listed)', () => {
      place('LOAD00000001.parquet', 1_000);
      const reader = new RawZoneReader({ rootDir: dir });
      const initial = reader.planApply(table, undefined);
      const applied = watermarkAfter([...initial.load], initial.files.loadFingerprint);
      place('LOAD00000002.parquet', 1_500);
      place('20221023-000000001.parquet', 2_000);
      const reload = reader.planApply(table, applied);
      expect(reload.kind).toBe('reload');
      expect(names(reload.load)).toEqual(['LOAD00000001.parquet', 'LOAD00000002.parquet']);
      expect(names(reload.changes)).toEqual(['20221023-000000001.parquet']);
    });

    test('a CDC file that turns up behind the watermark stops the run instead of being skipped', () => {
      place('LOAD00000001.parquet', 1_000);
      place('20221023-000000002.parquet', 2_000);
      const reader = new RawZoneReader({ rootDir: dir });
      const initial = reader.planApply(table, undefined);
      const applied = watermarkAfter([...initial.load, ...initial.changes], initial.files.loadFingerprint);
      place('20221023-000000001.parquet', 3_000);
      expect(() => reader.planApply(table, applied)).toThrow(/1 raw file\(s\) sort before the last applied file 20221023-000000002\.parquet but were not applied/);
    });

    test('LOAD files that vanish without a new load stop the run instead of rebuilding from CDC alone', () => {
      place('20221023-000000001.parquet', 2_000);
      const files = new RawZoneReader({ rootDir: dir }).listTableFiles(table);
      const applied: Watermark = { loadFingerprint: 'abc', lastFile: 'x', lastCdcOrderKey: null, filesApplied: 1 };
      expect(() => planApply(files, applied, 'raw/public/orders')).toThrow(/raw\/public\/orders: the LOAD files the curated table was built from are gone/);
    });
  });
});

describe('DmsRawWriter', () => {
  let dir: string;
  let cleanup: () => void;
  let clockMs: number;
  let writer: DmsRawWriter;
  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir('writer'));
    clockMs = Date.UTC(2022, 9, 23, 1, 38, 30, 913);
    writer = await DmsRawWriter.open({ layout: { rootDir: dir, datePartitioning: { sequence: 'YYYYMMDD', delimiter: 'SLASH' } }, clock: () => new Date(clockMs) });
  });
  afterEach(() => {
    writer.close();
    cleanup();
  });

  const change = (op: ChangeOperation, id: number, seq: string | null): RawChange => ({
    op,
    commitTimestamp: '2022-10-23 01:38:30.123456',
    changeSequence: seq,
    values: { id, name: `n'${id}`, amount: '12.50', qty: 3, ok: true, at: '2022-10-23 01:00:00.000001', blob: Buffer.from([0, 255]) },
  });

  test('CDC files: op first, commit timestamp string, data columns, change sequence last; date folder; time name', async () => {
    const file = await writer.writeChanges(table, columns, [change('I', 1, '1'.padStart(35, '0')), change('D', 1, '2'.padStart(35, '0'))]);
    expect(file.relativePath).toBe('2022/10/23/20221023-013830913.parquet');
    expect(file.kind).toBe('cdc');
    expect(file.modifiedMs).toBe(clockMs);
    const [schema, rows, meta] = await queryParquet(
      `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file.path}'))`,
      `SELECT * FROM read_parquet('${file.path}')`,
      `SELECT DISTINCT compression FROM parquet_metadata('${file.path}')`,
    );
    expect(schema).toEqual([
      { column_name: 'Op', column_type: 'VARCHAR' },
      { column_name: '_dms_commit_ts', column_type: 'VARCHAR' },
      { column_name: 'id', column_type: 'BIGINT' },
      { column_name: 'name', column_type: 'VARCHAR' },
      { column_name: 'amount', column_type: 'DECIMAL(12,2)' },
      { column_name: 'qty', column_type: 'INTEGER' },
      { column_name: 'ok', column_type: 'BOOLEAN' },
      { column_name: 'at', column_type: 'TIMESTAMP' },
      { column_name: 'blob', column_type: 'BLOB' },
      { column_name: '_dms_change_seq', column_type: 'VARCHAR' },
    ]);
    expect(rows.map((r) => [r.Op, r.id, r.name, r.amount, r._dms_change_seq])).toEqual([
      ['I', '1', "n'1", '12.50', '00000000000000000000000000000000001'],
      ['D', '1', "n'1", '12.50', '00000000000000000000000000000000002'],
    ]);
    expect(rows[0].at).toBe('2022-10-23 01:00:00.000001');
    expect(meta).toEqual([{ compression: 'GZIP' }]);
    expect(fs.readdirSync(path.dirname(file.path))).toEqual([file.name]); // no temporary file left behind
  });

  test('LOAD files without includeOpForFullLoad start with the timestamp column, like the real fixture', async () => {
    const noOp = await DmsRawWriter.open({ layout: { rootDir: dir }, includeOpForFullLoad: false, format: { commitTimestampColumn: 'DMS_TIMESTAMP', changeSequenceColumn: null } });
    try {
      const [file] = await noOp.writeLoad(table, [{ name: 'id', type: 'bigint' }], [{ op: 'I', commitTimestamp: '2022-07-26 06:46:18.616807', values: { id: 1 } }]);
      expect(file.relativePath).toBe('LOAD00000001.parquet');
      const [mine, real] = await queryParquet(
        `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${file.path}'))`,
        `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${DMS_FIXTURE}')) LIMIT 2`,
      );
      expect(mine).toEqual(real);
    } finally {
      noOp.close();
    }
  });

  test('a new load replaces every LOAD file of the old one; CDC files get strictly increasing times', async () => {
    const rows = [1, 2, 3].map((id) => change('I', id, ''));
    const first = await writer.writeLoad(table, columns, rows, 1);
    expect(first.map((f) => f.name)).toEqual(['LOAD00000001.parquet', 'LOAD00000002.parquet', 'LOAD00000003.parquet']);
    const cdc1 = await writer.writeChanges(table, columns, [change('U', 1, '9')]);
    const cdc2 = await writer.redeliver(table, cdc1);
    expect(cdc2.name).not.toBe(cdc1.name);
    expect(cdc2.modifiedMs).toBeGreaterThan(cdc1.modifiedMs);
    expect(fs.readFileSync(cdc2.path).equals(fs.readFileSync(cdc1.path))).toBe(true);
    const second = await writer.writeLoad(table, columns, rows, 2);
    expect(second.map((f) => f.name)).toEqual(['LOAD00000001.parquet', 'LOAD00000002.parquet']);
    const listed = new RawZoneReader({ rootDir: dir }).listTableFiles(table);
    expect(listed.load.map((f) => f.name)).toEqual(['LOAD00000001.parquet', 'LOAD00000002.parquet']);
    expect(listed.superseded.map((f) => f.name)).toEqual([cdc1.name, cdc2.name]);
    const [[count]] = await queryParquet(`SELECT count(*) AS n FROM read_parquet(['${second[0].path}', '${second[1].path}'])`);
    expect(count).toEqual({ n: '3' });
  });

  test('the real DMS fixture is listed as a load', () => {
    const root = path.join(dir, 'fixture');
    fs.mkdirSync(path.join(root, 'public', 'dms_test_table'), { recursive: true });
    fs.copyFileSync(DMS_FIXTURE, path.join(root, 'public', 'dms_test_table', 'LOAD00000001.parquet'));
    const files = new RawZoneReader({ rootDir: root }).listInApplyOrder({ schema: 'public', table: 'dms_test_table' });
    expect(files.map((f) => [f.kind, f.name, f.sizeBytes])).toEqual([['load', 'LOAD00000001.parquet', 7574]]);
  });
});
