import { ColumnType } from '@cdc-lakehouse/curation';

/**
 * How a source value travels: PostgreSQL prints it as text (COPY for the full load,
 * test_decoding for CDC), DuckDB turns the text into the Parquet type DMS writes.
 * - `int`, `float`, `boolean`: cast from PostgreSQL's text;
 * - `date`, `timestamp`: cast from PostgreSQL's text (timestamps are printed in UTC); BC values keep their year
 *   (`0044-03-15 BC` is the proleptic year -43), `infinity` and `-infinity` become NULL, and so do timestamps
 *   after 294247-01-10, where DuckDB's end;
 * - `decimal`: numeric(p≤38,s), cast to DECIMAL(p,s); NaN and ±Infinity become NULL;
 * - `numeric`: unconstrained numeric, DECIMAL(28,6) rounded half away from zero as DMS does; NaN, ±Infinity and
 *   values of 10^22 or more (which DECIMAL(28,6) cannot hold) become NULL;
 * - `money`: DECIMAL(38,4) from the digits of `$1,234.56` (or `1.234,56 €`: any lc_monetary), read at the
 *   column's {@link DmsTypeMapping.moneyFractionDigits};
 * - `binary`: bytea, from PostgreSQL's hex text `\x0a0b`;
 * - `bit`: bit strings as text `0101`;
 * - `text`: everything else as PostgreSQL prints it (text, varchar, char with its padding, uuid, json, jsonb,
 *   arrays, interval, time, inet, enums, numeric(p≥39), …).
 */
export type ValueKind = 'int' | 'float' | 'decimal' | 'numeric' | 'money' | 'boolean' | 'date' | 'timestamp' | 'binary' | 'bit' | 'text';

/** What DMS writes for one PostgreSQL type. */
export interface DmsTypeMapping {
  /** The Parquet type in Iceberg terms (`bigint`, `decimal(12,2)`, `string`, …): the curated column's type. */
  readonly type: ColumnType;
  /** The DuckDB type of the raw file's column (SMALLINT for smallint: Parquet INT32 annotated INT_16, as DMS writes it). */
  readonly rawType: string;
  /** How the value is converted (see {@link ValueKind}). */
  readonly kind: ValueKind;
  /**
   * `money` only: the digits after the decimal point in PostgreSQL's text of a money value, which
   * the source's lc_monetary decides (2 for most locales, 0 for yen). The value is read from its digits alone.
   * @default 2
   */
  readonly moneyFractionDigits?: number;
}

/** Precision and scale DMS uses for an unconstrained numeric. */
export const UNCONSTRAINED_NUMERIC = Object.freeze({ precision: 28, scale: 6 });

const INT_TYPES: Record<string, [ColumnType, string]> = {
  int2: ['int', 'SMALLINT'],
  int4: ['int', 'INTEGER'],
  int8: ['bigint', 'BIGINT'],
  oid: ['bigint', 'BIGINT'],
};

/**
 * The DMS mapping of a PostgreSQL type (dms-facts.md): numeric(p≤38,s) → decimal(p,s);
 * unconstrained numeric → decimal(28,6); numeric(p≥39) → string; money → decimal(38,4);
 * timestamp / timestamptz → timestamp (UTC); bytea → binary; boolean → boolean (what a real
 * DMS file held); json, jsonb, uuid, arrays, interval and every other type → string.
 *
 * @param baseType `pg_type.typname` of the column's type (of the base type, for a domain)
 * @param typmod `pg_attribute.atttypmod` (-1 when unconstrained)
 * @param category `pg_type.typcategory` (`A` for arrays)
 */
export function dmsTypeMapping(baseType: string, typmod: number, category: string): DmsTypeMapping {
  if (category === 'A') {
    return { type: 'string', rawType: 'VARCHAR', kind: 'text' };
  }
  const int = INT_TYPES[baseType];
  if (int) {
    return { type: int[0], rawType: int[1], kind: 'int' };
  }
  switch (baseType) {
    case 'float4':
      return { type: 'float', rawType: 'FLOAT', kind: 'float' };
    case 'float8':
      return { type: 'double', rawType: 'DOUBLE', kind: 'float' };
    case 'numeric': {
      if (typmod < 4) {
        const { precision, scale } = UNCONSTRAINED_NUMERIC;
        return { type: `decimal(${precision},${scale})`, rawType: `DECIMAL(${precision},${scale})`, kind: 'numeric' };
      }
      const precision = Math.floor((typmod - 4) / 65536);
      const scale = (typmod - 4) % 65536;
      if (precision >= 1 && precision <= 38 && scale <= precision) {
        return { type: `decimal(${precision},${scale})`, rawType: `DECIMAL(${precision},${scale})`, kind: 'decimal' };
      }
      // numeric(p≥39) and negative scales: DMS writes a string
      return { type: 'string', rawType: 'VARCHAR', kind: 'text' };
    }
    case 'money':
      return { type: 'decimal(38,4)', rawType: 'DECIMAL(38,4)', kind: 'money' };
    case 'bool':
      return { type: 'boolean', rawType: 'BOOLEAN', kind: 'boolean' };
    case 'date':
      return { type: 'date', rawType: 'DATE', kind: 'date' };
    case 'timestamp':
    case 'timestamptz':
      return { type: 'timestamp', rawType: 'TIMESTAMP', kind: 'timestamp' };
    case 'bytea':
      return { type: 'binary', rawType: 'BLOB', kind: 'binary' };
    case 'bit':
    case 'varbit':
      return { type: 'string', rawType: 'VARCHAR', kind: 'bit' };
    default:
      return { type: 'string', rawType: 'VARCHAR', kind: 'text' };
  }
}

/**
 * DuckDB SQL turning PostgreSQL's text of a value (`expression`, a VARCHAR) into the raw
 * file's type. Used for full-load CSV and CDC staging alike, so both paths convert identically.
 */
export function duckDbConversion(mapping: Pick<DmsTypeMapping, 'kind' | 'rawType' | 'moneyFractionDigits'>, expression: string): string {
  switch (mapping.kind) {
    case 'int':
    case 'float':
    case 'boolean':
      return `CAST(${expression} AS ${mapping.rawType})`;
    case 'date':
      // DuckDB reads '0044-03-15 BC' as AD 44, but knows '0044-03-15 (BC)'
      return `CASE WHEN ${expression} IN ('infinity', '-infinity') THEN NULL `
        + `WHEN suffix(${expression}, ' BC') THEN CAST(replace(${expression}, ' BC', ' (BC)') AS DATE) ELSE CAST(${expression} AS DATE) END`;
    case 'timestamp':
      // timestamptz is printed in UTC ('…+00'); DuckDB's TIMESTAMP cast reads the digits and ignores the offset.
      // A BC timestamp ('0044-03-15 10:00:00.5+00 BC') is its BC date plus its time of day.
      return `CASE WHEN ${expression} IN ('infinity', '-infinity') THEN NULL `
        + `WHEN suffix(${expression}, ' BC') THEN CAST(CAST(split_part(${expression}, ' ', 1) || ' (BC)' AS DATE) `
        + `+ CAST(regexp_extract(split_part(${expression}, ' ', 2), '^[0-9:.]+') AS TIME) AS TIMESTAMP) `
        + `ELSE TRY_CAST(${expression} AS ${mapping.rawType}) END`;
    case 'decimal':
      return `CASE WHEN ${expression} IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE CAST(${expression} AS ${mapping.rawType}) END`;
    case 'numeric':
      // values of 10^22 or more do not fit DECIMAL(28,6): NULL (capture reports them, see refusedValue)
      return `CASE WHEN ${expression} IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE TRY_CAST(${expression} AS ${mapping.rawType}) END`;
    case 'money': {
      // the digits alone, whatever the locale's symbols, separators and sign placement: '-1.234,56 €' → -1234.56
      const digits = mapping.moneyFractionDigits ?? 2;
      // leading zeros so that '$0.05' still has a digit before the point (DuckDB's lpad would cut longer texts)
      const all = `('${'0'.repeat(digits + 1)}' || regexp_replace(${expression}, '[^0-9]', '', 'g'))`;
      const number = digits === 0 ? all : `left(${all}, length(${all}) - ${digits}) || '.' || right(${all}, ${digits})`;
      return `CAST(CASE WHEN regexp_matches(${expression}, '[-(]') THEN '-' ELSE '' END || ${number} AS ${mapping.rawType})`;
    }
    case 'binary':
      return `from_hex(substr(${expression}, 3))`;
    default:
      return expression;
  }
}

/** DuckDB's last µs timestamp; PostgreSQL's go on to 294276 AD. */
const LAST_TIMESTAMP = '294247-01-10 04:00:54.775806';

/** Largest absolute value (exclusive) an unconstrained numeric may have to fit DECIMAL(28,6): 10^22. */
const NUMERIC_INTEGER_DIGITS = UNCONSTRAINED_NUMERIC.precision - UNCONSTRAINED_NUMERIC.scale;

/**
 * Why PostgreSQL's text of a value cannot be written in the column's DMS type (the value is then
 * written as NULL), or undefined when it can: NaN and ±Infinity numerics, unconstrained numerics
 * of 10^22 or more, ±infinity dates and timestamps, and timestamps after DuckDB's last (294247-01-10).
 */
export function refusedValue(kind: ValueKind, text: string): string | undefined {
  switch (kind) {
    case 'decimal':
    case 'numeric': {
      if (text === 'NaN' || text === 'Infinity' || text === '-Infinity') return 'has no DECIMAL value';
      if (kind === 'decimal') return undefined;
      const unsigned = text.startsWith('-') ? text.slice(1) : text;
      const point = unsigned.indexOf('.');
      const integer = point < 0 ? unsigned : unsigned.slice(0, point);
      const fraction = point < 0 ? '' : unsigned.slice(point + 1);
      const roundsUp = /^9{22}$/.test(integer) && /^9{6}[5-9]/.test(fraction);
      if (integer.length > NUMERIC_INTEGER_DIGITS || roundsUp) {
        return `does not fit decimal(${UNCONSTRAINED_NUMERIC.precision},${UNCONSTRAINED_NUMERIC.scale}), DMS's type for an unconstrained numeric`;
      }
      return undefined;
    }
    case 'date':
    case 'timestamp':
      if (text === 'infinity' || text === '-infinity') return `has no Parquet ${kind === 'date' ? 'DATE' : 'TIMESTAMP'} value`;
      // PostgreSQL's timestamps reach 294276 AD, DuckDB's (and Parquet's, in µs) end in January 294247
      if (kind === 'timestamp' && /^\d{6}-/.test(text) && !text.endsWith(' BC') && text.slice(0, 19) > LAST_TIMESTAMP.slice(0, 19)) {
        return `is after the last Parquet TIMESTAMP (µs) DuckDB can write, ${LAST_TIMESTAMP}`;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Whether {@link refusedValue} can refuse values of this kind. */
export function canRefuse(kind: ValueKind): boolean {
  return kind === 'decimal' || kind === 'numeric' || kind === 'date' || kind === 'timestamp';
}

/**
 * PostgreSQL SQL rendering a source column the way {@link lakeChecksumText} renders the same
 * value in the lake, under the DMS mapping. NULL stays NULL (the row text marks it).
 * The session must run with TimeZone=UTC and the output settings of {@link SOURCE_SESSION_OPTIONS}.
 */
export function sourceChecksumText(mapping: DmsTypeMapping, column: string): string {
  switch (mapping.kind) {
    case 'int':
      return `${column}::text`;
    case 'float': {
      const digits = mapping.type === 'float' ? '9.99999' : '9.99999999999999';
      return `CASE WHEN ${column} = 'NaN' THEN 'NaN' WHEN ${column} = 'Infinity' THEN 'Infinity' WHEN ${column} = '-Infinity' THEN '-Infinity' `
        + `ELSE ltrim(to_char(${column}, '${digits}EEEE')) END`;
    }
    case 'decimal':
      return `CASE WHEN ${column} IN ('NaN', 'Infinity', '-Infinity') THEN NULL ELSE ${column}::text END`;
    case 'numeric':
      return `CASE WHEN ${column} IN ('NaN', 'Infinity', '-Infinity') THEN NULL WHEN abs(round(${column}, ${UNCONSTRAINED_NUMERIC.scale})) >= 1e${NUMERIC_INTEGER_DIGITS} THEN NULL `
        + `ELSE round(${column}, ${UNCONSTRAINED_NUMERIC.scale})::text END`;
    case 'money':
      return `${column}::numeric(38,4)::text`;
    case 'boolean':
      return `CASE WHEN ${column} THEN 'true' WHEN NOT ${column} THEN 'false' END`;
    case 'date':
      return `CASE WHEN ${column} IN ('infinity', '-infinity') THEN NULL ELSE to_char(${column}, 'YYYY-MM-DD BC') END`;
    case 'timestamp':
      return `CASE WHEN ${column} IN ('infinity', '-infinity') OR ${column} > '${LAST_TIMESTAMP}' THEN NULL `
        + `ELSE to_char(${column}, 'YYYY-MM-DD HH24:MI:SS.US BC') END`;
    case 'binary':
      return `encode(${column}, 'hex')`;
    default:
      // the type's output function, as COPY and test_decoding print it (a cast to text would trim char(n) padding)
      return `CASE WHEN ${column} IS NULL THEN NULL ELSE concat(${column}) END`;
  }
}

/** DuckDB SQL rendering a lake column of DuckDB type `duckType` like {@link sourceChecksumText}. */
export function lakeChecksumText(duckType: string, column: string): string {
  const t = duckType.toUpperCase();
  if (t === 'DOUBLE' || t === 'FLOAT') {
    const format = t === 'FLOAT' ? '%.5e' : '%.14e';
    return `CASE WHEN isnan(${column}) THEN 'NaN' WHEN isinf(${column}) AND ${column} > 0 THEN 'Infinity' WHEN isinf(${column}) THEN '-Infinity' `
      + `ELSE printf('${format}', CAST(${column} AS DOUBLE)) END`;
  }
  if (t === 'DATE' || t.startsWith('TIMESTAMP')) {
    // PostgreSQL's to_char(…, 'YYYY … BC'): year 0 is 1 BC, -43 is 44 BC
    const value = t === 'DATE' ? column : `CAST(${column} AS TIMESTAMP)`;
    const format = t === 'DATE' ? '-%m-%d' : '-%m-%d %H:%M:%S.%f';
    return `CASE WHEN ${column} IS NULL THEN NULL WHEN year(${value}) <= 0 THEN printf('%04d', 1 - year(${value})) || strftime(${value}, '${format}') || ' BC' `
      + `ELSE printf('%04d', year(${value})) || strftime(${value}, '${format}') || ' AD' END`;
  }
  if (t === 'BLOB') return `lower(hex(${column}))`;
  return `CAST(${column} AS VARCHAR)`;
}

/** Combines column texts into one row text in either engine: NULL marked as chr(2), columns separated by chr(1). */
export function rowText(columnTexts: readonly string[]): string {
  // chr() and concat_ws() mean the same in PostgreSQL and DuckDB
  return `concat_ws(chr(1), ${columnTexts.map((t) => `COALESCE(${t}, chr(2))`).join(', ')})`;
}

/**
 * Session settings every source connection uses, so that values print the same way in
 * COPY, test_decoding, key look-ups and verify: UTC timestamps, ISO dates, hex bytea.
 */
export const SOURCE_SESSION_OPTIONS = '-c TimeZone=UTC -c DateStyle=ISO,MDY -c IntervalStyle=postgres -c bytea_output=hex -c extra_float_digits=1';
