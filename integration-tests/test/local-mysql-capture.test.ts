import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Connection, RowDataPacket, createConnection } from 'mysql2/promise';
import { LOCAL_LAKEHOUSE_BIN, runLocalLakehouse } from '../src/local-lakehouse-bin';
import { MysqlFixture } from '../src/mysql-fixture';
import { verifyOneTable } from '../src/verify-one-table';

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
 '0000-00-00', '0000-00-00 00:00:00', '2024-06-30 23:59:59.5', '2024-06-30 23:59:59', 0, '00:00:00',
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
      host: fixture.host,
      port: fixture.port,
      user: fixture.user,
      password: fixture.password,
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      jsonStrings: true,
      timezone: 'Z',
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

  /** verify: the lake table equals the source table under the capture's type mapping. */
  async function expectLakeEqualsSource(lake: string, table: string): Promise<void> {
    const verified = await verifyOneTable(source, lake, `zoo.${table}`);
    expect(verified.tables).toEqual([expect.objectContaining({ table: `zoo.${table}`, status: 'match', differingColumns: [] })]);
    expect(verified.tables[0].lakeRows).toBe(verified.tables[0].sourceRows);
    expect(verified.code).toBe(0);
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

  test('--until-caught-up ends after the binlog rotated and a table it does not capture changed last', async () => {
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake.duckdb');
    // the server's position then lies past events that carry no rows: the new file's header, GTID list and checkpoint
    await db.query('FLUSH BINARY LOGS');
    await db.query("UPDATE zoo.types SET t_text = 'after a rotation' WHERE id = 1");
    await db.query('FLUSH BINARY LOGS');
    await db.query('CREATE TABLE zoo.not_captured (id int PRIMARY KEY)');
    await db.query('INSERT INTO zoo.not_captured VALUES (1), (2)');
    await db.query('FLUSH BINARY LOGS');
    const [[status]] = await db.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const started = Date.now();
    const cdc = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up'], { timeoutMs: 60_000 });
    expect(cdc.stderr).toMatch(/capture: done: 0 rows loaded, 1 changes in 1 CDC files/);
    expect(cdc.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    const state = JSON.parse(fs.readFileSync(path.join(raw, '.lakehouse-capture.json'), 'utf8')) as { confirmedLsn: string };
    // at or past where the server stood (MariaDB writes the new file's checkpoint event a moment after the rotation)
    const [file, position] = state.confirmedLsn.split(':');
    expect(file).toBe(String(status.File));
    expect(Number(position)).toBeGreaterThanOrEqual(Number(status.Position));
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    await expectLakeEqualsSource(lake, 'types');
  });
});

const sleep = async (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

function spawnLakehouse(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [LOCAL_LAKEHOUSE_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  child.stdout?.resume();
  child.stderr?.setEncoding('utf8');
  return child;
}

async function ended(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The CDC files capture has published for shop.items. */
const cdcFiles = (raw: string): string[] => {
  const dir = path.join(raw, 'shop', 'items');
  return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)) : [];
};

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = ended(child);
  child.kill('SIGKILL');
  await exited;
}

describe('lakehouse local capture --source mysql:// follows DDL, stops cleanly, survives kill -9 (binlog_row_metadata=FULL)', () => {
  let fixture: MysqlFixture;
  let db: Connection;
  let work: string;
  let source: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    fixture = await MysqlFixture.start({ settings: { binlog_row_metadata: 'FULL' } });
    source = fixture.connectionString({ database: 'shop' });
    db = await createConnection({
      host: fixture.host,
      port: fixture.port,
      user: fixture.user,
      password: fixture.password,
      charset: 'utf8mb4',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      decimalNumbers: false,
      jsonStrings: true,
      timezone: 'Z',
    });
    await db.query("SET time_zone = '+00:00'");
    await db.query('CREATE DATABASE shop');
    await db.query('USE shop');
    await db.query('CREATE TABLE shop.items (id bigint PRIMARY KEY, v int NOT NULL, note varchar(200), price decimal(10,2))');
    await db.query('CREATE TABLE shop.events (id bigint PRIMARY KEY AUTO_INCREMENT, item bigint NOT NULL, at datetime(6) NOT NULL, message text)');
    await db.query(`INSERT INTO shop.items
      SELECT seq, seq % 10, CONCAT('item ', seq, ' ', REPEAT('x', seq % 50)), seq / 100 FROM seq_1_to_60000`);
    await db.query("INSERT INTO shop.events (item, at, message) SELECT seq, '2025-01-01 00:00:00' + INTERVAL seq SECOND, CONCAT('seed ', seq) FROM seq_1_to_5000");
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-mysql-capture-'));
  });

  afterAll(async () => {
    for (const child of children) await killHard(child);
    await db?.end().catch(() => undefined);
    await fixture?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /**
   * verify: the lake table equals the source table under the capture's type mapping, on the source's columns; columns the
   * source dropped are history the lake keeps (verify names them, and the table differs only by them).
   */
  async function expectLakeEqualsSource(lake: string, table: string, droppedInSource: readonly string[] = []): Promise<void> {
    const verified = await verifyOneTable(source, lake, `shop.${table}`);
    expect(verified.tables).toEqual([expect.objectContaining({
      table: `shop.${table}`,
      status: droppedInSource.length === 0 ? 'match' : 'differs',
      differingColumns: [],
      differingKeys: [],
      lakeOnlyColumns: droppedInSource,
    })]);
    expect(verified.tables[0].lakeRows).toBe(verified.tables[0].sourceRows);
    expect(verified.tables[0].lakeChecksum).toBe(verified.tables[0].sourceChecksum);
    expect(verified.code).toBe(droppedInSource.length === 0 ? 0 : 1);
  }

  /** Waits until the capture's state says everything up to the server's current binlog position is written. */
  async function waitForCapture(raw: string): Promise<void> {
    const [status] = await db.query<RowDataPacket[]>('SHOW MASTER STATUS');
    const target = { file: String(status[0].File), position: Number(status[0].Position) };
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = JSON.parse(fs.readFileSync(path.join(raw, '.lakehouse-capture.json'), 'utf8')) as { confirmedLsn: string | null };
      const [file, position] = (state.confirmedLsn ?? ':0').split(':');
      if (file > target.file || (file === target.file && Number(position) >= target.position)) return;
      if (Date.now() > deadline) throw new Error(`capture did not reach ${target.file}:${target.position} (at ${state.confirmedLsn})`);
      await sleep(100);
    }
  }

  test('ADD and DROP COLUMN while capturing, a clean stop (SIGINT), changes while stopped, a restart: the lake equals the source', async () => {
    const raw = path.join(work, 'raw-ddl');
    const lake = path.join(work, 'lake-ddl.duckdb');
    const capture = spawnLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.events', '--interval', '200ms']);
    children.add(capture);
    let stderr = '';
    capture.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const deadline = Date.now() + 60_000;
    while (!/streaming changes from binlog/.test(stderr)) {
      if (Date.now() > deadline || capture.exitCode !== null) throw new Error(`capture did not start streaming: ${stderr}`);
      await sleep(100);
    }
    await db.query("INSERT INTO shop.events (item, at, message) VALUES (1, '2026-01-01 10:00:00.5', 'before the DDL')");
    await db.query('UPDATE shop.events SET message = CONCAT(message, \' (updated)\') WHERE id <= 10');
    await db.query('ALTER TABLE shop.events ADD COLUMN qty int NULL, ADD COLUMN tag varchar(20) NULL');
    await db.query("INSERT INTO shop.events (item, at, message, qty, tag) VALUES (2, '2026-01-01 10:00:01', 'after ADD', 7, 'new')");
    await db.query('UPDATE shop.events SET qty = 3 WHERE id BETWEEN 11 AND 20');
    await db.query('ALTER TABLE shop.events DROP COLUMN message');
    await db.query("INSERT INTO shop.events (item, at, qty, tag) VALUES (3, '2026-01-01 10:00:02', 9, 'dropped')");
    await db.query('DELETE FROM shop.events WHERE id BETWEEN 21 AND 25');
    await waitForCapture(raw);
    capture.kill('SIGINT');
    expect(await ended(capture)).toBe(0);
    expect(stderr).toMatch(/shop\.events: columns changed at binlog \S+; added qty, tag; later CDC files have the new columns/);
    expect(stderr).toMatch(/shop\.events: columns changed at binlog \S+; dropped message; later CDC files have the new columns/);
    expect(stderr).toMatch(/capture: done: 5000 rows loaded/);

    // changes while no capture runs, a DDL among them: read from the binlog at the restart
    await db.query("INSERT INTO shop.events (item, at, qty, tag) VALUES (4, '2026-01-01 10:00:03', 1, 'while stopped')");
    await db.query('ALTER TABLE shop.events ADD COLUMN late date NULL');
    await db.query("UPDATE shop.events SET late = '2026-02-03' WHERE id BETWEEN 30 AND 40");
    const restart = await runLocalLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.events', '--until-caught-up']);
    expect(restart.stderr).toMatch(/capture: done: 0 rows loaded, 12 changes/);
    expect(restart.code).toBe(0);
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    await expectLakeEqualsSource(lake, 'events', ['message']);
  });

  test('TRUNCATE while capturing: the table is loaded again and the lake equals the source', async () => {
    const raw = path.join(work, 'raw-truncate');
    const lake = path.join(work, 'lake-truncate.duckdb');
    await db.query('CREATE TABLE shop.logs (id int PRIMARY KEY, message varchar(50))');
    await db.query("INSERT INTO shop.logs SELECT seq, CONCAT('seed ', seq) FROM seq_1_to_100");
    const capture = spawnLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.logs', '--interval', '200ms']);
    children.add(capture);
    let stderr = '';
    capture.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    const deadline = Date.now() + 60_000;
    while (!/streaming changes from binlog/.test(stderr) && Date.now() < deadline && capture.exitCode === null) await sleep(50);
    await db.query("UPDATE shop.logs SET message = 'before' WHERE id <= 10");
    await db.query('TRUNCATE TABLE shop.logs');
    await db.query("INSERT INTO shop.logs VALUES (1, 'after'), (2, 'after'), (500, 'after')");
    await db.query('DELETE FROM shop.logs WHERE id = 2');
    await waitForCapture(raw);
    capture.kill('SIGINT');
    expect(await ended(capture)).toBe(0);
    expect(stderr).toMatch(/capture: TRUNCATE of shop\.logs: loaded again, \d+ rows/);
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    await expectLakeEqualsSource(lake, 'logs');
  });

  test('Ctrl-C in the middle of a table\'s full load (chunks streaming while earlier ones encode): one line, nothing published, '
    + 'nothing left behind; the same capture again loads it all', async () => {
    await db.query('CREATE TABLE shop.big (id bigint PRIMARY KEY, note varchar(100), amount decimal(12,2), at datetime(6))');
    await db.query(`INSERT INTO shop.big SELECT seq, CONCAT('row ', seq, ' "quoted", ', REPEAT('z', seq % 40)), seq / 7,
      '2025-01-01 00:00:00' + INTERVAL seq SECOND FROM seq_1_to_400000`);
    const raw = path.join(work, 'raw-stop-load');
    const lake = path.join(work, 'lake-stop-load.duckdb');
    const args = ['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.big', '--chunk-rows', '2000', '--until-caught-up'];
    const capture = spawnLakehouse(args);
    children.add(capture);
    let stderr = '';
    capture.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
    });
    // stopped once the third chunk's CSV exists: the first ones are encoded or encoding, the stream is mid-table
    const scratch = path.join(raw, '.lakehouse-scratch');
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(scratch) && fs.readdirSync(scratch).some((f) => /^shop\.big\.([3-9]|\d{2,})\.csv$/.test(f)))) {
      if (Date.now() > deadline || capture.exitCode !== null) throw new Error(`no third chunk of shop.big appeared:\n${stderr}`);
      await sleep(5);
    }
    capture.kill('SIGINT');
    const code = await ended(capture);
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n').filter((l) => l.startsWith('lakehouse: '))).toEqual([
      'lakehouse: capture stopped during the full load of shop.big (0 of 1 tables loaded); run the same capture again to redo the load',
    ]);
    expect(stderr).not.toMatch(/full load shop\.big: [\d,]+ rows in/);
    // nothing of the table published, no LOAD temp file, no scratch CSV or lock left
    expect(fs.readdirSync(path.join(raw, 'shop', 'big')).filter((f) => f !== '_table.json')).toEqual([]);
    expect(fs.existsSync(scratch)).toBe(false);
    expect(fs.existsSync(path.join(raw, '.lakehouse-capture.lock'))).toBe(false);

    const again = await runLocalLakehouse(args);
    expect(again.stderr).toMatch(/full load shop\.big: 400,000 rows in/);
    expect(again.code).toBe(0);
    // DMS numbers LOAD files in hexadecimal: LOAD00000001 … LOAD000000C8
    const loads = fs.readdirSync(path.join(raw, 'shop', 'big')).filter((f) => /^LOAD[0-9A-F]{8}\.parquet$/.test(f)).sort();
    expect(loads).toHaveLength(200);
    expect(loads[199]).toBe('LOAD000000C8.parquet');
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    await expectLakeEqualsSource(lake, 'big');
  });

  test('capture killed (-9) during the full load and while streaming, then restarted, loses nothing and doubles nothing', async () => {
    const raw = path.join(work, 'raw-crash');
    const lake = path.join(work, 'lake-crash.duckdb');
    const args = ['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.items', '--interval', '150ms', '--chunk-rows', '10000'];
    const early = spawnLakehouse(args);
    children.add(early);
    await sleep(randomBetween(300, 900));
    await killHard(early);

    let running = true;
    let transactions = 0;
    const worker = await fixture.connection({ database: 'shop' });
    const workload = (async () => {
      let next = 1_000_000;
      while (running) {
        const id = next++;
        await worker.query('BEGIN');
        await worker.query('INSERT INTO items (id, v, note, price) VALUES (?, 0, ?, 1.5)', [id, `new ${id}`]);
        await worker.query('UPDATE items SET v = v + 1, price = price + 0.01 WHERE id % 97 = ?', [id % 97]);
        await worker.query('DELETE FROM items WHERE id = ?', [id - 50]);
        await worker.query('UPDATE items SET id = id + 10000000 WHERE id = ?', [id - 20]);
        await worker.query('COMMIT');
        transactions++;
      }
    })();
    try {
      for (let round = 0; round < 3; round++) {
        const capture = spawnLakehouse(args);
        children.add(capture);
        // killed while streaming: at a random moment after the stream started (the first round finishes the full load)
        let stderr = '';
        capture.stderr?.on('data', (chunk: string) => {
          stderr += chunk;
        });
        const deadline = Date.now() + 60_000;
        while (!/streaming changes from binlog/.test(stderr) && Date.now() < deadline && capture.exitCode === null) await sleep(50);
        expect(stderr).toMatch(/streaming changes from binlog/);
        await sleep(randomBetween(200, 2000));
        // the last kill hits a capture that has written CDC files (a loaded machine may take longer than the random pause)
        while (round === 2 && cdcFiles(raw).length === 0 && Date.now() < deadline && capture.exitCode === null) await sleep(50);
        await killHard(capture);
      }
    } finally {
      running = false;
      await workload;
      await worker.end();
    }
    expect(transactions).toBeGreaterThan(10);
    // the kills hit a capture that had loaded and was writing CDC files
    expect(cdcFiles(raw).length).toBeGreaterThan(0);
    const finish = await runLocalLakehouse([...args, '--until-caught-up']);
    expect(finish.stderr).toMatch(/capture: done/);
    expect(finish.code).toBe(0);
    expect(fs.readdirSync(raw).filter((f) => f.endsWith('.lock'))).toEqual([]);
    const curate = await runLocalLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    await expectLakeEqualsSource(lake, 'items');
  });
});

describe('lakehouse local capture --source mysql://: checks before writing, each failure with its fix, nothing written', () => {
  let fixture: MysqlFixture;
  let noBinlog: MysqlFixture;
  let work: string;

  beforeAll(async () => {
    [fixture, noBinlog] = await Promise.all([MysqlFixture.start(), MysqlFixture.start({ settings: { log_bin: false } })]);
    for (const f of [fixture, noBinlog]) {
      await f.query('CREATE TABLE keyed (id int PRIMARY KEY, v int)');
      await f.query('CREATE TABLE keyless (v int)');
    }
    await fixture.query("CREATE USER 'reader'@'%' IDENTIFIED BY 'secret'");
    await fixture.query("GRANT SELECT ON *.* TO 'reader'@'%'");
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-mysql-checks-'));
  });

  afterAll(async () => {
    await Promise.all([fixture?.stop(), noBinlog?.stop()]);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  async function capture(url: string, extra: string[] = []): Promise<{ code: number; stderr: string; raw: string }> {
    const raw = path.join(work, `raw-${Math.random().toString(36).slice(2)}`);
    const result = await runLocalLakehouse(['local', 'capture', '--source', url, '--raw', raw, '--until-caught-up', ...extra]);
    return { code: result.code, stderr: result.stderr, raw };
  }

  test('binary log off', async () => {
    const result = await capture(noBinlog.connectionString(), ['--tables', 'keyed']);
    expect(result.stderr).toMatch(/^lakehouse: source mysql:\/\/\S+ is not ready for capture: log_bin: .*; fix: .*log[-_]bin/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.code).toBe(1);
    expect(fs.existsSync(result.raw)).toBe(false);
  });

  test('STATEMENT binlog format, MINIMAL row image and short retention: one part each, with its fix', async () => {
    await fixture.query("SET GLOBAL binlog_format = 'STATEMENT'");
    await fixture.query("SET GLOBAL binlog_row_image = 'MINIMAL'");
    await fixture.query('SET GLOBAL binlog_expire_logs_seconds = 3600');
    try {
      const result = await capture(fixture.connectionString(), ['--tables', 'keyed']);
      expect(result.stderr).toMatch(/binlog_format: binlog_format = STATEMENT; DMS needs ROW; fix: SET GLOBAL binlog_format = 'ROW'/);
      expect(result.stderr).toMatch(/ \| binlog_row_image: binlog_row_image = MINIMAL; DMS needs FULL; fix: SET GLOBAL binlog_row_image = 'FULL'/);
      expect(result.stderr).toMatch(/ \| binlog_retention: .*; fix: /);
      expect(result.code).toBe(1);
      expect(fs.existsSync(result.raw)).toBe(false);
    } finally {
      await fixture.query("SET GLOBAL binlog_format = 'ROW'");
      await fixture.query("SET GLOBAL binlog_row_image = 'FULL'");
      await fixture.query('SET GLOBAL binlog_expire_logs_seconds = 0');
    }
  });

  test('a user without REPLICATION grants', async () => {
    const result = await capture(fixture.connectionString({ user: 'reader', password: 'secret' }), ['--tables', 'keyed']);
    expect(result.stderr).toMatch(/replication_grants: .*; fix: GRANT REPLICATION (CLIENT|SLAVE).* ON \*\.\* TO 'reader'@'%';/);
    expect(result.code).toBe(1);
    expect(fs.existsSync(result.raw)).toBe(false);
  });

  test('a table without a primary key', async () => {
    const result = await capture(fixture.connectionString());
    expect(result.stderr).toBe('lakehouse: table test.keyless has no primary key, so its updates and deletes cannot be applied in the lake; '
      + 'add one (ALTER TABLE `test`.`keyless` ADD PRIMARY KEY (…)) or leave it out with --exclude\n');
    expect(result.code).toBe(1);
    expect(fs.existsSync(result.raw)).toBe(false);
    const excluded = await capture(fixture.connectionString(), ['--exclude', 'keyless']);
    expect(excluded.stderr).toMatch(/full load test\.keyed: 0 rows/);
    expect(excluded.code).toBe(0);
  });
});
