import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection, RowDataPacket, createConnection } from 'mysql2/promise';
import { runLocalLakehouse } from '../src/local-lakehouse-bin';
import { MysqlFixture } from '../src/mysql-fixture';

/** Every column type the MySQL mapping treats differently, with edge values (zero dates, extremes, latin1 text, float32). */
const ZOO = `
CREATE TABLE vz.types (
  id int PRIMARY KEY,
  t_tiny tinyint, t_bool tinyint(1), t_small_u smallint unsigned, t_medium_u mediumint unsigned, t_int_u int unsigned,
  t_big bigint, t_big_u bigint unsigned,
  t_bit1 bit(1), t_bit3 bit(3), t_bit12 bit(12), t_dec decimal(12,2), t_dec38 decimal(38,10), t_dec65 decimal(65,30),
  t_float float, t_double double,
  t_date date, t_datetime datetime, t_datetime6 datetime(6), t_timestamp timestamp(6) NULL DEFAULT NULL, t_year year, t_time time(3),
  t_char char(5), t_varchar varchar(100), t_latin1 varchar(20) CHARACTER SET latin1, t_text text,
  t_enum enum('small','medium','large'), t_set set('a','b','c'), t_json json,
  t_binary binary(4), t_varbinary varbinary(16), t_blob blob
) DEFAULT CHARSET utf8mb4`;

const ZOO_ROWS = `
INSERT INTO vz.types VALUES
(1, -128, 1, 65535, 16777215, 4294967295, -9223372036854775808, 18446744073709551615,
 b'1', b'101', b'101010101010', -9999999999.99, 1234567890123456789012345678.0123456789,
 12345678901234567890123456789012345.123456789012345678901234567890, 1.1, -2.2250738585072014e-308,
 '1000-01-01', '9999-12-31 23:59:59', '2024-02-29 12:34:56.123456', '2038-01-19 03:14:07.999999', 2155, '-838:59:59.000',
 'ab', 'héllo 😀 wörld', 'café crème', 'long text 𝄞 with "quotes", commas and\nnewlines', 'large', 'a,c', '{"k": [1, 2.5, "x"]}',
 x'00ff0001', x'deadbeef', x'000102'),
(2, 127, 0, 0, 0, 0, 9223372036854775807, 0,
 b'0', b'000', b'000000000000', 0.01, -0.0000000001, -0.000000000000000000000000000001, -3.4e38, 1.7976931348623157e308,
 '2024-01-01', '1970-01-01 00:00:01', '2000-01-01 00:00:00.000001', '1970-01-01 00:00:01', 1901, '12:00:00.500',
 '', '', '', '', 'small', '', '[]', x'00000000', x'', x''),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, 0, 1, 1, 1, 1, 0, 9223372036854775808,
 b'1', b'111', b'111111111111', 42, 42, 42, 0.000123457, 0.1,
 '0000-00-00', '0000-00-00 00:00:00', '2024-06-30 23:59:59.5', '2024-06-30 23:59:59', 0, '00:00:00',
 'x', 'plain', 'plain', 'plain', 'medium', 'a,b,c', '{}', x'01', x'01', x'01'),
(5, 1, 0, 2, 3, 4, -5, 6,
 b'0', b'010', b'000000000001', -0.5, 3.5, -7.25, 9.999999e-20, 123456789.98765433,
 '2000-02-29', '2000-02-29 00:00:00', '1999-12-31 23:59:59.999999', '2001-09-09 01:46:40', 2000, '838:59:59.999',
 'zz', 'ünïcödé', 'àéîõü', 'ß', 'large', 'b', '{"a": {"b": [true, false, null]}}', x'7f7f7f7f', x'00', x'ff')`;

interface VerifyJson {
  readonly tables: {
    readonly table: string;
    readonly status: string;
    readonly sourceRows: number | null;
    readonly lakeRows: number | null;
    readonly differingColumns: string[];
    readonly differingKeys: string[];
    readonly rowsOnlyInSource: number;
    readonly changedRows: number;
  }[];
}

describe('lakehouse local verify --source mariadb://: values compared under the capture\'s DMS mapping', () => {
  let fixture: MysqlFixture;
  let db: Connection;
  let work: string;
  let source: string;
  let raw: string;
  let lake: string;

  beforeAll(async () => {
    fixture = await MysqlFixture.start({ settings: { sql_mode: 'NO_ENGINE_SUBSTITUTION' } });
    source = fixture.connectionString({ database: 'vz' }).replace(/^mysql:/, 'mariadb:');
    db = await createConnection({ host: fixture.host, port: fixture.port, user: fixture.user, password: fixture.password, charset: 'utf8mb4' });
    await db.query("SET time_zone = '+00:00'");
    await db.query('CREATE DATABASE vz');
    await db.query(ZOO);
    await db.query(ZOO_ROWS);
    await db.query('CREATE TABLE vz.plain (id int PRIMARY KEY, name varchar(20))');
    await db.query("INSERT INTO vz.plain VALUES (1, 'one'), (2, 'two')");
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-mysql-verify-'));
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
    const capture = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(capture.code).toBe(0);
    // changes from the binlog too: an update, a delete, an insert
    await db.query("UPDATE vz.types SET t_varchar = 'changed ✓', t_float = 2.5, t_datetime6 = '2025-01-02 03:04:05.678901' WHERE id = 2");
    await db.query('DELETE FROM vz.plain WHERE id = 1');
    await db.query("INSERT INTO vz.plain VALUES (3, 'three')");
    const cdc = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(cdc.code).toBe(0);
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
  }, 240_000);

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await fixture?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function verify(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; json?: VerifyJson }> {
    const result = await runLocalLakehouse(['local', 'verify', '--source', source, '--lake', lake, ...args]);
    return { ...result, json: args.includes('--json') && result.stdout.trim() !== '' ? JSON.parse(result.stdout) as VerifyJson : undefined };
  }

  test('after capture (full load and binlog) and curate, every table matches: exit 0', async () => {
    const result = await verify();
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/verified: 2 tables match the source/);
    expect(result.code).toBe(0);
    const json = (await verify('--json')).json!;
    expect(json.tables.map((t) => [t.table, t.status, t.sourceRows, t.lakeRows])).toEqual([
      ['vz.plain', 'match', 2, 2],
      ['vz.types', 'match', 5, 5],
    ]);
  });

  test('--tables selects one table (a name without database means the URL\'s); one matching nothing is exit 2', async () => {
    const one = await verify('--tables', 'types', '--json');
    expect(one.json!.tables.map((t) => t.table)).toEqual(['vz.types']);
    expect(one.code).toBe(0);
    const excluded = await verify('--exclude', 'vz.types', '--json');
    expect(excluded.json!.tables.map((t) => t.table)).toEqual(['vz.plain']);
    const none = await verify('--tables', 'vz.nothing_here');
    expect(none.stderr).toMatch(/^lakehouse: local verify: --tables: vz\.nothing_here matched neither a curated table nor a source table; the lake holds vz\.plain, vz\.types/);
    expect(none.code).toBe(2);
  });

  interface StatusJson {
    readonly engine: string;
    readonly slot: string;
    readonly confirmedLsn: string;
    readonly gtidPosition: string | null;
    readonly currentLsn: string;
    readonly lagBytes: number | null;
    readonly lagSeconds: number | null;
    readonly phase: string;
    readonly serverBinlog: { readonly kept: boolean; readonly first: string; readonly last: string; readonly retentionSeconds: number | null };
    readonly tables: {
      readonly table: string; readonly loadFiles: number; readonly loadRows: number; readonly cdcFiles: number; readonly cdcRows: number;
    }[];
  }

  async function status(): Promise<StatusJson> {
    const result = await runLocalLakehouse(['local', 'status', '--raw', raw, '--source', source, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return JSON.parse(result.stdout) as StatusJson;
  }

  async function serverPosition(): Promise<{ file: string; position: number }> {
    const [rows] = await db.query<RowDataPacket[]>('SHOW MASTER STATUS');
    return { file: String(rows[0].File), position: Number(rows[0].Position) };
  }

  test('status of a MySQL raw zone: binlog position and GTID, the server\'s position, lag in bytes within and across binlog files', async () => {
    const caught = await status();
    expect(caught).toMatchObject({ engine: 'mysql', slot: '', phase: 'stopped', serverBinlog: { kept: true, first: 'binlog.000001' } });
    expect(caught.confirmedLsn).toMatch(/^binlog\.\d{6}:\d+$/);
    expect(caught.gtidPosition).toMatch(/^\d+-\d+-\d+/);
    const [file, offset] = caught.confirmedLsn.split(':');
    // the server's position as status read it (MariaDB writes checkpoint events on its own)
    const position = (s: StatusJson): { file: string; position: number } => {
      const [f, p] = s.currentLsn.split(':');
      return { file: f, position: Number(p) };
    };
    expect(position(caught).file).toBe(file);
    expect(caught.lagBytes).toBe(position(caught).position - Number(offset));
    expect(caught.tables).toEqual([
      { table: 'vz.plain', loadFiles: 1, loadRows: 2, cdcFiles: 1, cdcRows: 2 },
      { table: 'vz.types', loadFiles: 1, loadRows: 5, cdcFiles: 1, cdcRows: 1 },
    ]);
    // changes the capture has not read: the lag is the binlog bytes they took, and the seconds since the newest commit written
    await db.query("INSERT INTO vz.plain VALUES (10, 'ten')");
    try {
      await lagAcrossFiles(caught, file, Number(offset), position);
    } finally {
      await db.query('DELETE FROM vz.plain WHERE id IN (10, 11)');
    }
  });

  async function lagAcrossFiles(
    caught: StatusJson, file: string, offset: number, position: (s: StatusJson) => { file: string; position: number },
  ): Promise<void> {
    const behind = await status();
    expect(position(behind).file).toBe(file);
    expect(behind.lagBytes).toBe(position(behind).position - offset);
    expect(behind.lagBytes).toBeGreaterThan(caught.lagBytes!);
    expect(behind.lagSeconds).not.toBeNull();
    // across files: the rest of the stored position's file, then the new file up to the current position
    await db.query('FLUSH BINARY LOGS');
    await db.query("INSERT INTO vz.plain VALUES (11, 'eleven')");
    const [logs] = await db.query<RowDataPacket[]>('SHOW BINARY LOGS');
    const stored = logs.find((l) => String(l.Log_name) === file)!;
    const across = await status();
    expect(position(across).file).not.toBe(file);
    expect(across.lagBytes).toBe(Number(stored.File_size) - offset + position(across).position);
    const text = await runLocalLakehouse(['local', 'status', '--raw', raw, '--source', source]);
    expect(text.stdout).toMatch(new RegExp(`^binlog +stored ${caught.confirmedLsn.replace('.', '\\.')} \\(GTID \\d+-\\d+-\\d+\\), still on the server `
      + '\\(it has binlog\\.000001 to binlog\\.\\d+, kept (\\d+ s|until purged by hand)\\); MySQL has no replication slot$', 'm'));
    expect(text.stdout).toMatch(/^lag +[\d,. ]+ bytes \(binlog\.\d+:\d+ - binlog\.\d+:\d+\), \d+ s$/m);
  }

  test('a source value changed after capture: the differing column and row are named, exit 1', async () => {
    await db.query("UPDATE vz.types SET t_latin1 = 'naïve' WHERE id = 5");
    await db.query('UPDATE vz.types SET t_bit12 = b\'000000000010\' WHERE id = 4');
    await db.query("INSERT INTO vz.plain VALUES (4, 'four')");
    try {
      const result = await verify('--json');
      const byName = new Map(result.json!.tables.map((t) => [t.table, t]));
      expect(byName.get('vz.types')).toMatchObject({
        status: 'differs', changedRows: 2, differingColumns: ['t_bit12', 't_latin1'], differingKeys: ['id=4', 'id=5'],
      });
      expect(byName.get('vz.plain')).toMatchObject({ status: 'differs', rowsOnlyInSource: 1, differingKeys: ['id=4'] });
      expect(result.code).toBe(1);
      const text = await verify('--tables', 'vz.types');
      expect(text.stdout).toMatch(/vz\.types +5 +5 +MISMATCH/);
      expect(text.stderr).toMatch(/table vz\.types: differs in columns t_bit12, t_latin1 \(2 rows\); first differing keys: id=4; id=5/);
      expect(text.code).toBe(1);
    } finally {
      await db.query("UPDATE vz.types SET t_latin1 = 'àéîõü' WHERE id = 5");
      await db.query('UPDATE vz.types SET t_bit12 = b\'111111111111\' WHERE id = 4');
      await db.query('DELETE FROM vz.plain WHERE id = 4');
    }
    expect((await verify()).code).toBe(0);
  });

  test('binlogs purged under a stopped capture: status and slots say so, capture refuses in one line with the fix', async () => {
    const before = await status();
    await db.query('FLUSH BINARY LOGS');
    const now = await serverPosition();
    await db.query(`PURGE BINARY LOGS TO '${now.file}'`);
    const purged = await status();
    // MariaDB keeps a binlog its storage engines still need for crash recovery, so the oldest left may be before the current one
    expect(purged.serverBinlog).toMatchObject({ kept: false, last: now.file });
    expect(purged.serverBinlog.first).not.toBe(before.confirmedLsn.split(':')[0]);
    expect(purged.lagBytes).toBeNull();
    const text = await runLocalLakehouse(['local', 'status', '--raw', raw, '--source', source]);
    expect(text.stdout).toContain(`stored ${before.confirmedLsn}`);
    expect(text.stdout).toMatch(/purged from the server \(it has binlog\.\d+ to binlog\.\d+, kept (\d+ s|until purged by hand)\): the changes after \S+ are lost; capture again into a new --raw directory/);
    const slots = await runLocalLakehouse(['local', 'slots', '--source', source]);
    expect(slots.stdout).toMatch(/^no replication slots: a MySQL\/MariaDB capture keeps its binlog position in its raw directory/);
    expect(slots.stdout).toMatch(new RegExp(`^the server has \\d+ binlogs?, ${purged.serverBinlog.first.replace('.', '\\.')} to ${now.file.replace('.', '\\.')} \\(`, 'm'));
    expect(slots.code).toBe(0);
    const slotsJson = JSON.parse((await runLocalLakehouse(['local', 'slots', '--source', source, '--json'])).stdout) as Record<string, unknown>;
    expect(slotsJson).toMatchObject({ engine: 'mysql', slots: [] });
    expect((slotsJson.binlogs as { file: string }[]).map((b) => b.file)).toContain(now.file);
    const drop = await runLocalLakehouse(['local', 'slots', '--source', source, '--drop-inactive']);
    expect(drop.stderr).toMatch(/has no replication slots to drop/);
    expect(drop.code).toBe(2);
    const resume = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(resume.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^lakehouse: the server no longer has binlog \S+ .*, so the changes after \S+ are lost; .*start over with an empty --raw directory/),
    ]);
    expect(resume.code).not.toBe(0);
    // the lake is untouched: verify still compares it
    expect((await verify('--tables', 'vz.types')).code).toBe(0);
  });

  test('an unreachable source is exit 2 with one line', async () => {
    const result = await runLocalLakehouse(['local', 'verify', '--source', 'mariadb://nobody:x@127.0.0.1:1/vz', '--lake', lake]);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.code).toBe(2);
  });
});
