import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '../errors';
import { openLake } from '../lake/lake-database';
import { streamLake } from '../lake/query';

const BIN = path.resolve(__dirname, '..', 'bin.js');
/** Preloaded into the CLI to report its peak RSS at exit (see peak-rss.ts). */
const PEAK_RSS = path.resolve(__dirname, 'peak-rss.js');
const FORMATS = ['csv', 'json', 'table'] as const;
/** Rows of the output check run before the timed runs (it also warms the page cache: node, DuckDB's library). */
const CHECK_ROWS = 10_000;

/** What a child process runs, alone in it so that its peak RSS is its own. */
type ChildMode = 'engine' | 'cells' | 'collect';

interface Run {
  readonly wallMs: number;
  readonly maxRssBytes: number;
}

export function benchQuerySql(rows: number): string {
  return `SELECT i, i*2 AS doubled, 'row ' || i AS label, i % 7 = 0 AS flag FROM range(${rows}) t(i)`;
}

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const count = (n: number): string => n.toLocaleString('en-US');
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' ');

/**
 * `lakehouse local query` on a DuckDB lake: N rows of {@link benchQuerySql} (a lake file without tables is enough for
 * `range()`), each measurement in its own process, timed from spawn to exit (so node's and DuckDB's start are in
 * every figure) with its peak RSS (getrusage's maxrss):
 * - the limit: DuckDB alone streaming the result's chunks and dropping them;
 * - DuckDB plus converting to cells (the row stream `renderRows` reads), not rendered;
 * - the real CLI, `node lib/bin.js local query --lake FILE --format csv|json|table SQL` with stdout on /dev/null,
 *   and `--format table` again at a tenth of N: a flat peak RSS is the bounded memory;
 * - the way `local query` used to read a result, `runAndReadAll` + `getRowsJson` (whole result in memory), for
 *   its peak RSS; if that run fails (out of memory), again at a tenth of N.
 */
export async function benchQuery(options: { readonly rows: number }): Promise<void> {
  const rows = options.rows;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bench-query-'));
  try {
    const lake = path.join(work, 'lake.duckdb');
    (await openLake(lake, { readOnly: false })).close();
    out(`query: ${count(rows)} rows of \`${benchQuerySql(rows)}\` on an empty DuckDB lake file`);
    out(`  ${os.cpus().length} cores, load average ${loadAverage()} at the start (1, 5, 15 min; other jobs may share the cores)`);
    await checkOutput(lake, work);
    // start-up: node, DuckDB's library, the lake opened, a 1-row query; the CLI loads more modules than the child
    const engineStart = await runChild('engine', lake, 1);
    const cliStart = await runCli(lake, work, 'csv', 1);
    const engine = await runChild('engine', lake, rows);
    const cells = await runChild('cells', lake, rows);
    const line = (label: string, run: Run, n = rows): string => `  ${label.padEnd(58)} ${(run.wallMs / 1000).toFixed(2).padStart(6)} s`
      + `  ${rate(n, run.wallMs).padStart(17)}  peak RSS ${mib(run.maxRssBytes).padStart(8)}`;
    const ratio = (run: Run, start: Run): string => `  ratio ${(engine.wallMs / run.wallMs).toFixed(2)}`
      + ` (${((engine.wallMs - engineStart.wallMs) / (run.wallMs - start.wallMs)).toFixed(2)} net of start-up)`;
    out(`  start-up (1-row query, spawn to exit): DuckDB alone ${(engineStart.wallMs / 1000).toFixed(2)} s,`
      + ` lakehouse local query ${(cliStart.wallMs / 1000).toFixed(2)} s`);
    out(line('DuckDB alone, streaming chunks and dropping them:', engine));
    out(line('DuckDB + rows as cells (what renderRows reads):', cells) + ratio(cells, engineStart));
    const cli: Partial<Record<(typeof FORMATS)[number], Run>> = {};
    for (const format of FORMATS) {
      cli[format] = await runCli(lake, work, format, rows);
      out(line(`lakehouse local query --format ${format} > /dev/null:`, cli[format]!) + ratio(cli[format]!, cliStart));
    }
    const tenth = Math.max(1, Math.floor(rows / 10));
    const small = await runCli(lake, work, 'table', tenth);
    out(line(`  the same, --format table, ${count(tenth)} rows:`, small, tenth));
    out('  ratio: rate as a fraction of the rate of DuckDB alone (wall time, spawn to exit); net: both less their 1-row start-up');
    let collect: { run: Run; rows: number } | { error: string; rows: number };
    try {
      collect = { run: await runChild('collect', lake, rows), rows };
    } catch (err) {
      out(`  old approach at ${count(rows)} rows failed: ${errorMessage(err).split('\n')[0]}`);
      collect = await runChild('collect', lake, tenth).then((run) => ({ run, rows: tenth }), (e: unknown) => ({ error: errorMessage(e), rows: tenth }));
    }
    if ('error' in collect) {
      out(`  old approach (runAndReadAll + getRowsJson) failed at ${count(collect.rows)} rows too: ${collect.error.split('\n')[0]}`);
    } else {
      out(line(`old approach, runAndReadAll + getRowsJson, ${count(collect.rows)} rows:`, collect.run, collect.rows)
        + `  ${(collect.run.maxRssBytes / cli.table!.maxRssBytes).toFixed(1)}× the streaming table's peak RSS`);
    }
    out(`  load average ${loadAverage()} at the end`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function rate(rows: number, ms: number): string {
  return `${count(Math.round((rows * 1000) / ms))} rows/s`;
}

interface Exit {
  readonly wallMs: number;
  readonly stdout: string;
}

/** Runs a process to its end; rejects with its stderr unless it exits 0. */
async function spawnToExit(args: readonly string[], stdout: 'pipe' | 'ignore', env: NodeJS.ProcessEnv = process.env): Promise<Exit> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { stdio: ['ignore', stdout, 'pipe'], env });
  const parts: Buffer[] = [];
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => parts.push(c));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode, signal) => resolve(exitCode ?? (signal ? 128 : null)));
  });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (code !== 0) throw new Error(`exit ${code}: ${stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return { wallMs, stdout: Buffer.concat(parts).toString() };
}

async function runChild(mode: ChildMode, lake: string, rows: number): Promise<Run> {
  const exit = await spawnToExit([__filename, '--child', mode, lake, benchQuerySql(rows)], 'pipe');
  const result = JSON.parse(exit.stdout) as { rows: number; maxRssBytes: number };
  if (result.rows !== rows) throw new Error(`${mode}: read ${result.rows} rows, expected ${rows}`);
  return { wallMs: exit.wallMs, maxRssBytes: result.maxRssBytes };
}

function cliArgs(lake: string, format: string, rows: number): string[] {
  return ['--require', PEAK_RSS, BIN, 'local', 'query', '--lake', lake, '--format', format, benchQuerySql(rows)];
}

async function runCli(lake: string, work: string, format: string, rows: number): Promise<Run> {
  const rssFile = path.join(work, `rss-${format}-${rows}.json`);
  const exit = await spawnToExit(cliArgs(lake, format, rows), 'ignore', { ...process.env, CI: 'true', LAKEHOUSE_BENCH_RSS_FILE: rssFile });
  const { maxRssBytes } = JSON.parse(fs.readFileSync(rssFile, 'utf8')) as { maxRssBytes: number };
  return { wallMs: exit.wallMs, maxRssBytes };
}

/** The CLI's output, piped and counted, at a small N: every row is there in every format. */
async function checkOutput(lake: string, work: string): Promise<void> {
  const seen: string[] = [];
  for (const format of FORMATS) {
    const exit = await spawnToExit(cliArgs(lake, format, CHECK_ROWS), 'pipe', { ...process.env, CI: 'true', LAKEHOUSE_BENCH_RSS_FILE: path.join(work, 'check.json') });
    const lines = exit.stdout.split('\n').filter((l) => l !== '');
    const last = CHECK_ROWS - 1;
    const expected = { csv: CHECK_ROWS + 1, json: CHECK_ROWS, table: CHECK_ROWS + 3 }[format]!;
    const lastRow = { csv: `${last},${last * 2},row ${last},`, json: `{"i":${last},"doubled":${last * 2},"label":"row ${last}"`, table: `${last} | ${last * 2}` }[format]!;
    if (lines.length !== expected || !exit.stdout.includes(lastRow)) {
      throw new Error(`--format ${format}: ${lines.length} lines (expected ${expected}) or no line with ${JSON.stringify(lastRow)}`);
    }
    seen.push(`${format} ${count(lines.length)} lines`);
  }
  out(`  output check, ${count(CHECK_ROWS)} rows piped and counted: ${seen.join(', ')}: every row there`);
}

/** The child side: runs one measurement and prints `{ rows, maxRssBytes }`. */
async function childMeasurement(mode: ChildMode, lakeFile: string, sql: string): Promise<void> {
  let rows = 0;
  if (mode === 'cells') {
    rows = await streamLake(lakeFile, sql, async (stream) => {
      let n = 0;
      for await (const batch of stream.batches) n += batch.length;
      return n;
    });
  } else {
    const lake = await openLake(lakeFile, { readOnly: true });
    try {
      if (mode === 'engine') {
        const result = await lake.connection.stream(sql);
        for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) rows += chunk.rowCount;
      } else {
        // what `local query` did before it streamed: the whole result read, then converted to JSON values
        const reader = await lake.connection.runAndReadAll(sql);
        rows = reader.getRowsJson().length;
      }
    } finally {
      lake.close();
    }
  }
  process.stdout.write(JSON.stringify({ rows, maxRssBytes: process.resourceUsage().maxRSS * 1024 }));
}

if (require.main === module) {
  const [flag, mode, lakeFile, sql] = process.argv.slice(2);
  if (flag !== '--child' || !['engine', 'cells', 'collect'].includes(mode)) {
    process.stderr.write('bench query: run it as `node lib/bench/index.js --only query [--rows N]`\n');
    process.exit(2);
  }
  childMeasurement(mode as ChildMode, lakeFile, sql).then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench query (${mode}): ${errorMessage(err)}\n`);
    process.exit(1);
  });
}
