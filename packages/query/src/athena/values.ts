import type { ColumnInfo, Datum } from '@aws-sdk/client-athena';
import { Cell, kindOfType, ResultColumn, ValueKind } from '../render';

/** The result columns of an Athena result set: name (label first), Athena type name and its value kind. */
export function athenaColumns(columnInfo: readonly ColumnInfo[]): ResultColumn[] {
  return columnInfo.map((info, index) => {
    const type = (info.Type ?? 'varchar').toLowerCase();
    return { name: info.Label ?? info.Name ?? `_col${index}`, type, kind: kindOfType(type) };
  });
}

/**
 * One Athena datum as a cell of its column's kind. Athena sends every value as text (`VarCharValue`) and a null as a
 * datum without one. Arrays, maps and rows come as Athena's display text (`[1, 2]`, `{k=v}`); they are parsed best
 * effort (a string that contains `, ` or `=` cannot be told apart): `CAST(x AS JSON)` in the query is exact.
 */
export function athenaCell(datum: Datum | undefined, column: ResultColumn): Cell {
  const text = datum?.VarCharValue;
  if (text === undefined) {
    return null;
  }
  return convertText(text, column.kind, column.type);
}

function convertText(text: string, kind: ValueKind, type: string): Cell {
  switch (kind) {
    case 'integer':
      return integerCell(text);
    case 'decimal':
      return text.trim();
    case 'float':
      return floatCell(text);
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'binary':
      return text.replace(/\s+/g, '').toLowerCase();
    case 'json':
      return jsonCell(text, type);
    default:
      // text, date, timestamp, time: Athena's text is already canonical.
      return text;
  }
}

function integerCell(text: string): Cell {
  const trimmed = text.trim();
  if (!/^-?\d+$/.test(trimmed)) {
    return text;
  }
  const value = Number(trimmed);
  return Number.isSafeInteger(value) ? value : BigInt(trimmed);
}

function floatCell(text: string): Cell {
  const trimmed = text.trim();
  if (trimmed === 'NaN' || trimmed === 'Infinity' || trimmed === '-Infinity') {
    return trimmed;
  }
  const value = Number(trimmed);
  return trimmed === '' || Number.isNaN(value) ? text : value;
}

function jsonCell(text: string, type: string): Cell {
  if (type === 'json') {
    try {
      return JSON.parse(text) as Cell;
    } catch {
      return text;
    }
  }
  return parseAthenaStructured(text);
}

/**
 * Athena's display text of an array (`[a, b]`), map or row (`{k=v, k2=v2}`) as JSON-able values; the text itself
 * when it does not parse. Scalars become numbers (safe integers and finite decimals), booleans, null or strings.
 */
export function parseAthenaStructured(text: string): Cell {
  const parser = new StructuredTextParser(text);
  try {
    const value = parser.value(new Set());
    return parser.atEnd() ? (value as Cell) : text;
  } catch {
    return text;
  }
}

class StructuredTextParser {
  private position = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  /** A value ending at one of `stops` (outside brackets) or at the end. */
  value(stops: ReadonlySet<string>): unknown {
    const char = this.text[this.position];
    if (char === '[') {
      return this.array();
    }
    if (char === '{') {
      return this.object();
    }
    return scalar(this.scalarText(stops));
  }

  private array(): unknown[] {
    this.position += 1;
    const items: unknown[] = [];
    if (this.text[this.position] === ']') {
      this.position += 1;
      return items;
    }
    for (;;) {
      items.push(this.value(ARRAY_STOPS));
      if (this.separator(']')) {
        return items;
      }
    }
  }

  private object(): Record<string, unknown> {
    this.position += 1;
    const entries: Record<string, unknown> = {};
    if (this.text[this.position] === '}') {
      this.position += 1;
      return entries;
    }
    for (;;) {
      const key = this.scalarText(KEY_STOPS);
      if (this.text[this.position] !== '=') {
        throw new Error('expected =');
      }
      this.position += 1;
      entries[key] = this.value(OBJECT_STOPS);
      if (this.separator('}')) {
        return entries;
      }
    }
  }

  /** After an item: `, ` continues (false), `close` ends (true); anything else does not parse. */
  private separator(close: string): boolean {
    const char = this.text[this.position];
    if (char === close) {
      this.position += 1;
      return true;
    }
    if (char === ',') {
      this.position += this.text[this.position + 1] === ' ' ? 2 : 1;
      return false;
    }
    throw new Error(`expected , or ${close}`);
  }

  private scalarText(stops: ReadonlySet<string>): string {
    const start = this.position;
    while (this.position < this.text.length && !stops.has(this.text[this.position])) {
      this.position += 1;
    }
    return this.text.slice(start, this.position);
  }
}

const ARRAY_STOPS: ReadonlySet<string> = new Set([',', ']']);
const OBJECT_STOPS: ReadonlySet<string> = new Set([',', '}']);
const KEY_STOPS: ReadonlySet<string> = new Set(['=', ',', '}']);

function scalar(text: string): unknown {
  if (text === 'null') {
    return null;
  }
  if (text === 'true' || text === 'false') {
    return text === 'true';
  }
  if (/^-?\d+$/.test(text)) {
    const value = Number(text);
    return Number.isSafeInteger(value) ? value : text;
  }
  if (/^-?\d+\.\d+(E[-+]?\d+)?$/i.test(text) && Number.isFinite(Number(text))) {
    return Number(text);
  }
  return text;
}
