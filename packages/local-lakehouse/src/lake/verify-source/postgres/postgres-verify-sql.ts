import { DuckDBConnection } from '@duckdb/node-api';
import { duckString } from '../../../capture/parquet-encoder';
import { ColumnMetadata, quoteIdent } from '../../../source/catalog';
import { ValueKind, duckDbConversion, lakeChecksumText, sourceChecksumText } from '../../../source/type-mapping';
import { lakeRows } from '../../lake-database';

/*
 * The SQL text verify builds for a PostgreSQL source: MD5 over UTF-8, and the values that are not numbers or dates rendered as
 * capture stores them.
 */

/** The source values that are not numbers or dates (NaN, ±Infinity, ±infinity), by value kind. */
const SPECIAL_VALUES: Partial<Record<ValueKind, readonly string[]>> = {
  float: ['NaN', 'Infinity', '-Infinity'],
  decimal: ['NaN', 'Infinity', '-Infinity'],
  numeric: ['NaN', 'Infinity', '-Infinity'],
  date: ['infinity', '-infinity'],
  timestamp: ['infinity', '-infinity'],
};

/**
 * Renders NaN and ±infinity on the source side as the lake holds them after capture: each value's
 * text is run through capture's own conversion ({@link duckDbConversion}) and the lake's rendering
 * in DuckDB, so verify follows whatever capture does with them (NULL, a DuckDB infinity, …).
 */
export class SpecialValues {
  private readonly cache = new Map<string, Promise<{ value: string; text: string | null }[]>>();

  constructor(private readonly lake: DuckDBConnection) {}

  /** The source column's checksum text, with its special values as the lake renders them. */
  public async sourceText(column: ColumnMetadata, lakeType: string): Promise<string> {
    const name = quoteIdent(column.name);
    const plain = sourceChecksumText(column, name);
    const values = SPECIAL_VALUES[column.kind];
    if (!values) return plain;
    const id = `${column.kind}\u0000${column.rawType}\u0000${lakeType}`;
    let rendered = this.cache.get(id);
    if (!rendered) {
      rendered = this.render(column, lakeType, values);
      this.cache.set(id, rendered);
    }
    const cases = (await rendered).map((s) => `WHEN ${name} = ${pgString(s.value)} THEN ${s.text === null ? 'NULL' : pgString(s.text)}`);
    return cases.length === 0 ? plain : `CASE ${cases.join(' ')} ELSE ${plain} END`;
  }

  private async render(column: ColumnMetadata, lakeType: string, values: readonly string[]): Promise<{ value: string; text: string | null }[]> {
    const out: { value: string; text: string | null }[] = [];
    for (const value of values) {
      const converted = `CAST(${duckDbConversion(column, duckString(value))} AS ${lakeType})`;
      let rows: Record<string, unknown>[];
      try {
        rows = await lakeRows(this.lake, `SELECT ${lakeChecksumText(lakeType, converted)} AS t`);
      } catch {
        // capture's conversion rejects the value, so no lake row can hold it: it is compared as any other value
        continue;
      }
      const text = rows[0].t;
      out.push({ value, text: text === null || text === undefined ? null : String(text) });
    }
    return out;
  }
}

function pgString(value: string): string {
  return `'${value.split("'").join("''")}'`;
}

/**
 * PostgreSQL's md5 of a text, taken over its UTF-8 bytes as DuckDB's md5 is: md5(text) hashes the database's encoding,
 * so every non-ASCII value of a LATIN1 (or other non-UTF-8) database would differ.
 */
export function sourceMd5(text: string): string {
  return `md5(convert_to(${text}, 'UTF8'))`;
}

