import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { failureLine, runJobCore } from './job-core-process';
import { SparkEnvironment } from './spark-environment';
import { duckIdent } from '../../capture/parquet-encoder';
import { ProgressReporter } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';
import { RegisteredTable } from '../../lake/lake-database';
import { CuratedTablesView } from '../../lake/verify';

/** The JSON objects of a job core's stdout, one a line (other lines are not its results). */
function parseJsonLines(stdout: string): Record<string, unknown>[] {
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

function sqlString(text: string): string {
  return `'${text.split("'").join("''")}'`;
}

/**
 * Exports the warehouse's tables to Parquet (the job core's `export`: each table's current rows, as
 * Spark reads them through Iceberg) in a temp directory and opens them in an in-memory DuckDB as
 * views `<database>.<table>`, so verify compares them exactly as it compares the DuckDB lake. A
 * table that cannot be exported has no view (verify reports it). Only `tables` are exported (verify's
 * selection); the view lists every `registered` table. Closing removes the files.
 */
export async function exportedTablesView(
  env: SparkEnvironment, warehouse: string, registered: readonly RegisteredTable[], progress: ProgressReporter,
  tables: readonly RegisteredTable[] = registered,
): Promise<CuratedTablesView> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-export-'));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
  let instance: DuckDBInstance | undefined;
  try {
    instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    const names = tables.map((t) => `${t.curatedDatabase}.${t.curatedTable}`);
    // one Spark session exports every table: DIR/<db>.<table>/*.parquet, one JSON line per table on stdout
    const run = names.length === 0 ? undefined
      : await runJobCore(env, ['export', '--warehouse', path.resolve(warehouse), '--tables', names.join(','), '--out', dir], { progress });
    if (run !== undefined && run.code !== 0 && run.code !== 1) {
      throw new LakehouseError(`verify: cannot export the tables of --warehouse ${warehouse}: ${failureLine(run)}`);
    }
    const results = new Map(parseJsonLines(run?.stdout ?? '').map((r) => [String(r.table), r]));
    for (const [i, t] of tables.entries()) {
      const result = results.get(names[i]);
      if (result?.status !== 'ok') {
        progress.line(`verify: cannot export ${names[i]} from ${warehouse}: ${String(result?.error ?? 'the export reported nothing for it')}`);
        continue;
      }
      const out = path.join(dir, names[i]);
      const files = fs.existsSync(out) ? fs.readdirSync(out, { recursive: true }).map(String).filter((f) => f.endsWith('.parquet')) : [];
      if (files.length === 0) {
        progress.line(`verify: the export of ${names[i]} wrote no Parquet file`);
        continue;
      }
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${duckIdent(t.curatedDatabase)}`);
      await connection.run(`CREATE VIEW ${duckIdent(t.curatedDatabase)}.${duckIdent(t.curatedTable)} AS `
        + `SELECT * FROM read_parquet(${sqlString(path.join(out, '**', '*.parquet'))})`);
    }
    const held = instance;
    return {
      connection,
      tables: registered,
      close: () => {
        connection.closeSync();
        held.closeSync();
        remove();
      },
    };
  } catch (err) {
    instance?.closeSync();
    remove();
    if (err instanceof LakehouseError) throw err;
    throw new LakehouseError(`verify: reading the tables exported from --warehouse ${warehouse}: ${errorMessage(err)}`);
  }
}
