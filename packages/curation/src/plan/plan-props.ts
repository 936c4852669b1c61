import { ColumnType } from './column-type';
import { DmsRawFormat } from '../dms/dms-raw-format';

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
   * The table has no primary key (its key is the whole row, PostgreSQL `REPLICA IDENTITY FULL`) and the curated table
   * keeps the source's multiplicity: two identical source rows stay two rows. Each batch is reduced to a net count per
   * distinct row (+1 per `I` or `U`, −1 per `D`), and the copies of every affected row are rewritten: one MERGE per
   * batch on Spark and Athena (`CurationSql.merge`), three statements in the batch's transaction on DuckDB
   * (`CurationSql.applyStatements`). An UPDATE must arrive as a `D` of the old row and a `U` of the new one (the local
   * capture writes it so; DMS's S3 target writes only the new row). Applies in merge mode with hard deletes only;
   * otherwise the table is merged by its whole row, one row per distinct value. Athena needs a change-sequence column.
   * @default false
   */
  readonly keepDuplicates?: boolean;
  /**
   * `merge` keeps one row per key; `append-only` (tables without a primary key) appends every non-delete change.
   * @default 'merge'
   */
  readonly mode?: CurationMode;
  /**
   * `hard` removes deleted rows; `soft` keeps them with `_is_deleted = true` and `_deleted_at` (merge mode only).
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
  | 'LOCATION_REQUIRED'
  | 'DUPLICATE_TABLE';

/** A plan that cannot work; `code` names the rule, the message says where and how to fix it. */
export class CurationPlanError extends Error {
  constructor(readonly code: CurationPlanErrorCode, message: string) {
    super(message);
    this.name = 'CurationPlanError';
  }
}

/** Columns the curated table gets in soft-delete mode. */
export const SOFT_DELETE_COLUMNS = Object.freeze({ deleted: '_is_deleted', deletedAt: '_deleted_at' });

/**
 * Column names Iceberg 1.7 reserves for its metadata columns: Spark refuses to read a table that has one
 * ("Table column names conflict with names reserved for Iceberg metadata columns").
 */
export const ICEBERG_RESERVED_COLUMNS: readonly string[] = Object.freeze(['_file', '_pos', '_deleted', '_spec_id', '_partition']);

/** Column names the generated SQL uses for its own bookkeeping. */
export const INTERNAL_COLUMNS = Object.freeze({
  changeRank: '_change_rank',
  fileOrder: '_file_order',
  rowInFile: '_row_in_file',
  copies: '_copy_count',
  copyDelta: '_copy_delta',
  copyNumber: '_copy_number',
  present: '_curation_present',
});

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
 * Everything a plan says about a table apart from its column list: validated and immutable.
 * {@link CurationPlan} is one (with columns); `curationSettings(props)` makes one from props without
 * columns (a source entry whose columns come from the raw files), checked with the same rules.
 */
export interface CurationSettings {
  /** The raw table. */
  readonly source: { readonly schema: string; readonly table: string; readonly rawTable?: TableRef };
  /** The curated table. */
  readonly curated: CuratedTable;
  /** Primary-key columns (empty in append-only mode). */
  readonly primaryKey: readonly string[];
  /** Whether key columns may hold NULL (matched null-safely). */
  readonly nullableKey: boolean;
  /** Whether identical rows are kept as separate copies (see {@link CurationPlanProps.keepDuplicates}). */
  readonly keepDuplicates: boolean;
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
  /** `<schema>.<table> → <database>.<table>`, for messages. */
  readonly description: string;
}

/** Props of {@link CurationSettings}: a plan's props whose column list is optional. */
export interface CurationSettingsProps extends Omit<CurationPlanProps, 'columns'> {
  /**
   * The source table's columns. Without them, rules that need column names or types
   * (key and partition columns present, transform fits the type) are left to the caller.
   * @default none
   */
  readonly columns?: readonly ColumnDefinition[];
}
