import * as fs from 'node:fs';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { checkLakeFile } from './lake-file';
import { LakehouseError, errorMessage } from '../errors';

/** The table in the lake file that lists the curated tables and where they come from. */
export const LAKE_REGISTRY_TABLE = '_lakehouse_tables';

/** A curated table as the registry lists it. */
export interface RegisteredTable {
  readonly sourceSchema: string;
  readonly sourceTable: string;
  readonly curatedDatabase: string;
  readonly curatedTable: string;
  readonly mode: string;
  readonly deletes: string;
  /** Columns identifying a row (the plan's primary key). */
  readonly rowIdentity: readonly string[];
  /**
   * The curated table's columns that are curation's own, not the source's (commit timestamp, change sequence,
   * soft-delete flags), so verify can tell a column the source no longer has from them.
   * @default the default DMS format's and the soft-delete columns (registries written before this was recorded)
   */
  readonly bookkeepingColumns?: readonly string[];
}

/** An open lake database file. */
export interface LakeDatabase {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
  close(): void;
}

function isLockConflict(err: unknown): boolean {
  return /lock|already open|conflicting/i.test(errorMessage(err));
}

/**
 * Opens the lake's DuckDB file. DuckDB lets one process write a file, or several read it, so a
 * reader waits while `curate --follow` holds it (it lets go between rounds), up to `waitMs`.
 */
export async function openLake(file: string, options: { readOnly: boolean; waitMs?: number }): Promise<LakeDatabase> {
  if (options.readOnly && !fs.existsSync(file)) {
    throw new LakehouseError(`--lake ${file} does not exist; create it with \`lakehouse local curate --raw <dir> --lake ${file}\``);
  }
  checkLakeFile(file);
  const deadline = Date.now() + (options.waitMs ?? 30_000);
  for (;;) {
    try {
      const instance = await DuckDBInstance.create(file, options.readOnly ? { access_mode: 'READ_ONLY' } : {});
      const connection = await instance.connect();
      await connection.run("SET TimeZone = 'UTC'");
      return {
        instance,
        connection,
        close: () => {
          connection.closeSync();
          instance.closeSync();
        },
      };
    } catch (err) {
      if (isLockConflict(err) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
        continue;
      }
      if (isLockConflict(err)) {
        throw new LakehouseError(`--lake ${file} is held by another process (${errorMessage(err)}); stop it or try again`);
      }
      throw new LakehouseError(`--lake ${file}: cannot open it as a DuckDB database (${errorMessage(err)})`);
    }
  }
}

/** Runs `sql` and returns JSON-friendly row objects (BIGINT and DECIMAL as strings). */
export async function lakeRows(connection: DuckDBConnection, sql: string): Promise<Record<string, unknown>[]> {
  const reader = await connection.runAndReadAll(sql);
  return reader.getRowObjectsJson() as Record<string, unknown>[];
}

/** Creates the registry when missing and records (or refreshes) the given tables. */
export async function registerTables(connection: DuckDBConnection, tables: readonly RegisteredTable[]): Promise<void> {
  await connection.run(`CREATE TABLE IF NOT EXISTS ${LAKE_REGISTRY_TABLE} (
  source_schema VARCHAR NOT NULL,
  source_table VARCHAR NOT NULL,
  curated_database VARCHAR NOT NULL,
  curated_table VARCHAR NOT NULL,
  mode VARCHAR NOT NULL,
  deletes VARCHAR NOT NULL,
  row_identity VARCHAR NOT NULL,
  updated_at TIMESTAMP NOT NULL
)`);
  // added later: lakes curated before it have the column added (NULL for their entries until curated again)
  await connection.run(`ALTER TABLE ${LAKE_REGISTRY_TABLE} ADD COLUMN IF NOT EXISTS bookkeeping_columns VARCHAR`);
  await connection.run('BEGIN TRANSACTION');
  try {
    for (const t of tables) {
      const values = [t.sourceSchema, t.sourceTable, t.curatedDatabase, t.curatedTable, t.mode, t.deletes, JSON.stringify(t.rowIdentity),
        t.bookkeepingColumns === undefined ? null : JSON.stringify(t.bookkeepingColumns)];
      await connection.run(`DELETE FROM ${LAKE_REGISTRY_TABLE} WHERE source_schema = $1 AND source_table = $2`, [t.sourceSchema, t.sourceTable]);
      await connection.run(`INSERT INTO ${LAKE_REGISTRY_TABLE} (source_schema, source_table, curated_database, curated_table, mode, deletes, row_identity, `
        + 'bookkeeping_columns, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now()::TIMESTAMP)', values);
    }
    await connection.run('COMMIT');
  } catch (err) {
    await connection.run('ROLLBACK');
    throw err;
  }
}

/** The registered tables; a file without a registry is not a lake this package wrote. */
export async function registeredTables(connection: DuckDBConnection, file: string): Promise<RegisteredTable[]> {
  const exists = await lakeRows(connection, `SELECT 1 FROM information_schema.tables WHERE table_name = '${LAKE_REGISTRY_TABLE}'`);
  if (exists.length === 0) {
    throw new LakehouseError(`--lake ${file} has no ${LAKE_REGISTRY_TABLE} table, so it is not a lake written by \`lakehouse local curate\`; curate into it first`);
  }
  const rows = await lakeRows(connection, `SELECT * FROM ${LAKE_REGISTRY_TABLE} ORDER BY source_schema, source_table`);
  return rows.map((r) => ({
    sourceSchema: String(r.source_schema),
    sourceTable: String(r.source_table),
    curatedDatabase: String(r.curated_database),
    curatedTable: String(r.curated_table),
    mode: String(r.mode),
    deletes: String(r.deletes),
    rowIdentity: JSON.parse(String(r.row_identity)) as string[],
    ...(typeof r.bookkeeping_columns === 'string' ? { bookkeepingColumns: JSON.parse(r.bookkeeping_columns) as string[] } : {}),
  }));
}
