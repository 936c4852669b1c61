/** A table in a source database. In MySQL the schema is the database. */
export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

/**
 * A `schema.table` selector as DMS table mappings write it: `%` matches any
 * run of characters, everything else is literal (including `_`). Names with
 * dots or `%` can be written in double quotes (or MySQL backticks):
 * `"my.schema"."100%"`.
 */
export interface TablePattern {
  /** The selector as the user wrote it. */
  readonly text: string;
  readonly schema: RegExp;
  readonly table: RegExp;
}

export interface TablePatternOptions {
  /**
   * Schema for a selector without one (`orders` → `<defaultSchema>.orders`).
   * @default none: a selector without a schema is an error
   */
  readonly defaultSchema?: string;
  /**
   * Match names case-insensitively (MySQL with lower_case_table_names ≠ 0).
   * @default false
   */
  readonly caseInsensitive?: boolean;
}

/** Thrown for a selector that cannot be parsed; the message names it. */
export class TablePatternError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TablePatternError';
  }
}

interface PatternPart {
  readonly source: string;
  readonly raw: string;
  /** True when the part has an unquoted `%`. */
  readonly wildcard: boolean;
}

const QUOTES = new Set(['"', '`']);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function splitParts(text: string): PatternPart[] {
  const parts: PatternPart[] = [];
  let source = '';
  let raw = '';
  let wildcard = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (QUOTES.has(ch)) {
      // Quoted: literal up to the closing quote; a doubled quote is one quote character.
      let j = i + 1;
      let literal = '';
      for (;;) {
        if (j >= text.length) {
          throw new TablePatternError(`table selector ${JSON.stringify(text)}: unterminated ${ch}`);
        }
        if (text[j] === ch) {
          if (text[j + 1] === ch) {
            literal += ch;
            j += 2;
            continue;
          }
          break;
        }
        literal += text[j];
        j += 1;
      }
      source += escapeRegExp(literal);
      raw += literal;
      i = j + 1;
    } else if (ch === '.') {
      parts.push({ source, raw, wildcard });
      source = '';
      raw = '';
      wildcard = false;
      i += 1;
    } else {
      source += ch === '%' ? '.*' : escapeRegExp(ch);
      wildcard ||= ch === '%';
      raw += ch;
      i += 1;
    }
  }
  parts.push({ source, raw, wildcard });
  return parts;
}

/**
 * Parses a `schema.table` selector; `%` is a wildcard.
 * @throws TablePatternError naming the selector and what is wrong with it
 */
export function parseTablePattern(text: string, options: TablePatternOptions = {}): TablePattern {
  const trimmed = text.trim();
  if (trimmed === '') {
    throw new TablePatternError('empty table selector: write schema.table, e.g. public.orders or public.%');
  }
  const parts = splitParts(trimmed);
  if (parts.length > 2) {
    throw new TablePatternError(
      `table selector ${JSON.stringify(trimmed)} has more than one dot: write schema.table, quoting names that contain dots ("my.schema".orders)`,
    );
  }
  if (parts.some((part) => part.raw === '')) {
    throw new TablePatternError(`table selector ${JSON.stringify(trimmed)} has an empty schema or table name: write schema.table`);
  }
  const flags = options.caseInsensitive ? 'i' : '';
  let schemaSource: string;
  let tableSource: string;
  if (parts.length === 1) {
    if (options.defaultSchema === undefined) {
      throw new TablePatternError(`table selector ${JSON.stringify(trimmed)} has no schema: write schema.table`);
    }
    schemaSource = escapeRegExp(options.defaultSchema);
    tableSource = parts[0].source;
  } else {
    schemaSource = parts[0].source;
    tableSource = parts[1].source;
  }
  return {
    text: trimmed,
    schema: new RegExp(`^${schemaSource}$`, `s${flags}`),
    table: new RegExp(`^${tableSource}$`, `s${flags}`),
  };
}

/**
 * Parses an exact `schema.table` name (no wildcards), e.g. for GRANT
 * statements. Names with dots can be double-quoted.
 * @throws TablePatternError naming the input and what is wrong with it
 */
export function parseTableName(text: string, defaultSchema?: string): TableRef {
  const trimmed = text.trim();
  const parts = splitParts(trimmed);
  if (parts.length > 2 || parts.some((part) => part.raw === '')) {
    throw new TablePatternError(`table name ${JSON.stringify(trimmed)}: write schema.table, quoting names that contain dots ("my.schema".orders)`);
  }
  if (parts.some((part) => part.wildcard)) {
    throw new TablePatternError(`table name ${JSON.stringify(trimmed)} has a % wildcard: name each table, or grant on the whole schema`);
  }
  if (parts.length === 1) {
    if (defaultSchema === undefined) {
      throw new TablePatternError(`table name ${JSON.stringify(trimmed)} has no schema: write schema.table`);
    }
    return { schema: defaultSchema, name: parts[0].raw };
  }
  return { schema: parts[0].raw, name: parts[1].raw };
}

/** Splits a comma-separated list of selectors (`a.t1,a.t2`), ignoring empty entries; quoted names may contain commas. */
export function splitTableList(list: string): string[] {
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const ch of list) {
    if (quote !== undefined) {
      current += ch;
      if (ch === quote) {
        quote = undefined;
      }
    } else if (QUOTES.has(ch)) {
      quote = ch;
      current += ch;
    } else if (ch === ',') {
      items.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** Which tables a set of selectors picked, and which selectors matched nothing. */
export interface TableSelection<T extends TableRef = TableRef> {
  /** Matching tables, each once, in the order of `tables`. */
  readonly selected: T[];
  /** Selectors (as written) that matched no table. */
  readonly unmatched: string[];
}

/** Applies selectors to the tables that exist. */
export function selectTables<T extends TableRef>(patterns: readonly TablePattern[], tables: readonly T[]): TableSelection<T> {
  const matched = new Set<TablePattern>();
  const selected = tables.filter((table) => {
    let any = false;
    for (const pattern of patterns) {
      if (pattern.schema.test(table.schema) && pattern.table.test(table.name)) {
        matched.add(pattern);
        any = true;
      }
    }
    return any;
  });
  return { selected, unmatched: patterns.filter((pattern) => !matched.has(pattern)).map((pattern) => pattern.text) };
}

/** `schema.table` for messages (not for SQL: names are not quoted). */
export function displayName(table: TableRef): string {
  return `${table.schema}.${table.name}`;
}
