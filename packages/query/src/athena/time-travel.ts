/** Bad `--at` input or a statement `--at` cannot rewrite; the message is one line saying what to do. */
export class TimeTravelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeTravelError';
  }
}

const RELATIVE_UNITS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const AT_EXAMPLES = 'e.g. --at 2024-05-01, --at 2024-05-01T12:00:00Z, --at "2024-05-01 14:00:00+02:00" or --at -6h';

/**
 * The instant of an `--at` value: an ISO date (midnight UTC), an ISO date-time (UTC unless it has `Z` or an offset
 * such as `+02:00`; `T` or a space between date and time) or a relative time before `now`: `-30m`, `-6h`, `-1d`, `-2w`.
 */
export function parseAt(value: string, now: Date = new Date()): Date {
  const text = value.trim();
  const relative = /^-(\d+)\s*([smhdw])$/.exec(text);
  if (relative !== null) {
    return new Date(now.getTime() - Number(relative[1]) * RELATIVE_UNITS[relative[2]]);
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?)?\s*(Z|UTC|[+-]\d{2}(?::?\d{2})?)?$/i.exec(text);
  if (match === null) {
    throw new TimeTravelError(`--at: cannot read ${JSON.stringify(value)}; ${AT_EXAMPLES}`);
  }
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', zone = 'Z'] = match;
  const millis = fraction === '' ? '' : fraction.slice(0, 4).padEnd(4, '0');
  const offset = /^(Z|UTC)$/i.test(zone) ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(3).replace(':', '') || '00'}`;
  const iso = `${year}-${month}-${day}T${hour}:${minute}:${second}${millis}${offset}`;
  const instant = new Date(iso);
  // Date accepts 2024-02-30 (rolls over); check the fields survive the round trip in the given offset.
  const check = Number.isNaN(instant.getTime()) ? '' : new Date(instant.getTime() + offsetMinutes(offset) * 60_000).toISOString();
  if (check.slice(0, 19) !== `${year}-${month}-${day}T${hour}:${minute}:${second}`) {
    throw new TimeTravelError(`--at: ${JSON.stringify(value)} is not a real date and time; ${AT_EXAMPLES}`);
  }
  if (instant.getTime() > now.getTime()) {
    throw new TimeTravelError(`--at: ${instant.toISOString()} is in the future; give a time in the past, ${AT_EXAMPLES}`);
  }
  return instant;
}

function offsetMinutes(offset: string): number {
  if (offset === 'Z') {
    return 0;
  }
  const sign = offset.startsWith('-') ? -1 : 1;
  return sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6)));
}

/** `TIMESTAMP '2024-05-01 12:00:00.000 UTC'`: the Athena literal for an instant. */
export function timestampLiteral(instant: Date): string {
  return `TIMESTAMP '${instant.toISOString().replace('T', ' ').replace('Z', '')} UTC'`;
}

interface Token {
  readonly kind: 'word' | 'quoted' | 'symbol' | 'string' | 'number';
  /** Upper-case for words, the name for quoted identifiers, the character for symbols. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** SQL tokens, comments and whitespace dropped. Throws on an unterminated string, identifier or comment. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const char = sql[i];
    if (/\s/.test(char)) {
      i += 1;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? sql.length : end + 1;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) {
        throw new TimeTravelError('--at: the query has an unterminated /* comment; close it with */');
      }
      i = end + 2;
    } else if (char === '\'' || char === '"' || char === '`') {
      const end = closingQuote(sql, i, char);
      const inner = sql.slice(i + 1, end).split(char + char).join(char);
      tokens.push({ kind: char === '\'' ? 'string' : 'quoted', value: inner, start: i, end: end + 1 });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(char)) {
      const match = /^[A-Za-z_][A-Za-z0-9_$@]*/.exec(sql.slice(i))!;
      tokens.push({ kind: 'word', value: match[0].toUpperCase(), start: i, end: i + match[0].length });
      i += match[0].length;
    } else if (/[0-9]/.test(char)) {
      const match = /^[0-9][0-9.eE]*/.exec(sql.slice(i))!;
      tokens.push({ kind: 'number', value: match[0], start: i, end: i + match[0].length });
      i += match[0].length;
    } else {
      tokens.push({ kind: 'symbol', value: char, start: i, end: i + 1 });
      i += 1;
    }
  }
  return tokens;
}

function closingQuote(sql: string, start: number, quote: string): number {
  let i = start + 1;
  for (;;) {
    const end = sql.indexOf(quote, i);
    if (end === -1) {
      const what = quote === '\'' ? 'string literal' : 'quoted identifier';
      throw new TimeTravelError(`--at: the query has an unterminated ${what} (${quote}); close it`);
    }
    if (sql[end + 1] === quote) {
      i = end + 2;
    } else {
      return end;
    }
  }
}

const isWord = (token: Token | undefined, ...words: string[]): boolean => token?.kind === 'word' && words.includes(token.value);
const isSymbol = (token: Token | undefined, symbol: string): boolean => token?.kind === 'symbol' && token.value === symbol;
const isName = (token: Token | undefined): boolean => token?.kind === 'word' || token?.kind === 'quoted';

/** Words that end a table reference where an alias could stand. */
const CLAUSE_WORDS = new Set([
  'WHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'OFFSET', 'FETCH', 'UNION', 'INTERSECT', 'EXCEPT', 'JOIN', 'INNER', 'LEFT', 'RIGHT',
  'FULL', 'CROSS', 'NATURAL', 'ON', 'USING', 'WINDOW', 'TABLESAMPLE', 'FOR', 'AS', 'WITH', 'SELECT', 'FROM',
]);

/**
 * Rewrites a SELECT so every table it reads is read as of `instant`: `FOR TIMESTAMP AS OF TIMESTAMP '<utc> UTC'` goes
 * after each table named after FROM or JOIN (and after the commas of a FROM list). Strings, comments, function calls
 * (`EXTRACT(x FROM y)`), subqueries in parentheses (their own FROMs are rewritten), UNNEST and names of WITH queries
 * are left alone. Throws TimeTravelError (one line) for what it cannot rewrite: other statements, several
 * statements, a table that already has FOR … AS OF, metadata tables (`t$snapshots`), or a query with no table.
 */
export function rewriteTimeTravel(sql: string, instant: Date): string {
  const tokens = tokenize(sql);
  const literal = timestampLiteral(instant);
  const first = tokens.find((token) => !isSymbol(token, '('));
  if (first === undefined) {
    throw new TimeTravelError('--at: the query is empty; give a SELECT statement');
  }
  if (!isWord(first, 'SELECT', 'WITH')) {
    throw new TimeTravelError(`--at works on SELECT queries only, not ${first.value}; leave out --at or query the table's history instead`);
  }
  const semicolon = tokens.findIndex((token) => isSymbol(token, ';'));
  if (semicolon !== -1 && semicolon < tokens.length - 1) {
    throw new TimeTravelError('--at: the query has several statements; run one SELECT at a time');
  }

  const rewriter = new TableRewriter(tokens, withQueryNames(tokens));
  rewriter.scan(0, tokens.length, true);
  if (rewriter.inserts.length === 0) {
    throw new TimeTravelError('--at: the query reads no table (after FROM or JOIN) that could travel in time; leave out --at');
  }
  let rewritten = sql;
  for (const offset of [...rewriter.inserts].sort((a, b) => b - a)) {
    rewritten = `${rewritten.slice(0, offset)} FOR TIMESTAMP AS OF ${literal}${rewritten.slice(offset)}`;
  }
  return rewritten;
}

/** Finds the table references of a token list; `inserts` are the offsets right after each table name. */
class TableRewriter {
  readonly inserts: number[] = [];

  constructor(private readonly tokens: readonly Token[], private readonly cteNames: ReadonlySet<string>) {}

  /** Scans tokens [start, end); FROM and JOIN count only in a query (not in `EXTRACT(YEAR FROM ts)`). */
  scan(start: number, end: number, isQuery: boolean): void {
    const tokens = this.tokens;
    for (let index = start; index < end; index += 1) {
      const token = tokens[index];
      if (isSymbol(token, '(')) {
        index = this.parenthesis(index);
      } else if (isQuery && isWord(token, 'FROM') && !isWord(tokens[index - 1], 'DISTINCT')) {
        index = this.fromList(index + 1);
      } else if (isQuery && isWord(token, 'JOIN')) {
        index = this.tableReference(index + 1);
      }
    }
  }

  /** Scans a parenthesis (a subquery if it starts with SELECT or WITH); returns the index of its `)`. */
  private parenthesis(open: number): number {
    const close = matchingParenthesis(this.tokens, open);
    const next = this.tokens.slice(open + 1, close).find((candidate) => !isSymbol(candidate, '('));
    this.scan(open + 1, close, isWord(next, 'SELECT', 'WITH'));
    return close;
  }

  /** One table reference at `index`; returns the index of its last token (before any alias). */
  private tableReference(index: number): number {
    const tokens = this.tokens;
    const token = tokens[index];
    if (isSymbol(token, '(')) {
      return this.parenthesis(index);
    }
    if (isWord(token, 'LATERAL', 'UNNEST', 'TABLE') && isSymbol(tokens[index + 1], '(')) {
      return this.parenthesis(index + 1);
    }
    if (!isName(token)) {
      return index - 1;
    }
    let end = index;
    while (isSymbol(tokens[end + 1], '.') && isName(tokens[end + 2])) {
      end += 2;
    }
    if (isSymbol(tokens[end + 1], '(')) {
      return this.parenthesis(end + 1); // a table function
    }
    const parts = tokens.slice(index, end + 1).filter((part) => isName(part)).map((part) => part.value.toLowerCase());
    if (parts.length === 1 && this.cteNames.has(parts[0])) {
      return end;
    }
    if (parts.some((part) => part.includes('$'))) {
      throw new TimeTravelError(`--at: ${parts.join('.')} is a metadata table, which has no history; leave out --at`);
    }
    if (isWord(tokens[end + 1], 'FOR')) {
      throw new TimeTravelError(`--at: ${parts.join('.')} already has FOR … AS OF; leave out --at or that clause`);
    }
    this.inserts.push(tokens[end].end);
    return end;
  }

  /** `FROM a [AS] x, (subquery) y, b, …` from `index`; returns the index of the last token it consumed. */
  private fromList(index: number): number {
    const tokens = this.tokens;
    let position = index;
    for (;;) {
      let next = this.tableReference(position) + 1;
      if (isWord(tokens[next], 'AS')) {
        next += 1;
      }
      if (isName(tokens[next]) && !(tokens[next].kind === 'word' && CLAUSE_WORDS.has(tokens[next].value))) {
        next += 1;
        if (isSymbol(tokens[next], '(')) {
          next = matchingParenthesis(tokens, next) + 1;
        }
      }
      if (!isSymbol(tokens[next], ',')) {
        return next - 1;
      }
      position = next + 1;
    }
  }
}

function matchingParenthesis(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let index = open; index < tokens.length; index += 1) {
    if (isSymbol(tokens[index], '(')) {
      depth += 1;
    } else if (isSymbol(tokens[index], ')')) {
      depth -= 1;
      if (depth === 0) {
        return index;
      }
    }
  }
  throw new TimeTravelError('--at: the query has an unbalanced parenthesis; close every (');
}

/** The names of the WITH queries of every WITH clause (lower case). */
function withQueryNames(tokens: readonly Token[]): Set<string> {
  const names = new Set<string>();
  for (let index = 0; index < tokens.length; index += 1) {
    if (!isWord(tokens[index], 'WITH')) {
      continue;
    }
    let position = index + 1;
    if (isWord(tokens[position], 'RECURSIVE')) {
      position += 1;
    }
    while (isName(tokens[position])) {
      const name = tokens[position].value.toLowerCase();
      position += 1;
      if (isSymbol(tokens[position], '(')) {
        position = matchingParenthesis(tokens, position) + 1;
      }
      if (!isWord(tokens[position], 'AS') || !isSymbol(tokens[position + 1], '(')) {
        break;
      }
      names.add(name);
      position = matchingParenthesis(tokens, position + 1) + 1;
      if (!isSymbol(tokens[position], ',')) {
        break;
      }
      position += 1;
    }
  }
  return names;
}
