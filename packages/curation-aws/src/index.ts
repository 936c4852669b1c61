export { LakehouseWarehouse } from './warehouse/lakehouse-warehouse';
export type { LakehouseWarehouseAttributes, LakehouseWarehouseProps } from './warehouse/lakehouse-warehouse-props';
export { GlueCurationJob } from './glue/glue-curation-job';
export type { GlueCurationJobProps } from './glue/glue-curation-job-props';
export { sourceJobSpec, curatedTableName, type CurationTable, type CurationPartitionTransform } from './glue/job-spec';
export { ICEBERG_CATALOG, icebergSparkConf, glueConfArgument } from './glue/iceberg-spark-conf';
export { findGlueScriptsDir, GLUE_ENTRY_POINT, GLUE_PYTHON_PACKAGE, GLUE_PYTHON_SOURCES } from './glue/glue-scripts';
export { curatedDatabaseName } from './private/names';
export { SourceCuration } from './orchestration/source-curation';
export type { SourceCurationProps, NewFilesTrigger } from './orchestration/source-curation-props';
export { CurationEngine, type CurationEngineBinding, type GlueEngineOptions, type AthenaEngineOptions } from './orchestration/curation-engine';
export {
  CurationAlarms, CURATION_METRIC_NAMESPACE, CURATION_SUCCEEDED_METRIC, FRESHNESS_METRIC, FRESHNESS_SOURCE_DIMENSION, FRESHNESS_TABLE_DIMENSION,
  rateInterval, type CurationAlarmsProps,
} from './orchestration/curation-alarms';
export {
  TableOptimizers, TABLE_OPTIMIZER_TYPES, type TableOptimizerType, type TableOptimizerDeployment, type TableOptimizersProps,
} from './maintenance/table-optimizers';
export { AthenaCuration, athenaMaintenanceStatements, athenaTableSettings, type AthenaCurationProps } from './orchestration/athena-curation';
export * from './athena';
