import { DuckDBInstance } from '@duckdb/node-api';

/** Runs queries on a throw-away in-memory DuckDB and returns each result's rows (JSON-friendly values). */
export async function queryParquet(...sqls: string[]): Promise<Record<string, unknown>[][]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    const results: Record<string, unknown>[][] = [];
    for (const sql of sqls) {
      results.push((await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]);
    }
    return results;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
