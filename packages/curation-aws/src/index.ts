export { LakehouseWarehouse } from './warehouse/lakehouse-warehouse';
export type { LakehouseWarehouseProps } from './warehouse/lakehouse-warehouse-props';
export { GlueCurationJob } from './glue/glue-curation-job';
export type { GlueCurationJobProps } from './glue/glue-curation-job-props';
export { sourceJobSpec, curatedTableName, type CurationTable, type CurationPartitionTransform } from './glue/job-spec';
export { ICEBERG_CATALOG, icebergSparkConf, glueConfArgument } from './glue/iceberg-spark-conf';
export { findGlueScriptsDir, GLUE_ENTRY_POINT, GLUE_PYTHON_PACKAGE, GLUE_PYTHON_SOURCES } from './glue/glue-scripts';
export { curatedDatabaseName } from './private/names';
