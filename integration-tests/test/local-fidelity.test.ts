import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLake } from '@cdc-lakehouse/local-lakehouse';
import { CliResult, PostgresFixture, runLocalLakehouse } from '../src';

/**
 * What the local capture writes for the awkward cases of a PostgreSQL source: values the DMS
 * types cannot hold (in the full load and in CDC), TRUNCATE, ADD / DROP COLUMN while capturing,
 * a replica-identity index other than the primary key, and money under a non-default lc_monetary.
 * Each case ends with curate + verify: the lake matches the source (a column dropped in the source is named until the
 * lake drops it too).
 */

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

const SCHEMA = `
CREATE SCHEMA fid;
CREATE TABLE fid.odd (id int PRIMARY KEY, big numeric, d date, ts timestamp, tstz timestamptz, n12 numeric(12,2), cash money);
INSERT INTO fid.odd VALUES
  (1, 1e30, '0044-03-15 BC', '0044-03-15 10:00:00.5 BC', '0001-01-01 00:00:00+00 BC', 'NaN', 1234.56),
  (2, 'NaN', 'infinity', '-infinity', 'infinity', 1.5, -0.05),
  (3, 123.4567891, '2024-02-29', '2024-02-29 12:00:00', '2024-02-29 12:00:00+00', 2.25, 1000000);
CREATE TABLE fid.trunc (id int PRIMARY KEY, v text);
INSERT INTO fid.trunc SELECT i, 'before ' || i FROM generate_series(1, 50) AS i;
CREATE TABLE fid.ddl (id int PRIMARY KEY, a text, gone int);
INSERT INTO fid.ddl SELECT i, 'a' || i, i * 10 FROM generate_series(1, 20) AS i;
CREATE TABLE fid.ri (id int PRIMARY KEY, code text NOT NULL, v text);
CREATE UNIQUE INDEX ri_code ON fid.ri (code);
ALTER TABLE fid.ri REPLICA IDENTITY USING INDEX ri_code;
INSERT INTO fid.ri SELECT i, 'code-' || i, 'v' || i FROM generate_series(1, 20) AS i;
`;

/** Every statement commits on its own, as an application would run them. */
const WORKLOAD = [
  "INSERT INTO fid.odd VALUES (4, -1e25, '0100-01-01 BC', 'infinity', '0010-06-01 12:00:00+00 BC', 'NaN', -12.34)",
  'UPDATE fid.odd SET big = 5e22 WHERE id = 3',
  'UPDATE fid.odd SET cash = cash * 2',
  "INSERT INTO fid.odd VALUES (5, 0.5, '1999-12-31', '1999-12-31 23:59:59.999999', '1999-12-31 23:59:59.999999+00', 7, 99999.99)",
  "INSERT INTO fid.odd VALUES (6, 1, '2000-01-01', '294250-01-01 00:00:00', '294260-06-01 00:00:00+00', 1, 1)",
  "UPDATE fid.trunc SET v = 'changed' WHERE id <= 10",
  'TRUNCATE fid.trunc',
  "INSERT INTO fid.trunc VALUES (100, 'after the truncate'), (101, 'after the truncate')",
  'ALTER TABLE fid.ddl ADD COLUMN extra numeric(10,2)',
  'UPDATE fid.ddl SET extra = id * 1.5 WHERE id <= 5',
  "INSERT INTO fid.ddl VALUES (21, 'new', 210, 9.99)",
  'ALTER TABLE fid.ddl DROP COLUMN gone',
  "UPDATE fid.ddl SET a = 'after drop' WHERE id = 6",
  "INSERT INTO fid.ddl (id, a, extra) VALUES (22, 'x', 1)",
  'DELETE FROM fid.ddl WHERE id = 7',
  'DELETE FROM fid.ri WHERE id <= 3',
  "UPDATE fid.ri SET v = 'changed' WHERE id = 4",
  "UPDATE fid.ri SET code = 'recoded' WHERE id = 5",
];

const LSN = '[0-9A-F]+/[0-9A-F]+';

describe('lakehouse local capture: values, TRUNCATE, DDL, replica identity and money as the lake must hold them', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let lake: string;
  let source: string;
  let fullLoad: CliResult;
  let cdc: CliResult;
  const savedLocpath = process.env.LOCPATH;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-fidelity-test-'));
    fs.chmodSync(work, 0o755);
    // a German lc_monetary ('1.234,56 €'): this machine has only the C locales, so build one the server can load
    const locales = path.join(work, 'locales');
    fs.mkdirSync(locales);
    execFileSync('localedef', ['-i', 'de_DE', '-f', 'UTF-8', path.join(locales, 'de_DE.UTF-8')], { stdio: 'pipe' });
    process.env.LOCPATH = locales;
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
    await pg.query("ALTER DATABASE postgres SET lc_monetary = 'de_DE.UTF-8'");
  });

  afterAll(async () => {
    await pg?.stop();
    if (savedLocpath === undefined) delete process.env.LOCPATH;
    else process.env.LOCPATH = savedLocpath;
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('the server prints money the German way (the case the capture must read)', async () => {
    const printed = await pg.query<{ m: string; lc: string }>("SELECT 1234.56::numeric::money::text AS m, current_setting('lc_monetary') AS lc");
    expect(printed.rows[0]).toEqual({ m: '1.234,56 €', lc: 'de_DE.UTF-8' });
  });

  test('full load: values DMS types cannot hold are NULL with one warning line each, naming table, column and position; capture finishes', async () => {
    await pg.query(SCHEMA);
    fullLoad = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(fullLoad.stderr).toContain('full load fid.odd: 3 rows');
    expect(fullLoad.code).toBe(0);
    const warnings = fullLoad.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp('^capture: warning: fid\\.odd column big: value "1000000000000000000000000000000" \\(1 of 2 values of this column written as NULL\\) '
        + `in the full load \\(snapshot at ${LSN}\\) does not fit decimal\\(28,6\\)`)),
      expect.stringMatching(/^capture: warning: fid\.odd column d: value "infinity" in the full load .* has no Parquet DATE value; written as NULL/),
      expect.stringMatching(/^capture: warning: fid\.odd column ts: value "-infinity" in the full load .* has no Parquet TIMESTAMP value/),
      expect.stringMatching(/^capture: warning: fid\.odd column n12: value "NaN" in the full load .* has no DECIMAL value/),
    ]));
    const meta = JSON.parse(fs.readFileSync(path.join(raw, 'fid', 'ri', '_table.json'), 'utf8'));
    expect(meta).toMatchObject({ primaryKey: ['id'], replicaIdentity: 'index', rowIdentity: ['code'] });
    // the lake as it was before the changes below: the next curate must reload fid.trunc and evolve fid.ddl
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.stderr).toContain('curate fid.trunc → fid.trunc: initial, 1 file');
    expect(curate.code).toBe(0);
  });

  test('CDC: refused values name the LSN, TRUNCATE reloads the table, ADD and DROP COLUMN are followed', async () => {
    for (const statement of WORKLOAD) await pg.query(statement);
    cdc = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(cdc.code).toBe(0);
    expect(cdc.stderr).toMatch(new RegExp(`capture: warning: fid\\.odd column big: value "-10000000000000000000000000" at LSN ${LSN} does not fit decimal\\(28,6\\)`));
    expect(cdc.stderr).toMatch(new RegExp(`capture: warning: fid\\.odd column ts: value "infinity" at LSN ${LSN} has no Parquet TIMESTAMP value; written as NULL`));
    expect(cdc.stderr).toMatch(new RegExp(`capture: warning: fid\\.odd column tstz: value "294260-06-01 00:00:00\\+00" at LSN ${LSN} is after the last Parquet TIMESTAMP`));
    expect(cdc.stderr).toMatch(new RegExp(`capture: TRUNCATE of fid\\.trunc \\(committed at ${LSN}\\): loaded again, \\d+ rows`));
    expect(cdc.stderr).toMatch(/capture: fid\.ddl: columns changed at LSN [0-9A-F/]+; added extra decimal\(10,2\)/);
    expect(cdc.stderr).toMatch(/capture: fid\.ddl: columns changed at LSN [0-9A-F/]+; dropped gone/);

    // the reload: a new LOAD file, newer than every CDC file written before it
    const truncDir = path.join(raw, 'fid', 'trunc');
    const load = fs.statSync(path.join(truncDir, 'LOAD00000001.parquet')).mtimeMs;
    const cdcTimes = fs.readdirSync(truncDir).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)).map((f) => fs.statSync(path.join(truncDir, f)).mtimeMs);
    expect(cdcTimes.length).toBeGreaterThan(0);
    expect(cdcTimes.some((t) => t < load)).toBe(true);

    // _table.json follows the columns: extra added, gone dropped (and remembered as dropped)
    const meta = JSON.parse(fs.readFileSync(path.join(raw, 'fid', 'ddl', '_table.json'), 'utf8'));
    expect(meta.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'a', 'extra']);
    expect(meta.droppedColumns.map((c: { name: string }) => c.name)).toEqual(['gone']);
  });

  test('curate + verify: the lake matches the source; a column dropped in the source is named, with the fix', async () => {
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.stderr).toMatch(/curate fid\.trunc → fid\.trunc: reload, 1 file in 1 batch/);
    expect(curate.stderr).toMatch(/curate fid\.ddl → fid\.ddl: incremental, 2 files/);
    expect(curate.code).toBe(0);
    // fid.ddl's rows equal the source's on its columns, but the lake keeps the dropped column: verify says so, with what to do
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stdout).toMatch(/^fid\.ddl +21 +21 +MISMATCH$/m);
    expect(verify.stdout).toMatch(/^fid\.odd .* match$/m);
    expect(verify.stderr).toBe('lakehouse: verify: 1 of 4 tables differ: table fid.ddl: the lake keeps column gone, which the source no longer has '
      + '(dropped in the source: the lake holds its values from before the drop, NULL for rows changed since); that is expected history if the drop '
      + "was meant, or drop it from the lake as well: ALTER TABLE fid.ddl DROP COLUMN gone (in the engine's SQL, while no curate runs)\n");
    expect(verify.code).toBe(1);
    const json = await lakehouse(['local', 'verify', '--source', source, '--lake', lake, '--json']);
    expect(json.code).toBe(1);
    const ddl = (JSON.parse(json.stdout) as { tables: Record<string, unknown>[] }).tables.find((t) => t.table === 'fid.ddl');
    expect(ddl).toMatchObject({ status: 'differs', sourceRows: 21, lakeRows: 21, lakeOnlyColumns: ['gone'], differingColumns: [], changedRows: 0 });
    expect(ddl?.sourceChecksum).toBe(ddl?.lakeChecksum);
    // the lake holds the old values: the rows changed after the drop have NULL
    const gone = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT id, gone FROM fid.ddl WHERE id IN (5, 6, 22) ORDER BY id']);
    expect(gone.stdout.trim().split('\n')).toEqual(['id,gone', '5,50', '6,', '22,']);
    // the last CDC file of fid.ddl has the new column and no longer the dropped one
    const ddlFiles = fs.readdirSync(path.join(raw, 'fid', 'ddl')).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)).sort();
    const last = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv',
      `SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet('${path.join(raw, 'fid', 'ddl', ddlFiles[ddlFiles.length - 1])}'))`]);
    expect(last.stderr).toBe('');
    const columns = last.stdout.trim().split('\n').slice(1);
    expect(columns).toContain('extra');
    expect(columns).not.toContain('gone');
  });

  test('the lake holds BC dates as BC, money at its value, and NULL where the DMS type has no value', async () => {
    const query = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv',
      'SELECT id, CAST(big AS VARCHAR) AS big, year(d) AS d_year, year(ts) AS ts_year, CAST(tstz AS VARCHAR) AS tstz, CAST(n12 AS VARCHAR) AS n12, '
      + 'CAST(cash AS VARCHAR) AS cash FROM fid.odd ORDER BY id']);
    expect(query.stderr).toBe('');
    expect(query.stdout.trim().split('\n')).toEqual([
      'id,big,d_year,ts_year,tstz,n12,cash',
      '1,,-43,-43,0001-01-01 (BC) 00:00:00,,2469.1200',
      '2,,,,,1.50,-0.1000',
      '3,,2024,2024,2024-02-29 12:00:00,2.25,2000000.0000',
      '4,,-99,,0010-06-01 (BC) 12:00:00,,-24.6800',
      '5,0.500000,1999,1999,1999-12-31 23:59:59.999999,7.00,99999.9900',
      '6,1.000000,2000,,,1.00,1.0000',
    ]);
  });

  test('TRUNCATE: only the rows written after it remain; DDL: the dropped column stays in the lake, empty for later rows', async () => {
    const trunc = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT id, v FROM fid.trunc ORDER BY id']);
    expect(trunc.stdout.trim().split('\n')).toEqual(['id,v', '100,after the truncate', '101,after the truncate']);
    const ddl = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv',
      'SELECT id, a, CAST(extra AS VARCHAR) AS extra, gone FROM fid.ddl WHERE id IN (1, 6, 7, 8, 21, 22) ORDER BY id']);
    expect(ddl.stdout.trim().split('\n')).toEqual([
      'id,a,extra,gone', '1,a1,1.50,10', '6,after drop,,', '8,a8,,80', '21,new,9.99,210', '22,x,1.00,',
    ]);
    const ri = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT count(*) AS n, min(id) AS first FROM fid.ri']);
    expect(ri.stdout.trim().split('\n')).toEqual(['n,first', '17,4']);
    // the fix verify's line names: the column dropped from the lake as well, verify matches (later changes curate as before: next test)
    const held = await openLake(lake, { readOnly: false });
    try {
      await held.connection.run('ALTER TABLE fid.ddl DROP COLUMN gone');
    } finally {
      held.close();
    }
    const fixed = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(fixed.stderr).toBe('');
    expect(fixed.stdout).toContain('verified: 4 tables match the source');
    expect(fixed.code).toBe(0);
  });

  test('after a reload and a restart, later changes of the truncated table land after its new load and are applied', async () => {
    await pg.query("INSERT INTO fid.trunc VALUES (102, 'after the reload')");
    await pg.query('DELETE FROM fid.trunc WHERE id = 100');
    await pg.query("UPDATE fid.ddl SET a = 'later' WHERE id = 1");
    const again = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(again.code).toBe(0);
    const truncDir = path.join(raw, 'fid', 'trunc');
    const load = fs.statSync(path.join(truncDir, 'LOAD00000001.parquet')).mtimeMs;
    const newest = fs.readdirSync(truncDir).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)).sort().pop()!;
    expect(fs.statSync(path.join(truncDir, newest)).mtimeMs).toBeGreaterThan(load);
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.stderr).toMatch(/curate fid\.trunc → fid\.trunc: incremental, 1 file/);
    expect(curate.code).toBe(0);
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stdout).toContain('verified: 4 tables match the source');
    expect(verify.code).toBe(0);
    const trunc = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT id, v FROM fid.trunc ORDER BY id']);
    expect(trunc.stdout.trim().split('\n')).toEqual(['id,v', '101,after the truncate', '102,after the reload']);
  });
});
