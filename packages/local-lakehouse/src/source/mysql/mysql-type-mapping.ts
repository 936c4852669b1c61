import { DMS_FACTS_TO_VERIFY } from '@cdc-lakehouse/curation';
import { DmsTypeMapping } from '../type-mapping';

/** The facts of a MySQL/MariaDB column (information_schema.COLUMNS) its DMS mapping depends on. */
export interface MysqlColumnType {
  /** `DATA_TYPE`, lower case: `int`, `decimal`, `datetime`, … */
  readonly dataType: string;
  /** `COLUMN_TYPE`, lower case: `int(10) unsigned`, `tinyint(1)`, `enum('a','b')`, … */
  readonly columnType: string;
  /** `NUMERIC_PRECISION` (decimal), `NUMERIC_PRECISION` = bits (bit). */
  readonly precision: number | null;
  /** `NUMERIC_SCALE` (decimal). */
  readonly scale: number | null;
}

/** What a MySQL column maps to: the DMS mapping, and how its values are rendered as text on the way. */
export interface MysqlTypeMapping extends DmsTypeMapping {
  /**
   * How a value (from a query row or a binlog row image) is turned into the text DuckDB converts:
   * - `int`, `float`, `text`: the value as text;
   * - `decimal-text`: a decimal written as a string (precision above 38), with exactly `scale` digits after the point;
   * - `bit-boolean`: bit(1) as `true`/`false`;
   * - `binary`: bytes (binary, varbinary, blob, bit(n>1), geometry) as `\x` + hex;
   * - `date`, `datetime`: the server's text (`yyyy-MM-dd[ HH:mm:ss[.ffffff]]`, UTC for timestamp); a zero date (or one with a
   *   zero month or day) has no Parquet value: NULL, reported.
   */
  readonly render: 'int' | 'float' | 'decimal' | 'decimal-text' | 'bit-boolean' | 'binary' | 'date' | 'datetime' | 'text';
  /** `decimal-text`: digits after the point. */
  readonly scale?: number;
}

/** DMS's data types a MySQL column can have (see `DMS_FACTS_TO_VERIFY.mysqlSourceTypes`). */
export type DmsMysqlType =
  | 'INT1' | 'INT2' | 'INT4' | 'INT8' | 'UINT1' | 'UINT2' | 'UINT4' | 'UINT8' | 'BOOLEAN' | 'NUMERIC' | 'REAL4' | 'REAL8'
  | 'DATE' | 'DATETIME' | 'STRING' | 'WSTRING' | 'CLOB' | 'NCLOB' | 'BYTES' | 'BLOB';

const MYSQL_TYPES = DMS_FACTS_TO_VERIFY.mysqlSourceTypes;

/** DMS's data type for a MySQL/MariaDB column (the table in `DMS_FACTS_TO_VERIFY.mysqlSourceTypes`). */
export function dmsMysqlType(column: MysqlColumnType): DmsMysqlType {
  const dataType = column.dataType.toLowerCase();
  const ints: Record<string, DmsMysqlType> = /\bunsigned\b/.test(column.columnType.toLowerCase()) ? MYSQL_TYPES.unsigned : MYSQL_TYPES.signed;
  if (ints[dataType]) return ints[dataType];
  if (dataType === 'bit' && (column.precision ?? 1) === 1) return MYSQL_TYPES.bit1;
  const other: Record<string, DmsMysqlType> = MYSQL_TYPES.other;
  return other[dataType] ?? 'WSTRING';
}

/** Integer types: the curated type (the smallest signed one that holds every value) and the raw file's DuckDB type. */
const INTEGERS: Partial<Record<DmsMysqlType, [DmsTypeMapping['type'], string]>> = {
  INT1: ['int', 'TINYINT'],
  INT2: ['int', 'SMALLINT'],
  INT4: ['int', 'INTEGER'],
  INT8: ['bigint', 'BIGINT'],
  UINT1: ['int', 'UTINYINT'],
  UINT2: ['int', 'USMALLINT'],
  UINT4: ['bigint', 'UINTEGER'],
  UINT8: ['decimal(20,0)', 'UBIGINT'],
};

/**
 * DMS's mapping of a MySQL/MariaDB column to a Parquet type (README, "MySQL and MariaDB sources"), in two steps: the column's
 * DMS type ({@link dmsMysqlType}), then what DMS's Parquet writer makes of it: INTn and UINTn keep their width and sign (INT_8 …
 * UINT_64); BOOLEAN a boolean; NUMERIC(p,s) a Parquet DECIMAL up to p = 38 and a string with exactly s digits beyond (as for
 * PostgreSQL); REAL4/REAL8 FLOAT/DOUBLE; DATE; DATETIME a TIMESTAMP (µs); STRING, WSTRING, CLOB and NCLOB strings; BYTES and BLOB
 * binary. The curated type of an unsigned column is the smallest signed one that holds it (UINT8: decimal(20,0)); a MEDIUMINT
 * UNSIGNED (below 2^24) stays an int.
 */
export function mysqlTypeMapping(column: MysqlColumnType): MysqlTypeMapping {
  const dms = dmsMysqlType(column);
  const int = INTEGERS[dms];
  if (int) {
    const type = dms === 'UINT4' && column.dataType.toLowerCase() === 'mediumint' ? 'int' : int[0];
    return { type, rawType: int[1], kind: 'int', render: 'int' };
  }
  switch (dms) {
    case 'BOOLEAN':
      return { type: 'boolean', rawType: 'BOOLEAN', kind: 'boolean', render: 'bit-boolean' };
    case 'NUMERIC': {
      const precision = column.precision ?? 10;
      const scale = column.scale ?? 0;
      if (precision <= 38) {
        return { type: `decimal(${precision},${scale})`, rawType: `DECIMAL(${precision},${scale})`, kind: 'decimal', render: 'decimal' };
      }
      return { type: 'string', rawType: 'VARCHAR', kind: 'text', render: 'decimal-text', scale };
    }
    case 'REAL4':
      return { type: 'float', rawType: 'FLOAT', kind: 'float', render: 'float' };
    case 'REAL8':
      return { type: 'double', rawType: 'DOUBLE', kind: 'float', render: 'float' };
    case 'DATE':
      return { type: 'date', rawType: 'DATE', kind: 'date', render: 'date' };
    case 'DATETIME':
      return { type: 'timestamp', rawType: 'TIMESTAMP', kind: 'timestamp', render: 'datetime' };
    case 'BYTES':
    case 'BLOB':
      return { type: 'binary', rawType: 'BLOB', kind: 'binary', render: 'binary' };
    default:
      return { type: 'string', rawType: 'VARCHAR', kind: 'text', render: 'text' };
  }
}

/** A value rendered for staging: its text, NULL, or NULL because the Parquet type has no such value (with the reason). */
export type RenderedValue = string | null | { readonly refused: string; readonly value: string };

/** True for a date whose year, month or day is zero (`0000-00-00`, `2024-00-10`): no Parquet DATE or TIMESTAMP holds it. */
function zeroDate(text: string): boolean {
  // `YYYY-MM-DD…` (the server and the binlog decoder write four-digit years); character tests, not a regular expression: this runs per value
  return text.startsWith('0000-') || (text[5] === '0' && text[6] === '0') || (text[8] === '0' && text[9] === '0');
}

/** A decimal string with exactly `scale` digits after the point (binlog decoders and the server may differ in trailing zeros). */
export function fixedScale(text: string, scale: number): string {
  const negative = text.startsWith('-');
  const unsigned = negative ? text.slice(1) : text;
  const [integer, fraction = ''] = unsigned.split('.');
  const digits = scale === 0 ? integer : `${integer}.${fraction.padEnd(scale, '0').slice(0, scale)}`;
  const isZero = /^[0.]*$/.test(digits);
  return `${negative && !isZero ? '-' : ''}${digits}`;
}

/**
 * Renders a value of a MySQL column, as mysql2 returns it from a query (dateStrings, bigNumberStrings, decimal strings) or as the
 * binlog reader decodes it from a row image (the same conventions), as the text {@link duckDbConversion} turns into the raw type.
 */
export function renderMysqlValue(mapping: Pick<MysqlTypeMapping, 'render' | 'scale'>, value: unknown): RenderedValue {
  if (value === null || value === undefined) return null;
  switch (mapping.render) {
    case 'bit-boolean': {
      const bits = Buffer.isBuffer(value) ? value.some((b) => b !== 0) : Boolean(Number(value));
      return bits ? 'true' : 'false';
    }
    case 'binary': {
      const bytes = Buffer.isBuffer(value) ? value : Buffer.from(String(value), 'utf8');
      return `\\x${bytes.toString('hex')}`;
    }
    case 'date':
    case 'datetime': {
      const text = value instanceof Date ? value.toISOString().replace('T', ' ').replace('Z', '') : String(value);
      if (zeroDate(text)) return { refused: 'has no Parquet DATE or TIMESTAMP value (a zero date)', value: text };
      return text;
    }
    case 'decimal-text':
      return fixedScale(String(value), mapping.scale ?? 0);
    case 'text':
      if (Buffer.isBuffer(value)) return value.toString('utf8');
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    default:
      return String(value);
  }
}
