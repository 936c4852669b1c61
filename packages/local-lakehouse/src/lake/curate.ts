import * as fs from 'node:fs';
import { CurationPlanProps, CurationSql, LocalCurationRunner, RawZoneError, SchemaEvolutionError } from '@cdc-lakehouse/curation';
import { LAKE_REGISTRY_TABLE, lakeRows, openLake, registerTables } from './lake-database';
import { checkLakeFile } from './lake-file';
import { completeTables } from './load-completeness';
import { LakeTable, discoverLakeTables, readPlanOverrides } from './plans';
import { unreadableRawFileError } from './raw-file-error';
import { registryEntry } from './warehouse-registry';
import { duckIdent } from '../capture/parquet-encoder';
import { ProgressReporter, SILENT_PROGRESS, formatCount } from '../cli/progress';
import { LakehouseError, UsageError, errorMessage } from '../errors';

/** Options of {@link curateOnce} and {@link curateFollow}. */
export interface CurateOptions {
  /** The raw zone capture writes. */
  readonly rawDir: string;
  /** The lake: a DuckDB database file. */
  readonly lakeFile: string;
  /**
   * A JSON file of explicit plans that override what the table metadata implies.
   * @default none
   */
  readonly plansFile?: string;
  /**
   * DuckDB threads.
   * @default DuckDB's default
   */
  readonly threads?: number;
  /**
   * Progress lines.
   * @default silent
   */
  readonly progress?: ProgressReporter;
}

/** What one round did to one table. */
export interface CuratedTableResult {
  /** `schema.table` of the source. */
  readonly source: string;
  /** `database.table` in the lake. */
  readonly curated: string;
  /** `initial`, `reload`, `incremental` or `up-to-date`. */
  readonly kind: string;
  /** Raw files applied. */
  readonly filesApplied: number;
}

/**
 * Brings every curated table up to date with the raw zone, one table at a time, with the
 * curation core's LocalCurationRunner (one transaction per batch: a crash never applies a file
 * twice or skips one). Each batch's COMMIT makes it durable in DuckDB's write-ahead log; the
 * checkpoint that writes a table's batches into the lake file runs once, when the table is done
 * (or earlier if the log passes 64 MiB). Tables that have no raw files yet get an empty curated table, and every
 * table is listed in the lake's registry (what `verify` and `query` users rely on).
 */
export async function curateOnce(options: CurateOptions): Promise<CuratedTableResult[]> {
  const overrides = options.plansFile ? readPlanOverrides(options.plansFile) : new Map();
  const { complete, skipped } = completeTables(options.rawDir, discoverLakeTables(options.rawDir, overrides));
  for (const line of skipped) (options.progress ?? SILENT_PROGRESS).line(line);
  return curateLakeTables(complete, options);
}

/** {@link curateOnce} for tables (and plans) the caller has already found. */
export async function curateLakeTables(tables: readonly LakeTable[], options: Omit<CurateOptions, 'plansFile'>): Promise<CuratedTableResult[]> {
  // before any runner opens it: DuckDB would open a .csv or .json "lake" as an in-memory view and keep nothing
  checkLakeFile(options.lakeFile);
  const results: CuratedTableResult[] = [];
  const progress = options.progress ?? SILENT_PROGRESS;
  for (const [index, table] of tables.entries()) {
    progress.status(`curate: ${index + 1}/${tables.length} tables, ${table.source.schema}.${table.source.table}`);
    try {
      results.push(await curateTable(table, options));
    } catch (err) {
      // the tables curated before this one are registered, as a run that ends normally registers them
      progress.done();
      if (index > 0) await register(tables.slice(0, index), options.lakeFile);
      throw err;
    }
  }
  progress.done();
  await register(tables, options.lakeFile);
  return results;
}

async function curateTable(table: LakeTable, options: Omit<CurateOptions, 'plansFile'>): Promise<CuratedTableResult> {
  const plan = table.plan;
  const runner = await openRunner(table, options);
  try {
    const result = await runner.run();
    // the runner is idle for this table: its batches, each durable in the WAL since its COMMIT, go into the file in
    // one checkpoint (instead of one per batch), so readers and the next runner start without a log to replay
    await runner.checkpoint();
    const curated = `${plan.curated.database}.${plan.curated.table}`;
    if (result.filesApplied > 0) {
      (options.progress ?? SILENT_PROGRESS).line(`curate ${table.source.schema}.${table.source.table} → ${curated}: ${result.kind}, `
        + `${formatCount(result.filesApplied)} file${result.filesApplied === 1 ? '' : 's'} in ${result.batches} batch${result.batches === 1 ? '' : 'es'}`);
    }
    return { source: `${table.source.schema}.${table.source.table}`, curated, kind: result.kind, filesApplied: result.filesApplied };
  } catch (err) {
    const failure = err instanceof RawZoneError || err instanceof SchemaEvolutionError ? new LakehouseError(err.message)
      : unreadableRawFileError(err, options.rawDir, `${plan.curated.database}.${plan.curated.table}`) ?? err;
    // a first curate that fails leaves no empty, unregistered table behind
    try {
      await removeUnfinishedTable(runner, table);
    } catch (cleanup) {
      throw new LakehouseError(`${errorMessage(failure)} (and the empty table this run created could not be removed: ${errorMessage(cleanup)})`);
    }
    throw failure;
  } finally {
    runner.close();
  }
}

/**
 * After a failed run: a table nothing was ever applied to (no watermark) that the lake's registry does not list was
 * created by this run (the runner creates it when it opens), so it is dropped, and its schema too when that is left
 * empty; the lake is as before the run. A table an earlier run registered (empty or not) is kept.
 */
async function removeUnfinishedTable(runner: LocalCurationRunner, table: LakeTable): Promise<void> {
  if (await runner.watermark()) return;
  const registry = await runner.query(`SELECT 1 FROM information_schema.tables WHERE table_name = '${LAKE_REGISTRY_TABLE}'`);
  if (registry.length > 0) {
    const registered = await runner.query(`SELECT 1 FROM ${LAKE_REGISTRY_TABLE} WHERE source_schema = ${sqlString(table.source.schema)} `
      + `AND source_table = ${sqlString(table.source.table)}`);
    if (registered.length > 0) return;
  }
  await runner.reset();
  const { database } = table.plan.curated;
  const left = await runner.query(`SELECT 1 FROM information_schema.tables WHERE table_catalog = current_database() AND table_schema = ${sqlString(database)}`);
  if (left.length === 0 && database !== 'main') await runner.query(`DROP SCHEMA IF EXISTS ${duckIdent(database)}`);
}

function sqlString(text: string): string {
  return `'${text.split("'").join("''")}'`;
}

async function openRunner(table: LakeTable, options: Omit<CurateOptions, 'plansFile'>): Promise<LocalCurationRunner> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await LocalCurationRunner.open({
        plan: table.plan, rawZone: { rootDir: options.rawDir }, databasePath: options.lakeFile, threads: options.threads,
      });
    } catch (err) {
      if (/lock/i.test(errorMessage(err)) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
        continue;
      }
      throw new LakehouseError(`--lake ${options.lakeFile}: ${errorMessage(err)}`);
    }
  }
}

async function register(tables: readonly LakeTable[], lakeFile: string): Promise<void> {
  const lake = await openLake(lakeFile, { readOnly: false });
  try {
    for (const table of tables) {
      const { database, table: name } = table.plan.curated;
      const exists = await lakeRows(lake.connection,
        `SELECT 1 FROM information_schema.tables WHERE table_schema = '${database}' AND table_name = '${name}'`);
      if (exists.length === 0) {
        const sql = new CurationSql(table.plan, 'duckdb');
        await lake.connection.run(sql.createDatabase());
        await lake.connection.run(sql.createTable());
      }
    }
    await registerTables(lake.connection, tables.map(registryEntry));
  } finally {
    lake.close();
  }
}

/** Options of {@link curateFollow}. */
export interface CurateFollowOptions extends CurateOptions {
  /**
   * Pause between two rounds.
   * @default 500
   */
  readonly intervalMs?: number;
  /** Ends the rounds (the pause between two rounds ends at once). */
  readonly signal: AbortSignal;
  /**
   * Called after each round with its number (from 1) and what it did; not called for rounds that only waited for
   * the raw zone's first files.
   * @default none
   */
  readonly onRound?: (round: number, results: readonly CuratedTableResult[]) => void;
}

/**
 * Curates in rounds until `signal` aborts: each round applies what is new and lets go of the lake
 * file, so `lakehouse local query` can read it in between. Returns the number of rounds that curated.
 *
 * The raw directory must exist (a mistyped `--raw` is refused at once); while it holds no raw zone yet
 * (capture has not written its first table), it says once that it waits and tries again every interval.
 *
 * @throws UsageError (exit 2) when the raw directory does not exist; LakehouseError for a lake or raw zone that
 * cannot be curated
 */
export async function curateFollow(options: CurateFollowOptions): Promise<number> {
  const { rawDir, signal } = options;
  if (!fs.existsSync(rawDir)) {
    throw new UsageError(`--raw ${rawDir} does not exist; check the path, or create the directory (or start \`lakehouse local capture --raw ${rawDir}\`) `
      + 'first: curate --follow then waits there for the first capture files');
  }
  if (!fs.statSync(rawDir).isDirectory()) {
    throw new UsageError(`--raw ${rawDir} is a file; give the raw zone directory \`lakehouse local capture --raw\` writes`);
  }
  checkLakeFile(options.lakeFile);
  const progress = options.progress ?? SILENT_PROGRESS;
  let rounds = 0;
  let waitingSaid = false;
  const skipSaid = new Set<string>();
  while (!signal.aborted) {
    const found = rounds === 0 ? findFirstTables(options) : discoverLakeTables(rawDir, readOverrides(options.plansFile));
    if (found === undefined) {
      if (!waitingSaid) progress.line(`curate: waiting for the first capture files in ${rawDir}`);
      waitingSaid = true;
    } else {
      // a table still loading is said once, and curated in the first round after its load is complete
      const { complete: tables, skipped } = completeTables(rawDir, found);
      for (const line of skipped.filter((l) => !skipSaid.has(l))) progress.line(line);
      skipped.forEach((l) => skipSaid.add(l));
      // each round's per-table status would only flicker: --follow reports what it applied, as lines
      const linesOnly: ProgressReporter = { status: () => undefined, line: (t) => progress.line(t), done: () => progress.done() };
      const results = await curateLakeTables(tables, { ...options, progress: linesOnly });
      rounds++;
      options.onRound?.(rounds, results);
    }
    await pause(options.intervalMs ?? 500, signal);
  }
  return rounds;
}

function readOverrides(plansFile: string | undefined): Map<string, Partial<CurationPlanProps>> {
  return plansFile ? readPlanOverrides(plansFile) : new Map();
}

/** The raw zone's tables, or undefined while the directory holds none yet (capture is starting). */
function findFirstTables(options: CurateFollowOptions): LakeTable[] | undefined {
  const overrides = readOverrides(options.plansFile);
  try {
    return discoverLakeTables(options.rawDir, overrides);
  } catch (err) {
    if (err instanceof LakehouseError && /is not a DMS raw zone/.test(err.message)) return undefined;
    throw err;
  }
}

/** Sleeps `ms`, or less when `signal` aborts; leaves no listener on the signal behind (one per round would pile up). */
async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
