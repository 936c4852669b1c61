import { CurationSql, LocalCurationRunner, RawZoneError, SchemaEvolutionError } from '@cdc-lakehouse/curation';
import { lakeRows, openLake, registerTables } from './lake-database';
import { LakeTable, discoverLakeTables, readPlanOverrides } from './plans';
import { registryEntry } from './warehouse-registry';
import { ProgressReporter, SILENT_PROGRESS, formatCount } from '../cli/progress';
import { LakehouseError, errorMessage } from '../errors';

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
 * twice or skips one). Tables that have no raw files yet get an empty curated table, and every
 * table is listed in the lake's registry (what `verify` and `query` users rely on).
 */
export async function curateOnce(options: CurateOptions): Promise<CuratedTableResult[]> {
  const overrides = options.plansFile ? readPlanOverrides(options.plansFile) : new Map();
  return curateLakeTables(discoverLakeTables(options.rawDir, overrides), options);
}

/** {@link curateOnce} for tables (and plans) the caller has already found. */
export async function curateLakeTables(tables: readonly LakeTable[], options: Omit<CurateOptions, 'plansFile'>): Promise<CuratedTableResult[]> {
  const results: CuratedTableResult[] = [];
  for (const table of tables) {
    results.push(await curateTable(table, options));
  }
  await register(tables, options.lakeFile);
  return results;
}

async function curateTable(table: LakeTable, options: Omit<CurateOptions, 'plansFile'>): Promise<CuratedTableResult> {
  const plan = table.plan;
  const runner = await openRunner(table, options);
  try {
    const result = await runner.run();
    const curated = `${plan.curated.database}.${plan.curated.table}`;
    if (result.filesApplied > 0) {
      (options.progress ?? SILENT_PROGRESS).line(`curate ${table.source.schema}.${table.source.table} → ${curated}: ${result.kind}, `
        + `${formatCount(result.filesApplied)} file${result.filesApplied === 1 ? '' : 's'} in ${result.batches} batch${result.batches === 1 ? '' : 'es'}`);
    }
    return { source: `${table.source.schema}.${table.source.table}`, curated, kind: result.kind, filesApplied: result.filesApplied };
  } catch (err) {
    if (err instanceof RawZoneError || err instanceof SchemaEvolutionError) throw new LakehouseError(err.message);
    throw err;
  } finally {
    runner.close();
  }
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

/**
 * Curates in rounds until `signal` aborts: each round applies what is new and lets go of the lake
 * file, so `lakehouse local query` can read it in between.
 */
export async function curateFollow(options: CurateOptions & { readonly intervalMs?: number; readonly signal: AbortSignal }): Promise<number> {
  let rounds = 0;
  let started = false;
  while (!options.signal.aborted) {
    try {
      await curateOnce(options);
      started = true;
    } catch (err) {
      // the raw zone may not exist yet while capture starts its full load: wait for it
      if (started || !(err instanceof LakehouseError) || !/does not exist|not a DMS raw zone/.test(err.message)) throw err;
    }
    rounds++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs ?? 500);
      options.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        resolve();
      }, { once: true });
    });
  }
  return rounds;
}
