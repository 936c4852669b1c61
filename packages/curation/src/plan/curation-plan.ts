import { ColumnType, ParsedColumnType, formatColumnType, parseColumnType } from './column-type';
import { DmsRawFormat, dmsRawFormat } from '../dms/dms-raw-format';

/** A column of the source table, as it appears in the raw files and in the curated table. */
export interface ColumnDefinition {
  /** Column name, as DMS writes it (the source column name). */
  readonly name: string;
  /** Column type in Iceberg terms. */
  readonly type: ColumnType;
}

/** A table in the Glue Data Catalog (database + table). */
export interface TableRef {
  /** Glue database: lowercase letters, digits and underscores, starting with a letter. */
  readonly database: string;
  /** Table name: lowercase letters, digits and underscores, starting with a letter. */
  readonly table: string;
}

/** The raw table a plan reads: its DMS folder and the names of the DMS bookkeeping columns. */
export interface SourceTable {
  /** Source schema; DMS writes the table's files under `<prefix>/<schema>/<table>/`. */
  readonly schema: string;
  /** Source table name. */
  readonly table: string;
  /**
   * Bookkeeping column names of the DMS task that wrote the files.
   * @default DEFAULT_DMS_RAW_FORMAT (`Op`, `_dms_commit_ts`, `_dms_change_seq`)
   */
  readonly format?: Partial<DmsRawFormat>;
  /**
   * Catalog table over the raw Parquet files, read by the Athena and Spark MERGE.
   * @default none: pass the changes relation to the SQL generator instead
   */
  readonly rawTable?: TableRef;
}

/** The curated Iceberg table a plan writes. */
export interface CuratedTable extends TableRef {
  /**
   * S3 location of the Iceberg table (required by Athena's CREATE TABLE).
   * @default none: Spark uses the catalog warehouse; Athena DDL generation fails with a named error
   */
  readonly location?: string;
}

/** An Iceberg partition transform applied to one column. */
export type PartitionField =
  | { readonly column: string; readonly transform: 'identity' | 'year' | 'month' | 'day' | 'hour' }
  | { readonly column: string; readonly transform: 'bucket'; readonly buckets: number }
  | { readonly column: string; readonly transform: 'truncate'; readonly width: number };

/** How the curated table is maintained from the changes. */
export type CurationMode = 'merge' | 'append-only';

/** What a source DELETE does to the curated table. */
export type DeleteHandling = 'hard' | 'soft';

/** Iceberg table properties per engine (each engine has its own property names). */
export interface TableProperties {
  /** Athena `TBLPROPERTIES` (only Athena's allowed names, e.g. `write_compression`). */
  readonly athena?: Readonly<Record<string, string>>;
  /** Iceberg properties for Spark's `TBLPROPERTIES` (e.g. `write.parquet.compression-codec`). */
  readonly spark?: Readonly<Record<string, string>>;
}

/** Snapshot retention, applied through table properties and the maintenance statements. */
export interface MaintenanceSettings {
  /**
   * Snapshots older than this are expired by VACUUM / expire_snapshots.
   * @default 120 (5 days, Athena's default)
   */
  readonly snapshotRetentionHours?: number;
  /**
   * Snapshots always kept, whatever their age.
   * @default 1
   */
  readonly minSnapshotsToKeep?: number;
}

/** Everything needed to turn one raw DMS table into one curated table. */
export interface CurationPlanProps {
  /** The raw table. */
  readonly source: SourceTable;
  /** The curated table. */
  readonly curated: CuratedTable;
  /** The source table's columns and their types (DMS bookkeeping columns excluded). */
  readonly columns: readonly ColumnDefinition[];
  /**
   * Primary-key columns. Required in `merge` mode, not allowed in `append-only` mode.
   */
  readonly primaryKey?: readonly string[];
  /**
   * Whether key columns may hold NULL — a table without a primary key that is merged by its whole row
   * (PostgreSQL `REPLICA IDENTITY FULL`). The merge then matches keys null-safely (`IS NOT DISTINCT FROM`),
   * which engines join less efficiently than `=`.
   * @default false
   */
  readonly nullableKey?: boolean;
  /**
   * `merge` keeps one row per key; `append-only` (tables without a primary key) appends every non-delete change.
   * @default 'merge'
   */
  readonly mode?: CurationMode;
  /**
   * `hard` removes deleted rows; `soft` keeps them with `_deleted = true` and `_deleted_at` (merge mode only).
   * @default 'hard'
   */
  readonly deletes?: DeleteHandling;
  /**
   * Iceberg partition spec of the curated table (ignored by the local DuckDB engine).
   * @default unpartitioned
   */
  readonly partitionBy?: readonly PartitionField[];
  /**
   * Extra Iceberg table properties per engine.
   * @default none beyond the generator's own
   */
  readonly tableProperties?: TableProperties;
  /**
   * Snapshot retention.
   * @default 120 hours, keep at least 1 snapshot
   */
  readonly maintenance?: MaintenanceSettings;
}

/** Why a plan was rejected. */
export type CurationPlanErrorCode =
  | 'SOURCE_TABLE_MISSING'
  | 'INVALID_TABLE_NAME'
  | 'INVALID_LOCATION'
  | 'NO_COLUMNS'
  | 'INVALID_COLUMN_NAME'
  | 'DUPLICATE_COLUMN'
  | 'INVALID_COLUMN_TYPE'
  | 'RESERVED_COLUMN_NAME'
  | 'INVALID_RAW_FORMAT'
  | 'INVALID_MODE'
  | 'PRIMARY_KEY_MISSING'
  | 'PRIMARY_KEY_IN_APPEND_ONLY'
  | 'KEY_COLUMN_NOT_IN_SCHEMA'
  | 'DUPLICATE_KEY_COLUMN'
  | 'INVALID_DELETE_HANDLING'
  | 'SOFT_DELETE_IN_APPEND_ONLY'
  | 'PARTITION_COLUMN_UNKNOWN'
  | 'PARTITION_TRANSFORM_UNKNOWN'
  | 'PARTITION_TRANSFORM_TYPE'
  | 'BUCKET_COUNT_NOT_POSITIVE'
  | 'TRUNCATE_WIDTH_NOT_POSITIVE'
  | 'DUPLICATE_PARTITION_FIELD'
  | 'TABLE_PROPERTY_UNKNOWN'
  | 'TABLE_PROPERTY_RESERVED'
  | 'MAINTENANCE_SETTING_INVALID'
  | 'LOCATION_REQUIRED';

/** A plan that cannot work; `code` names the rule, the message says where and how to fix it. */
export class CurationPlanError extends Error {
  constructor(readonly code: CurationPlanErrorCode, message: string) {
    super(message);
    this.name = 'CurationPlanError';
  }
}

/** Columns the curated table gets in soft-delete mode. */
export const SOFT_DELETE_COLUMNS = Object.freeze({ deleted: '_deleted', deletedAt: '_deleted_at' });

/** Column names the generated SQL uses for its own bookkeeping. */
export const INTERNAL_COLUMNS = Object.freeze({ changeRank: '_change_rank', fileOrder: '_file_order', rowInFile: '_row_in_file' });

/** Table properties Athena accepts for Iceberg tables (besides `table_type`, which the generator sets). */
export const ATHENA_ICEBERG_TABLE_PROPERTIES: readonly string[] = Object.freeze([
  'format',
  'write_compression',
  'write_target_data_file_size_bytes',
  'optimize_rewrite_min_data_file_size_bytes',
  'optimize_rewrite_max_data_file_size_bytes',
  'optimize_rewrite_data_file_threshold',
  'optimize_rewrite_delete_file_threshold',
  'vacuum_min_snapshots_to_keep',
  'vacuum_max_snapshot_age_seconds',
  'vacuum_max_metadata_files_to_keep',
]);

const CATALOG_NAME = /^[a-z][a-z0-9_]*$/;
const TRANSFORM_TYPES: Record<PartitionField['transform'], readonly ParsedColumnType['kind'][] | 'any'> = {
  identity: 'any',
  year: ['date', 'timestamp'],
  month: ['date', 'timestamp'],
  day: ['date', 'timestamp'],
  hour: ['timestamp'],
  bucket: ['int', 'bigint', 'decimal', 'date', 'timestamp', 'string', 'binary'],
  truncate: ['int', 'bigint', 'decimal', 'string'],
};

/** The ordering that decides which change to a key is the latest. */
export interface ChangeOrdering {
  /** Compared first (descending; empty or NULL is the lowest). `null` when the raw format has no change sequence. */
  readonly changeSequenceColumn: string | null;
  /** Compared second (descending). */
  readonly commitTimestampColumn: string;
  /** Always last: later files win, and later rows within a file where the engine knows row positions. */
  readonly thenFileOrder: true;
}

/**
 * A validated, immutable description of how one raw DMS table becomes one curated table:
 * keys (or append-only), ordering, delete handling, partition spec, columns, table properties.
 * The constructor throws {@link CurationPlanError} for anything that cannot work.
 */
export class CurationPlan {
  /** The raw table. */
  readonly source: { readonly schema: string; readonly table: string; readonly rawTable?: TableRef };
  /** The curated table. */
  readonly curated: CuratedTable;
  /** Data columns, in order. */
  readonly columns: readonly ColumnDefinition[];
  /** Primary-key columns (empty in append-only mode). */
  readonly primaryKey: readonly string[];
  /** Whether key columns may hold NULL (matched null-safely). */
  readonly nullableKey: boolean;
  /** Merge or append-only. */
  readonly mode: CurationMode;
  /** Hard or soft deletes. */
  readonly deletes: DeleteHandling;
  /** Iceberg partition spec. */
  readonly partitionBy: readonly PartitionField[];
  /** Names of the DMS bookkeeping columns. */
  readonly format: DmsRawFormat;
  /** Extra table properties per engine. */
  readonly tableProperties: TableProperties;
  /** Snapshot retention. */
  readonly maintenance: Required<MaintenanceSettings>;

  constructor(props: CurationPlanProps) {
    const where = describePlan(props);
    const fail = (code: CurationPlanErrorCode, what: string): never => {
      throw new CurationPlanError(code, `curation plan ${where}: ${what}`);
    };
    validateTables(props, fail);
    this.format = validateFormat(props.source.format, fail);
    this.columns = validateColumns(props.columns, this.format, fail);
    this.mode = props.mode ?? 'merge';
    this.deletes = props.deletes ?? 'hard';
    this.primaryKey = validateKey(props, this.mode, this.deletes, this.columns, fail);
    this.nullableKey = props.nullableKey ?? false;
    this.partitionBy = validatePartitions(props.partitionBy ?? [], this.columns, fail);
    this.tableProperties = validateTableProperties(props.tableProperties ?? {}, fail);
    this.maintenance = validateMaintenance(props.maintenance ?? {}, fail);
    this.source = Object.freeze({ schema: props.source.schema, table: props.source.table, rawTable: props.source.rawTable });
    this.curated = Object.freeze({ ...props.curated });
    Object.freeze(this);
  }

  /** The ordering used to pick the latest change per key: change sequence, commit timestamp, file order. */
  get ordering(): ChangeOrdering {
    return { changeSequenceColumn: this.format.changeSequenceColumn, commitTimestampColumn: this.format.commitTimestampColumn, thenFileOrder: true };
  }

  /** Data columns that are not part of the primary key. */
  get nonKeyColumns(): readonly ColumnDefinition[] {
    return this.columns.filter((c) => !this.primaryKey.includes(c.name));
  }

  /**
   * All columns of the curated table: data columns, then the commit timestamp and change
   * sequence of the change that wrote the row (used to refuse older re-delivered changes),
   * then `_deleted` / `_deleted_at` in soft-delete mode.
   */
  get curatedColumns(): readonly ColumnDefinition[] {
    const columns: ColumnDefinition[] = [...this.columns, { name: this.format.commitTimestampColumn, type: 'string' }];
    if (this.format.changeSequenceColumn !== null) {
      columns.push({ name: this.format.changeSequenceColumn, type: 'string' });
    }
    if (this.deletes === 'soft') {
      columns.push({ name: SOFT_DELETE_COLUMNS.deleted, type: 'boolean' }, { name: SOFT_DELETE_COLUMNS.deletedAt, type: 'timestamp' });
    }
    return columns;
  }

  /** `<schema>.<table> → <database>.<table>`, for messages. */
  get description(): string {
    return describePlan(this);
  }

  /** A copy of this plan with other data columns (schema evolution); validated like any plan. */
  withColumns(columns: readonly ColumnDefinition[]): CurationPlan {
    return new CurationPlan({ ...this.toJSON(), columns });
  }

  /** The plan as plain props (JSON-serializable; `new CurationPlan(plan.toJSON())` gives an equal plan). */
  toJSON(): CurationPlanProps {
    const rawTable = this.source.rawTable ? { rawTable: this.source.rawTable } : {};
    return {
      source: { schema: this.source.schema, table: this.source.table, format: this.format, ...rawTable },
      curated: this.curated,
      columns: this.columns,
      primaryKey: this.primaryKey,
      ...(this.nullableKey ? { nullableKey: true } : {}),
      mode: this.mode,
      deletes: this.deletes,
      partitionBy: this.partitionBy,
      tableProperties: this.tableProperties,
      maintenance: this.maintenance,
    };
  }
}

type Fail = (code: CurationPlanErrorCode, what: string) => never;

function describePlan(props: Pick<CurationPlanProps, 'source' | 'curated'>): string {
  const source = props.source ? `${props.source.schema}.${props.source.table}` : '?';
  const curated = props.curated ? `${props.curated.database}.${props.curated.table}` : '?';
  return `${source} → ${curated}`;
}

function validateTables(props: CurationPlanProps, fail: Fail): void {
  if (!props.source?.schema || !props.source?.table) {
    fail('SOURCE_TABLE_MISSING', 'source.schema and source.table are required (the DMS folder <prefix>/<schema>/<table>/)');
  }
  const checkName = (label: string, ref: TableRef | undefined): void => {
    if (!ref) return;
    for (const part of ['database', 'table'] as const) {
      if (typeof ref[part] !== 'string' || !CATALOG_NAME.test(ref[part])) {
        fail('INVALID_TABLE_NAME', `${label}.${part} "${ref[part]}" is not a Glue name; use lowercase letters, digits and underscores, starting with a letter`);
      }
    }
  };
  if (!props.curated) {
    fail('INVALID_TABLE_NAME', 'curated is required: { database, table }');
  }
  checkName('curated', props.curated);
  checkName('source.rawTable', props.source.rawTable);
  if (props.curated.location !== undefined && !/^s3a?:\/\/[^/]+\/.+/.test(props.curated.location)) {
    fail('INVALID_LOCATION', `curated.location "${props.curated.location}" must be an S3 folder like s3://bucket/curated/orders/`);
  }
}

function validateIdentifier(label: string, name: unknown, fail: Fail, code: CurationPlanErrorCode): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || /["`\u0000-\u001f]/.test(name)) {
    fail(code, `${label} ${JSON.stringify(name)} is not a usable column name; use 1-255 characters without quotes, backticks or control characters`);
  }
}

function validateFormat(props: Partial<DmsRawFormat> | undefined, fail: Fail): DmsRawFormat {
  const format = dmsRawFormat(props);
  validateIdentifier('source.format.opColumn', format.opColumn, fail, 'INVALID_RAW_FORMAT');
  validateIdentifier('source.format.commitTimestampColumn', format.commitTimestampColumn, fail, 'INVALID_RAW_FORMAT');
  if (format.changeSequenceColumn !== null) {
    validateIdentifier('source.format.changeSequenceColumn', format.changeSequenceColumn, fail, 'INVALID_RAW_FORMAT');
  }
  const names = [format.opColumn, format.commitTimestampColumn, format.changeSequenceColumn].filter((n) => n !== null).map((n) => n.toLowerCase());
  if (new Set(names).size !== names.length) {
    fail('INVALID_RAW_FORMAT', `source.format names the op, commit-timestamp and change-sequence columns ${JSON.stringify(format)}; they must be three different columns`);
  }
  return format;
}

function validateColumns(columns: readonly ColumnDefinition[] | undefined, format: DmsRawFormat, fail: Fail): readonly ColumnDefinition[] {
  if (!columns || columns.length === 0) {
    fail('NO_COLUMNS', 'columns is empty; list the source table columns with their types');
  }
  const reserved = new Map<string, string>([
    [format.opColumn.toLowerCase(), 'the op column (source.format.opColumn)'],
    [format.commitTimestampColumn.toLowerCase(), 'the commit-timestamp column (source.format.commitTimestampColumn)'],
    [SOFT_DELETE_COLUMNS.deleted, 'the soft-delete flag'],
    [SOFT_DELETE_COLUMNS.deletedAt, 'the soft-delete timestamp'],
    ...Object.values(INTERNAL_COLUMNS).map((n): [string, string] => [n, 'a column the generated SQL uses internally']),
  ]);
  if (format.changeSequenceColumn !== null) {
    reserved.set(format.changeSequenceColumn.toLowerCase(), 'the change-sequence column (source.format.changeSequenceColumn)');
  }
  const seen = new Set<string>();
  return Object.freeze(columns!.map((column, i) => {
    validateIdentifier(`columns[${i}].name`, column?.name, fail, 'INVALID_COLUMN_NAME');
    const lower = column.name.toLowerCase();
    if (seen.has(lower)) {
      fail('DUPLICATE_COLUMN', `column "${column.name}" is listed twice (names are case-insensitive in Athena and Spark); remove one`);
    }
    seen.add(lower);
    if (reserved.has(lower)) {
      fail('RESERVED_COLUMN_NAME', `column "${column.name}" collides with ${reserved.get(lower)}; rename the column in the DMS table mapping or change source.format`);
    }
    const type = typeof column.type === 'string' ? parseColumnType(column.type) : undefined;
    if (!type) {
      fail('INVALID_COLUMN_TYPE', `column "${column.name}" has type ${JSON.stringify(column.type)}; use boolean, int, bigint, float, double, decimal(p,s) with p ≤ 38, string, binary, date or timestamp`);
    }
    return Object.freeze({ name: column.name, type: formatColumnType(type!) });
  }));
}

function validateKey(
  props: CurationPlanProps, mode: CurationMode, deletes: DeleteHandling, columns: readonly ColumnDefinition[], fail: Fail,
): readonly string[] {
  if (mode !== 'merge' && mode !== 'append-only') {
    fail('INVALID_MODE', `mode ${JSON.stringify(mode)} is not supported; use 'merge' or 'append-only'`);
  }
  if (deletes !== 'hard' && deletes !== 'soft') {
    fail('INVALID_DELETE_HANDLING', `deletes ${JSON.stringify(deletes)} is not supported; use 'hard' or 'soft'`);
  }
  const key = props.primaryKey ?? [];
  if (mode === 'append-only') {
    if (key.length > 0) {
      fail('PRIMARY_KEY_IN_APPEND_ONLY', 'primaryKey is set but mode is \'append-only\'; remove primaryKey or use mode \'merge\'');
    }
    if (deletes === 'soft') {
      fail('SOFT_DELETE_IN_APPEND_ONLY', 'deletes \'soft\' needs a primary key; append-only tables keep every change, use deletes \'hard\' (deletes are skipped)');
    }
    return Object.freeze([]);
  }
  if (key.length === 0) {
    fail('PRIMARY_KEY_MISSING', 'table has no primary key; set primaryKey: [...] or mode: \'append-only\'');
  }
  const names = columns.map((c) => c.name);
  const seen = new Set<string>();
  for (const column of key) {
    if (!names.includes(column)) {
      fail('KEY_COLUMN_NOT_IN_SCHEMA', `primaryKey column "${column}" is not in columns (${names.join(', ')}); add it to columns or fix the name`);
    }
    if (seen.has(column)) {
      fail('DUPLICATE_KEY_COLUMN', `primaryKey lists "${column}" twice; list each key column once`);
    }
    seen.add(column);
  }
  return Object.freeze([...key]);
}

function validatePartitions(fields: readonly PartitionField[], columns: readonly ColumnDefinition[], fail: Fail): readonly PartitionField[] {
  const seen = new Set<string>();
  return Object.freeze(fields.map((field, i) => {
    const label = `partitionBy[${i}]`;
    const column = columns.find((c) => c.name === field.column);
    if (!column) {
      fail('PARTITION_COLUMN_UNKNOWN', `${label} partitions on "${field.column}", which is not in columns (${columns.map((c) => c.name).join(', ')}); fix the column name`);
    }
    const allowed = TRANSFORM_TYPES[field.transform];
    if (allowed === undefined) {
      fail('PARTITION_TRANSFORM_UNKNOWN', `${label} transform ${JSON.stringify(field.transform)} is not an Iceberg transform; use identity, year, month, day, hour, bucket or truncate`);
    }
    const kind = parseColumnType(column!.type)!.kind;
    if (allowed !== 'any' && !allowed.includes(kind)) {
      fail('PARTITION_TRANSFORM_TYPE', `${label} ${field.transform}(${field.column}) does not apply to a ${column!.type} column; ${field.transform} takes ${allowed.join(', ')}`);
    }
    if (field.transform === 'bucket' && !(Number.isInteger(field.buckets) && field.buckets > 0)) {
      fail('BUCKET_COUNT_NOT_POSITIVE', `${label} bucket(${field.buckets}, ${field.column}) needs a positive whole number of buckets, e.g. 16`);
    }
    if (field.transform === 'truncate' && !(Number.isInteger(field.width) && field.width > 0)) {
      fail('TRUNCATE_WIDTH_NOT_POSITIVE', `${label} truncate(${field.width}, ${field.column}) needs a positive whole width, e.g. 10`);
    }
    const id = `${field.transform}:${field.column}`;
    if (seen.has(id)) {
      fail('DUPLICATE_PARTITION_FIELD', `${label} repeats ${field.transform}(${field.column}); list each partition field once`);
    }
    seen.add(id);
    return Object.freeze({ ...field });
  }));
}

function validateTableProperties(props: TableProperties, fail: Fail): TableProperties {
  for (const [name, value] of Object.entries(props.athena ?? {})) {
    if (name === 'table_type') {
      fail('TABLE_PROPERTY_RESERVED', 'tableProperties.athena.table_type is set by the generator (\'ICEBERG\'); remove it');
    }
    if (!ATHENA_ICEBERG_TABLE_PROPERTIES.includes(name)) {
      fail('TABLE_PROPERTY_UNKNOWN', `tableProperties.athena.${name} is not a property Athena accepts for Iceberg tables; use one of ${ATHENA_ICEBERG_TABLE_PROPERTIES.join(', ')}`);
    }
    if (typeof value !== 'string') {
      fail('TABLE_PROPERTY_UNKNOWN', `tableProperties.athena.${name} must be a string, got ${JSON.stringify(value)}`);
    }
  }
  for (const [name, value] of Object.entries(props.spark ?? {})) {
    if (name === 'format-version' && value !== '2') {
      fail('TABLE_PROPERTY_RESERVED', 'tableProperties.spark.format-version must be \'2\' (MERGE needs Iceberg v2 row-level deletes); remove it or set \'2\'');
    }
    if (typeof value !== 'string') {
      fail('TABLE_PROPERTY_UNKNOWN', `tableProperties.spark.${name} must be a string, got ${JSON.stringify(value)}`);
    }
  }
  return Object.freeze({ athena: Object.freeze({ ...props.athena }), spark: Object.freeze({ ...props.spark }) });
}

function validateMaintenance(props: MaintenanceSettings, fail: Fail): Required<MaintenanceSettings> {
  const settings = { snapshotRetentionHours: props.snapshotRetentionHours ?? 120, minSnapshotsToKeep: props.minSnapshotsToKeep ?? 1 };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < 1) {
      fail('MAINTENANCE_SETTING_INVALID', `maintenance.${name} is ${value}; use a whole number ≥ 1`);
    }
  }
  return Object.freeze(settings);
}
