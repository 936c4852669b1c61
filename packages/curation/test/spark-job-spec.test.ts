import * as fs from 'node:fs';
import * as path from 'node:path';
import { CurationPlanError, CurationSql, SparkJobTable, sparkJobSpec } from '../src';
import { ordersPlan } from './helpers/example-plans';
import { SPARK_JOB_CASES } from './helpers/spark-job-tables';

// The job specs the Python Spark job is tested with (glue-scripts) are these golden files: the
// seam between the TypeScript generator and the Python job. Regenerate after an intended change
// with UPDATE_GOLDEN=1 npx jest test/spark-job-spec.test.ts, then review the diff. That every
// statement parses is checked in sql-parse.test.ts (one suite loads the grammars).
jest.setTimeout(60_000);
const GOLDEN_DIR = path.join(__dirname, 'golden');

describe.each(Object.entries(SPARK_JOB_CASES))('golden Spark job spec %s', (name, { tables, options }) => {
  const spec = sparkJobSpec(tables, options);

  test('equals its golden file', () => {
    const file = path.join(GOLDEN_DIR, `spark-job-spec.${name}.json`);
    const actual = `${JSON.stringify(spec, null, 2)}\n`;
    if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
    expect(fs.existsSync(file)).toBe(true);
    expect(actual).toBe(fs.readFileSync(file, 'utf8'));
  });
});

describe('sparkJobSpec', () => {
  const orders: SparkJobTable = SPARK_JOB_CASES['merge-hard-partitioned'].tables[0];

  test('the star MERGE has the same key match, guard and delete rule as the MERGE with columns', () => {
    const withColumns = new CurationSql(ordersPlan, 'spark').merge().split('\n');
    const star = sparkJobSpec([{ ...ordersPlan.toJSON(), source: { schema: 'public', table: 'orders' } }]).tables[0].sql.merge.split('\n');
    const clauses = (lines: string[]): string[] => lines.filter((l) => /^(ON|WHEN) /.test(l)).map((l) => l.replace(/ THEN .*/, ''));
    expect(clauses(star)).toEqual(clauses(withColumns));
    expect(star.filter((l) => l.startsWith('WHEN '))).toEqual([
      expect.stringMatching(/THEN DELETE$/), expect.stringMatching(/THEN UPDATE SET \*$/), expect.stringMatching(/THEN INSERT \*$/),
    ]);
  });

  test('the same entry gives the same SQL with or without declared columns', () => {
    const declared = SPARK_JOB_CASES['soft-deletes-declared-columns'].tables[0];
    const { columns, ...undeclared } = declared;
    expect(columns).toBeDefined();
    expect(sparkJobSpec([undeclared]).tables[0].sql).toEqual(sparkJobSpec([declared]).tables[0].sql);
    expect(sparkJobSpec([undeclared]).tables[0].columns).toBeUndefined();
  });

  test('the snapshot-expiry cut-off is not baked into the spec', () => {
    const [maintenance] = [sparkJobSpec([orders]).tables[0].sql.maintenance];
    expect(maintenance.join('\n')).not.toMatch(/older_than|TIMESTAMP '/);
    expect(maintenance[0]).toContain("'history.expire.max-snapshot-age-ms' = '432000000'");
    expect(maintenance[2]).toBe("CALL glue_catalog.system.expire_snapshots(table => '`curated_sales`.`orders`', retain_last => 1)");
  });

  test.each([
    ['PRIMARY_KEY_MISSING', { ...orders, primaryKey: undefined }, /table has no primary key/],
    ['SOFT_DELETE_IN_APPEND_ONLY', { ...orders, primaryKey: undefined, mode: 'append-only', deletes: 'soft' }, /deletes 'soft' needs a primary key/],
    ['BUCKET_COUNT_NOT_POSITIVE', { ...orders, partitionBy: [{ column: 'order_id', transform: 'bucket', buckets: 0 }] }, /bucket\(0, order_id\)/],
    ['PARTITION_TRANSFORM_UNKNOWN', { ...orders, partitionBy: [{ column: 'order_id', transform: 'weeks' }] }, /"weeks" is not an Iceberg transform/],
    ['RESERVED_COLUMN_NAME', { ...orders, primaryKey: ['_dms_commit_ts'] }, /primaryKey\[0\] "_dms_commit_ts" collides with the commit-timestamp column/],
    ['INVALID_COLUMN_NAME', { ...orders, partitionBy: [{ column: 'a`b', transform: 'identity' }] }, /partitionBy\[0\]\.column "a`b" is not a usable column name/],
    ['INVALID_TABLE_NAME', { ...orders, curated: { database: 'Curated', table: 'orders' } }, /curated\.database "Curated" is not a Glue name/],
    ['KEY_COLUMN_NOT_IN_SCHEMA', { ...orders, columns: [{ name: 'id', type: 'bigint' }] }, /primaryKey column "order_id" is not in columns \(id\)/],
    ['PARTITION_TRANSFORM_TYPE', { ...orders, columns: [{ name: 'order_id', type: 'bigint' }, { name: 'ordered_at', type: 'string' }] }, /day\(ordered_at\) does not apply to a string column/],
    ['INVALID_RAW_FORMAT', { ...orders, source: { ...orders.source, format: { changeSequenceColumn: null } } }, /differs from the job's rawFormat/],
  ] as const)('refuses an entry with %s', (code, entry, message) => {
    const attempt = (): unknown => sparkJobSpec([entry as SparkJobTable]);
    expect(attempt).toThrow(CurationPlanError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (e) {
      expect((e as CurationPlanError).code).toBe(code);
      expect((e as Error).message).toMatch(/^curation plan public\.orders → \S+: [^\n]+$/);
    }
  });

  test('refuses two entries writing the same table', () => {
    expect(() => sparkJobSpec([orders, { ...orders, source: { schema: 'public', table: 'orders_v2' } }]))
      .toThrow(/another table of this job also writes curated_sales\.orders; give each table its own curated name/);
  });

  test('refuses a catalog name that would need quoting', () => {
    expect(() => sparkJobSpec([orders], { catalog: 'glue-catalog' })).toThrow(/Spark catalog name "glue-catalog" is not a plain identifier/);
  });
});
