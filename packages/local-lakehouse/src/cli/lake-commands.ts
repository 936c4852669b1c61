import { OutputFormat, renderRows, streamSink } from '@cdc-lakehouse/query';
import { parseCommandArgs, parseDuration, requireOption } from './args';
import { CommandIo, helpRequested, onStopSignal } from './command-io';
import { COMMAND_OPTIONS } from './options';
import { createProgress } from './progress';
import { engineAndTarget } from '../engines/registry';
import { LakehouseError, UsageError, errorMessage } from '../errors';
import { RegisteredTable } from '../lake/lake-database';
import { completeTables } from '../lake/load-completeness';
import { discoverLakeTables, readPlanOverrides } from '../lake/plans';
import { oneStatementMessage } from '../lake/query';
import { countSqlStatements } from '../lake/sql-statements';
import {
  TableVerification, formatVerification, parseVerifySelectors, selectCuratedTables, verificationExitCode, verificationFailure, verificationReport,
  verifyCuratedTables,
} from '../lake/verify';
import { isMysqlUrl, parseMysqlUrl } from '../source/mysql/mysql-connection';
import { parseExcludeList } from '../source/table-exclusion';

/** `lakehouse local curate`: discovers the tables and their plans, then hands them to the chosen engine. */
export async function curateCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local curate';
  const { values } = parseCommandArgs(command, argv, COMMAND_OPTIONS[command]);
  if (helpRequested(command, values, io)) return 0;
  const rawDir = requireOption(command, values, 'raw', './raw');
  const { engine, target } = engineAndTarget(command, values, false);
  const plansFile = values.plans as string | undefined;
  // per-table status (one curate run): on a terminal as it goes; in CI and logs only once curate has run for 5 s
  const progress = createProgress(io.stderr, values.follow ? {} : { plainFirstAfterMs: 5000 });
  if (values.interval !== undefined && !values.follow) {
    throw new UsageError(`${command}: --interval sets the pause between --follow rounds; add --follow or leave it out`);
  }
  if (values.follow) {
    if (!engine.follow) {
      throw new UsageError(`${command}: --follow is not supported by --engine ${engine.name} (each run starts the engine anew); run curate again for new files, or use --engine duckdb`);
    }
    const controller = new AbortController();
    const uninstall = onStopSignal(() => controller.abort());
    try {
      const intervalMs = values.interval ? parseDuration('interval', values.interval as string) : undefined;
      const rounds = await engine.follow({ rawDir, target, plansFile, intervalMs, progress, signal: controller.signal });
      progress.line(`curate: stopped after ${rounds} round${rounds === 1 ? '' : 's'}`);
      return 0;
    } finally {
      uninstall();
    }
  }
  // every engine: a table whose full load is still running is left for a later run, with one line saying so
  const { complete: tables, skipped } = completeTables(rawDir, discoverLakeTables(rawDir, plansFile ? readPlanOverrides(plansFile) : new Map()));
  for (const line of skipped) progress.line(line);
  const controller = new AbortController();
  const uninstall = engine.stoppable ? onStopSignal(() => {
    progress.line(`curate: stopping ${engine.name} (a second Ctrl-C kills it)…`);
    controller.abort();
  }) : () => undefined;
  try {
    // nothing complete yet: no engine start (Spark and Trino take seconds), no empty tables
    const results = tables.length === 0 ? [] : await engine.curate({ rawDir, tables, target, progress, signal: controller.signal });
    const applied = results.reduce((n, r) => n + r.filesApplied, 0);
    const later = skipped.length > 0 ? `; ${skipped.length} still loading, left for a later run` : '';
    io.stdout.write(`curated ${results.length} table${results.length === 1 ? '' : 's'} into ${target} (${applied} raw files applied${later})\n`);
    return 0;
  } finally {
    uninstall();
  }
}

/** `lakehouse local query`: one statement on the lake or the warehouse, in the engine's dialect. */
export async function queryCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local query';
  const { values, positionals } = parseCommandArgs(command, argv, COMMAND_OPTIONS[command], true);
  if (helpRequested(command, values, io)) return 0;
  const { engine, target } = engineAndTarget(command, values, true);
  if (positionals.length !== 1) {
    throw new UsageError(`${command}: give exactly one SQL statement in quotes, e.g. lakehouse local query --${engine.target.option} ${target} "SELECT 1"`);
  }
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'csv', 'json'].includes(format)) throw new UsageError(`--format ${JSON.stringify(format)}: use table, csv or json`);
  // checked before any engine starts (Spark and Trino take seconds to start); DuckDB would run several statements
  // and print only the last result. Spark SQL strings take backslash escapes.
  const statements = countSqlStatements(positionals[0], { backslashEscapes: engine.name === 'spark' });
  if (statements !== 1) throw new UsageError(`${command}: ${oneStatementMessage(statements)}`);
  // rows go out as the engine produces them: memory stays bounded whatever the result's size
  const sink = streamSink(io.stdout);
  await engine.query(target, positionals[0], (rows) => renderRows(rows, sink, { format: format as OutputFormat }));
  return 0;
}

/**
 * `lakehouse local verify`: the one comparison, over the tables the engine exposes. Exit 0 every table matches,
 * 1 a table differs (also a table missing on one side), 2 verify could not run (bad usage, the source unreachable,
 * the lake or warehouse missing or unreadable) or a table could not be compared and none differs.
 */
export async function verifyCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local verify';
  const { values } = parseCommandArgs(command, argv, COMMAND_OPTIONS[command]);
  if (helpRequested(command, values, io)) return 0;
  const json = values.json === true;
  let results: TableVerification[];
  try {
    const source = requireOption(command, values, 'source', 'postgres://user:password@localhost:5432/app');
    // selectors are checked before an engine starts
    // a selector without schema means public, or the database of a MySQL URL
    const defaultSchema = isMysqlUrl(source) ? parseMysqlUrl(source).database || undefined : 'public';
    const tables = typeof values.tables === 'string' ? parseVerifySelectors(values.tables, defaultSchema).map((p) => p.text) : undefined;
    const exclude = typeof values.exclude === 'string' ? parseExcludeList(command, values.exclude, defaultSchema).map((p) => p.text) : undefined;
    const { engine, target } = engineAndTarget(command, values, true);
    // an engine that exports a warehouse to compare it exports only the selected tables
    const selection = tables === undefined && exclude === undefined ? undefined
      : (registered: readonly RegisteredTable[]) => selectCuratedTables(registered, tables, exclude, defaultSchema).tables;
    const view = await engine.openCuratedTables(target, createProgress(io.stderr), selection);
    // per-table status: on a terminal as it goes; in CI and logs only once the comparison has run for 5 s
    const progress = createProgress(io.stderr, { plainFirstAfterMs: 5000 });
    results = await verifyCuratedTables(source, view, { tables, exclude, progress });
  } catch (err) {
    // nothing was compared: exit 2, as `lakehouse preflight` does when it cannot check
    if (json) io.stdout.write(`${JSON.stringify(verificationReport([], errorMessage(err)), null, 2)}\n`);
    io.stderr.write(`lakehouse: ${errorMessage(err)}\n`);
    if (process.env.LAKEHOUSE_DEBUG && !(err instanceof LakehouseError) && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
    return 2;
  }
  const failure = verificationFailure(results);
  if (json) {
    io.stdout.write(`${JSON.stringify(verificationReport(results), null, 2)}\n`);
  } else {
    io.stdout.write(`${formatVerification(results)}\n`);
    if (!failure) io.stdout.write(`verified: ${results.length} table${results.length === 1 ? '' : 's'} match the source\n`);
  }
  if (failure) io.stderr.write(`lakehouse: ${failure}\n`);
  return verificationExitCode(results);
}
