import * as fs from 'node:fs';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { RawFileSchema, SchemaChange, evolveSchema } from './schema-evolution';
import { ChangeFile, RawZoneLayout } from '../dms/raw-zone-layout';
import { ApplyPlan, RawZoneError, RawZoneReader, Watermark, advanceWatermark } from '../dms/raw-zone-reader';
import { ColumnDefinition, CurationPlan, INTERNAL_COLUMNS } from '../plan';
import { CurationSql } from '../sql/curation-sql';
import { quoteWith, stringLiteral } from '../sql/dialect';
import { DuckDbDialect, STAGED_CHANGES_VIEW, columnTypeFromDuckDb, duckDbType } from '../sql/duckdb-dialect';

/** The table holding every curated table's watermark, in the same DuckDB database as the tables. */
export const WATERMARK_TABLE = '_curation_watermark';

/** The WAL size past which a commit also checkpoints, unless {@link LocalCurationRunnerProps.checkpointWalBytes} says otherwise. */
export const DEFAULT_CHECKPOINT_WAL_BYTES = 64 * 1024 * 1024;

/** Points inside a batch, reported to {@link LocalCurationRunnerProps.onBatchStage}. */
export type BatchStage = 'merged' | 'watermarked' | 'committed';

/** Options of {@link LocalCurationRunner}. */
export interface LocalCurationRunnerProps {
  /** The plan to apply. */
  readonly plan: CurationPlan;
  /** Where the raw files are. */
  readonly rawZone: RawZoneLayout;
  /** DuckDB database file holding the curated table and its watermark (`:memory:` for a throw-away one). */
  readonly databasePath: string;
  /**
   * Most CDC files applied in one transaction (a load is always applied whole, in one transaction).
   * @default 100
   */
  readonly maxFilesPerBatch?: number;
  /**
   * DuckDB worker threads.
   * @default DuckDB's default (one per core)
   */
  readonly threads?: number;
  /**
   * DuckDB memory limit, e.g. `'4GB'`.
   * @default DuckDB's default (80% of RAM)
   */
  readonly memoryLimit?: string;
  /**
   * Checkpoints are deferred: a batch's COMMIT appends it to DuckDB's write-ahead log (`<database>.wal`) and fsyncs
   * that, which makes it durable, and the rows reach the database file itself at the next checkpoint. The runner
   * checkpoints when {@link LocalCurationRunner.checkpoint} is called (when the caller is idle) and when a commit would
   * take the WAL past this size (DuckDB's `checkpoint_threshold`), never on {@link LocalCurationRunner.close}. Every
   * opener of the file replays the WAL first (read-only openers too, in memory), so the bound also bounds that.
   * `0` checkpoints at every commit.
   * @default DEFAULT_CHECKPOINT_WAL_BYTES (64 MiB)
   */
  readonly checkpointWalBytes?: number;
  /**
   * Called at each stage of each batch (tests use it to crash the process at exact points).
   * @default none
   */
  readonly onBatchStage?: (stage: BatchStage, batch: number) => void | Promise<void>;
}

/** Options of one {@link LocalCurationRunner.run}. */
export interface RunOptions {
  /**
   * Most CDC files applied in one transaction, for this run.
   * @default LocalCurationRunnerProps.maxFilesPerBatch
   */
  readonly maxFilesPerBatch?: number;
}

/** What one {@link LocalCurationRunner.run} did. */
export interface CurationRunResult {
  /** `initial`, `reload`, `incremental` or `up-to-date` (nothing applied). */
  readonly kind: ApplyPlan['kind'];
  /** Transactions committed. */
  readonly batches: number;
  /** Raw files applied (LOAD and CDC). */
  readonly filesApplied: number;
  /** Schema changes made to the curated table. */
  readonly schemaChanges: readonly SchemaChange[];
  /** The watermark after the run. */
  readonly watermark: Watermark | undefined;
}

/** What one {@link LocalCurationRunner.checkpoint} did. */
export interface CheckpointResult {
  /** Size of the write-ahead log before the checkpoint (0: nothing to write, no checkpoint ran). */
  readonly walBytes: number;
  /** How long the checkpoint took. */
  readonly seconds: number;
}

interface Batch {
  readonly files: readonly ChangeFile[];
  /** Empty the table first (a new load, or the first run). */
  readonly rebuild: boolean;
}

interface StagedFileSchema extends RawFileSchema {
  /** Every column of the file, bookkeeping columns included. */
  readonly allColumns: readonly string[];
}

/**
 * Applies a plan's DuckDB SQL to a table's raw files and keeps the curated table in a DuckDB
 * database file. Each batch is one transaction: schema changes, the MERGE and the watermark
 * (last applied file) commit together, so a crash can neither apply a file twice nor skip one.
 * A run with no new files changes nothing. A new load (LOAD files added or rewritten) rebuilds
 * the table from that load plus the CDC files after it.
 */
export class LocalCurationRunner {
  /** Opens (or creates) the database and prepares the watermark table. */
  static async open(props: LocalCurationRunnerProps): Promise<LocalCurationRunner> {
    const options: Record<string, string> = {};
    if (props.threads !== undefined) options.threads = String(props.threads);
    if (props.memoryLimit !== undefined) options.memory_limit = props.memoryLimit;
    const instance = await DuckDBInstance.create(props.databasePath, options);
    const connection = await instance.connect();
    try {
      await connection.run("SET TimeZone = 'UTC'");
      await deferCheckpoints(connection, props.checkpointWalBytes ?? DEFAULT_CHECKPOINT_WAL_BYTES);
      // DuckDB names a file's catalog after the file, which may clash with the curated schema's name
      const catalog = String((await connection.runAndReadAll('SELECT current_database() AS catalog')).getRowObjectsJson()[0].catalog);
      const runner = new LocalCurationRunner(props, instance, connection, new DuckDbDialect({ catalog }));
      await runner.prepare();
      return runner;
    } catch (e) {
      connection.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** The plan this runner applies. */
  readonly plan: CurationPlan;
  private readonly reader: RawZoneReader;
  private readonly schemaCache = new Map<string, StagedFileSchema>();

  private constructor(
    private readonly props: LocalCurationRunnerProps,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly dialect: DuckDbDialect,
  ) {
    this.plan = props.plan;
    this.reader = new RawZoneReader(props.rawZone);
  }

  /** `database.table` of the curated table (names it in messages and in the watermark table). */
  get tableName(): string {
    return `${this.plan.curated.database}.${this.plan.curated.table}`;
  }

  /** The curated table's fully qualified name, for SQL against {@link query}. */
  get qualifiedTableName(): string {
    return this.dialect.curatedTableName(this.plan.curated);
  }

  /**
   * Brings the curated table up to date with the raw zone. Every file's schema is checked
   * before anything is applied; an incompatible type change throws a SchemaEvolutionError and
   * leaves table and watermark as they were.
   */
  async run(options: RunOptions = {}): Promise<CurationRunResult> {
    const before = await this.watermark();
    if (before && !(await this.tableExists())) {
      throw new RawZoneError('TABLE_MISSING', `table ${this.tableName}: the watermark says ${before.filesApplied} files were applied but the table is missing; `
        + 'call reset() (or delete its row from ' + WATERMARK_TABLE + ') to rebuild it from the raw files');
    }
    const apply = this.reader.planApply(this.plan.source, before);
    if (apply.kind === 'up-to-date') {
      return { kind: apply.kind, batches: 0, filesApplied: 0, schemaChanges: [], watermark: before };
    }
    const rebuild = apply.kind === 'initial' || apply.kind === 'reload';
    const schemas = await Promise.all([...apply.load, ...apply.changes].map((f) => this.rawSchema(f)));
    // check every file up front, so an incompatible change stops the run before any batch commits
    evolveSchema(this.tableName, rebuild ? this.plan.columns : await this.currentColumns(), schemas);

    const batches = this.cutBatches(apply, options.maxFilesPerBatch ?? this.props.maxFilesPerBatch ?? 100);
    let watermark = before;
    const schemaChanges: SchemaChange[] = [];
    let filesApplied = 0;
    for (const [index, batch] of batches.entries()) {
      const result = await this.applyBatch(batch, index, apply, watermark);
      watermark = result.watermark;
      schemaChanges.push(...result.changes);
      filesApplied += batch.files.length;
    }
    return { kind: apply.kind, batches: batches.length, filesApplied, schemaChanges, watermark };
  }

  /** The curated table's watermark; `undefined` before the first run. */
  async watermark(): Promise<Watermark | undefined> {
    const rows = await this.rows(`SELECT * FROM ${WATERMARK_TABLE} WHERE curated_table = ${stringLiteral(this.tableName)}`);
    if (rows.length === 0) return undefined;
    const row = rows[0];
    return {
      loadFingerprint: String(row.load_fingerprint),
      lastFile: String(row.last_file),
      lastCdcOrderKey: row.last_cdc_order_key === null ? null : String(row.last_cdc_order_key),
      filesApplied: Number(row.files_applied),
    };
  }

  /** Drops the curated table and its watermark, so the next run rebuilds it from the raw files. */
  async reset(): Promise<void> {
    await this.transaction(async () => {
      await this.connection.run(`DROP TABLE IF EXISTS ${this.qualifiedTableName}`);
      await this.connection.run(`DELETE FROM ${WATERMARK_TABLE} WHERE curated_table = ${stringLiteral(this.tableName)}`);
    });
  }

  /** Runs a query against the local database (inspection, benchmarks) and returns its rows as JSON-friendly objects (BIGINT and DECIMAL as strings). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    return this.rows(sql);
  }

  /** Size in bytes of the database's write-ahead log: committed batches not yet checkpointed into the file (0 for `:memory:`). */
  walBytes(): number {
    return walBytes(this.props.databasePath);
  }

  /**
   * Writes the batches committed since the last checkpoint from the write-ahead log into the database file and
   * empties the log. Call it when idle: its cost follows the row groups the batches touched. Does nothing when the
   * log is empty.
   */
  async checkpoint(): Promise<CheckpointResult> {
    const bytes = this.walBytes();
    if (bytes === 0) return { walBytes: 0, seconds: 0 };
    const started = process.hrtime.bigint();
    await this.connection.run('CHECKPOINT');
    return { walBytes: bytes, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
  }

  /** Closes the database without a checkpoint: committed batches stay in the write-ahead log until {@link checkpoint}. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  private async prepare(): Promise<void> {
    await this.connection.run([
      `CREATE TABLE IF NOT EXISTS ${WATERMARK_TABLE} (`,
      '  curated_table VARCHAR NOT NULL,',
      '  load_fingerprint VARCHAR NOT NULL,',
      '  last_file VARCHAR NOT NULL,',
      '  last_cdc_order_key VARCHAR,',
      '  files_applied BIGINT NOT NULL,',
      '  updated_at TIMESTAMP NOT NULL',
      ')',
    ].join('\n'));
    await this.connection.run(this.dialect.createDatabase(this.plan.curated.database));
    if (!(await this.watermark()) && !(await this.tableExists())) {
      // the table exists (empty) from the start, even before its first raw file arrives
      await this.connection.run(new CurationSql(this.plan, this.dialect).createTable());
    }
  }

  private cutBatches(apply: ApplyPlan, maxFilesPerBatch: number): Batch[] {
    const max = Math.max(1, maxFilesPerBatch);
    const batches: Batch[] = [];
    let rest = apply.changes;
    if (apply.kind === 'initial' || apply.kind === 'reload') {
      // the load is applied whole: a watermark never points into the middle of a load
      const first = rest.slice(0, apply.load.length === 0 ? max : Math.max(0, max - apply.load.length));
      batches.push({ files: [...apply.load, ...first], rebuild: true });
      rest = rest.slice(first.length);
    }
    for (let i = 0; i < rest.length; i += max) {
      batches.push({ files: rest.slice(i, i + max), rebuild: false });
    }
    return batches;
  }

  private async applyBatch(
    batch: Batch, index: number, apply: ApplyPlan, previous: Watermark | undefined,
  ): Promise<{ watermark: Watermark; changes: SchemaChange[] }> {
    const schemas = await Promise.all(batch.files.map((f) => this.rawSchema(f)));
    const watermark = advanceWatermark(previous, batch.files, batch.rebuild, apply.files.loadFingerprint);
    let changes: SchemaChange[] = [];
    await this.transaction(async () => {
      let current: readonly ColumnDefinition[];
      if (batch.rebuild) {
        await this.connection.run(`DROP TABLE IF EXISTS ${this.qualifiedTableName}`);
        await this.connection.run(new CurationSql(this.plan, this.dialect).createTable());
        current = this.plan.columns;
      } else {
        current = await this.currentColumns();
      }
      const evolved = evolveSchema(this.tableName, current, schemas);
      changes = evolved.changes;
      const plan = this.plan.withColumns(evolved.columns);
      const sql = new CurationSql(plan, this.dialect);
      for (const change of evolved.changes) {
        await this.connection.run(change.kind === 'add' ? sql.addColumn(change.column) : sql.widenColumn(change.column));
      }
      await this.connection.run(this.stagingView(plan, batch.files, schemas));
      // into the emptied table of a rebuild, the MERGE only inserts (no temp table of the whole load); a plan that keeps
      // duplicates always counts copies
      const statements = batch.rebuild && !plan.countsCopies ? [sql.merge()] : sql.applyStatements();
      for (const statement of statements) await this.connection.run(statement);
      await this.props.onBatchStage?.('merged', index);
      await this.writeWatermark(watermark);
      await this.props.onBatchStage?.('watermarked', index);
    });
    await this.props.onBatchStage?.('committed', index);
    return { watermark, changes };
  }

  /** The batch's raw rows with the columns the MERGE expects, cast to the curated types, plus file and row order. */
  private stagingView(plan: CurationPlan, files: readonly ChangeFile[], schemas: readonly StagedFileSchema[]): string {
    const q = (name: string): string => quoteWith('"', name);
    const present = new Map<string, string>();
    for (const schema of schemas) {
      for (const column of schema.allColumns) present.set(column.toLowerCase(), column);
    }
    const pick = (name: string, type: string): string => {
      const raw = present.get(name.toLowerCase());
      return raw === undefined ? `CAST(NULL AS ${type}) AS ${q(name)}` : `CAST(r.${q(raw)} AS ${type}) AS ${q(name)}`;
    };
    const { opColumn, commitTimestampColumn, changeSequenceColumn } = plan.format;
    const paths = `[${files.map((f) => stringLiteral(f.path)).join(', ')}]`;
    const projection = [
      pick(opColumn, 'VARCHAR'),
      pick(commitTimestampColumn, 'VARCHAR'),
      ...(changeSequenceColumn === null ? [] : [pick(changeSequenceColumn, 'VARCHAR')]),
      ...plan.columns.map((c) => pick(c.name, duckDbType(c.type))),
      `list_position(${paths}, r."_raw_file") AS ${q(INTERNAL_COLUMNS.fileOrder)}`,
      `r.file_row_number AS ${q(INTERNAL_COLUMNS.rowInFile)}`,
    ];
    return [
      `CREATE OR REPLACE TEMP VIEW ${STAGED_CHANGES_VIEW} AS`,
      'SELECT',
      projection.map((p) => `  ${p}`).join(',\n'),
      `FROM read_parquet(${paths}, union_by_name = true, filename = '_raw_file', file_row_number = true) AS r`,
    ].join('\n');
  }

  private async writeWatermark(w: Watermark): Promise<void> {
    const table = stringLiteral(this.tableName);
    const nullable = (v: string | number | null): string => (v === null ? 'NULL' : typeof v === 'number' ? String(v) : stringLiteral(v));
    await this.connection.run(`DELETE FROM ${WATERMARK_TABLE} WHERE curated_table = ${table}`);
    await this.connection.run(`INSERT INTO ${WATERMARK_TABLE} VALUES (${[
      table, stringLiteral(w.loadFingerprint), stringLiteral(w.lastFile),
      nullable(w.lastCdcOrderKey), String(w.filesApplied), 'now()::TIMESTAMP',
    ].join(', ')})`);
  }

  /** Data columns of the curated table as it is now (bookkeeping columns left out). */
  private async currentColumns(): Promise<ColumnDefinition[]> {
    const bookkeeping = new Set(this.plan.curatedColumns.slice(this.plan.columns.length).map((c) => c.name.toLowerCase()));
    const rows = await this.rows(`SELECT column_name, data_type FROM information_schema.columns WHERE table_catalog = ${stringLiteral(this.dialect.catalog!)} `
      + `AND table_schema = ${stringLiteral(this.plan.curated.database)} `
      + `AND table_name = ${stringLiteral(this.plan.curated.table)} ORDER BY ordinal_position`);
    return rows
      .filter((r) => !bookkeeping.has(String(r.column_name).toLowerCase()))
      .map((r) => ({ name: String(r.column_name), type: columnTypeFromDuckDb(String(r.data_type))! }));
  }

  private async tableExists(): Promise<boolean> {
    const rows = await this.rows(`SELECT 1 FROM information_schema.tables WHERE table_catalog = ${stringLiteral(this.dialect.catalog!)} `
      + `AND table_schema = ${stringLiteral(this.plan.curated.database)} `
      + `AND table_name = ${stringLiteral(this.plan.curated.table)}`);
    return rows.length > 0;
  }

  /** A raw file's data columns and types, checked against the raw format. */
  private async rawSchema(file: ChangeFile): Promise<StagedFileSchema> {
    const cacheKey = `${file.path}\t${file.sizeBytes}\t${file.modifiedMs}`;
    const cached = this.schemaCache.get(cacheKey);
    if (cached) return cached;
    const rows = await this.rows(`DESCRIBE SELECT * FROM read_parquet(${stringLiteral(file.path)})`);
    const { opColumn, commitTimestampColumn, changeSequenceColumn } = this.plan.format;
    const names = rows.map((r) => String(r.column_name));
    const has = (name: string): boolean => names.some((n) => n.toLowerCase() === name.toLowerCase());
    if (!has(commitTimestampColumn)) {
      throw new RawZoneError('RAW_FILE_COLUMNS', `${file.path}: no commit-timestamp column "${commitTimestampColumn}" (columns: ${names.join(', ')}); `
        + 'set source.format.commitTimestampColumn to the DMS timestampColumnName of this task');
    }
    if (file.kind === 'cdc' && !has(opColumn)) {
      throw new RawZoneError('RAW_FILE_COLUMNS', `${file.path}: CDC file without op column "${opColumn}" (columns: ${names.join(', ')}); set source.format.opColumn`);
    }
    if (file.kind === 'cdc' && changeSequenceColumn !== null && !has(changeSequenceColumn)) {
      throw new RawZoneError('RAW_FILE_COLUMNS', `${file.path}: CDC file without change-sequence column "${changeSequenceColumn}"; `
        + 'add the $AR_H_CHANGE_SEQ transformation to the DMS table mapping, or set source.format.changeSequenceColumn to null');
    }
    const bookkeeping = new Set([opColumn, commitTimestampColumn, changeSequenceColumn].filter((n) => n !== null).map((n) => n.toLowerCase()));
    const schema: StagedFileSchema = {
      file: file.path,
      allColumns: names,
      columns: rows
        .filter((r) => !bookkeeping.has(String(r.column_name).toLowerCase()))
        .map((r) => ({ name: String(r.column_name), engineType: String(r.column_type), type: columnTypeFromDuckDb(String(r.column_type)) })),
    };
    this.schemaCache.set(cacheKey, schema);
    return schema;
  }

  private async transaction(work: () => Promise<void>): Promise<void> {
    await this.connection.run('BEGIN TRANSACTION');
    try {
      await work();
      await this.connection.run('COMMIT');
    } catch (e) {
      await this.connection.run('ROLLBACK');
      throw e;
    }
  }

  private async rows(sql: string): Promise<Record<string, unknown>[]> {
    const reader = await this.connection.runAndReadAll(sql);
    return reader.getRowObjectsJson() as Record<string, unknown>[];
  }
}

/**
 * Sets a DuckDB connection's database to checkpoint only past `walLimitBytes` of write-ahead log (DuckDB's
 * `checkpoint_threshold`; 0 = at every commit) or when told to, and never when it closes.
 */
export async function deferCheckpoints(connection: DuckDBConnection, walLimitBytes: number): Promise<void> {
  if (!Number.isSafeInteger(walLimitBytes) || walLimitBytes < 0) {
    throw new RangeError(`checkpointWalBytes ${walLimitBytes}: give a whole number of bytes, 0 or more (0 checkpoints at every commit)`);
  }
  await connection.run(`SET checkpoint_threshold = '${walLimitBytes} bytes'`);
  await connection.run('PRAGMA disable_checkpoint_on_shutdown');
}

/** Size in bytes of a DuckDB database file's write-ahead log (`<file>.wal`); 0 when there is none. */
export function walBytes(databasePath: string): number {
  if (databasePath === ':memory:' || databasePath === '') return 0;
  try {
    return fs.statSync(`${databasePath}.wal`).size;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
}
