import { MysqlColumnMetadata, quoteMysqlIdent } from '../../../source/mysql/mysql-catalog';

/*
 * The SQL text verify builds for a MySQL/MariaDB source: each value rendered the way lakeChecksumText (source/type-mapping.ts)
 * renders the lake column capture wrote for it, chosen by the capture's own type mapping (mysqlTypeMapping's `render`), and row
 * texts and MD5s over utf8mb4. The session runs in UTC (TIMESTAMP values print in UTC, as capture reads them).
 */

/** A string in the connection's character set, whatever the column's (latin1 text hashes as its UTF-8 bytes, as in the lake). */
function utf8(expression: string): string {
  return `CONVERT(${expression} USING utf8mb4)`;
}

/** chr(n) in utf8mb4 (MySQL's CHAR(n) alone is a binary string). */
function chr(code: number): string {
  return `CHAR(${code} USING utf8mb4)`;
}

/**
 * printf('%.{digits}e') of a DOUBLE or FLOAT (promoted exactly to double): mantissa rounded half away from zero to `digits`
 * places, exponent of at least two digits. MySQL has no NaN or infinity.
 */
function scientific(column: string, digits: number): string {
  const exponent0 = `FLOOR(LOG10(ABS(${column})))`;
  // rounding can carry into the next power of ten (9.999996 → 10.00000): then the exponent is one more
  const exponent = `(${exponent0} + (ABS(ROUND(${column} / POW(10, ${exponent0}), ${digits})) >= 10))`;
  const mantissa = `CAST(CAST(${column} / POW(10, ${exponent}) AS DECIMAL(${digits + 2},${digits})) AS CHAR)`;
  const sign = `IF(${exponent} < 0, '-', '+')`;
  // at least two digits (LPAD would cut 308 to 30)
  const digitsOfExponent = `IF(ABS(${exponent}) < 10, CONCAT('0', ABS(${exponent})), ABS(${exponent}))`;
  return `CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} = 0 THEN '${(0).toFixed(digits)}e+00' `
    + `ELSE CONCAT(${mantissa}, 'e', ${sign}, ${digitsOfExponent}) END`;
}

/** True for a date capture cannot store (a zero year, month or day): NULL in the lake. */
function zeroDate(column: string): string {
  return `(YEAR(${column}) = 0 OR MONTH(${column}) = 0 OR DAYOFMONTH(${column}) = 0)`;
}

/** Bits of a bit(n) column from its COLUMN_TYPE (`bit(12)`). */
function bitWidth(sourceType: string): number {
  const m = /^bit\((\d+)\)/i.exec(sourceType);
  return m ? Number(m[1]) : 1;
}

/**
 * MySQL SQL rendering the column `column` (quoted) of `mapping` as the lake renders its value in a column of DuckDB type `lakeType`:
 * integers, YEAR and decimals as digits (decimals at their scale), FLOAT and DOUBLE in the lake type's scientific format,
 * bit(1) as true/false, wider bits and binary strings as lower-case hex of their bytes, dates and datetimes/timestamps as
 * `yyyy-MM-dd[ HH:mm:ss.ffffff] AD` (zero dates NULL), everything else as its text in utf8mb4.
 */
export function mysqlChecksumText(mapping: Pick<MysqlColumnMetadata, 'render' | 'sourceType'>, lakeType: string, column: string): string {
  switch (mapping.render) {
    case 'int':
      // YEAR 0000 is 0 in the lake (+0 reads a YEAR as its number)
      return utf8(`CAST(${column} + 0 AS CHAR)`);
    case 'float':
      return scientific(column, lakeType.toUpperCase() === 'FLOAT' ? 5 : 14);
    case 'decimal':
    case 'decimal-text':
      return utf8(`CAST(${column} AS CHAR)`);
    case 'bit-boolean':
      return `CASE WHEN ${column} IS NULL THEN NULL WHEN ${column} + 0 <> 0 THEN 'true' ELSE 'false' END`;
    case 'binary': {
      if (/^bit\(/i.test(mapping.sourceType)) {
        // a bit(n) value is ceil(n/8) bytes, the number big-endian
        return utf8(`LPAD(LOWER(HEX(${column} + 0)), ${2 * Math.ceil(bitWidth(mapping.sourceType) / 8)}, '0')`);
      }
      return utf8(`LOWER(HEX(${column}))`);
    }
    case 'date':
      return `CASE WHEN ${zeroDate(column)} THEN NULL ELSE ${utf8(`DATE_FORMAT(${column}, '%Y-%m-%d AD')`)} END`;
    case 'datetime':
      return `CASE WHEN ${zeroDate(column)} THEN NULL ELSE ${utf8(`DATE_FORMAT(${column}, '%Y-%m-%d %H:%i:%s.%f AD')`)} END`;
    default:
      return utf8(`CAST(${column} AS CHAR)`);
  }
}

/** The checksum text of each column, quoted by name. */
export function mysqlColumnTexts(columns: readonly Pick<MysqlColumnMetadata, 'name' | 'render' | 'sourceType'>[], lakeTypes: readonly string[]): string[] {
  return columns.map((c, i) => mysqlChecksumText(c, lakeTypes[i], quoteMysqlIdent(c.name)));
}

/** rowText in MySQL: NULL marked as chr(2), columns separated by chr(1), all utf8mb4. */
export function mysqlRowText(texts: readonly string[]): string {
  return `CONCAT_WS(${chr(1)}, ${texts.map((t) => `COALESCE(${t}, ${chr(2)})`).join(', ')})`;
}

/** MD5 of a column text with NULL as chr(2), as verify compares single columns. */
export function mysqlColumnMd5(text: string): string {
  return `MD5(COALESCE(${text}, ${chr(2)}))`;
}

/** The order-independent checksum of a table: the sum of the first 60 bits of each row text's MD5, as decimal text. */
export function mysqlChecksum(rowText: string): string {
  return `CAST(COALESCE(SUM(CAST(CONV(SUBSTR(MD5(${rowText}), 1, 15), 16, 10) AS UNSIGNED)), 0) AS CHAR)`;
}
