import * as fs from 'node:fs';
import { startCapture } from './capture/capture';
import { RawCompression } from './capture/parquet-encoder';
import { parseCommandArgs, parseCount, parseDuration, parseList, parseSize, requireOption } from './cli/args';
import { createProgress } from './cli/progress';
import { runDemo } from './demo/demo';
import { LakehouseError, UsageError, errorMessage } from './errors';
import { curateFollow, curateOnce } from './lake/curate';
import { formatCsv, formatJsonLines, formatTable, queryLake } from './lake/query';
import { formatVerification, verificationFailure, verifyLake } from './lake/verify';

/** Where a command writes: results to stdout, progress and errors to stderr. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

const USAGE = `lakehouse: source → CDC → DMS-format raw zone → merge → query, on one machine

Usage:
  lakehouse demo [--rows N]                       run the whole flow on an embedded PostgreSQL and verify it
  lakehouse local capture --source URL --raw DIR  full load + change stream of a PostgreSQL database, as DMS writes them
  lakehouse local curate --raw DIR --lake FILE    merge the raw zone into curated tables (DuckDB file)
  lakehouse local query --lake FILE "SQL"         query the curated tables
  lakehouse local verify --source URL --lake FILE compare every curated table with the source

Run \`lakehouse <command> --help\` for a command's options.`;

const HELP: Record<string, string> = {
  'demo': `Usage: lakehouse demo [--rows N] [--keep DIR]

Starts an embedded PostgreSQL (local server binaries, wal_level=logical), creates a sample schema
(numeric, timestamptz, jsonb, uuid, bytea, a TOASTed text, a table without primary key with
REPLICA IDENTITY FULL), captures it while a short workload runs, curates, prints the verification
table and a sample analyst query, then stops everything it started.

Options:
  --rows N      size of the sample data and workload (default 20000)
  --keep DIR    keep the raw zone and the lake in DIR (default: a temp dir, removed at the end)`,
  'local capture': `Usage: lakehouse local capture --source URL --raw DIR [options]

Writes what AWS DMS writes for a PostgreSQL source: LOAD files from one consistent snapshot, then
CDC files from a logical replication slot (test_decoding). A CDC file is written at whichever comes
first of --interval and --max-file-size; the slot advances only after the files are durable, so a
restart after kill -9 loses nothing. Beside each table's files: _table.json (columns, types, keys).

Options:
  --source URL          postgres://user:password@host:5432/database (the user needs REPLICATION)
  --raw DIR             raw zone directory (created when missing; must be empty or an earlier capture's)
  --tables LIST         comma-separated schema.table selectors, % as wildcard (default: all tables)
  --slot NAME           replication slot name (default: lakehouse_<hash of DIR and database>)
  --until-caught-up     exit once the full load and every change committed before the start are written
  --interval DURATION   longest time before a CDC file is written (default 1s; DMS cdcMaxBatchInterval)
  --max-file-size SIZE  staged bytes that close a CDC file early (default 32MB; DMS cdcMinFileSize)
  --compression C       none (DMS default) or gzip
  --stats FILE          write the run's figures (rows, files, peak memory) as JSON to FILE`,
  'local curate': `Usage: lakehouse local curate --raw DIR --lake FILE [--follow] [--plans FILE]

Applies the raw zone to curated tables in a DuckDB file with the curation core's runner (the same
plan and MERGE the Glue and Athena jobs run). Plans come from each table's _table.json; --plans
overrides them (a JSON array of CurationPlan props naming source.schema and source.table).

Options:
  --raw DIR            raw zone written by \`lakehouse local capture\`
  --lake FILE          DuckDB database file (created when missing)
  --follow             keep curating new files until SIGINT/SIGTERM
  --interval DURATION  pause between rounds with --follow (default 500ms)
  --plans FILE         explicit plans that override the metadata (e.g. a partition spec)`,
  'local query': `Usage: lakehouse local query --lake FILE [--format table|csv|json] "SQL"

Runs one SQL statement (DuckDB dialect) on the curated tables, named <database>.<table>, e.g.
  lakehouse local query --lake lake.duckdb "SELECT count(*) FROM public.orders"`,
  'local verify': `Usage: lakehouse local verify --source URL --lake FILE

For every curated table: row count and an order-independent checksum over all columns, source
against lake, under the DMS type mapping. Exits 1 on any mismatch, naming the tables and the first
differing keys.`,
};

/**
 * The `lakehouse` command line: `demo`, `local capture|curate|query|verify`. Returns the exit code:
 * 0 success, 1 a failure the message explains (one line on stderr, no stack trace), 2 wrong usage.
 */
export async function main(argv: readonly string[], io: CommandIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    return await dispatch(argv, io);
  } catch (err) {
    if (err instanceof LakehouseError) {
      io.stderr.write(`lakehouse: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr.write(`lakehouse: ${errorMessage(err)}\n`);
    if (process.env.LAKEHOUSE_DEBUG && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

async function dispatch(argv: readonly string[], io: CommandIo): Promise<number> {
  const [first, second, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return first === undefined ? 2 : 0;
  }
  if (first === 'demo') return demoCommand([second, ...rest].filter((a): a is string => a !== undefined), io);
  if (first !== 'local') throw new UsageError(`unknown command ${JSON.stringify(first)}; run \`lakehouse --help\``);
  const args = rest;
  switch (second) {
    case 'capture':
      return captureCommand(args, io);
    case 'curate':
      return curateCommand(args, io);
    case 'query':
      return queryCommand(args, io);
    case 'verify':
      return verifyCommand(args, io);
    case undefined:
    case '--help':
    case '-h':
      io.stdout.write(`${USAGE}\n`);
      return second === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "local ${second}"; use local capture, curate, query or verify`);
  }
}

function helpRequested(command: string, values: Record<string, unknown>, io: CommandIo): boolean {
  if (values.help) io.stdout.write(`${HELP[command]}\n`);
  return values.help === true;
}

/** Calls `stop` on the first SIGINT/SIGTERM; a second one exits at once. Returns the uninstaller. */
function onStopSignal(stop: () => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}

async function captureCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local capture';
  const { values } = parseCommandArgs(command, argv, {
    'source': { type: 'string' },
    'raw': { type: 'string' },
    'tables': { type: 'string' },
    'slot': { type: 'string' },
    'until-caught-up': { type: 'boolean' },
    'interval': { type: 'string' },
    'max-file-size': { type: 'string' },
    'compression': { type: 'string' },
    'stats': { type: 'string' },
    'chunk-rows': { type: 'string' },
  });
  if (helpRequested(command, values, io)) return 0;
  const source = requireOption(command, values, 'source', 'postgres://user:password@localhost:5432/app');
  const raw = requireOption(command, values, 'raw', './raw');
  const compression = (values.compression as string | undefined) ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') {
    throw new UsageError(`--compression ${JSON.stringify(compression)}: use none or gzip (the DMS compressionType values)`);
  }
  const progress = createProgress(io.stderr);
  const handle = await startCapture({
    source,
    rawDir: raw,
    tables: parseList(values.tables as string | undefined),
    slot: values.slot as string | undefined,
    untilCaughtUp: values['until-caught-up'] === true,
    batchIntervalMs: values.interval ? parseDuration('interval', values.interval as string) : undefined,
    maxFileBytes: values['max-file-size'] ? parseSize('max-file-size', values['max-file-size'] as string) : undefined,
    fullLoadChunkRows: values['chunk-rows'] ? parseCount('chunk-rows', values['chunk-rows'] as string) : undefined,
    compression: compression as RawCompression,
    progress,
  });
  const uninstall = onStopSignal(() => {
    progress.line('capture: stopping (closing the open CDC file)…');
    void handle.stop();
  });
  try {
    const stats = await handle.done;
    progress.line(`capture: done: ${stats.fullLoadRows} rows loaded, ${stats.cdcRows} changes in ${stats.cdcFiles} CDC files, `
      + `confirmed ${stats.confirmedLsn ?? '-'}, peak RSS ${Math.round(stats.maxRssBytes / 1048576)} MiB`);
    if (typeof values.stats === 'string') fs.writeFileSync(values.stats, `${JSON.stringify(stats, null, 2)}\n`);
    return 0;
  } finally {
    uninstall();
  }
}

async function curateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local curate';
  const { values } = parseCommandArgs(command, argv, {
    raw: { type: 'string' }, lake: { type: 'string' }, follow: { type: 'boolean' }, interval: { type: 'string' }, plans: { type: 'string' },
  });
  if (helpRequested(command, values, io)) return 0;
  const options = {
    rawDir: requireOption(command, values, 'raw', './raw'),
    lakeFile: requireOption(command, values, 'lake', './lake.duckdb'),
    plansFile: values.plans as string | undefined,
    progress: createProgress(io.stderr),
  };
  if (!values.follow) {
    const results = await curateOnce(options);
    const applied = results.reduce((n, r) => n + r.filesApplied, 0);
    io.stdout.write(`curated ${results.length} table${results.length === 1 ? '' : 's'} into ${options.lakeFile} (${applied} raw files applied)\n`);
    return 0;
  }
  const controller = new AbortController();
  const uninstall = onStopSignal(() => controller.abort());
  try {
    const intervalMs = values.interval ? parseDuration('interval', values.interval as string) : undefined;
    await curateFollow({ ...options, intervalMs, signal: controller.signal });
    return 0;
  } finally {
    uninstall();
  }
}

async function queryCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local query';
  const { values, positionals } = parseCommandArgs(command, argv, { lake: { type: 'string' }, format: { type: 'string' } }, true);
  if (helpRequested(command, values, io)) return 0;
  const lake = requireOption(command, values, 'lake', './lake.duckdb');
  if (positionals.length !== 1) {
    throw new UsageError(`${command}: give exactly one SQL statement in quotes, e.g. lakehouse local query --lake lake.duckdb "SELECT 1"`);
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'csv', 'json'].includes(format)) throw new UsageError(`--format ${JSON.stringify(format)}: use table, csv or json`);
  const result = await queryLake(lake, positionals[0]);
  const text = format === 'csv' ? formatCsv(result) : format === 'json' ? formatJsonLines(result) : formatTable(result);
  io.stdout.write(text === '' ? '' : `${text}\n`);
  return 0;
}

async function verifyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local verify';
  const { values } = parseCommandArgs(command, argv, { source: { type: 'string' }, lake: { type: 'string' } });
  if (helpRequested(command, values, io)) return 0;
  const results = await verifyLake({
    source: requireOption(command, values, 'source', 'postgres://user:password@localhost:5432/app'),
    lakeFile: requireOption(command, values, 'lake', './lake.duckdb'),
  });
  io.stdout.write(`${formatVerification(results)}\n`);
  const failure = verificationFailure(results);
  if (failure) {
    io.stderr.write(`lakehouse: ${failure}\n`);
    return 1;
  }
  io.stdout.write(`verified: ${results.length} table${results.length === 1 ? '' : 's'} match the source\n`);
  return 0;
}

async function demoCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, { rows: { type: 'string' }, keep: { type: 'string' } });
  if (helpRequested('demo', values, io)) return 0;
  const rows = values.rows ? parseCount('rows', values.rows as string) : undefined;
  return runDemo({ rows, keepDir: values.keep as string | undefined, io });
}
