// DMS raw format: column names, file names, layout; reading and writing raw zones
export {
  DMS_FACTS_TO_VERIFY, DEFAULT_DMS_RAW_FORMAT, dmsRawFormat,
  type DmsRawFormat, type ChangeOperation,
} from './dms/dms-raw-format';
export {
  rawTableDirectory, classifyRawFileName, loadFileName, cdcFileName, datePartitionFolder,
  type RawZoneLayout, type RawTableRef, type DatePartitioning, type DatePartitionSequence, type DatePartitionDelimiter,
  type ChangeFile, type ChangeFileKind,
} from './dms/raw-zone-layout';
export {
  RawZoneReader, RawZoneError, planApply, classifyListing, advanceWatermark, loadFingerprint,
  type RawZoneErrorCode, type RawListingEntry, type RawTableFiles, type Watermark, type ApplyPlan,
} from './dms/raw-zone-reader';
export { DmsRawWriter, type DmsRawWriterProps, type RawChange, type RawValue } from './dms/raw-zone-writer';

// CurationPlan
export {
  parseColumnType, formatColumnType, isWideningOrSame, MAX_DECIMAL_PRECISION,
  type ColumnType, type ParsedColumnType,
} from './plan/column-type';
export {
  CurationPlan, CurationPlanError, curationSettings, SOFT_DELETE_COLUMNS, ICEBERG_RESERVED_COLUMNS, INTERNAL_COLUMNS, ATHENA_ICEBERG_TABLE_PROPERTIES,
  type CurationPlanProps, type CurationPlanErrorCode, type ColumnDefinition, type TableRef, type SourceTable, type CuratedTable,
  type CurationSettings, type CurationSettingsProps,
  type PartitionField, type CurationMode, type DeleteHandling, type TableProperties, type MaintenanceSettings, type ChangeOrdering,
} from './plan/curation-plan';

// SQL for Athena, Spark and DuckDB
export { type SqlDialect, type DialectName, type ChangeSource } from './sql/dialect';
export { AthenaDialect } from './sql/athena-dialect';
export { SparkDialect, SPARK_TEMPLATE_PLACEHOLDERS, sparkType, type SparkDialectProps } from './sql/spark-dialect';
export { ColumnAgnosticSql, SPARK_JOB_VIEWS } from './sql/column-agnostic-sql';
export { DuckDbDialect, STAGED_CHANGES_VIEW, columnTypeFromDuckDb, type DuckDbDialectProps } from './sql/duckdb-dialect';
export { CurationSql, sqlDialect, CHANGES_TO_APPLY_TABLE } from './sql/curation-sql';
export {
  copyCountMerge, namedColumns, placeholderColumns, COLUMNS_PLACEHOLDER, TRINO_SEQUENCE_LIMIT,
  type CopyCountColumns, type CopyCountMergeProps,
} from './sql/copy-count-merge';

// Local curation runner
export {
  LocalCurationRunner, WATERMARK_TABLE, DEFAULT_CHECKPOINT_WAL_BYTES, deferCheckpoints, walBytes,
  type LocalCurationRunnerProps, type RunOptions, type CurationRunResult, type BatchStage, type CheckpointResult,
} from './local/local-curation-runner';
export { SchemaEvolutionError, evolveSchema, type SchemaChange, type RawFileSchema } from './local/schema-evolution';

// Spark job spec (the Glue / local Spark job's input)
export {
  sparkJobSpec, SPARK_JOB_SPEC_VERSION,
  type SparkJobSpec, type SparkJobSpecOptions, type SparkJobTable, type SparkJobTableSpec, type SparkJobTableSql,
  type SparkJobRawFormat, type SparkJobColumn,
} from './spark-job';
