import { openLake } from './lake-database';
import { LakehouseError, errorMessage } from '../errors';

/** A query result: column names and rows of JSON-friendly values. */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/**
 * Runs one SQL statement against the lake, read-only (it waits while `curate --follow` holds the
 * file). Curated tables are `<database>.<table>`, as analysts name them in Athena.
 */
export async function queryLake(lakeFile: string, sql: string): Promise<QueryResult> {
  const lake = await openLake(lakeFile, { readOnly: true });
  try {
    const reader = await lake.connection.runAndReadAll(sql);
    return { columns: reader.columnNames(), rows: reader.getRowsJson() as unknown[][] };
  } catch (err) {
    if (err instanceof LakehouseError) throw err;
    throw new LakehouseError(`query failed: ${errorMessage(err)}`);
  } finally {
    lake.close();
  }
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Formats a result as an aligned text table. */
export function formatTable(result: QueryResult, maxWidth = 60): string {
  const cut = (text: string): string => (text.length > maxWidth ? `${text.slice(0, maxWidth - 1)}…` : text);
  const rows = result.rows.map((r) => r.map((v) => cut(cell(v)).replace(/\n/g, '\\n')));
  const widths = result.columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const footer = `(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
  return [line(result.columns), widths.map((w) => '-'.repeat(w)).join('-+-'), ...rows.map(line), footer].join('\n');
}

/** Formats a result as CSV (RFC 4180 quoting). */
export function formatCsv(result: QueryResult): string {
  const quote = (text: string): string => (/[",\n\r]/.test(text) ? `"${text.split('"').join('""')}"` : text);
  return [result.columns.map(quote).join(','), ...result.rows.map((r) => r.map((v) => (v === null ? '' : quote(cell(v)))).join(','))].join('\n');
}

/** Formats a result as JSON lines, one object per row. */
export function formatJsonLines(result: QueryResult): string {
  return result.rows.map((r) => JSON.stringify(Object.fromEntries(result.columns.map((c, i) => [c, r[i]])))).join('\n');
}
