import { countSqlStatements } from '../src/lake/sql-statements';

describe('countSqlStatements', () => {
  test.each([
    ['', 0],
    ['   \n\t ', 0],
    ['-- only a comment', 0],
    ['/* a /* nested */ comment */ ;', 0],
    [';;', 0],
    ['SELECT 1', 1],
    ['SELECT 1;', 1],
    ['SELECT 1 ;  -- done\n', 1],
    ['SELECT 1; SELECT 2', 2],
    ['SELECT 1;\nSELECT 2;\n;SELECT 3', 3],
    ['SELECT \';\' AS semi', 1],
    ['SELECT \'it\'\'s; fine\'', 1],
    ['SELECT "a;b" FROM t', 1],
    ['SELECT `a;b` FROM t', 1],
    ['SELECT 1 -- ; not a statement\n', 1],
    ['SELECT 1 /* ; */', 1],
    ['SELECT $$a;b$$', 1],
    ['SELECT $tag$a;$$;b$tag$; SELECT 2', 2],
    ['SELECT E\'\\\';\'', 1],
    ['SELECT \'\\\'; SELECT 2', 2],
    ['SELECT \'unterminated; SELECT 2', 1],
  ])('%j holds %i', (sql, expected) => {
    expect(countSqlStatements(sql)).toBe(expected);
  });

  test('Spark SQL: a backslash escapes a quote in any string', () => {
    expect(countSqlStatements('SELECT \'it\\\'s; one\'', { backslashEscapes: true })).toBe(1);
    expect(countSqlStatements('SELECT \'it\\\'s; one\'', { backslashEscapes: false })).toBe(2);
  });

  test('$ inside a name or a parameter starts no quote', () => {
    expect(countSqlStatements('SELECT * FROM "t$snapshots"; SELECT a$b FROM t')).toBe(2);
    expect(countSqlStatements('SELECT $1; SELECT $2')).toBe(2);
  });
});
