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
  RawZoneReader, RawZoneError, planApply,
  type RawTableFiles, type Watermark, type ApplyPlan,
} from './dms/raw-zone-reader';
export { DmsRawWriter, type DmsRawWriterProps, type RawChange, type RawValue } from './dms/raw-zone-writer';

// CurationPlan
export {
  parseColumnType, formatColumnType, isWideningOrSame, MAX_DECIMAL_PRECISION,
  type ColumnType, type ParsedColumnType,
} from './plan/column-type';
export {
  CurationPlan, CurationPlanError, SOFT_DELETE_COLUMNS, INTERNAL_COLUMNS, ATHENA_ICEBERG_TABLE_PROPERTIES,
  type CurationPlanProps, type CurationPlanErrorCode, type ColumnDefinition, type TableRef, type SourceTable, type CuratedTable,
  type PartitionField, type CurationMode, type DeleteHandling, type TableProperties, type MaintenanceSettings, type ChangeOrdering,
} from './plan/curation-plan';

// SQL for Athena, Spark and DuckDB
export { type SqlDialect, type DialectName, type ChangeSource } from './sql/dialect';
export { AthenaDialect } from './sql/athena-dialect';
export { SparkDialect, type SparkDialectProps } from './sql/spark-dialect';
export { DuckDbDialect, STAGED_CHANGES_VIEW, type DuckDbDialectProps } from './sql/duckdb-dialect';
export { CurationSql, sqlDialect } from './sql/curation-sql';

// Local curation runner
export {
  LocalCurationRunner, WATERMARK_TABLE,
  type LocalCurationRunnerProps, type RunOptions, type CurationRunResult, type BatchStage,
} from './local/local-curation-runner';
export { SchemaEvolutionError, evolveSchema, type SchemaChange, type RawFileSchema } from './local/schema-evolution';
