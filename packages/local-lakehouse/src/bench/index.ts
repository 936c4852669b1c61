import { execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { startCapture } from '../capture/capture';
import { parseCommandArgs, parseCount } from '../cli/args';
import { LOGICAL_REPLICATION_SETTINGS, LocalPostgresServer } from '../embedded-postgres';
import { errorMessage } from '../errors';
import { benchQuery } from './query';
import { queryLake } from '../lake/query';

const execFileAsync = promisify(execFile);
const BIN = path.resolve(__dirname, '..', 'bin.js');

type BenchmarkName = 'full-load' | 'cdc' | 'lag' | 'rss' | 'query';
const ALL: readonly BenchmarkName[] = ['full-load', 'cdc', 'lag', 'rss', 'query'];
/** The benchmarks that need the embedded PostgreSQL; `query` reads a DuckDB `range()` and starts none. */
type PostgresBenchmark = Exclude<BenchmarkName, 'query'>;

interface BenchContext {
  readonly server: LocalPostgresServer;
  readonly url: string;
  readonly work: string;
  readonly scale: number;
  readonly lagSeconds: number;
  client: Client;
  /** Raw dir whose capture of pgbench_accounts finished its full load (its slot is ready for CDC). */
  accountsRaw?: string;
  cdcDone?: { wallMs: number; streamingMs: number; changes: number; rssBytes: number; baselineMs: number };
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/**
 * Benchmarks of the local capture, each against the physical limit measured in the same run:
 * - full-load: LOAD files of pgbench_accounts vs `COPY pgbench_accounts TO STDOUT`;
 * - cdc: CDC files of a one-transaction UPDATE of every account vs `pg_recvlogical` reading the same WAL;
 * - lag: commit → visible to `lakehouse local query`, p50 and p95, with capture and `curate --follow` running;
 * - rss: peak resident memory of the capture process while it writes that one big transaction;
 * - query: `lakehouse local query` streaming N rows (`--rows`, 5,000,000) vs DuckDB alone, and its peak RSS (see query.ts).
 *
 * `node lib/bench/index.js [--only full-load|cdc|lag|rss|query] [--scale 10] [--lag-seconds 20] [--rows 5000000]`
 */
async function runBenchmarks(argv: readonly string[]): Promise<void> {
  const { values } = parseCommandArgs('bench', argv, {
    'only': { type: 'string' }, 'scale': { type: 'string' }, 'lag-seconds': { type: 'string' }, 'rows': { type: 'string' },
  });
  const only = values.only as string | undefined;
  if (only !== undefined && !ALL.includes(only as BenchmarkName)) throw new Error(`--only ${only}: use one of ${ALL.join(', ')}`);
  const selected = only ? [only as BenchmarkName] : [...ALL];
  const scale = values.scale ? parseCount('scale', values.scale as string) : 10;
  const lagSeconds = values['lag-seconds'] ? parseCount('lag-seconds', values['lag-seconds'] as string) : 20;
  const rows = values.rows ? parseCount('rows', values.rows as string) : 5_000_000;
  const withPostgres = selected.filter((name): name is PostgresBenchmark => name !== 'query');
  if (withPostgres.length > 0) await runPostgresBenchmarks(withPostgres, scale, lagSeconds);
  if (selected.includes('query')) {
    if (withPostgres.length > 0) out('');
    await benchQuery({ rows });
  }
}

async function runPostgresBenchmarks(selected: readonly PostgresBenchmark[], scale: number, lagSeconds: number): Promise<void> {
  const server = await LocalPostgresServer.start({
    settings: { ...LOGICAL_REPLICATION_SETTINGS, fsync: 'off', full_page_writes: 'off', max_wal_size: '4GB', checkpoint_timeout: '30min' },
    superuser: 'postgres',
    startupTimeoutMs: 60_000,
    tempDirPrefix: 'lakehouse-bench-pg-',
  });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bench-'));
  const url = `postgres://postgres@${server.host}:${server.port}/postgres`;
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    await client.end().catch(() => undefined);
    await server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    await client.connect();
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v;
    out(`bench: PostgreSQL ${version} on ${server.host}:${server.port}, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
    const started = Date.now();
    await execFileAsync(path.join(server.binDir, 'pgbench'), ['-i', '-s', String(scale), '-q', '-h', server.host, '-p', String(server.port), '-U', 'postgres', 'postgres']);
    await client.query('VACUUM ANALYZE pgbench_accounts');
    out(`bench: pgbench -i -s ${scale}: ${(scale * 100_000).toLocaleString('en-US')} accounts in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const ctx: BenchContext = { server, url, work, scale, lagSeconds, client };
    for (const name of selected) {
      out('');
      if (name === 'full-load') await benchFullLoad(ctx);
      if (name === 'cdc') await benchCdc(ctx);
      if (name === 'rss') await benchRss(ctx);
      if (name === 'lag') await benchLag(ctx);
    }
  } finally {
    await stop();
  }
}

function rate(rows: number, ms: number): string {
  return `${Math.round((rows * 1000) / ms).toLocaleString('en-US')} rows/s`;
}

async function benchFullLoad(ctx: BenchContext): Promise<void> {
  const rows = ctx.scale * 100_000;
  // the limit: PostgreSQL sending the table as fast as it can (warm cache: read it once before)
  const copyOnce = async (): Promise<number> => {
    const t0 = Date.now();
    const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
    await pipeline(ctx.client.query(copyTo('COPY pgbench_accounts TO STDOUT')), sink);
    return Date.now() - t0;
  };
  await copyOnce();
  const copyMs = await copyOnce();
  const raw = path.join(ctx.work, 'raw-accounts');
  const capture = await startCapture({ source: ctx.url, rawDir: raw, tables: ['public.pgbench_accounts'], untilCaughtUp: true });
  const stats = await capture.done;
  ctx.accountsRaw = raw;
  const files = fs.readdirSync(path.join(raw, 'public', 'pgbench_accounts')).filter((f) => f.startsWith('LOAD'));
  out(`full load of pgbench_accounts (scale ${ctx.scale}, ${rows.toLocaleString('en-US')} rows):`);
  out(`  lakehouse capture (LOAD files):  ${(stats.fullLoadMs / 1000).toFixed(2)} s  ${rate(stats.fullLoadRows, stats.fullLoadMs)}  (${files.length} LOAD files)`);
  out(`  COPY pgbench_accounts TO STDOUT: ${(copyMs / 1000).toFixed(2)} s  ${rate(rows, copyMs)}`);
  out(`  ratio: ${(copyMs / stats.fullLoadMs).toFixed(2)} of COPY's rate; target ≥ 1,000,000 rows/s: ${(rows * 1000) / stats.fullLoadMs >= 1e6 ? 'met' : 'not met'}`);
}

async function ensureAccountsCaptured(ctx: BenchContext): Promise<string> {
  if (!ctx.accountsRaw) {
    const raw = path.join(ctx.work, 'raw-accounts');
    await (await startCapture({ source: ctx.url, rawDir: raw, tables: ['public.pgbench_accounts'], untilCaughtUp: true })).done;
    ctx.accountsRaw = raw;
  }
  return ctx.accountsRaw;
}

/** One UPDATE of every account in one transaction, read by pg_recvlogical and by a capture process. */
async function measureBigTransaction(ctx: BenchContext): Promise<NonNullable<BenchContext['cdcDone']>> {
  if (ctx.cdcDone) return ctx.cdcDone;
  const raw = await ensureAccountsCaptured(ctx);
  await ctx.client.query("SELECT pg_create_logical_replication_slot('bench_recvlogical', 'test_decoding')");
  await ctx.client.query('UPDATE pgbench_accounts SET abalance = abalance + 1');
  const end = (await ctx.client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn;
  const recvlogical = path.join(ctx.server.binDir, 'pg_recvlogical');
  const t0 = Date.now();
  await execFileAsync(recvlogical, [
    '-h', ctx.server.host, '-p', String(ctx.server.port), '-U', 'postgres', '-d', 'postgres', '-S', 'bench_recvlogical', '--start',
    '-o', 'include-xids=1', '-o', 'include-timestamp=1', '-E', end, '-f', '/dev/null',
  ], { maxBuffer: 1024 * 1024 });
  const baselineMs = Date.now() - t0;
  await ctx.client.query("SELECT pg_drop_replication_slot('bench_recvlogical')");
  const statsFile = path.join(ctx.work, 'cdc-stats.json');
  const t1 = Date.now();
  const child = spawn(process.execPath, [BIN, 'local', 'capture', '--source', ctx.url, '--raw', raw, '--until-caught-up', '--stats', statsFile],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const wallMs = Date.now() - t1;
  if (code !== 0) throw new Error(`capture failed (exit ${code}): ${stderr.trim()}`);
  const stats = JSON.parse(fs.readFileSync(statsFile, 'utf8')) as { cdcRows: number; streamingMs: number; maxRssBytes: number };
  ctx.cdcDone = { wallMs, streamingMs: stats.streamingMs, changes: stats.cdcRows, rssBytes: stats.maxRssBytes, baselineMs };
  return ctx.cdcDone;
}

async function benchCdc(ctx: BenchContext): Promise<void> {
  const m = await measureBigTransaction(ctx);
  const rows = ctx.scale * 100_000;
  out(`CDC of one UPDATE of ${rows.toLocaleString('en-US')} rows (one transaction):`);
  out(`  lakehouse capture (CDC files):   ${(m.wallMs / 1000).toFixed(2)} s  ${rate(m.changes, m.wallMs)}  (process start to exit, ${m.changes.toLocaleString('en-US')} changes)`);
  out(`  pg_recvlogical, same WAL:        ${(m.baselineMs / 1000).toFixed(2)} s  ${rate(rows, m.baselineMs)}`);
  out(`  ratio: ${(m.baselineMs / m.wallMs).toFixed(2)} of pg_recvlogical's rate; target ≥ 125,000 changes/s: ${(m.changes * 1000) / m.wallMs >= 125_000 ? 'met' : 'not met'}`);
}

async function benchRss(ctx: BenchContext): Promise<void> {
  const m = await measureBigTransaction(ctx);
  const mib = m.rssBytes / 1024 / 1024;
  out(`peak RSS of the capture process while writing one ${(ctx.scale * 100_000).toLocaleString('en-US')}-row transaction: ${mib.toFixed(0)} MiB`
    + ` (target ≤ 1024 MiB: ${mib <= 1024 ? 'met' : 'not met'})`);
}

async function benchLag(ctx: BenchContext): Promise<void> {
  await ctx.client.query('CREATE TABLE IF NOT EXISTS bench_lag (id int PRIMARY KEY, committed_at timestamptz NOT NULL)');
  const raw = path.join(ctx.work, 'raw-lag');
  const lake = path.join(ctx.work, 'lag.duckdb');
  const env = { ...process.env, CI: 'true' };
  // curate --follow waits in an existing (empty) raw directory for capture's first files; a missing one is refused
  fs.mkdirSync(raw, { recursive: true });
  const capture = spawn(process.execPath, [BIN, 'local', 'capture', '--source', ctx.url, '--raw', raw, '--tables', 'public.bench_lag', '--interval', '1s'],
    { stdio: 'ignore', env });
  const curate = spawn(process.execPath, [BIN, 'local', 'curate', '--raw', raw, '--lake', lake, '--follow', '--interval', '200ms'], { stdio: 'ignore', env });
  const lags: number[] = [];
  try {
    // wait for the full load and the first curated round
    for (let waited = 0; ; waited += 200) {
      if (fs.existsSync(lake) && (await queryLake(lake, 'SELECT 1 FROM public.bench_lag LIMIT 0').then(() => true, () => false))) break;
      if (waited > 60_000) throw new Error('capture and curate did not start within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const committed = new Map<number, number>();
    let seen = 0;
    let id = 0;
    const deadline = Date.now() + ctx.lagSeconds * 1000;
    let nextInsert = Date.now();
    while (Date.now() < deadline || seen < id) {
      if (Date.now() >= nextInsert && Date.now() < deadline) {
        id++;
        await ctx.client.query('INSERT INTO bench_lag VALUES ($1, clock_timestamp())', [id]);
        committed.set(id, Date.now());
        nextInsert = Date.now() + 500;
      }
      const result = await queryLake(lake, `SELECT id FROM public.bench_lag WHERE id > ${seen} ORDER BY id`).catch(() => undefined);
      const now = Date.now();
      for (const row of result?.rows ?? []) {
        const key = Number(row[0]);
        lags.push(now - committed.get(key)!);
        seen = Math.max(seen, key);
      }
      if (Date.now() > deadline + 30_000) throw new Error(`rows ${seen + 1}..${id} did not reach the lake within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    capture.kill('SIGTERM');
    curate.kill('SIGTERM');
    await Promise.all([capture, curate].map(async (c) => new Promise((resolve) => (c.exitCode !== null ? resolve(null) : c.once('exit', resolve)))));
  }
  lags.sort((a, b) => a - b);
  const pct = (p: number): number => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
  out(`end-to-end lag, commit → visible in lakehouse local query (${lags.length} rows over ${ctx.lagSeconds} s; capture --interval 1s, curate --follow --interval 200ms):`);
  out(`  p50 ${(pct(50) / 1000).toFixed(2)} s, p95 ${(pct(95) / 1000).toFixed(2)} s, max ${(lags[lags.length - 1] / 1000).toFixed(2)} s`);
  out(`  the floor set by the settings: up to 1 s waiting for the CDC file + up to 0.2 s for the next curate round; target p50 ≤ 2 s: ${pct(50) <= 2000 ? 'met' : 'not met'}`);
}

runBenchmarks(process.argv.slice(2)).then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench: ${errorMessage(err)}\n`);
  process.exit(1);
});
