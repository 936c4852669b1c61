export { AthenaCurationWorkflow, type AthenaCurationWorkflowProps } from './athena-curation-workflow';
export { AthenaCurationFunction, WATERMARK_PREFIX, type AthenaCurationFunctionProps } from './curation-function';
export { CurationWorkgroup, type CurationWorkgroupProps } from './curation-workgroup';
export { RawTables, rawDatabaseName, rawTableName, type RawTablesProps } from './raw-tables';
export type { AthenaTableTask, AthenaRawTableRef, CurationEvent, PrepareEvent, CommitEvent, PreparedBatch, CommitResult } from './runtime/events';
export { ATHENA_MAX_PARTITIONS_PER_STATEMENT, MAX_FILES_PER_STATEMENT, PARTITIONS_PER_SLICE } from './runtime/chunking';
export { MAX_BATCH_STATEMENT_BYTES } from './runtime/prepare';
export { ScopedAthenaStartQueryExecution, type ScopedAthenaStartQueryExecutionProps } from './scoped-athena-task';
