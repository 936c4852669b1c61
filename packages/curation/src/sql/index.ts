export * from './dialect';
export * from './athena-dialect';
export * from './spark-dialect';
export * from './duckdb-dialect';
export * from './curation-sql';
