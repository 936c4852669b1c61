import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BenchMariadb, mariadbProgram } from './bench-mariadb';
import { parseCommandArgs, parseCount } from '../cli/args';
import { errorMessage } from '../errors';

const BIN = path.resolve(__dirname, '..', 'bin.js');
const PEAK_RSS = path.resolve(__dirname, 'peak-rss.js');
const DATABASE = 'bench';
const TABLE = 'orders';
/** Rows changed per transaction by the CDC workload. */
const BATCH = 1000;
/** A capture run that has not caught up by then is stopped and the benchmark fails. */
const CAPTURE_TIMEOUT_MS = 20 * 60_000;

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const num = (n: number): string => Math.round(n).toLocaleString('en-US');
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const rate = (rows: number, ms: number): string => `${num((rows * 1000) / ms)} rows/s`;
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** One `lakehouse local capture` process: its wall time, its --stats and its peak RSS. */
interface CaptureRun {
  readonly wallMs: number;
  readonly stats: { fullLoadRows: number; fullLoadMs: number; cdcRows: number; cdcFiles: number; streamingMs: number };
  readonly peakRssBytes: number;
}

/**
 * Benchmark of the MySQL/MariaDB capture against MariaDB's own tools, measured in the same run on a throw-away MariaDB
 * (ROW binlog, FULL images):
 * - full load: the capture's LOAD files of a table of `--rows` rows vs `SELECT … INTO OUTFILE` (server-side, no network) and
 *   `mariadb-dump --quick` to /dev/null (over TCP, as the capture reads);
 * - CDC: `--changes` row changes (40 % inserts, 40 % updates, 20 % deletes, 1,000 rows per transaction) turned into CDC files
 *   vs `mariadb-binlog --base64-output=DECODE-ROWS -v` decoding the same binlog files to /dev/null (local files, and read from
 *   the server as the capture does);
 * - peak RSS of each capture process; then the raw zone's row counts are checked (LOAD rows, and I/U/D rows of the CDC files).
 *
 * `node lib/bench/mysql-capture.js [--rows 1000000] [--changes 200000]`
 */
async function runBenchmark(argv: readonly string[]): Promise<void> {
  const { values } = parseCommandArgs('bench-mysql', argv, { rows: { type: 'string' }, changes: { type: 'string' } });
  const rows = values.rows ? parseCount('rows', values.rows as string) : 1_000_000;
  const changes = values.changes ? parseCount('changes', values.changes as string) : 200_000;
  const mix = changeMix(changes);
  if (mix.updates + mix.deletes > rows) {
    throw new Error(`--changes ${changes} updates and deletes ${num(mix.updates + mix.deletes)} rows, more than --rows ${rows}; lower --changes or raise --rows`);
  }
  const server = await BenchMariadb.start({ bufferPool: '512M' });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bench-mysql-'));
  let db: Connection | undefined;
  const stop = async (): Promise<void> => {
    await db?.end().catch(() => undefined);
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    db = await server.connect();
    const [version] = await db.query<RowDataPacket[]>('SELECT VERSION() AS v');
    out(`bench-mysql: MariaDB ${String(version[0].v)} on ${server.host}:${server.port}, ${os.cpus().length} cores, `
      + `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const t0 = Date.now();
    await createTable(db, rows);
    out(`bench-mysql: ${DATABASE}.${TABLE} with ${num(rows)} rows (11 columns: bigint, int, varchar, decimal, smallint, double, tinyint(1), `
      + `datetime(6), date, timestamp(3), varchar(200)) in ${secs(Date.now() - t0)}`);
    const raw = path.join(work, 'raw');
    out('');
    await benchFullLoad(server, db, raw, rows, work);
    out('');
    await benchCdc(server, db, raw, mix, work);
    out('');
    await checkRawZone(raw, rows, mix);
  } finally {
    await stop();
  }
}

function changeMix(changes: number): { inserts: number; updates: number; deletes: number } {
  const inserts = Math.round(changes * 0.4);
  const updates = Math.round(changes * 0.4);
  return { inserts, updates, deletes: changes - inserts - updates };
}

async function createTable(db: Connection, rows: number): Promise<void> {
  await db.query(`CREATE DATABASE ${DATABASE}`);
  await db.query(`USE ${DATABASE}`); // the sequence engine's seq_1_to_n tables live in the current database
  await db.query(`CREATE TABLE ${DATABASE}.${TABLE} (
    id BIGINT NOT NULL PRIMARY KEY,
    customer_id INT NOT NULL,
    status VARCHAR(16) NOT NULL,
    amount DECIMAL(12,2) NOT NULL,
    quantity SMALLINT NOT NULL,
    discount DOUBLE NULL,
    paid TINYINT(1) NOT NULL,
    ordered_at DATETIME(6) NOT NULL,
    ship_date DATE NULL,
    updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    note VARCHAR(200) NULL
  ) ENGINE=InnoDB`);
  for (let from = 1; from <= rows; from += 100_000) {
    await db.query(insertRows(from, Math.min(rows, from + 99_999)));
  }
  await db.query(`ANALYZE TABLE ${DATABASE}.${TABLE}`);
}

/** INSERT of ids `from`..`to` from MariaDB's sequence engine, every column derived from the id. */
function insertRows(from: number, to: number): string {
  return `INSERT INTO ${DATABASE}.${TABLE} SELECT seq, seq % 50000, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'),
    (seq % 100000) / 100, 1 + seq % 20, IF(seq % 5 = 0, NULL, (seq % 30) / 100), seq % 2,
    TIMESTAMP'2025-01-01 00:00:00' + INTERVAL seq SECOND + INTERVAL (seq % 1000) MICROSECOND,
    IF(seq % 3 = 0, NULL, DATE'2025-01-01' + INTERVAL (seq % 700) DAY), TIMESTAMP'2026-01-01 00:00:00' + INTERVAL (seq % 86400) SECOND,
    IF(seq % 7 = 0, NULL, CONCAT('order ', seq, ': ', REPEAT('x', seq % 60)))
    FROM seq_${from}_to_${to}`;
}

/**
 * Runs `lakehouse local capture` in its own process (peak RSS read at its exit) and returns its figures: with `--until-caught-up`,
 * or, given `untilCdcRows`, until its state file counts that many durable CDC rows, then stopped with SIGTERM. The CDC run uses
 * the latter: it times the changes until they are durable in the raw zone, not the process's exit after them. (It was first
 * chosen because `--until-caught-up` kept waiting after a FLUSH BINARY LOGS; the capture now reads the events past the last
 * transaction, and the integration test `local-mysql-capture` covers that case.)
 */
async function runCapture(server: BenchMariadb, raw: string, work: string, name: string, untilCdcRows?: number): Promise<CaptureRun> {
  const statsFile = path.join(work, `${name}-stats.json`);
  const rssFile = path.join(work, `${name}-rss.json`);
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--require', PEAK_RSS, BIN, 'local', 'capture', '--source', server.url(DATABASE), '--raw', raw,
    '--tables', `${DATABASE}.${TABLE}`, ...(untilCdcRows === undefined ? ['--until-caught-up'] : []), '--stats', statsFile],
  { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true', LAKEHOUSE_BENCH_RSS_FILE: rssFile } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGTERM');
  }, CAPTURE_TIMEOUT_MS);
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let wallMs = 0;
  if (untilCdcRows !== undefined) {
    // the state file's cdcRows counts rows whose CDC files are durable; once it holds them all, stop the capture (SIGTERM: a clean stop)
    const stateFile = path.join(raw, '.lakehouse-capture.json');
    while (!timedOut && child.exitCode === null) {
      const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { cdcRows?: number };
      if ((state.cdcRows ?? 0) >= untilCdcRows) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    wallMs = Date.now() - t0;
    child.kill('SIGTERM');
  }
  const code = await exited;
  clearTimeout(timer);
  if (untilCdcRows === undefined) wallMs = Date.now() - t0;
  if (timedOut) throw new Error(`capture (${name}) did not catch up within ${CAPTURE_TIMEOUT_MS / 60_000} minutes; stopped it`);
  if (code !== 0) throw new Error(`capture (${name}) failed with exit ${code}: ${stderr.trim()}`);
  return {
    wallMs,
    stats: JSON.parse(fs.readFileSync(statsFile, 'utf8')) as CaptureRun['stats'],
    peakRssBytes: (JSON.parse(fs.readFileSync(rssFile, 'utf8')) as { maxRssBytes: number }).maxRssBytes,
  };
}

/** Runs a MariaDB client program with stdout to /dev/null; its wall time in ms. */
async function timeProgram(program: string, args: readonly string[]): Promise<number> {
  const devNull = fs.openSync('/dev/null', 'w');
  try {
    const t0 = Date.now();
    const child = spawn(program, args, { stdio: ['ignore', devNull, 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`${path.basename(program)} failed with exit ${code}: ${stderr.trim()}`);
    return Date.now() - t0;
  } finally {
    fs.closeSync(devNull);
  }
}

function tableDir(raw: string): string {
  return path.join(raw, DATABASE, TABLE);
}

function parquetFiles(raw: string, load: boolean): string[] {
  return fs.readdirSync(tableDir(raw)).filter((f) => f.endsWith('.parquet') && f.startsWith('LOAD') === load)
    .map((f) => path.join(tableDir(raw), f));
}

async function benchFullLoad(server: BenchMariadb, db: Connection, raw: string, rows: number, work: string): Promise<void> {
  // SELECT … INTO OUTFILE: the server writing the table as text into its own directory; once to warm the buffer pool, once timed
  const outfile = async (): Promise<{ ms: number; bytes: number }> => {
    const file = path.join(server.dir, `outfile-${Date.now()}.tsv`);
    const t0 = Date.now();
    await db.query(`SELECT * FROM ${DATABASE}.${TABLE} INTO OUTFILE ${db.escape(file)}`);
    const ms = Date.now() - t0;
    const bytes = fs.statSync(file).size;
    fs.rmSync(file);
    return { ms, bytes };
  };
  await outfile();
  const intoOutfile = await outfile();
  const dumpMs = await timeProgram(mariadbProgram('mariadb-dump'), ['--no-defaults', '-h', server.host, '-P', String(server.port), '-u', 'root',
    '--single-transaction', '--quick', DATABASE, TABLE]);
  const run = await runCapture(server, raw, work, 'full-load');
  if (run.stats.fullLoadRows !== rows) throw new Error(`the capture's full load read ${run.stats.fullLoadRows} rows, not ${rows}`);
  const files = parquetFiles(raw, true);
  const parquetBytes = files.reduce((sum, f) => sum + fs.statSync(f).size, 0);
  const loadMs = run.stats.fullLoadMs;
  out(`full load of ${DATABASE}.${TABLE} (${num(rows)} rows):`);
  out(`  lakehouse capture (LOAD files):        ${secs(loadMs)}  ${rate(rows, loadMs)}  ${mib((parquetBytes * 1000) / loadMs)}/s of Parquet `
    + `(${files.length} LOAD files, ${mib(parquetBytes)}); process start to exit ${secs(run.wallMs)}, peak RSS ${mib(run.peakRssBytes)}`);
  out(`  SELECT * INTO OUTFILE (server-side):   ${secs(intoOutfile.ms)}  ${rate(rows, intoOutfile.ms)}  (${mib(intoOutfile.bytes)} of text)`);
  out(`  mariadb-dump --quick > /dev/null:      ${secs(dumpMs)}  ${rate(rows, dumpMs)}`);
  out(`  ratio: ${(intoOutfile.ms / loadMs).toFixed(2)} of INTO OUTFILE's rate, ${(dumpMs / loadMs).toFixed(2)} of mariadb-dump's`);
}

async function benchCdc(
  server: BenchMariadb, db: Connection, raw: string, mix: ReturnType<typeof changeMix>, work: string,
): Promise<void> {
  const rows = Number(((await db.query<RowDataPacket[]>(`SELECT MAX(id) AS m FROM ${DATABASE}.${TABLE}`))[0])[0].m);
  // the changes go to binlog files of their own: the ones opened by this FLUSH and not yet closed by the one after them
  const before = new Set(server.binlogFiles());
  await db.query('FLUSH BINARY LOGS');
  const t0 = Date.now();
  await applyChanges(db, rows, mix);
  const applyMs = Date.now() - t0;
  await db.query('FLUSH BINARY LOGS');
  const all = server.binlogFiles();
  const changed = all.slice(0, -1).filter((f) => !before.has(f));
  const binlogBytes = changed.reduce((sum, f) => sum + fs.statSync(f).size, 0);
  const decode = ['--no-defaults', '--base64-output=DECODE-ROWS', '-v'];
  const binlogTool = mariadbProgram('mariadb-binlog');
  await timeProgram(binlogTool, [...decode, ...changed]); // warm the page cache
  const localMs = await timeProgram(binlogTool, [...decode, ...changed]);
  const remoteMs = await timeProgram(binlogTool, [...decode, '--read-from-remote-server', '-h', server.host, '-P', String(server.port), '-u', 'root',
    '--to-last-log', path.basename(changed[0])]);
  const run = await runCapture(server, raw, work, 'cdc', mix.inserts + mix.updates + mix.deletes);
  const total = mix.inserts + mix.updates + mix.deletes;
  if (run.stats.cdcRows !== total) throw new Error(`the capture wrote ${run.stats.cdcRows} CDC rows, not the ${total} changes applied`);
  out(`CDC of ${num(total)} row changes (${num(mix.inserts)} inserts, ${num(mix.updates)} updates, ${num(mix.deletes)} deletes; `
    + `${num(total / BATCH)} transactions of ${num(BATCH)} rows, applied in ${secs(applyMs)}; ${changed.length} binlog file(s), ${mib(binlogBytes)}):`);
  out(`  lakehouse capture (CDC files):             ${secs(run.wallMs)}  ${rate(total, run.wallMs)}  (process start until the state file holds them all; `
    + `streaming ${secs(run.stats.streamingMs)}, ${run.stats.cdcFiles} CDC files, peak RSS ${mib(run.peakRssBytes)})`);
  out(`  mariadb-binlog -v, local files:             ${secs(localMs)}  ${rate(total, localMs)}`);
  out(`  mariadb-binlog -v --read-from-remote-server: ${secs(remoteMs)}  ${rate(total, remoteMs)}`);
  out(`  ratio: ${(localMs / run.wallMs).toFixed(2)} of mariadb-binlog's rate on local files, ${(remoteMs / run.wallMs).toFixed(2)} read from the server`);
}

/** Inserts, updates and deletes in transactions of BATCH rows, interleaved; updates take ids from 1 up, deletes from `rows` down. */
async function applyChanges(db: Connection, rows: number, mix: ReturnType<typeof changeMix>): Promise<void> {
  let inserted = 0;
  let updated = 0;
  let deleted = 0;
  while (inserted < mix.inserts || updated < mix.updates || deleted < mix.deletes) {
    if (inserted < mix.inserts) {
      const n = Math.min(BATCH, mix.inserts - inserted);
      await db.query(insertRows(rows + inserted + 1, rows + inserted + n));
      inserted += n;
    }
    if (updated < mix.updates) {
      const n = Math.min(BATCH, mix.updates - updated);
      await db.query(`UPDATE ${DATABASE}.${TABLE} SET status = 'shipped', amount = amount + 1, quantity = quantity + 1, `
        + `updated_at = CURRENT_TIMESTAMP(3), note = CONCAT('updated ', id) WHERE id BETWEEN ${updated + 1} AND ${updated + n}`);
      updated += n;
    }
    if (deleted < mix.deletes) {
      const n = Math.min(BATCH, mix.deletes - deleted);
      await db.query(`DELETE FROM ${DATABASE}.${TABLE} WHERE id BETWEEN ${rows - deleted - n + 1} AND ${rows - deleted}`);
      deleted += n;
    }
  }
}

/** Reads the raw zone back with DuckDB: the LOAD files hold `rows` rows, the CDC files the applied inserts, updates and deletes. */
async function checkRawZone(raw: string, rows: number, mix: ReturnType<typeof changeMix>): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const duck = await instance.connect();
  try {
    const list = (files: string[]): string => `[${files.map((f) => `'${f.replace(/'/g, "''")}'`).join(', ')}]`;
    const load = await duck.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet(${list(parquetFiles(raw, true))})`);
    const loadRows = Number(load.getRows()[0][0]);
    const cdc = await duck.runAndReadAll(`SELECT "Op", count(*)::BIGINT FROM read_parquet(${list(parquetFiles(raw, false))}) GROUP BY "Op"`);
    const ops = new Map(cdc.getRows().map((r) => [String(r[0]), Number(r[1])]));
    const expected = new Map([['I', mix.inserts], ['U', mix.updates], ['D', mix.deletes]]);
    const wrong = [...expected].filter(([op, n]) => (ops.get(op) ?? 0) !== n);
    if (loadRows !== rows || wrong.length > 0 || ops.size !== expected.size) {
      throw new Error(`raw zone check failed: LOAD rows ${loadRows} (expected ${rows}), CDC rows by Op ${JSON.stringify(Object.fromEntries(ops))} `
        + `(expected ${JSON.stringify(Object.fromEntries(expected))})`);
    }
    out(`raw zone check: LOAD files hold ${num(loadRows)} rows; CDC files hold ${num(mix.inserts)} I, ${num(mix.updates)} U, ${num(mix.deletes)} D rows — as applied`);
  } finally {
    duck.closeSync();
    instance.closeSync();
  }
}

runBenchmark(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench-mysql: ${errorMessage(err)}\n`);
  process.exit(1);
});
