import type { Connection, RowDataPacket } from 'mysql2/promise';
import { runLocalLakehouse } from './local-lakehouse-bin';

/** How the comparison renders a column on both sides (after the DMS mapping of the capture). */
type CompareKind = 'exact' | 'number' | 'float' | 'decimal' | 'boolean' | 'binary' | 'timestamp' | 'year';

/** The comparison kind of a MySQL column, from information_schema.COLUMNS. */
function compareKind(dataType: string, precision: number | null): CompareKind {
  if (['tinyint', 'smallint', 'mediumint', 'int', 'bigint'].includes(dataType)) return 'number';
  if (dataType === 'year') return 'year';
  if (dataType === 'float' || dataType === 'double') return 'float';
  if (dataType === 'decimal') return (precision ?? 10) <= 38 ? 'decimal' : 'exact';
  if (dataType === 'bit') return (precision ?? 1) === 1 ? 'boolean' : 'binary';
  if (['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob'].includes(dataType)) return 'binary';
  if (['date', 'datetime', 'timestamp'].includes(dataType)) return 'timestamp';
  return 'exact';
}

/** A decimal text without trailing fraction zeros (`1.500` → `1.5`, `2.000` → `2`). */
function trimDecimal(text: string): string {
  if (!text.includes('.')) return text === '-0' ? '0' : text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/** A date or timestamp text without trailing fraction zeros; a zero date (no Parquet value) is NULL. */
function normalTimestamp(text: string): string | null {
  if (/^0000-|^\d{4}-00-|^\d{4}-\d{2}-00/.test(text)) return null;
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function sourceText(kind: CompareKind, value: unknown, double: boolean): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'boolean':
      return (value as Buffer).some((b) => b !== 0) ? 'true' : 'false';
    case 'binary':
      return (value as Buffer).toString('hex');
    case 'decimal':
    case 'number':
    case 'year':
      return trimDecimal(String(value));
    case 'float':
      return double ? String(Number(value)) : String(Math.fround(Number(value)));
    case 'timestamp':
      return normalTimestamp(String(value));
    default:
      return Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
}

function lakeText(kind: CompareKind, value: unknown, double: boolean): string | null {
  if (value === null || value === undefined) return null;
  switch (kind) {
    case 'float':
      return double ? String(Number(value)) : String(Math.fround(Number(value)));
    case 'decimal':
    case 'number':
    case 'year':
      return trimDecimal(String(value));
    case 'timestamp':
      return normalTimestamp(String(value));
    default:
      return String(value);
  }
}

/**
 * The rows of a MySQL table and of its curated lake table, each rendered as comparable text per column under the capture's DMS
 * mapping (binary as hex, bit(1) as true/false, decimals without trailing zeros, zero dates as NULL, floats as float32), keyed
 * and sorted by `key`.
 */
export async function mysqlAndLakeRows(
  db: Connection, lake: string, schema: string, table: string, key: string,
): Promise<{ source: Record<string, string | null>[]; lake: Record<string, string | null>[] }> {
  const [columns] = await db.query<RowDataPacket[]>(
    `SELECT COLUMN_NAME AS name, LOWER(DATA_TYPE) AS data_type, NUMERIC_PRECISION AS prec
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, [schema, table]);
  const kinds = columns.map((c) => ({
    name: String(c.name),
    kind: compareKind(String(c.data_type), c.prec === null ? null : Number(c.prec)),
    double: String(c.data_type) === 'double',
  }));
  const [rows] = await db.query<RowDataPacket[]>(`SELECT * FROM \`${schema}\`.\`${table}\` ORDER BY \`${key}\``);
  const source = rows.map((row) => Object.fromEntries(kinds.map((k) => [k.name, sourceText(k.kind, row[k.name], k.double)])));
  const select = kinds.map((k) => (k.kind === 'binary'
    ? `lower(hex("${k.name}")) AS "${k.name}"`
    : `CAST("${k.name}" AS VARCHAR) AS "${k.name}"`)).join(', ');
  const query = await runLocalLakehouse(['local', 'query', '--lake', lake, '--format', 'json',
    `SELECT ${select} FROM "${schema}"."${table}" AS t ORDER BY t."${key}"`]);
  if (query.code !== 0) throw new Error(`lakehouse local query failed: ${query.stderr}`);
  const lakeRows = parseJsonRows(query.stdout);
  const lakeRendered = lakeRows.map((row) => Object.fromEntries(kinds.map((k) => [k.name, lakeText(k.kind, row[k.name], k.double)])));
  return { source, lake: lakeRendered };
}

/** The rows `lakehouse local query --format json` printed (a JSON array, or one object per line). */
function parseJsonRows(stdout: string): Record<string, unknown>[] {
  const text = stdout.trim();
  if (text === '') return [];
  if (text.startsWith('[')) return JSON.parse(text) as Record<string, unknown>[];
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}
