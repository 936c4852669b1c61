import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { runLocalLakehouse } from '../src/local-lakehouse-bin';
import { MysqlFixture } from '../src/mysql-fixture';
import { mysqlAndLakeRows } from '../src/mysql-lake-compare';

const ZOO = `
CREATE TABLE zoo.types (
  id int PRIMARY KEY,
  t_tiny tinyint, t_tiny_u tinyint unsigned, t_bool tinyint(1), t_small smallint, t_small_u smallint unsigned,
  t_medium mediumint, t_medium_u mediumint unsigned, t_int int, t_int_u int unsigned, t_big bigint, t_big_u bigint unsigned,
  t_bit1 bit(1), t_bit12 bit(12), t_dec decimal(12,2), t_dec38 decimal(38,10), t_dec65 decimal(65,30),
  t_float float, t_double double,
  t_date date, t_datetime datetime, t_datetime6 datetime(6), t_timestamp timestamp(6) NULL DEFAULT NULL, t_year year, t_time time(3),
  t_char char(5), t_varchar varchar(100), t_text text, t_enum enum('small','medium','large'), t_set set('a','b','c'), t_json json,
  t_binary binary(4), t_varbinary varbinary(16), t_blob blob
) DEFAULT CHARSET utf8mb4`;

const ZOO_ROWS = `
INSERT INTO zoo.types VALUES
(1, -128, 255, 1, -32768, 65535, -8388608, 16777215, -2147483648, 4294967295, -9223372036854775808, 18446744073709551615,
 b'1', b'101010101010', -9999999999.99, 1234567890123456789012345678.0123456789,
 12345678901234567890123456789012345.123456789012345678901234567890, 1.5, -2.2250738585072014e-308,
 '1000-01-01', '9999-12-31 23:59:59', '2024-02-29 12:34:56.123456', '2038-01-19 03:14:07.999999', 2155, '-838:59:59.000',
 'ab', 'héllo 😀 wörld', 'long text 𝄞 with "quotes", commas and\nnewlines', 'large', 'a,c', '{"k": [1, 2.5, "x"], "n": null}',
 x'00ff0001', x'deadbeef', x'000102'),
(2, 127, 0, 0, 32767, 0, 8388607, 0, 2147483647, 0, 9223372036854775807, 0,
 b'0', b'000000000000', 0.01, -0.0000000001, -0.000000000000000000000000000001, -3.4e38, 1.7976931348623157e308,
 '2024-01-01', '1970-01-01 00:00:01', '2000-01-01 00:00:00.000001', '1970-01-01 00:00:01', 1901, '12:00:00.500',
 '', '', '', 'small', '', '[]', x'00000000', x'', x''),
(3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
 NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
(4, 0, 1, 1, 0, 1, 0, 1, 0, 1, 0, 9223372036854775808,
 b'1', b'111111111111', 42, 42, 42, 0, 0,
 '0000-00-00', '0000-00-00 00:00:00', '2024-06-30 23:59:59.5', '2024-06-30 23:59:59', 2024, '00:00:00',
 'x', 'plain', 'plain', 'medium', 'a,b,c', '{}', x'01', x'01', x'01')`;

describe('lakehouse local capture --source mariadb:// → curate (DuckDB): a type zoo, changes, DDL mid-stream', () => {
  let fixture: MysqlFixture;
  let db: Connection;
  let work: string;
  let source: string;

  beforeAll(async () => {
    fixture = await MysqlFixture.start({ settings: { sql_mode: 'NO_ENGINE_SUBSTITUTION' } });
    source = fixture.connectionString({ database: 'zoo' }).replace(/^mysql:/, 'mariadb:');
    // values as the server prints them: dates as text (the session in UTC), 64-bit integers and decimals exact
    db = await createConnection({
      host: fixture.host, port: fixture.port, user: fixture.user, password: fixture.password, charset: 'utf8mb4',
      dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, decimalNumbers: false, jsonStrings: true, timezone: 'Z',
    });
    await db.query("SET time_zone = '+00:00'");
    await db.query('CREATE DATABASE zoo');
    await db.query(ZOO);
    await db.query(ZOO_ROWS);
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-mysql-capture-'));
  });

  afterAll(async () => {
    await db?.end().catch(() => undefined);
    await fixture?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function expectLakeEqualsSource(lake: string, table: string): Promise<void> {
    const { source: sourceRows, lake: lakeRows } = await mysqlAndLakeRows(db, lake, 'zoo', table, 'id');
    expect(lakeRows).toEqual(sourceRows);
  }

  test('full load, then inserts, updates (one of the key) and deletes from the binlog: the lake equals the source', async () => {
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake.duckdb');
    const load = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(load.stderr).toMatch(/consistent snapshot at binlog \S+:\d+ \(GTID \d+-\d+-\d+\)/);
    expect(load.stderr).toMatch(/full load zoo\.types: 4 rows/);
    // zero dates have no Parquet value: NULL, and said so once per column
    expect(load.stderr).toMatch(/column t_date: value "0000-00-00" in the full load has no Parquet DATE or TIMESTAMP value/);
    expect(load.code).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(raw, '.lakehouse-capture.json'), 'utf8')) as Record<string, unknown>;
    expect(state).toMatchObject({ engine: 'mysql', phase: 'streaming', slot: '', consistentPoint: expect.stringMatching(/^binlog\.\d+:\d+$/) });
    expect(fs.readdirSync(path.join(raw, 'zoo', 'types')).sort()).toEqual(['LOAD00000001.parquet', '_table.json']);

    await db.query(ZOO_ROWS.replace('INSERT INTO zoo.types VALUES\n(1,', 'INSERT INTO zoo.types VALUES\n(11,')
      .replace('\n(2,', '\n(12,').replace('\n(3,', '\n(13,').replace('\n(4,', '\n(14,'));
    await db.query("UPDATE zoo.types SET t_varchar = 'changed ✓', t_dec65 = t_dec65 + 1, t_big_u = 18446744073709551614 WHERE id IN (1, 12)");
    await db.query('UPDATE zoo.types SET id = 21 WHERE id = 2');
    await db.query('DELETE FROM zoo.types WHERE id IN (3, 13)');
    await db.query('BEGIN');
    await db.query("INSERT INTO zoo.types (id, t_text) VALUES (30, 'in a transaction')");
    await db.query("UPDATE zoo.types SET t_text = 'updated twice' WHERE id = 30");
    await db.query('COMMIT');
    const cdc = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(cdc.stderr).toMatch(/streaming changes from binlog/);
    expect(cdc.stderr).toMatch(/capture: done: 0 rows loaded, 12 changes in 1 CDC files/);
    expect(cdc.code).toBe(0);
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.stderr).toMatch(/curate zoo\.types → zoo\.types: initial, 2 files/);
    expect(curate.code).toBe(0);
    await expectLakeEqualsSource(lake, 'types');
  });
});
