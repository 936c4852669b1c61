/**
 * A column type in Iceberg terms, written the way Athena DDL spells it:
 * `boolean`, `int`, `bigint`, `float`, `double`, `decimal(p,s)`, `string`, `binary`, `date`, `timestamp`.
 */
export type ColumnType =
  | 'boolean'
  | 'int'
  | 'bigint'
  | 'float'
  | 'double'
  | 'string'
  | 'binary'
  | 'date'
  | 'timestamp'
  | `decimal(${number},${number})`;

/** A column type taken apart. */
export type ParsedColumnType =
  | { readonly kind: 'boolean' | 'int' | 'bigint' | 'float' | 'double' | 'string' | 'binary' | 'date' | 'timestamp' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number };

const SIMPLE_TYPES = new Set(['boolean', 'int', 'bigint', 'float', 'double', 'string', 'binary', 'date', 'timestamp']);
const DECIMAL = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/;

/** The largest decimal precision Iceberg (and the Parquet files DMS writes) support. */
export const MAX_DECIMAL_PRECISION = 38;

/**
 * Parses a column type; returns `undefined` for anything that is not one of the supported types.
 */
export function parseColumnType(type: string): ParsedColumnType | undefined {
  const normalized = type.trim().toLowerCase();
  if (SIMPLE_TYPES.has(normalized)) {
    return { kind: normalized as 'boolean' };
  }
  const decimal = DECIMAL.exec(normalized);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    if (precision >= 1 && precision <= MAX_DECIMAL_PRECISION && scale <= precision) {
      return { kind: 'decimal', precision, scale };
    }
  }
  return undefined;
}

/** Writes a parsed type back in its canonical spelling (`decimal(12,2)`, `bigint`, …). */
export function formatColumnType(type: ParsedColumnType): ColumnType {
  return type.kind === 'decimal' ? `decimal(${type.precision},${type.scale})` : type.kind;
}

/** Parses a type that is known to be valid (validated plans only hold such types). */
export function columnTypeOf(type: ColumnType): ParsedColumnType {
  const parsed = parseColumnType(type);
  if (!parsed) {
    throw new Error(`"${type}" is not a column type; use boolean, int, bigint, float, double, decimal(p,s), string, binary, date or timestamp`);
  }
  return parsed;
}

/**
 * Whether values of type `from` can be stored in a column of type `to` without loss:
 * the same type, or one of the widenings Iceberg allows (int→bigint, float→double,
 * decimal(p,s)→decimal(p2,s) with p2 ≥ p).
 */
export function isWideningOrSame(from: ParsedColumnType, to: ParsedColumnType): boolean {
  if (from.kind === 'decimal' || to.kind === 'decimal') {
    return from.kind === 'decimal' && to.kind === 'decimal' && from.scale === to.scale && to.precision >= from.precision;
  }
  if (from.kind === to.kind) {
    return true;
  }
  return (from.kind === 'int' && to.kind === 'bigint') || (from.kind === 'float' && to.kind === 'double');
}

/** Whether two types are the same. */
export function sameColumnType(a: ParsedColumnType, b: ParsedColumnType): boolean {
  return formatColumnType(a) === formatColumnType(b);
}
