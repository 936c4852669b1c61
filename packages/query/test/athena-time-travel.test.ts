import { parseAt, qualifiedTable, rewriteTimeTravel, snapshotHistorySql, TableNameError, TimeTravelError, timestampLiteral } from '../src/athena';

const NOW = new Date('2024-06-01T12:00:00.000Z');
const AT = new Date('2024-05-01T10:00:00.000Z');
const TT = 'FOR TIMESTAMP AS OF TIMESTAMP \'2024-05-01 10:00:00.000 UTC\'';

describe('parseAt', () => {
  test.each([
    ['2024-05-01', '2024-05-01T00:00:00.000Z'],
    ['2024-05-01T10:00:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01 10:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01 10:00:00 UTC', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T05:30:00-0430', '2024-05-01T10:00:00.000Z'],
    ['2024-05-01T10:00:00.123456', '2024-05-01T10:00:00.123Z'],
    ['-6h', '2024-06-01T06:00:00.000Z'],
    ['-1d', '2024-05-31T12:00:00.000Z'],
    ['-30m', '2024-06-01T11:30:00.000Z'],
    ['-2w', '2024-05-18T12:00:00.000Z'],
  ])('%s', (input, expected) => {
    expect(parseAt(input, NOW).toISOString()).toBe(expected);
  });

  test.each([
    ['yesterday', /^--at: cannot read "yesterday"; e\.g\. --at 2024-05-01/],
    ['6h', /^--at: cannot read "6h"/],
    ['2024-02-30', /^--at: "2024-02-30" is not a real date and time/],
    ['2024-05-01T25:00:00', /^--at: "2024-05-01T25:00:00" is not a real date and time/],
    ['2024-07-01', /^--at: 2024-07-01T00:00:00.000Z is in the future/],
  ])('rejects %s in one line', (input, message) => {
    const error = (() => { try { parseAt(input, NOW); } catch (err) { return err as Error; } return undefined; })();
    expect(error).toBeInstanceOf(TimeTravelError);
    expect(error!.message).toMatch(message);
    expect(error!.message).not.toContain('\n');
  });

  test('the literal is UTC with milliseconds', () => {
    expect(timestampLiteral(AT)).toBe('TIMESTAMP \'2024-05-01 10:00:00.000 UTC\'');
  });
});

describe('rewriteTimeTravel', () => {
  test.each([
    ['SELECT * FROM items', `SELECT * FROM items ${TT}`],
    ['select * from curated_orders.items i where i.id > 3', `select * from curated_orders.items ${TT} i where i.id > 3`],
    ['SELECT * FROM "curated_orders"."items" AS i', `SELECT * FROM "curated_orders"."items" ${TT} AS i`],
    ['SELECT * FROM awsdatacatalog.db.t', `SELECT * FROM awsdatacatalog.db.t ${TT}`],
    ['SELECT * FROM a x, b AS y, c WHERE x.id = y.id', `SELECT * FROM a ${TT} x, b ${TT} AS y, c ${TT} WHERE x.id = y.id`],
    [
      'SELECT * FROM a JOIN b ON a.id = b.id LEFT OUTER JOIN c USING (id) CROSS JOIN d',
      `SELECT * FROM a ${TT} JOIN b ${TT} ON a.id = b.id LEFT OUTER JOIN c ${TT} USING (id) CROSS JOIN d ${TT}`,
    ],
    [
      'SELECT * FROM (SELECT id FROM a) s JOIN (SELECT id FROM b) t ON s.id = t.id',
      `SELECT * FROM (SELECT id FROM a ${TT}) s JOIN (SELECT id FROM b ${TT}) t ON s.id = t.id`,
    ],
    ['SELECT * FROM (SELECT id FROM a) s, b', `SELECT * FROM (SELECT id FROM a ${TT}) s, b ${TT}`],
    [
      'WITH recent AS (SELECT * FROM orders WHERE ts > now()), x (n) AS (SELECT 1 FROM y) SELECT * FROM recent JOIN x ON true',
      `WITH recent AS (SELECT * FROM orders ${TT} WHERE ts > now()), x (n) AS (SELECT 1 FROM y ${TT}) SELECT * FROM recent JOIN x ON true`,
    ],
    [
      'SELECT EXTRACT(YEAR FROM ts), substring(s FROM 2), trim(BOTH \'x\' FROM s) FROM t WHERE a IS DISTINCT FROM b',
      `SELECT EXTRACT(YEAR FROM ts), substring(s FROM 2), trim(BOTH 'x' FROM s) FROM t ${TT} WHERE a IS DISTINCT FROM b`,
    ],
    [
      'SELECT \'FROM fake\' AS s, "from" FROM t -- FROM comment\n/* JOIN nothing */ WHERE id IN (SELECT id FROM u)',
      `SELECT 'FROM fake' AS s, "from" FROM t ${TT} -- FROM comment\n/* JOIN nothing */ WHERE id IN (SELECT id FROM u ${TT})`,
    ],
    ['SELECT * FROM t CROSS JOIN UNNEST(t.tags) AS x (tag)', `SELECT * FROM t ${TT} CROSS JOIN UNNEST(t.tags) AS x (tag)`],
    ['(SELECT * FROM a) UNION ALL (SELECT * FROM b);', `(SELECT * FROM a ${TT}) UNION ALL (SELECT * FROM b ${TT});`],
    ['SELECT * FROM "it""s"', `SELECT * FROM "it""s" ${TT}`],
  ])('%s', (sql, expected) => {
    expect(rewriteTimeTravel(sql, AT)).toBe(expected);
  });

  test.each([
    ['INSERT INTO t SELECT * FROM u', /^--at works on SELECT queries only, not INSERT/],
    ['SHOW TABLES', /^--at works on SELECT queries only, not SHOW/],
    ['SELECT 1', /^--at: the query reads no table/],
    ['SELECT * FROM t; SELECT * FROM u', /^--at: the query has several statements/],
    ['SELECT * FROM t FOR VERSION AS OF 123', /^--at: t already has FOR … AS OF/],
    ['SELECT * FROM "db"."t$snapshots"', /^--at: db\.t\$snapshots is a metadata table/],
    ['SELECT \'open FROM t', /^--at: the query has an unterminated string literal/],
    ['SELECT * FROM t /* open', /^--at: the query has an unterminated \/\* comment/],
    ['SELECT * FROM (SELECT * FROM t', /^--at: the query has an unbalanced parenthesis/],
    ['', /^--at: the query is empty/],
  ])('cannot rewrite %s (one line)', (sql, message) => {
    expect(() => rewriteTimeTravel(sql, AT)).toThrow(TimeTravelError);
    expect(() => rewriteTimeTravel(sql, AT)).toThrow(message);
  });
});

describe('history SQL', () => {
  test('db.table and --database', () => {
    const expected = 'SELECT committed_at, snapshot_id, parent_id, operation, summary FROM "curated_orders"."items$snapshots" ORDER BY committed_at';
    expect(snapshotHistorySql('curated_orders.items')).toBe(expected);
    expect(snapshotHistorySql('Items', 'CURATED_ORDERS')).toBe(expected);
    expect(snapshotHistorySql('curated_orders.items', 'other')).toBe(expected);
  });

  test.each([
    ['items', undefined, 'no database for "items"; give it as DATABASE.TABLE or add --database DATABASE'],
    ['a.b.c', undefined, '"a.b.c" is not a table name; give TABLE or DATABASE.TABLE, e.g. curated_orders.items'],
    ['db.it"ems', undefined, '"it\\"ems" is not a Glue name (letters, digits and _ only); check the table name'],
  ])('rejects %s', (table, database, message) => {
    expect(() => qualifiedTable(table, database)).toThrow(new TableNameError(message));
  });
});
