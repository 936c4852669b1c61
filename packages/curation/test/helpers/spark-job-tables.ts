import { SparkJobSpecOptions, SparkJobTable } from '../../src';

/** A case of the Spark job spec golden files: the tables of one source and the options. */
export interface SparkJobCase {
  readonly tables: readonly SparkJobTable[];
  readonly options?: SparkJobSpecOptions;
}

/**
 * The source entries the golden job specs are made from (`test/golden/spark-job-spec.<case>.json`).
 * Most list no columns, as a source entry in .projenrc.ts does; one declares them.
 */
export const SPARK_JOB_CASES: Record<string, SparkJobCase> = {
  'merge-hard-partitioned': {
    tables: [{
      source: { schema: 'public', table: 'orders' },
      curated: { database: 'curated_sales', table: 'orders' },
      primaryKey: ['order_id'],
      partitionBy: [{ column: 'ordered_at', transform: 'day' }, { column: 'order_id', transform: 'bucket', buckets: 16 }],
      tableProperties: { spark: { 'write.target-file-size-bytes': '268435456' } },
    }],
  },
  'soft-deletes-declared-columns': {
    tables: [{
      source: { schema: 'crm', table: 'customers' },
      curated: { database: 'curated_crm', table: 'customers', location: 's3://lake-curated/crm/customers/' },
      columns: [
        { name: 'tenant_id', type: 'int' },
        { name: 'customer_id', type: 'bigint' },
        { name: 'name', type: 'string' },
        { name: 'balance', type: 'decimal(12,2)' },
        { name: 'updated_at', type: 'timestamp' },
      ],
      primaryKey: ['tenant_id', 'customer_id'],
      deletes: 'soft',
      partitionBy: [{ column: 'updated_at', transform: 'month' }],
      maintenance: { snapshotRetentionHours: 72, minSnapshotsToKeep: 3 },
    }],
  },
  'append-only': {
    tables: [{
      source: { schema: 'public', table: 'events' },
      curated: { database: 'curated_sales', table: 'events' },
      mode: 'append-only',
      partitionBy: [{ column: 'event_time', transform: 'hour' }],
    }],
  },
  'nullable-key': {
    tables: [{
      source: { schema: 'public', table: 'audit_log' },
      curated: { database: 'curated_sales', table: 'audit_log' },
      primaryKey: ['code', 'amount'],
      nullableKey: true,
    }],
  },
  'keep-duplicates': {
    tables: [{
      source: { schema: 'public', table: 'readings' },
      curated: { database: 'curated_sales', table: 'readings' },
      columns: [{ name: 'sensor', type: 'string' }, { name: 'value', type: 'int' }],
      primaryKey: ['sensor', 'value'],
      nullableKey: true,
      keepDuplicates: true,
    }],
  },
  'no-change-sequence': {
    tables: [{
      source: { schema: 'public', table: 'dms_test_table' },
      curated: { database: 'curated_pg', table: 'dms_test_table' },
      primaryKey: ['id'],
    }],
    options: { rawFormat: { commitTimestampColumn: 'DMS_TIMESTAMP', changeSequenceColumn: null } },
  },
  'reserved-words': {
    tables: [{
      source: { schema: 'select', table: 'order' },
      curated: { database: 'group', table: 'order' },
      primaryKey: ['order'],
      deletes: 'soft',
      partitionBy: [{ column: 'group', transform: 'identity' }],
    }],
    options: { catalog: 'lake' },
  },
};
