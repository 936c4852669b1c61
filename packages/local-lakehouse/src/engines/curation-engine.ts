import { ProgressReporter } from '../cli/progress';
import { CuratedTableResult } from '../lake/curate';
import { RegisteredTable } from '../lake/lake-database';
import { LakeTable } from '../lake/plans';
import { RowConsumer } from '../lake/query';
import { CuratedTablesView } from '../lake/verify';

/** Picks, from the registered tables, those verify compares. */
export type CuratedTableFilter = (registered: readonly RegisteredTable[]) => readonly RegisteredTable[];

/** Where an engine keeps the curated tables, and the CLI option that names it. */
export interface CurationTarget {
  /** The option name without dashes: `lake` (a DuckDB file) or `warehouse` (an Iceberg warehouse directory). */
  readonly option: 'lake' | 'warehouse';
  /** What the option points at, for help texts and errors. */
  readonly description: string;
  /** An example value for errors (`./lake.duckdb`). */
  readonly example: string;
}

/** One round of curation: these tables (with their plans) from this raw zone into this target. */
export interface CurateRequest {
  /** The raw zone (`<raw>/<schema>/<table>/` folders of DMS files). */
  readonly rawDir: string;
  /** The tables to curate and their plans, from `discoverLakeTables`. */
  readonly tables: readonly LakeTable[];
  /** The target: the DuckDB file or the warehouse directory ({@link CurationTarget}). */
  readonly target: string;
  /**
   * Progress lines.
   * @default silent
   */
  readonly progress?: ProgressReporter;
  /**
   * Stops the round early (Ctrl-C): the engine stops its work cleanly and rejects.
   * @default never
   */
  readonly signal?: AbortSignal;
}

/** `curate --follow`: curate in rounds until the signal aborts. */
export interface FollowRequest {
  readonly rawDir: string;
  readonly target: string;
  /** Explicit plans that override the table metadata; re-read every round (new tables appear). */
  readonly plansFile?: string;
  readonly intervalMs?: number;
  readonly progress?: ProgressReporter;
  readonly signal: AbortSignal;
}

/**
 * What a curation engine does with plans and a raw zone. Each engine lives in its own folder under
 * `src/engines/` and is listed once in `registry.ts`; the CLI, `query` and `verify` only talk to
 * this interface.
 */
export interface CurationEngine {
  /** The `--engine` value. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** Where the curated tables live. */
  readonly target: CurationTarget;
  /**
   * A file `curate` writes in the target (its registry of tables). `query` and `verify` without `--engine` take the
   * engine whose marker the target holds, where several engines share a target option (`--warehouse`).
   * @default none
   */
  readonly marker?: string;
  /**
   * True when `curate` honours `request.signal` (stops its work and rejects); otherwise SIGINT and
   * SIGTERM end the process as they normally do (every engine commits atomically, so that is safe).
   */
  readonly stoppable: boolean;
  /** Brings every table of the request up to date with the raw zone; one result per table. */
  curate(request: CurateRequest): Promise<CuratedTableResult[]>;
  /**
   * Curates in rounds until the signal aborts; engines whose start-up is too slow for rounds leave it out.
   * @returns the number of rounds
   */
  follow?(request: FollowRequest): Promise<number>;
  /**
   * Runs one SQL statement (the engine's dialect) on the curated tables, `<database>.<table>`, and hands its rows to
   * `consume` as the engine produces them (the engine stays up until `consume` settles). `collectRows` from
   * `lake/query` reads a small result whole.
   */
  query<T>(target: string, sql: string, consume: RowConsumer<T>): Promise<T>;
  /**
   * The curated tables as DuckDB relations, for `verify` (one comparison implementation for every engine). The view
   * lists every registered table; `select` (verify's `--tables` / `--exclude`) names those it must be able to read, so
   * an engine that exports a warehouse to compare it exports only those.
   */
  openCuratedTables(target: string, progress?: ProgressReporter, select?: CuratedTableFilter): Promise<CuratedTablesView>;
}
