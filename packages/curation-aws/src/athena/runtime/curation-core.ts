/**
 * The parts of @cdc-lakehouse/curation the Lambda uses, imported by module path: the package's index also exports
 * the local DuckDB runner, whose native module neither bundles nor runs in Lambda. Types come from the index.
 */
export { advanceWatermark, classifyListing, planApply, RawZoneError } from '@cdc-lakehouse/curation/lib/dms/apply-plan';
export { CurationPlan, countsCopies, curationSettings, formatColumnType, parseColumnType, SOFT_DELETE_COLUMNS } from '@cdc-lakehouse/curation/lib/plan';
export { CurationSql } from '@cdc-lakehouse/curation/lib/sql/curation-sql';
export { AthenaDialect } from '@cdc-lakehouse/curation/lib/sql/athena-dialect';
export { evolveSchema, SchemaEvolutionError } from '@cdc-lakehouse/curation/lib/local/schema-evolution';
