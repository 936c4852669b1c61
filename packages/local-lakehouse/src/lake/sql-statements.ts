/** Options of {@link countSqlStatements}. */
export interface SqlStatementOptions {
  /**
   * Whether a backslash escapes the next character in every string literal (Spark SQL). Without it only DuckDB's
   * `E'…'` strings take backslash escapes, as in DuckDB and Trino.
   * @default false
   */
  readonly backslashEscapes?: boolean;
}

const IDENTIFIER_CHAR = /[A-Za-z0-9_]/;
const DOLLAR_TAG = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/;

/**
 * How many statements `sql` holds: the `;`-separated parts that have something other than white space and
 * comments. A `;` inside a string literal (`'…'`, `E'…'`, `$$…$$` / `$tag$…$tag$`), a quoted identifier (`"…"`,
 * `` `…` ``) or a comment (`-- …`, nested `/* … *\/`) separates nothing; a trailing `;` adds no statement. Meant
 * for refusing several statements, or none, before an engine starts: an unterminated literal counts as content and
 * is left to the engine's parser to report.
 */
export function countSqlStatements(sql: string, options: SqlStatementOptions = {}): number {
  let count = 0;
  let content = false;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === '-' && next === '-') {
      const end = sql.indexOf('\n', i + 2);
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && next === '*') {
      i = skipBlockComment(sql, i);
    } else if (c === ';') {
      if (content) count++;
      content = false;
      i++;
    } else if (c === '\'') {
      const prefix = i > 0 ? sql[i - 1] : '';
      const escapes = options.backslashEscapes === true
        || ((prefix === 'E' || prefix === 'e') && (i < 2 || !IDENTIFIER_CHAR.test(sql[i - 2])));
      i = skipQuoted(sql, i, '\'', escapes);
      content = true;
    } else if (c === '"' || c === '`') {
      i = skipQuoted(sql, i, c, false);
      content = true;
    } else if (c === '$' && (i === 0 || !IDENTIFIER_CHAR.test(sql[i - 1])) && DOLLAR_TAG.test(sql.slice(i, i + 64))) {
      const tag = DOLLAR_TAG.exec(sql.slice(i, i + 64))![0];
      const end = sql.indexOf(tag, i + tag.length);
      i = end < 0 ? n : end + tag.length;
      content = true;
    } else {
      if (!/\s/.test(c)) content = true;
      i++;
    }
  }
  return content ? count + 1 : count;
}

/** The index after the quoted text starting at `start` (a doubled quote stays inside); the end when unterminated. */
function skipQuoted(sql: string, start: number, quote: string, backslashEscapes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashEscapes && c === '\\') {
      i += 2;
    } else if (c === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
      } else {
        return i + 1;
      }
    } else {
      i++;
    }
  }
  return sql.length;
}

/** The index after the (possibly nested) block comment starting at `start`; the end when unterminated. */
function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return sql.length;
}
