export * from './embedded-postgres';
export { processRunning, findFreePort, settlesWithin, stopByPid } from './os-process';
export * from './errors';
export * from './source/type-mapping';
export * from './source/test-decoding';
export * from './source/lsn';
export * from './source/catalog';
export * from './capture/change-sequence';
export * from './capture/capture-state';
export * from './capture/capture';
export { startSourceCapture } from './capture/start-capture';
export { startMysqlCapture } from './capture/mysql/mysql-capture';
export * from './capture/mysql/binlog-position';
export * from './source/mysql/mysql-catalog';
export * from './source/mysql/mysql-type-mapping';
export * from './source/mysql/mysql-connection';
export * from './capture/parquet-encoder';
export * from './cli/progress';
export { helpOptionNames } from './cli/help';
export * from './lake/plans';
export * from './lake/lake-database';
export * from './lake/curate';
export * from './lake/query';
export * from './lake/verify';
export * from './engines/curation-engine';
export * from './engines/registry';
export { duckdbEngine } from './engines/duckdb/duckdb-engine';
export { sparkEngine, parseTableResult, type SparkTableResult } from './engines/spark/spark-engine';
export * from './engines/spark/spark-environment';
export { sparkTableWatermark } from './engines/spark/iceberg-watermark';
export {
  localSparkJobSpec, readWarehouseRegistry, LOCAL_SPARK_CATALOG, WAREHOUSE_JOB_SPEC_FILE, WAREHOUSE_REGISTRY_FILE,
} from './engines/spark/warehouse';
export { trinoEngine } from './engines/trino/trino-engine';
export {
  TRINO_URL_ENV, TRINO_VERSION, defaultTrinoHome, startTrinoServer, trinoEnvironment, withTrino,
  type TrinoEnvironment, type TrinoServer, type TrinoServerOptions,
} from './engines/trino/trino-server';
export { TrinoClient, TrinoQueryError, type TrinoSession } from './engines/trino/trino-client';
export { TRINO_REGISTRY_FILE, TRINO_WATERMARK_DIR, readTrinoRegistry } from './engines/trino/trino-warehouse';
export * from './demo/demo';
export * from './demo/sample-schema';
export { main } from './main';
export type { CommandIo } from './cli/command-io';
