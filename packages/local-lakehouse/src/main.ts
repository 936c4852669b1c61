import * as fs from 'node:fs';
import { slotExitLine } from './capture/capture';
import { RawCompression } from './capture/parquet-encoder';
import { startSourceCapture } from './capture/start-capture';
import { parseCommandArgs, parseCount, parseDuration, parseList, parseSize, requireOption } from './cli/args';
import { CommandIo, helpRequested, onStopSignal } from './cli/command-io';
import { USAGE } from './cli/help';
import { curateCommand, queryCommand, verifyCommand } from './cli/lake-commands';
import { COMMAND_OPTIONS } from './cli/options';
import { createProgress } from './cli/progress';
import { slotsCommand, statusCommand } from './cli/slot-commands';
import { runDemo } from './demo/demo';
import { LakehouseError, UsageError, errorMessage } from './errors';
import { parseExcludeList } from './source/table-exclusion';

export type { CommandIo } from './cli/command-io';

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
    case 'slots':
      return slotsCommand(args, io);
    case 'status':
      return statusCommand(args, io);
    case undefined:
    case '--help':
    case '-h':
      io.stdout.write(`${USAGE}\n`);
      return second === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "local ${second}"; use local capture, curate, query, verify, slots or status`);
  }
}

async function captureCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local capture';
  const { values } = parseCommandArgs(command, argv, COMMAND_OPTIONS[command]);
  if (helpRequested(command, values, io)) return 0;
  const source = requireOption(command, values, 'source', 'postgres://user:password@localhost:5432/app');
  const raw = requireOption(command, values, 'raw', './raw');
  const compression = (values.compression as string | undefined) ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') {
    throw new UsageError(`--compression ${JSON.stringify(compression)}: use none or gzip (the DMS compressionType values)`);
  }
  const progress = createProgress(io.stderr);
  const handle = await startSourceCapture({
    source,
    rawDir: raw,
    tables: parseList(values.tables as string | undefined),
    exclude: typeof values.exclude === 'string' ? parseExcludeList(command, values.exclude).map((p) => p.text) : undefined,
    slot: values.slot as string | undefined,
    untilCaughtUp: values['until-caught-up'] === true,
    batchIntervalMs: values.interval ? parseDuration('interval', values.interval as string) : undefined,
    maxFileBytes: values['max-file-size'] ? parseSize('max-file-size', values['max-file-size'] as string) : undefined,
    fullLoadChunkRows: values['chunk-rows'] ? parseCount('chunk-rows', values['chunk-rows'] as string) : undefined,
    compression: compression as RawCompression,
    progress,
  });
  const uninstall = onStopSignal(() => {
    progress.line(handle.stats.phase === 'full-load' ? 'capture: stopping the full load after the chunk being read…'
      : 'capture: stopping (closing the open CDC file)…');
    // (how the run ends, also a failure, comes from handle.done below)
    handle.stop().catch(() => undefined);
  });
  try {
    const stats = await handle.done;
    const stopped = stats.stoppedDuringFullLoad;
    if (stopped) {
      const slot = stats.slotState === 'dropped' ? `; replication slot ${stats.slot} dropped` : '';
      throw new LakehouseError(`capture stopped during the full load${stopped.table ? ` of ${stopped.table}` : ''} `
        + `(${stopped.tablesLoaded} of ${stopped.tables} tables loaded${slot}); run the same capture again to redo the load`);
    }
    progress.line(`capture: done: ${stats.fullLoadRows} rows loaded, ${stats.cdcRows} changes in ${stats.cdcFiles} CDC files, `
      + `confirmed ${stats.confirmedLsn ?? '-'}, peak RSS ${Math.round(stats.maxRssBytes / 1048576)} MiB`);
    if (typeof values.stats === 'string') fs.writeFileSync(values.stats, `${JSON.stringify(stats, null, 2)}\n`);
    return 0;
  } finally {
    uninstall();
    // every end names the slot (an interrupted full load's dropped slot is named in its one line above)
    const folded = handle.stats.stoppedDuringFullLoad !== null && handle.stats.slotState === 'dropped';
    const slotLine = folded ? undefined : slotExitLine(handle.stats, source, raw);
    if (slotLine) progress.line(slotLine);
  }
}

async function demoCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('demo', argv, COMMAND_OPTIONS.demo);
  if (helpRequested('demo', values, io)) return 0;
  const rows = values.rows ? parseCount('rows', values.rows as string) : undefined;
  return runDemo({ rows, keepDir: values.keep as string | undefined, io });
}
