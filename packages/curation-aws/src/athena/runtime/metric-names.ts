/**
 * Names of the metrics curation publishes, in a module without CDK imports so the Athena runtime Lambda bundles
 * only these strings. Mirrored for the Glue engine in glue-scripts/src/lakehouse_curation/freshness.py.
 */

/** Namespace of the curation metrics: `CurationSucceeded` (per source) and `FreshnessSeconds` (per table). */
export const CURATION_METRIC_NAMESPACE = 'CdcLakehouse/Curation';

/**
 * Per-table freshness, published by both engines after each table's curation: now minus the newest source commit
 * time (the DMS commit-timestamp column, `_dms_commit_ts`) applied to the curated table so far, in seconds. A run
 * that applied nothing publishes the previous high-water mark again, so the value grows while the source is idle;
 * a table never curated publishes nothing. Dimensions {@link FRESHNESS_SOURCE_DIMENSION} and
 * {@link FRESHNESS_TABLE_DIMENSION}; unit Seconds.
 */
export const FRESHNESS_METRIC = 'FreshnessSeconds';
/** Dimension of {@link FRESHNESS_METRIC}: the source's name. */
export const FRESHNESS_SOURCE_DIMENSION = 'Source';
/** Dimension of {@link FRESHNESS_METRIC}: the curated table, `<curated database>.<table>`. */
export const FRESHNESS_TABLE_DIMENSION = 'Table';

/** The Athena curation Lambda's environment variable naming the source; set, it turns publishing on (the construct sets it). */
export const FRESHNESS_SOURCE_ENV = 'CURATION_FRESHNESS_SOURCE';
