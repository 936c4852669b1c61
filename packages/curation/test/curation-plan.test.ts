import { CurationPlan, CurationPlanError, CurationPlanErrorCode, CurationPlanProps, CurationSql, DEFAULT_DMS_RAW_FORMAT } from '../src';

const base: CurationPlanProps = {
  source: { schema: 'public', table: 'orders' },
  curated: { database: 'curated', table: 'orders' },
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'name', type: 'string' },
    { name: 'amount', type: 'decimal(12,2)' },
    { name: 'created', type: 'timestamp' },
  ],
  primaryKey: ['id'],
};

function errorOf(props: CurationPlanProps): CurationPlanError {
  try {
    new CurationPlan(props);
  } catch (e) {
    if (e instanceof CurationPlanError) return e;
    throw e;
  }
  throw new Error('the plan was accepted');
}

describe('CurationPlan', () => {
  test('fills in defaults: merge mode, hard deletes, the project DMS format, no partitions', () => {
    const plan = new CurationPlan(base);
    expect(plan.mode).toBe('merge');
    expect(plan.deletes).toBe('hard');
    expect(plan.format).toEqual(DEFAULT_DMS_RAW_FORMAT);
    expect(plan.partitionBy).toEqual([]);
    expect(plan.maintenance).toEqual({ snapshotRetentionHours: 120, minSnapshotsToKeep: 1 });
    expect(plan.ordering).toEqual({ changeSequenceColumn: '_dms_change_seq', commitTimestampColumn: '_dms_commit_ts', thenFileOrder: true });
    expect(plan.nonKeyColumns.map((c) => c.name)).toEqual(['name', 'amount', 'created']);
    expect(plan.curatedColumns.map((c) => c.name)).toEqual(['id', 'name', 'amount', 'created', '_dms_commit_ts', '_dms_change_seq']);
  });

  test('soft delete adds _is_deleted and _deleted_at; a plan without change sequence keeps only the commit timestamp', () => {
    const plan = new CurationPlan({ ...base, deletes: 'soft', source: { ...base.source, format: { changeSequenceColumn: null } } });
    expect(plan.curatedColumns.slice(4)).toEqual([
      { name: '_dms_commit_ts', type: 'string' },
      { name: '_is_deleted', type: 'boolean' },
      { name: '_deleted_at', type: 'timestamp' },
    ]);
    expect(plan.ordering.changeSequenceColumn).toBeNull();
  });

  test('round-trips through JSON (the runner CLI reads plans from files)', () => {
    const plan = new CurationPlan({ ...base, partitionBy: [{ column: 'id', transform: 'bucket', buckets: 8 }], deletes: 'soft' });
    const again = new CurationPlan(JSON.parse(JSON.stringify(plan)));
    expect(again.toJSON()).toEqual(plan.toJSON());
    expect(new CurationSql(again, 'spark').createTable()).toBe(new CurationSql(plan, 'spark').createTable());
  });

  test('normalizes type spelling and is immutable', () => {
    const plan = new CurationPlan({ ...base, columns: [{ name: 'id', type: 'decimal( 10 , 0 )' as 'bigint' }] });
    expect(plan.columns[0].type).toBe('decimal(10,0)');
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.columns)).toBe(true);
  });

  const invalid: [CurationPlanErrorCode, Partial<CurationPlanProps>, RegExp][] = [
    ['SOURCE_TABLE_MISSING', { source: { schema: 'public', table: '' } }, /source\.schema and source\.table are required/],
    ['INVALID_TABLE_NAME', { curated: { database: 'Curated', table: 'orders' } }, /curated\.database "Curated" is not a Glue name/],
    ['INVALID_TABLE_NAME', { source: { schema: 'public', table: 'orders', rawTable: { database: 'raw', table: 'my-orders' } } }, /source\.rawTable\.table/],
    ['INVALID_LOCATION', { curated: { database: 'c', table: 'o', location: '/data/orders' } }, /must be an S3 folder/],
    ['NO_COLUMNS', { columns: [] }, /columns is empty/],
    ['INVALID_COLUMN_NAME', { columns: [{ name: 'a"b', type: 'string' }] }, /is not a usable column name/],
    ['DUPLICATE_COLUMN', { columns: [{ name: 'id', type: 'bigint' }, { name: 'ID', type: 'string' }] }, /column "ID" is listed twice/],
    ['INVALID_COLUMN_TYPE', { columns: [{ name: 'id', type: 'varchar' as 'string' }] }, /column "id" has type "varchar"/],
    ['INVALID_COLUMN_TYPE', { columns: [{ name: 'id', type: 'decimal(39,2)' }] }, /p ≤ 38/],
    ['RESERVED_COLUMN_NAME', { columns: [{ name: 'id', type: 'bigint' }, { name: 'op', type: 'string' }] }, /collides with the op column/],
    ['RESERVED_COLUMN_NAME', { columns: [{ name: 'id', type: 'bigint' }, { name: '_is_deleted', type: 'boolean' }] }, /soft-delete flag/],
    ['RESERVED_COLUMN_NAME', { columns: [{ name: 'id', type: 'bigint' }, { name: '_pos', type: 'bigint' }] }, /Iceberg reserves/],
    ['INVALID_RAW_FORMAT', { source: { schema: 'public', table: 'orders', format: { opColumn: 'x', commitTimestampColumn: 'x' } } }, /three different columns/],
    ['INVALID_MODE', { mode: 'upsert' as 'merge' }, /mode "upsert" is not supported/],
    ['PRIMARY_KEY_MISSING', { primaryKey: [] }, /public\.orders → curated\.orders: table has no primary key; set primaryKey: \[\.\.\.\] or mode: 'append-only'/],
    ['PRIMARY_KEY_IN_APPEND_ONLY', { mode: 'append-only' }, /remove primaryKey or use mode 'merge'/],
    ['KEY_COLUMN_NOT_IN_SCHEMA', { primaryKey: ['order_id'] }, /primaryKey column "order_id" is not in columns \(id, name, amount, created\)/],
    ['DUPLICATE_KEY_COLUMN', { primaryKey: ['id', 'id'] }, /lists "id" twice/],
    ['INVALID_DELETE_HANDLING', { deletes: 'archive' as 'hard' }, /deletes "archive"/],
    ['SOFT_DELETE_IN_APPEND_ONLY', { mode: 'append-only', primaryKey: [], deletes: 'soft' }, /needs a primary key/],
    ['PARTITION_COLUMN_UNKNOWN', { partitionBy: [{ column: 'region', transform: 'identity' }] }, /partitionBy\[0\] partitions on "region", which is not in columns/],
    ['PARTITION_TRANSFORM_UNKNOWN', { partitionBy: [{ column: 'created', transform: 'week' as 'day' }] }, /transform "week" is not an Iceberg transform/],
    ['PARTITION_TRANSFORM_TYPE', { partitionBy: [{ column: 'name', transform: 'day' }] }, /day\(name\) does not apply to a string column; day takes date, timestamp/],
    ['PARTITION_TRANSFORM_TYPE', { partitionBy: [{ column: 'created', transform: 'truncate', width: 3 }] }, /truncate\(created\) does not apply to a timestamp column/],
    ['BUCKET_COUNT_NOT_POSITIVE', { partitionBy: [{ column: 'id', transform: 'bucket', buckets: 0 }] }, /bucket\(0, id\) needs a positive whole number of buckets/],
    ['BUCKET_COUNT_NOT_POSITIVE', { partitionBy: [{ column: 'id', transform: 'bucket', buckets: 2.5 }] }, /bucket\(2\.5, id\)/],
    ['TRUNCATE_WIDTH_NOT_POSITIVE', { partitionBy: [{ column: 'name', transform: 'truncate', width: -1 }] }, /truncate\(-1, name\) needs a positive whole width/],
    ['DUPLICATE_PARTITION_FIELD', { partitionBy: [{ column: 'created', transform: 'day' }, { column: 'created', transform: 'day' }] }, /repeats day\(created\)/],
    ['TABLE_PROPERTY_UNKNOWN', { tableProperties: { athena: { 'write.format.default': 'parquet' } } }, /tableProperties\.athena\.write\.format\.default is not a property Athena accepts/],
    ['TABLE_PROPERTY_RESERVED', { tableProperties: { athena: { table_type: 'HIVE' } } }, /set by the generator/],
    ['TABLE_PROPERTY_RESERVED', { tableProperties: { spark: { 'format-version': '1' } } }, /format-version must be '2'/],
    ['MAINTENANCE_SETTING_INVALID', { maintenance: { snapshotRetentionHours: 0 } }, /maintenance\.snapshotRetentionHours is 0/],
  ];

  test.each(invalid)('%s: %j', (code, change, message) => {
    const error = errorOf({ ...base, ...change });
    expect(error.code).toBe(code);
    expect(error.name).toBe('CurationPlanError');
    expect(error.message).toMatch(message);
    expect(error.message).toMatch(/^curation plan \S+ → \S+: /);
    expect(error.message).not.toContain('\n');
  });

  test('Athena DDL needs a location; the error says which plan and what to set', () => {
    expect(() => new CurationSql(new CurationPlan(base), 'athena').createTable()).toThrow(
      'curation plan public.orders → curated.orders: Athena creates Iceberg tables only with a LOCATION; set curated.location (s3://bucket/folder/)',
    );
  });

  test('Athena and Spark MERGE without a raw table or change source say what to set', () => {
    expect(() => new CurationSql(new CurationPlan(base), 'spark').merge()).toThrow(/source\.rawTable is not set.*pass a ChangeSource/);
  });
});
