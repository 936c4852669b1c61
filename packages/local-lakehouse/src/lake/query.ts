import { Cell, ResultColumn, RowStream, kindOfType, renderRows, OutputFormat } from '@cdc-lakehouse/query';
import {
  DuckDBBlobValue, DuckDBConnection, DuckDBResult, DuckDBTypeId, DuckDBValueConverter, Json, JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import { openLake } from './lake-database';
import { countSqlStatements } from './sql-statements';
import { LakehouseError, UsageError, errorMessage } from '../errors';

/** A whole query result in memory: column names and rows (small results only; `query` streams a {@link RowStream}). */
export interface QueryResult {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

/** What a caller does with a streamed result while the engine keeps it open. */
export type RowConsumer<T> = (rows: RowStream) => Promise<T>;

const BIG_INTEGERS = new Set<DuckDBTypeId>([
  DuckDBTypeId.BIGINT, DuckDBTypeId.UBIGINT, DuckDBTypeId.HUGEINT, DuckDBTypeId.UHUGEINT, DuckDBTypeId.BIGNUM,
]);

/**
 * DuckDB values as cells, nested ones too: 64/128-bit integers as bigint (exact), decimals as exact text, doubles as
 * numbers (NaN/Infinity as text), temporal values as DuckDB's text, blobs as hex, intervals as DuckDB's text,
 * lists/arrays as arrays, structs as objects, maps as [{key, value}] lists.
 */
const toCell: DuckDBValueConverter<Cell> = (value, type, converter) => {
  if (value === null) return null;
  if (BIG_INTEGERS.has(type.typeId)) return typeof value === 'bigint' ? value : String(value);
  if (type.typeId === DuckDBTypeId.BLOB && value instanceof DuckDBBlobValue) return Buffer.from(value.bytes).toString('hex');
  if (type.typeId === DuckDBTypeId.INTERVAL) return String(value);
  return JsonDuckDBValueConverter(value, type, converter as unknown as DuckDBValueConverter<Json>) as Cell;
};

/** What is wrong with SQL that holds `statements` statements (0 or more than 1): `query` runs exactly one. */
export function oneStatementMessage(statements: number): string {
  return statements === 0
    ? 'the SQL is empty; give one SQL statement, e.g. "SELECT count(*) FROM <database>.<table>"'
    : `the SQL holds ${statements} statements; give one SQL statement per query (run the others one by one)`;
}

function queryFailed(err: unknown): LakehouseError {
  return err instanceof LakehouseError ? err : new LakehouseError(`query failed: ${errorMessage(err)}`);
}

/** A DuckDB result as a row stream, one batch per data chunk (2,048 rows), fetched as the reader asks. */
export function duckdbRowStream(result: DuckDBResult): RowStream {
  const columns: ResultColumn[] = result.columnNames().map((name, i) => {
    const type = result.columnType(i).toString();
    return { name, type, kind: kindOfType(type) };
  });
  async function* batches(): AsyncGenerator<Cell[][]> {
    try {
      for await (const rows of result.yieldConvertedRows(toCell)) yield rows;
    } catch (err) {
      throw queryFailed(err);
    }
  }
  return { columns, batches: batches() };
}

/**
 * Runs one statement on an open DuckDB connection and hands its streamed rows to `consume`.
 *
 * @throws UsageError (exit 2) when `sql` holds no statement or more than one (DuckDB would run them all and show
 * only the last result)
 */
export async function streamDuckdb<T>(connection: DuckDBConnection, sql: string, consume: RowConsumer<T>): Promise<T> {
  let result: DuckDBResult;
  try {
    // DuckDB's own parser counts (its extractStatements fails on SQL without any statement, so that is found first)
    const statements = countSqlStatements(sql) === 0 ? 0 : (await connection.extractStatements(sql)).count;
    if (statements !== 1) throw new UsageError(oneStatementMessage(statements));
    result = await connection.stream(sql);
  } catch (err) {
    throw queryFailed(err);
  }
  return consume(duckdbRowStream(result));
}

/**
 * Runs one SQL statement against the lake, read-only (it waits while `curate --follow` holds the file), and hands
 * its rows to `consume` as they are read; the lake stays open until `consume` settles. Curated tables are
 * `<database>.<table>`, as analysts name them in Athena.
 */
export async function streamLake<T>(lakeFile: string, sql: string, consume: RowConsumer<T>): Promise<T> {
  const lake = await openLake(lakeFile, { readOnly: true });
  try {
    return await streamDuckdb(lake.connection, sql, consume);
  } catch (err) {
    // DuckDB names the file's catalog after the file: in shop.duckdb, `shop.orders` could be the catalog's or the schema's
    const ambiguous = /Ambiguous reference to catalog or schema "([^"]+)"/.exec(errorMessage(err));
    if (ambiguous) {
      const name = ambiguous[1];
      throw new LakehouseError(`--lake ${lakeFile} is named like the schema "${name}", so DuckDB cannot tell ${name}.<table> apart; `
        + `write ${name}.${name}.<table> (file.schema.table), or rename the lake file (e.g. lake.duckdb)`);
    }
    throw err;
  } finally {
    lake.close();
  }
}

/** Runs one statement on the lake and reads its whole (small) result into memory; see {@link streamLake}. */
export async function queryLake(lakeFile: string, sql: string): Promise<QueryResult> {
  return streamLake(lakeFile, sql, collectRows);
}

/** Reads a whole (small) row stream into memory. */
export async function collectRows(rows: RowStream): Promise<QueryResult> {
  const out: (readonly Cell[])[] = [];
  for await (const batch of rows.batches) for (const row of batch) out.push(row);
  return { columns: rows.columns.map((c) => c.name), rows: out };
}

/** Renders a (small) row stream to a string, e.g. for the demo's output. */
export async function renderToString(rows: RowStream, format: OutputFormat = 'table'): Promise<string> {
  const parts: string[] = [];
  await renderRows(rows, { write: async (chunk) => void parts.push(chunk) }, { format });
  return parts.join('');
}
