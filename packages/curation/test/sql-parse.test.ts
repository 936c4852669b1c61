import { CurationPlan, CurationSql, SparkDialect, sparkJobSpec } from '../src';
import { EXAMPLE_PLANS } from './helpers/example-plans';
import { SPARK_JOB_CASES } from './helpers/spark-job-tables';
import { describeErrors, sqlGrammars } from './helpers/sql-grammars';

// Every generated MERGE and SELECT must parse with the grammar of the engine that runs it:
// Trino (Athena's DML engine) for the athena dialect, Spark SQL for the spark dialect.
jest.setTimeout(60_000);

const plans = Object.entries(EXAMPLE_PLANS);

function dmlStatements(plan: CurationPlan, sql: CurationSql): [string, string][] {
  const statements: [string, string][] = [['merge', sql.merge()]];
  if (plan.mode === 'merge') {
    statements.push(['latestChangePerKey', sql.latestChangePerKey()]);
  }
  statements.push(['merge with a caller-supplied change source', sql.merge({
    relation: '(SELECT * FROM raw_db.staged_changes WHERE batch_id = 42)',
    fileOrder: ['c.file_order', 'c.row_in_file'],
    filter: 'c.file_order > 7',
  })]);
  return statements;
}

describe('generated DML parses with the Trino grammar (Athena)', () => {
  test.each(plans)('%s plan', (_, plan) => {
    const { trino } = sqlGrammars();
    for (const [name, statement] of dmlStatements(plan, new CurationSql(plan, 'athena'))) {
      expect({ name, errors: describeErrors(trino.validate(statement)) }).toEqual({ name, errors: [] });
    }
  });

  test('the DuckDB dialect generates the same DML shape, which Trino parses too', () => {
    const { trino } = sqlGrammars();
    for (const [, plan] of plans) {
      for (const [name, statement] of dmlStatements(plan, new CurationSql(plan, 'duckdb'))) {
        expect({ name, errors: describeErrors(trino.validate(statement)) }).toEqual({ name, errors: [] });
      }
    }
  });
});

describe('generated DML parses with the Spark grammar', () => {
  test.each(plans)('%s plan', (_, plan) => {
    const { spark } = sqlGrammars();
    const dialect = new SparkDialect();
    for (const [name, statement] of dmlStatements(plan, new CurationSql(plan, dialect))) {
      // the grammar has no three-part names in MERGE INTO / INSERT INTO targets; the golden files pin those
      const twoPart = statement.replace(`INTO ${dialect.curatedTableName(plan.curated)} `, `INTO ${dialect.rawTableName(plan.curated)} `);
      expect({ name, errors: describeErrors(spark.validate(twoPart)) }).toEqual({ name, errors: [] });
    }
  });
});

describe('a whole-row identity that may hold NULL (nullableKey)', () => {
  const plan = new CurationPlan({
    source: { schema: 'public', table: 'audit_log', rawTable: { database: 'raw_sales', table: 'public_audit_log' } },
    curated: { database: 'curated', table: 'audit_log' },
    columns: [{ name: 'code', type: 'string' }, { name: 'amount', type: 'int' }],
    primaryKey: ['code', 'amount'],
    nullableKey: true,
  });

  test('is matched null-safely, and the MERGE parses in both grammars', () => {
    const { trino, spark } = sqlGrammars();
    const athena = new CurationSql(plan, 'athena').merge();
    expect(athena).toContain('ON t."code" IS NOT DISTINCT FROM s."code" AND t."amount" IS NOT DISTINCT FROM s."amount"');
    expect(describeErrors(trino.validate(athena))).toEqual([]);
    const dialect = new SparkDialect();
    const sparkMerge = new CurationSql(plan, dialect).merge()
      .replace(`INTO ${dialect.curatedTableName(plan.curated)} `, 'INTO `curated`.`audit_log` ');
    expect(sparkMerge).toContain('IS NOT DISTINCT FROM');
    expect(describeErrors(spark.validate(sparkMerge))).toEqual([]);
  });

  test('a primary key keeps plain equality', () => {
    expect(new CurationSql(EXAMPLE_PLANS.orders, 'athena').merge()).not.toContain('IS NOT DISTINCT FROM');
  });

  test('keeping duplicates, the copy-counting MERGE parses in both grammars', () => {
    const { trino, spark } = sqlGrammars();
    const counting = new CurationPlan({ ...plan.toJSON(), keepDuplicates: true });
    const athena = new CurationSql(counting, 'athena').merge();
    expect(athena).toContain('CROSS JOIN UNNEST(sequence(');
    expect(describeErrors(trino.validate(athena))).toEqual([]);
    // every type's stand-in for NULL in the equi-join form
    const types = ['boolean', 'int', 'bigint', 'float', 'double', 'decimal(12,2)', 'string', 'binary', 'date', 'timestamp'] as const;
    const columns = types.map((type, i) => ({ name: `c${i}`, type }));
    const everyType = new CurationPlan({ ...counting.toJSON(), columns, primaryKey: columns.map((c) => c.name) });
    const wide = new CurationSql(everyType, 'athena').merge();
    for (const zero of ['false', '0', "''", "X''", "DATE '1970-01-01'", "TIMESTAMP '1970-01-01 00:00:00'"]) expect(wide).toContain(`, ${zero}) = coalesce(`);
    expect(describeErrors(trino.validate(wide))).toEqual([]);
    const dialect = new SparkDialect();
    const sparkMerge = new CurationSql(counting, dialect).merge().split(`${dialect.catalog}.\``).join('`');
    expect(sparkMerge).toContain('LATERAL VIEW explode(sequence(');
    expect(describeErrors(spark.validate(sparkMerge))).toEqual([]);
  });
});

describe('the grammar check can fail', () => {
  // ANTLR also prints every syntax error through console.error; jest then maps each call's stack through the
  // 15 MB parser bundle, which takes minutes on a loaded machine. The errors are asserted through validate().
  beforeEach(() => {
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  test.each([
    ['trino', 'MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE t.x = 1'],
    ['spark', 'MERGE INTO db.t AS t USING (SELECT 1 AS id) AS s ON t.id = s.id WHEN MATCHED THEN DELETE WHERE'],
    ['trino', 'SELECT a, FROM t'],
    ['spark', 'SELECT a FROM FROM t'],
  ] as const)('%s rejects %s', (grammar, statement) => {
    expect(sqlGrammars()[grammar].validate(statement).length).toBeGreaterThan(0);
  });

  test('both grammars reject a generated MERGE with one clause broken', () => {
    const plan = EXAMPLE_PLANS.orders;
    const broken = (sql: string): string => sql.replace(' THEN DELETE', ' DELETE');
    expect(sqlGrammars().trino.validate(broken(new CurationSql(plan, 'athena').merge())).length).toBeGreaterThan(0);
    expect(sqlGrammars().spark.validate(broken(new CurationSql(plan, 'spark').merge().replace('glue_catalog.', ''))).length).toBeGreaterThan(0);
  });

  test('the Trino grammar rejects the reserved-word names unquoted, which is why every name is quoted', () => {
    const { trino } = sqlGrammars();
    expect(trino.validate('MERGE INTO group.order AS t USING values.order AS s ON t.x = s.x WHEN MATCHED THEN DELETE').length).toBeGreaterThan(0);
    expect(trino.validate(new CurationSql(EXAMPLE_PLANS.reserved, 'athena').merge().split('"').join('')).length).toBeGreaterThan(0);
  });

  test('the Spark grammar rejects the three-part MERGE target, which is why the golden files cover it', () => {
    expect(sqlGrammars().spark.validate(new CurationSql(EXAMPLE_PLANS.orders, 'spark').merge()).length).toBeGreaterThan(0);
  });
});

describe('generated Spark DDL and maintenance parse with the Spark grammar (CALL aside, which it lacks)', () => {
  test.each(plans)('%s plan', (_, plan) => {
    const { spark } = sqlGrammars();
    const dialect = new SparkDialect();
    const sql = new CurationSql(plan, dialect);
    const statements: [string, string][] = [
      ['createDatabase', sql.createDatabase()],
      ['createTable', sql.createTable()],
      ['addColumn', sql.addColumn({ name: 'values', type: 'timestamp' })],
      ['widenColumn', sql.widenColumn({ name: 'group', type: 'bigint' })],
      ...sql.maintenance().filter((s) => !s.startsWith('CALL ')).map((s): [string, string] => ['maintenance', s]),
    ];
    for (const [name, statement] of statements) {
      // two-part names, as for MERGE: the grammar has no catalog part in table names
      const twoPart = statement.split(`${dialect.catalog}.\``).join('`');
      expect({ name, errors: describeErrors(spark.validate(twoPart)) }).toEqual({ name, errors: [] });
    }
  });
});

describe('the Spark job specs parse with the Spark grammar (CALL aside), placeholders filled in', () => {
  test.each(Object.entries(SPARK_JOB_CASES))('%s', (_, { tables, options }) => {
    const spec = sparkJobSpec(tables, options);
    const { spark } = sqlGrammars();
    for (const table of spec.tables) {
      const statements = Object.entries(table.sql).flatMap(([key, value]) =>
        (Array.isArray(value) ? value.map((v, i): [string, string] => [`${key} ${i + 1}`, v]) : [[key, value as string]]));
      const checked = statements.filter(([, s]) => !s.startsWith('CALL '));
      expect(checked.length).toBeGreaterThanOrEqual(7);
      for (const [key, statement] of checked) {
        const filled = statement
          .replace(spec.placeholders.column, '`added`').replace(spec.placeholders.type, 'DECIMAL(12,2)')
          .replace(/\{columns:([A-Za-z_]\w*)\}/g, '$1.`sensor`, $1.`value`')
          // the grammar has no catalog part in table names
          .split(`${spec.catalog}.\``).join('`');
        expect({ key, errors: describeErrors(spark.validate(filled)) }).toEqual({ key, errors: [] });
      }
    }
  });
});
