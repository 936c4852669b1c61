import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RawZoneError, SchemaEvolutionError } from '@cdc-lakehouse/curation';
import { DuckDBInstance } from '@duckdb/node-api';
import { TrinoTranslationError, trinoQuote, trinoString } from './athena-to-trino';
import { TrinoClient, TrinoQueryError } from './trino-client';
import { curateTrinoTable, curatedName } from './trino-curation';
import { withTrino } from './trino-server';
import {
  TRINO_REGISTRY_FILE, localLocation, openWarehouse, readTrinoRegistry, readWatermark, registerTrinoTables, sourceSpelling, warehouseCatalogs,
} from './trino-warehouse';
import { duckIdent } from '../../capture/parquet-encoder';
import { ProgressReporter, SILENT_PROGRESS, formatCount } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';
import { CuratedTableResult } from '../../lake/curate';
import { RowConsumer } from '../../lake/query';
import { checkRawFiles } from '../../lake/raw-file-check';
import { CuratedTablesView } from '../../lake/verify';
import { CuratedTableFilter, CurationEngine, CurateRequest } from '../curation-engine';

function failure(what: string, err: unknown): LakehouseError {
  if (err instanceof LakehouseError) return err;
  if (err instanceof RawZoneError || err instanceof SchemaEvolutionError || err instanceof TrinoTranslationError) {
    return new LakehouseError(`${what}: ${err.message}`);
  }
  return new LakehouseError(`${what}: ${errorMessage(err)}`);
}

/**
 * Athena's SQL on a real Trino 476 (the engine Athena v3 is built on) with its Iceberg connector: the statements
 * `new CurationSql(plan, 'athena')` generates, the dedup + MERGE exactly as deployed and the DDL translated where
 * Trino spells it differently (athena-to-trino.ts), over the raw zone registered as Hive tables. The warehouse
 * directory holds the file metastore, the Iceberg tables and the watermarks; each command starts a server (about
 * 30 s) unless LAKEHOUSE_TRINO_URL names a running one.
 */
export const trinoEngine: CurationEngine = {
  name: 'trino',
  summary: 'Athena\'s MERGE and DDL on Trino 476 + Iceberg, --warehouse (bash scripts/install-trino.sh)',
  target: { option: 'warehouse', description: 'Iceberg warehouse directory (created when missing)', example: './warehouse' },
  marker: TRINO_REGISTRY_FILE,
  // Ctrl-C stops the server; the table keeps its last MERGE, the watermark its last batch
  stoppable: true,

  async curate(request: CurateRequest) {
    const progress = request.progress ?? SILENT_PROGRESS;
    const warehouse = path.resolve(request.target);
    const rawDir = path.resolve(request.rawDir);
    // the files this run applies are readable Parquet, or one line naming the first that is not, before the server starts
    // and before anything is written
    await checkRawFiles(rawDir, request.tables.map((table) => ({ table, watermark: readWatermark(warehouse, table.plan.curated) })));
    fs.mkdirSync(request.target, { recursive: true });
    const duck = await DuckDBInstance.create(':memory:');
    const connection = await duck.connect();
    try {
      const results = await withTrino(async (server) => {
        const client = await openWarehouse(server, warehouse);
        const out: CuratedTableResult[] = [];
        for (const [index, table] of request.tables.entries()) {
          const curated = `${table.plan.curated.database}.${table.plan.curated.table}`;
          progress.status(`curate: ${index + 1}/${request.tables.length} tables, ${table.source.schema}.${table.source.table}`);
          let result;
          try {
            result = await curateTrinoTable(table, {
              client, hiveCatalog: warehouseCatalogs(warehouse).hive, warehouse, rawDir, duck: connection, signal: request.signal,
            });
          } catch (err) {
            if (request.signal?.aborted) throw err;
            throw failure(`curate --engine trino: ${curated}`, err);
          }
          if (result.filesApplied > 0) {
            progress.line(`curate ${result.source} → ${curated} (trino): ${result.kind}, ${formatCount(result.filesApplied)} file${result.filesApplied === 1 ? '' : 's'} `
              + `in ${result.batches} MERGE${result.batches === 1 ? '' : 's'}${result.schemaChanges.length > 0 ? `, ${result.schemaChanges.length} schema change(s)` : ''}`);
          }
          out.push({ source: result.source, curated: result.curated, kind: result.kind, filesApplied: result.filesApplied });
        }
        progress.done();
        return out;
      }, { progress, signal: request.signal });
      registerTrinoTables(warehouse, request.tables);
      return results;
    } catch (err) {
      if (request.signal?.aborted) {
        throw new LakehouseError('curate --engine trino: stopped by a signal; every table keeps its last MERGE and watermark, run curate again to continue', 130);
      }
      throw failure('curate --engine trino', err);
    } finally {
      connection.closeSync();
      duck.closeSync();
    }
  },

  async query<T>(target: string, sql: string, consume: RowConsumer<T>) {
    readTrinoRegistry(target);
    try {
      return await withTrino(async (server) => (await openWarehouse(server, path.resolve(target))).stream(sql, consume), { exitOnSignal: true });
    } catch (err) {
      if (err instanceof TrinoQueryError) throw new LakehouseError(`query failed: ${err.message}`);
      throw failure('query', err);
    }
  },

  async openCuratedTables(target: string, progress = SILENT_PROGRESS, select?: CuratedTableFilter) {
    const registered = readTrinoRegistry(target);
    // only the tables verify compares are exported (each is a CREATE TABLE AS)
    const chosen = new Set((select ? select(registered) : registered).map((t) => `${t.sourceSchema}.${t.sourceTable}`));
    const tables = registered.filter((t) => chosen.has(`${t.sourceSchema}.${t.sourceTable}`));
    const warehouse = path.resolve(target);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-trino-export-'));
    const remove = (): void => fs.rmSync(dir, { recursive: true, force: true });
    let instance: DuckDBInstance | undefined;
    try {
      instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      const refs = tables.map((t) => ({ database: t.curatedDatabase, table: t.curatedTable }));
      // nothing selected (a --tables selector only the source matches): no server start
      const exported = refs.length === 0 ? new Map<string, string>()
        : await withTrino((server) => exportTables(server, warehouse, refs, dir, progress), { exitOnSignal: true, progress });
      for (const t of tables) {
        const out = exported.get(`${t.curatedDatabase}.${t.curatedTable}`);
        if (out === undefined) continue;
        await connection.run(`CREATE SCHEMA IF NOT EXISTS ${duckIdent(t.curatedDatabase)}`);
        const relation = `read_parquet(${trinoString(out)})`;
        const names = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)).getRowObjectsJson().map((r) => String(r.column_name));
        const columns = sourceSpelling(names, t.columnNames).map(([c, name]) => (c === name ? duckIdent(c) : `${duckIdent(c)} AS ${duckIdent(name)}`));
        await connection.run(`CREATE VIEW ${duckIdent(t.curatedDatabase)}.${duckIdent(t.curatedTable)} AS SELECT ${columns.join(', ')} FROM ${relation}`);
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
      } satisfies CuratedTablesView;
    } catch (err) {
      instance?.closeSync();
      remove();
      throw failure(`verify: reading the tables of --warehouse ${target} through Trino`, err);
    }
  },
};

/**
 * Copies each table's current rows into a fresh Iceberg table under `dir` (CREATE TABLE AS: data files only, no
 * deletes to apply), then unregisters it so the files stay for DuckDB. Returns the Parquet glob of each exported
 * table; a table that cannot be exported is reported and left out (verify then names it).
 */
async function exportTables(
  server: TrinoClient, warehouse: string, tables: readonly { database: string; table: string }[], dir: string,
  progress: ProgressReporter,
): Promise<Map<string, string>> {
  const client = await openWarehouse(server, warehouse);
  const schema = `_lakehouse_export_${process.pid}_${Date.now()}`;
  const out = new Map<string, string>();
  await client.query(`CREATE SCHEMA ${trinoQuote(schema)} WITH (location = ${trinoString(localLocation(dir))})`);
  try {
    for (const [i, t] of tables.entries()) {
      const name = `t${i}`;
      const location = path.join(dir, name);
      try {
        await client.query(`CREATE TABLE ${trinoQuote(schema)}.${trinoQuote(name)} WITH (location = ${trinoString(localLocation(location))}) `
          + `AS SELECT * FROM ${curatedName(t)}`);
        await client.query(`CALL system.unregister_table(${trinoString(schema)}, ${trinoString(name)})`);
      } catch (err) {
        progress.line(`verify: cannot export ${t.database}.${t.table} from ${warehouse}: ${errorMessage(err)}`);
        continue;
      }
      const files = fs.existsSync(path.join(location, 'data')) ? fs.readdirSync(path.join(location, 'data'), { recursive: true }).map(String).filter((f) => f.endsWith('.parquet')) : [];
      if (files.length === 0) {
        // an empty table has no data file: an empty relation with the table's columns
        out.set(`${t.database}.${t.table}`, await emptyParquet(client, t, location));
        continue;
      }
      out.set(`${t.database}.${t.table}`, path.join(location, 'data', '**', '*.parquet'));
    }
  } finally {
    // a failure to drop the temporary schema leaves it in the warehouse's catalog: said, not hidden
    await client.query(`DROP SCHEMA IF EXISTS ${trinoQuote(schema)}`).catch((err: unknown) => {
      progress.line(`verify: could not drop the temporary export schema ${schema} (${errorMessage(err)}); drop it by hand`);
    });
  }
  return out;
}

/** An empty table's columns as a Parquet file without rows (an empty Iceberg table has no data file to read). */
async function emptyParquet(client: TrinoClient, t: { database: string; table: string }, location: string): Promise<string> {
  const described = await client.query(`DESCRIBE ${curatedName(t)}`);
  const duck = await DuckDBInstance.create(':memory:');
  const connection = await duck.connect();
  try {
    const duckType = (trino: string): string => trino.replace(/^varchar.*$/, 'VARCHAR').replace(/^varbinary$/, 'BLOB').replace(/^real$/, 'FLOAT')
      .replace(/^timestamp\(\d\)$/, 'TIMESTAMP');
    const columns = described.rows.map((r) => `CAST(NULL AS ${duckType(String(r[1]))}) AS ${duckIdent(String(r[0]))}`);
    const file = path.join(location, 'empty.parquet');
    fs.mkdirSync(location, { recursive: true });
    await connection.run(`COPY (SELECT ${columns.join(', ')} WHERE false) TO ${trinoString(file)} (FORMAT parquet)`);
    return file;
  } finally {
    connection.closeSync();
    duck.closeSync();
  }
}
