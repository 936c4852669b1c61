import { CurationPlan } from '../../src';

/** Orders: merge on one key, hard deletes, day + bucket partitions, a raw table for Athena/Spark. */
export const ordersPlan = new CurationPlan({
  source: { schema: 'public', table: 'orders', rawTable: { database: 'raw_sales', table: 'public_orders' } },
  curated: { database: 'curated_sales', table: 'orders', location: 's3://lake-curated/sales/orders/' },
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'customer_id', type: 'int' },
    { name: 'status', type: 'string' },
    { name: 'amount', type: 'decimal(12,2)' },
    { name: 'updated_at', type: 'timestamp' },
  ],
  primaryKey: ['id'],
  partitionBy: [{ column: 'updated_at', transform: 'day' }, { column: 'id', transform: 'bucket', buckets: 16 }],
  tableProperties: { athena: { write_target_data_file_size_bytes: '268435456' }, spark: { 'write.target-file-size-bytes': '268435456' } },
});

/** Customers: composite key, soft deletes, identity + truncate + month partitions, a reserved word as column name. */
export const customersPlan = new CurationPlan({
  source: { schema: 'crm', table: 'customers', rawTable: { database: 'raw_crm', table: 'crm_customers' } },
  curated: { database: 'curated_crm', table: 'customers', location: 's3://lake-curated/crm/customers/' },
  columns: [
    { name: 'tenant_id', type: 'int' },
    { name: 'customer_id', type: 'bigint' },
    { name: 'name', type: 'string' },
    { name: 'country', type: 'string' },
    { name: 'date', type: 'date' },
    { name: 'score', type: 'double' },
  ],
  primaryKey: ['tenant_id', 'customer_id'],
  deletes: 'soft',
  partitionBy: [
    { column: 'country', transform: 'identity' },
    { column: 'name', transform: 'truncate', width: 4 },
    { column: 'date', transform: 'month' },
  ],
  maintenance: { snapshotRetentionHours: 72, minSnapshotsToKeep: 3 },
});

/** Events: no primary key, append-only, hourly partitions. */
export const eventsPlan = new CurationPlan({
  source: { schema: 'public', table: 'events', rawTable: { database: 'raw_sales', table: 'public_events' } },
  curated: { database: 'curated_sales', table: 'events', location: 's3://lake-curated/sales/events/' },
  columns: [
    { name: 'event_time', type: 'timestamp' },
    { name: 'kind', type: 'string' },
    { name: 'payload', type: 'string' },
  ],
  mode: 'append-only',
  partitionBy: [{ column: 'event_time', transform: 'hour' }],
});

/** The real DMS fixture's table: timestamp column `DMS_TIMESTAMP`, no op column in its LOAD file, no change sequence. */
export const fixturePlan = new CurationPlan({
  source: {
    schema: 'public',
    table: 'dms_test_table',
    format: { commitTimestampColumn: 'DMS_TIMESTAMP', changeSequenceColumn: null },
    rawTable: { database: 'raw_pg', table: 'public_dms_test_table' },
  },
  curated: { database: 'curated_pg', table: 'dms_test_table', location: 's3://lake-curated/pg/dms_test_table/' },
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'my_int', type: 'int' },
    { name: 'my_smallint', type: 'int' },
    { name: 'my_numeric', type: 'decimal(15,2)' },
    { name: 'my_real', type: 'float' },
    { name: 'my_double', type: 'double' },
    { name: 'my_money', type: 'decimal(38,4)' },
    { name: 'my_varchar', type: 'string' },
    { name: 'my_text', type: 'string' },
    { name: 'my_bytea', type: 'binary' },
    { name: 'my_timestamp', type: 'timestamp' },
    { name: 'my_uuid', type: 'string' },
    { name: 'my_json', type: 'string' },
    { name: 'my_jsonb', type: 'string' },
    { name: 'my_bool', type: 'boolean' },
  ],
  primaryKey: ['id'],
});

/** Reserved words as names everywhere: schema, table, database, raw table, key, columns, partition column. */
export const reservedPlan = new CurationPlan({
  source: { schema: 'select', table: 'order', rawTable: { database: 'values', table: 'order' } },
  curated: { database: 'group', table: 'order', location: 's3://lake-curated/group/order/' },
  columns: [
    { name: 'order', type: 'bigint' },
    { name: 'group', type: 'int' },
    { name: 'values', type: 'string' },
    { name: 'timestamp', type: 'timestamp' },
  ],
  primaryKey: ['order'],
  deletes: 'soft',
  partitionBy: [{ column: 'timestamp', transform: 'day' }, { column: 'group', transform: 'identity' }],
});

/** Every example plan by name. */
export const EXAMPLE_PLANS = {
  orders: ordersPlan, customers: customersPlan, events: eventsPlan, fixture: fixturePlan, reserved: reservedPlan,
} as const;
