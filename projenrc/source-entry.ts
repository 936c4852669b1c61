// The entry a source database gets in .projenrc.ts, and the checks `npx projen` runs on it.

/** Database engines a source can use, and the engine package that replicates each. */
export type SourceEngine = 'postgres' | 'mysql' | 'mariadb' | 'aurora-mysql';

/** Iceberg partition transform of one curated-table column. */
export type PartitionTransform =
  | 'identity' | 'year' | 'month' | 'day' | 'hour'
  | { readonly bucket: number }
  | { readonly truncate: number };

/** How a curated table follows its source: one row per key, or every change appended. */
export type CurationMode = 'merge' | 'append-only';

/** What a source DELETE does to the curated table. */
export type DeleteHandling = 'hard' | 'soft';

/** Glue worker types a Spark ETL job can use. */
export const GLUE_WORKER_TYPES = ['G.1X', 'G.2X', 'G.4X', 'G.8X', 'G.12X', 'G.16X', 'R.1X', 'R.2X', 'R.4X', 'R.8X'] as const;
/** A Glue worker type of a Spark ETL job. */
export type GlueWorkerType = typeof GLUE_WORKER_TYPES[number];

/** One replicated table of a source. */
export interface SourceTableEntry {
  /** Schema (PostgreSQL) or database (MySQL) of the table. */
  readonly schema: string;
  /** Table name. */
  readonly table: string;
  /** Primary-key columns; leave out for append-only tables (those need REPLICA IDENTITY FULL on PostgreSQL). */
  readonly primaryKey?: string[];
  /** Iceberg partitioning of the curated table. @default unpartitioned */
  readonly partitionBy?: { readonly column: string; readonly transform: PartitionTransform }[];
  /**
   * `merge` keeps one row per primary key; `append-only` appends every inserted or updated row (no primary key).
   * @default 'merge' with a primary key, 'append-only' without
   */
  readonly mode?: CurationMode;
  /**
   * `hard` removes deleted rows from the curated table; `soft` keeps them with `_deleted = true` (merge only).
   * @default 'hard'
   */
  readonly deletes?: DeleteHandling;
  /**
   * How the curated table is kept healthy (compaction, snapshot expiry, orphan files): `optimizer` has Glue's table
   * optimizers do it (created by the curation state machine once the table exists); `sql` runs the engine's own
   * statements after each curation (Athena `OPTIMIZE … BIN_PACK` and `VACUUM`, Spark `rewrite_data_files` and
   * `expire_snapshots`); `off` leaves it to you.
   * @default 'optimizer'
   */
  readonly maintenance?: TableMaintenance;
  /**
   * Columns holding personal data. In the curated table they are tagged `lakehouse:sensitivity=pii` in Lake
   * Formation: analysts do not see them, the PII-reader role does. Column names as in the source.
   * @default - none
   */
  readonly pii?: string[];
  /**
   * Alarm when the table's freshness (now minus the newest source commit applied) exceeds this many minutes, 5-1440.
   * Leave room for the schedule's interval, a run and DMS's latency; an idle source ages into the alarm too.
   * @default the source's `curation.freshnessAlarmMinutes`; no alarm when neither is set
   */
  readonly freshnessAlarmMinutes?: number;
}

/** How a curated table is maintained. */
export type TableMaintenance = 'optimizer' | 'sql' | 'off';

/** The engines that can curate a source. */
export type CurationEngineName = 'glue' | 'athena';

/** How and when the source is curated; every field has a default. */
export interface SourceCurationEntry {
  /** `glue`: a Glue 5.0 Spark job; `athena`: Athena MERGE statements from a Step Functions workflow. @default 'glue' */
  readonly engine?: CurationEngineName;
  /**
   * EventBridge schedule of curation runs: `rate(<n> minutes|hours|days)` or `cron(<6 fields>)`.
   * @default no schedule (then set onNewFiles, or start the state machine yourself)
   */
  readonly schedule?: string;
  /** Curate when DMS writes new raw files, waiting `debounceSeconds` (0-3600) so a burst makes one run. @default off */
  readonly onNewFiles?: { readonly debounceSeconds?: number };
  /** Athena only: tables curated in parallel, 1-20. @default 4 */
  readonly maxParallelTables?: number;
  /** Minutes after which a curation execution is stopped, 1-1440. @default 180 */
  readonly stateMachineTimeoutMinutes?: number;
  /** Glue worker type. @default 'G.1X' */
  readonly workerType?: GlueWorkerType;
  /** Number of workers, at least 2. @default 2 */
  readonly workerCount?: number;
  /** Minutes after which a run is stopped, 1-2880. @default 60 */
  readonly timeoutMinutes?: number;
  /** Automatic retries of a failed run, 0-10. @default 0 */
  readonly maxRetries?: number;
  /** The freshness alarm threshold of every table that sets none, 5-1440 minutes. @default no freshness alarms */
  readonly freshnessAlarmMinutes?: number;
}

/** One source database: the single entry `.projenrc.ts` needs to generate its package. */
export interface SourceEntry {
  /** Source name: lowercase letters, digits and hyphens; names the package `source-<name>`. */
  readonly name: string;
  /** Database engine. */
  readonly engine: SourceEngine;
  /** Secrets Manager secret (name or ARN) holding host, port, username and password. */
  readonly secret: string;
  /** Database to replicate from. */
  readonly database: string;
  /** Tables to replicate. */
  readonly tables: SourceTableEntry[];
  /** How and when the source is curated (engine, schedule, Glue job settings). @default Glue, started by hand */
  readonly curation?: SourceCurationEntry;
}

const NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
/** An EventBridge schedule expression as entries write it: `rate(<n> minutes|hours|days)` or `cron(<6 fields>)`. */
export const EVENTBRIDGE_SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/** Checks an entry before anything is generated; throws a one-line error naming the source, the table and the fix. */
export function validateEntry(entry: SourceEntry, existing: string[]): void {
  const where = `source "${entry.name}"`;
  if (!NAME.test(entry.name)) {
    throw new Error(`${where}: name must be 2-40 lowercase letters, digits or hyphens, starting with a letter`);
  }
  if (existing.includes(entry.name)) throw new Error(`${where}: defined twice in .projenrc.ts`);
  if (!['postgres', 'mysql', 'mariadb', 'aurora-mysql'].includes(entry.engine)) {
    throw new Error(`${where}: engine must be one of postgres, mysql, mariadb, aurora-mysql (got "${entry.engine}")`);
  }
  if (!entry.secret) throw new Error(`${where}: secret must name a Secrets Manager secret (name or ARN)`);
  if (!entry.database) throw new Error(`${where}: database is required`);
  if (entry.tables.length === 0) throw new Error(`${where}: list at least one table`);
  const seen = new Set<string>();
  const curatedNames = new Map<string, string>();
  for (const t of entry.tables) {
    const id = `${t.schema}.${t.table}`;
    if (!IDENT.test(t.schema) || !IDENT.test(t.table)) {
      throw new Error(`${where}: table "${id}" must be a plain identifier (letters, digits, _ or $)`);
    }
    if (seen.has(id)) throw new Error(`${where}: table ${id} is listed twice`);
    seen.add(id);
    for (const k of t.primaryKey ?? []) {
      if (!IDENT.test(k)) throw new Error(`${where}: table ${id} has an invalid primary-key column "${k}"`);
    }
    for (const p of t.partitionBy ?? []) {
      if (!IDENT.test(p.column)) throw new Error(`${where}: table ${id} partitions on an invalid column "${p.column}"`);
      if (typeof p.transform === 'object') {
        const n = 'bucket' in p.transform ? p.transform.bucket : p.transform.truncate;
        if (!Number.isInteger(n) || n <= 0) {
          throw new Error(`${where}: table ${id} partition on ${p.column}: bucket/truncate width must be a positive integer (got ${n})`);
        }
      }
    }
    validateCurationMode(where, id, t);
    validateTableSettings(where, id, t);
    const curated = t.table.toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(curated)) {
      throw new Error(`${where}: table ${id} cannot be curated as "${curated}"; Glue table names are lowercase letters, digits and underscores, starting with a letter`);
    }
    const sameName = curatedNames.get(curated);
    if (sameName) throw new Error(`${where}: tables ${sameName} and ${id} would both be curated as curated_${entry.name.replace(/-/g, '_')}.${curated}; curate one of them in another source`);
    curatedNames.set(curated, id);
  }
  validateCurationJob(where, entry.curation ?? {});
  const appendOnly = entry.tables.find((t) => curationModeOf(t) === 'append-only');
  if (curationEngineOf(entry.curation) === 'athena' && appendOnly) {
    // Athena cannot put the watermark in the INSERT's own commit: a run failing between the two would insert the batch twice.
    throw new Error(`${where}: table ${appendOnly.schema}.${appendOnly.table} is append-only, which the Athena engine cannot apply exactly once; `
      + "use curation.engine 'glue' for this source or give the table a primaryKey (mode 'merge')");
  }
}

function validateTableSettings(where: string, id: string, t: SourceTableEntry): void {
  const minutes = t.freshnessAlarmMinutes;
  if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 5 || minutes > 1440)) {
    throw new Error(`${where}: table ${id} has freshnessAlarmMinutes ${minutes}; use a whole number from 5 to 1440 (CloudWatch evaluates at most a day)`);
  }
  const seenPii = new Set<string>();
  for (const column of t.pii ?? []) {
    if (!IDENT.test(column)) throw new Error(`${where}: table ${id} lists an invalid pii column "${column}"; use the column's plain name`);
    if (seenPii.has(column.toLowerCase())) throw new Error(`${where}: table ${id} lists pii column "${column}" twice`);
    seenPii.add(column.toLowerCase());
  }
}

function validateCurationMode(where: string, id: string, t: SourceTableEntry): void {
  if (t.mode !== undefined && t.mode !== 'merge' && t.mode !== 'append-only') {
    throw new Error(`${where}: table ${id} has mode "${String(t.mode)}"; use 'merge' or 'append-only'`);
  }
  if (t.deletes !== undefined && t.deletes !== 'hard' && t.deletes !== 'soft') {
    throw new Error(`${where}: table ${id} has deletes "${String(t.deletes)}"; use 'hard' or 'soft'`);
  }
  if (t.maintenance !== undefined && !['optimizer', 'sql', 'off'].includes(t.maintenance)) {
    throw new Error(`${where}: table ${id} has maintenance "${String(t.maintenance)}"; use 'optimizer', 'sql' or 'off'`);
  }
  const hasKey = (t.primaryKey ?? []).length > 0;
  const mode = curationModeOf(t);
  if (mode === 'merge' && !hasKey) {
    throw new Error(`${where}: table ${id} has mode 'merge' but no primaryKey; set primaryKey: [...] or mode: 'append-only'`);
  }
  if (mode === 'append-only' && hasKey) {
    throw new Error(`${where}: table ${id} has mode 'append-only' and a primaryKey; remove primaryKey or use mode: 'merge'`);
  }
  if (mode === 'append-only' && t.deletes === 'soft') {
    throw new Error(`${where}: table ${id} has deletes 'soft' in mode 'append-only'; soft deletes need a primaryKey (mode 'merge')`);
  }
}

/** The table's curation mode: as declared, else `merge` with a primary key and `append-only` without. */
export function curationModeOf(t: SourceTableEntry): CurationMode {
  return t.mode ?? ((t.primaryKey ?? []).length > 0 ? 'merge' : 'append-only');
}

function validateCurationJob(where: string, c: SourceCurationEntry): void {
  if (c.engine !== undefined && c.engine !== 'glue' && c.engine !== 'athena') {
    throw new Error(`${where}: curation.engine "${String(c.engine)}" is not an engine; use 'glue' or 'athena'`);
  }
  if (c.schedule !== undefined && !EVENTBRIDGE_SCHEDULE.test(c.schedule)) {
    throw new Error(`${where}: curation.schedule "${c.schedule}" is not an EventBridge schedule; use 'rate(15 minutes)' or 'cron(0 2 * * ? *)'`);
  }
  if (curationEngineOf(c) === 'athena') {
    const glueOnly = (['workerType', 'workerCount', 'timeoutMinutes', 'maxRetries'] as const).filter((k) => c[k] !== undefined);
    if (glueOnly.length > 0) throw new Error(`${where}: curation.${glueOnly[0]} is a Glue job setting; remove it or use engine: 'glue'`);
  } else if (c.maxParallelTables !== undefined) {
    throw new Error(`${where}: curation.maxParallelTables applies to the Athena engine; remove it or use engine: 'athena'`);
  }
  if (c.workerType !== undefined && !(GLUE_WORKER_TYPES as readonly string[]).includes(c.workerType)) {
    throw new Error(`${where}: curation.workerType "${c.workerType}" is not a Glue Spark worker type; use one of ${GLUE_WORKER_TYPES.join(', ')}`);
  }
  const integer = (field: string, value: number | undefined, min: number, max: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new Error(`${where}: curation.${field} must be a whole number from ${min} to ${max} (got ${value})`);
    }
  };
  integer('workerCount', c.workerCount, 2, 299);
  integer('timeoutMinutes', c.timeoutMinutes, 1, 2880);
  integer('maxRetries', c.maxRetries, 0, 10);
  integer('maxParallelTables', c.maxParallelTables, 1, 20);
  integer('stateMachineTimeoutMinutes', c.stateMachineTimeoutMinutes, 1, 1440);
  integer('freshnessAlarmMinutes', c.freshnessAlarmMinutes, 5, 1440);
  const debounce = c.onNewFiles?.debounceSeconds;
  if (debounce !== undefined && (!Number.isInteger(debounce) || debounce < 0 || debounce > 3600)) {
    throw new Error(`${where}: curation.onNewFiles.debounceSeconds must be a whole number from 0 to 3600 (got ${debounce})`);
  }
  if (debounce !== undefined && c.stateMachineTimeoutMinutes !== undefined && debounce >= c.stateMachineTimeoutMinutes * 60) {
    throw new Error(`${where}: curation.onNewFiles.debounceSeconds must be shorter than stateMachineTimeoutMinutes`);
  }
}

/** The source's curation engine: as declared, else `glue`. */
export function curationEngineOf(c: SourceCurationEntry | undefined): CurationEngineName {
  return c?.engine ?? 'glue';
}

/** The table's freshness alarm threshold in minutes: its own, else the source's; undefined for no alarm. */
export function freshnessAlarmMinutesOf(entry: SourceEntry, t: SourceTableEntry): number | undefined {
  return t.freshnessAlarmMinutes ?? entry.curation?.freshnessAlarmMinutes;
}

/** The table's maintenance: as declared, else `optimizer`. */
export function maintenanceOf(t: SourceTableEntry): TableMaintenance {
  return t.maintenance ?? 'optimizer';
}
