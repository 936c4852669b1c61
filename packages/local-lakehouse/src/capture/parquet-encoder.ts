import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** Parquet compression of raw files: DMS's `compressionType` (`none` is DMS's default). */
export type RawCompression = 'none' | 'gzip';

/** Quotes an identifier for DuckDB. */
export function duckIdent(name: string): string {
  return `"${name.split('"').join('""')}"`;
}

/** A DuckDB string literal. */
export function duckString(value: string): string {
  return `'${value.split('\'').join('\'\'')}'`;
}

/**
 * Largest row (TOASTed values included) the CSV reader accepts. DuckDB sizes its read buffer from
 * it, so it also bounds memory: a larger row fails loudly with DuckDB's "maximum line size" error.
 */
export const MAX_ROW_BYTES = 32 * 1024 * 1024;

/**
 * `read_csv(…)` over a CSV file written by PostgreSQL's COPY (FORMAT csv) or by the CDC stager:
 * no header, `"` quoting, unquoted empty = NULL, quoted empty = ''.
 */
export function readCsv(file: string, columns: readonly (readonly [string, string])[]): string {
  const spec = columns.map(([name, type]) => `${duckString(name)}: ${duckString(type)}`).join(', ');
  return `read_csv(${duckString(file)}, header = false, auto_detect = false, delim = ',', quote = '"', escape = '"', `
    + `allow_quoted_nulls = false, max_line_size = ${MAX_ROW_BYTES}, buffer_size = ${MAX_ROW_BYTES}, columns = {${spec}})`;
}

/** Encodes Parquet files with an in-memory DuckDB (`COPY (query) TO file (FORMAT parquet)`). */
export class ParquetEncoder {
  /**
   * Opens an encoder: `threads` DuckDB workers (default: DuckDB's, one per core), at most
   * `memoryLimit` of memory (spilling to `tempDirectory` beyond it).
   */
  static async open(threads?: number, memoryLimit = '512MB', tempDirectory?: string): Promise<ParquetEncoder> {
    const options: Record<string, string> = { preserve_insertion_order: 'true', memory_limit: memoryLimit };
    if (threads !== undefined) options.threads = String(threads);
    if (tempDirectory !== undefined) options.temp_directory = tempDirectory;
    const instance = await DuckDBInstance.create(':memory:', options);
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    return new ParquetEncoder(instance, connection);
  }

  private constructor(private readonly instance: DuckDBInstance, private readonly connection: DuckDBConnection) {}

  /** Writes the rows of `query` to `file` as Parquet; returns the number of rows written. */
  async copy(query: string, file: string, compression: RawCompression): Promise<number> {
    const codec = compression === 'none' ? 'uncompressed' : 'gzip';
    const result = await this.connection.runAndReadAll(`COPY (\n${query}\n) TO ${duckString(file)} (FORMAT parquet, COMPRESSION ${codec})`);
    const rows = result.getRows();
    return rows.length > 0 ? Number(rows[0][0]) : 0;
  }

  /** Runs a query and returns its rows as JSON-friendly objects (checks over staged files). */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    const result = await this.connection.runAndReadAll(sql);
    return result.getRowObjectsJson() as Record<string, unknown>[];
  }

  /** Releases DuckDB. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}
