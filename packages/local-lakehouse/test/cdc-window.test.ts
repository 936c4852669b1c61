import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { CapturedTable, CdcWindow } from '../src/capture/cdc-window';
import { writeWindowFiles } from '../src/capture/cdc-writer';
import { ParquetEncoder } from '../src/capture/parquet-encoder';
import { CAPTURE_RAW_FORMAT, TableMetadata } from '../src/source/catalog';
import { UNCHANGED_TOAST } from '../src/source/test-decoding';
import { dmsTypeMapping } from '../src/source/type-mapping';

function metadata(): TableMetadata {
  const column = (name: string, ordinal: number, base: string, typmod = -1, category = 'N', sourceType = base) => ({
    name, ordinal, sourceType, nullable: true, ...dmsTypeMapping(base, typmod, category),
  });
  return {
    format: 'lakehouse-table-metadata',
    version: 1,
    source: { engine: 'postgres', database: 'db', schema: 'shop', table: 'docs' },
    capturedAt: '2026-01-01T00:00:00Z',
    columns: [
      column('id', 1, 'int4'),
      column('price', 2, 'numeric', 10 * 65536 + 2 + 4),
      column('body', 3, 'text', -1, 'S'),
      column('raw', 4, 'bytea', -1, 'U'),
      column('at', 5, 'timestamptz', -1, 'D'),
    ],
    primaryKey: ['id'],
    replicaIdentity: 'default',
    rowIdentity: ['id'],
    rawFormat: CAPTURE_RAW_FORMAT,
  };
}

describe('CDC window → DMS CDC file', () => {
  let dir: string;
  let encoder: ParquetEncoder;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-window-test-'));
    encoder = await ParquetEncoder.open(1);
  });

  afterAll(() => {
    encoder.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('writes DMS columns in order, change sequences, converted types and looked-up TOAST values; drops an unfinished transaction', async () => {
    const table = new CapturedTable(metadata(), path.join(dir, 'raw', 'shop', 'docs'));
    const window = new CdcWindow(1, path.join(dir, 'window'));
    window.begin(Date.now());
    window.stage(table, 'I', ['1', '12.50', 'long "quoted", text\nwith newline', '\\x00ff', '2026-01-02 03:04:05.123456+00']);
    window.stage(table, 'U', ['1', '13.00', UNCHANGED_TOAST, null, '2026-01-02 03:04:06+00']);
    window.commit('2026-01-02 03:04:06.000001', '1767323046000001', 100n, 1767323046000001);
    window.begin(Date.now());
    window.stage(table, 'D', ['1', null, null, null, null]);
    window.rollback();
    const lookups: string[][] = [];
    const files = await writeWindowFiles(window, {
      encoder,
      compression: 'none',
      nextFileTime: () => new Date(Date.UTC(2026, 0, 2, 3, 4, 7, 89)),
      lookupToast: async (staged, file) => {
        lookups.push(...[...staged.toastKeys.values()].map((k) => k.map(String)));
        fs.writeFileSync(file, '"1","current body"\n');
        return [...staged.toastColumns];
      },
    });
    expect(lookups).toEqual([['1']]);
    expect(files.map((f) => path.relative(dir, f.path))).toEqual(['raw/shop/docs/20260102-030407089.parquet']);
    expect(files[0].rows).toBe(2);

    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const describe = await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${files[0].path}'`);
    expect(describe.getRowObjectsJson().map((r) => `${String(r.column_name)} ${String(r.column_type)}`)).toEqual([
      'Op VARCHAR', '_dms_commit_ts VARCHAR', 'id INTEGER', 'price DECIMAL(10,2)', 'body VARCHAR', 'raw BLOB', 'at TIMESTAMP', '_dms_change_seq VARCHAR',
    ]);
    const rows = await connection.runAndReadAll(`SELECT Op, _dms_commit_ts, id, price::VARCHAR AS price, body, hex(raw) AS raw, "at"::VARCHAR AS "at", _dms_change_seq FROM '${files[0].path}'`);
    expect(rows.getRowObjectsJson()).toEqual([
      {
        Op: 'I',
        _dms_commit_ts: '2026-01-02 03:04:06.000001',
        id: 1,
        price: '12.50',
        body: 'long "quoted", text\nwith newline',
        raw: '00FF',
        at: '2026-01-02 03:04:05.123456',
        _dms_change_seq: '17673230460000010000000000000000000',
      },
      {
        Op: 'U',
        _dms_commit_ts: '2026-01-02 03:04:06.000001',
        id: 1,
        price: '13.00',
        body: 'current body',
        raw: null,
        at: '2026-01-02 03:04:06',
        _dms_change_seq: '17673230460000010000000000000000001',
      },
    ]);
    connection.closeSync();
    db.closeSync();
    expect(fs.existsSync(window.dir)).toBe(true);
    window.remove();
  });

  test('a new column list stages apart: one file per column set, in order; a TRUNCATE is kept only when its transaction commits', async () => {
    const before = new CapturedTable(metadata(), path.join(dir, 'shop', 'ddl'));
    const meta = metadata();
    const after = new CapturedTable({ ...meta, columns: [...meta.columns.filter((c) => c.name !== 'raw'), { ...meta.columns[2], name: 'extra', ordinal: 6 }] },
      before.dir, before.version + 1);
    expect(before.columnDrift({ names: ['id', 'price', 'body', 'at', 'extra'], values: [] }, true)).toEqual({ added: ['extra'], missing: ['raw'] });
    expect(before.columnDrift({ names: ['id'], values: [] }, false)).toBeUndefined();
    expect(after.columnDrift({ names: ['id', 'price', 'body', 'at', 'extra'], values: [] }, true)).toBeUndefined();
    const window = new CdcWindow(2, path.join(dir, 'window-ddl'));
    window.begin(0);
    window.stage(before, 'I', ['1', '1.00', 'old', null, null]);
    window.truncate(before);
    window.rollback();
    window.begin(0);
    window.stage(before, 'I', ['2', '2.00', 'old', null, null]);
    window.stage(after, 'I', ['3', '3.00', 'new', null, 'extra text']);
    window.truncate(after);
    window.commit('2026-01-02 03:04:07.000000', '1767323047000000', 10n, 1767323047000000);
    expect([...window.truncated.keys()]).toEqual([before.key]);
    let ms = Date.UTC(2026, 0, 2, 3, 4, 7);
    const files = await writeWindowFiles(window, {
      encoder, compression: 'none', lookupToast: async () => [], nextFileTime: () => new Date(ms++),
    });
    expect(files.map((f) => [f.table.version, f.rows])).toEqual([[0, 1], [1, 1]]);
    expect(path.basename(files[0].path) < path.basename(files[1].path)).toBe(true);
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const columns = async (file: string): Promise<string[]> => (await connection.runAndReadAll(`DESCRIBE SELECT * FROM '${file}'`))
      .getRowObjectsJson().map((r) => String(r.column_name));
    expect(await columns(files[0].path)).toEqual(['Op', '_dms_commit_ts', 'id', 'price', 'body', 'raw', 'at', '_dms_change_seq']);
    expect(await columns(files[1].path)).toEqual(['Op', '_dms_commit_ts', 'id', 'price', 'body', 'at', 'extra', '_dms_change_seq']);
    connection.closeSync();
    db.closeSync();
    window.remove();
  });
});
