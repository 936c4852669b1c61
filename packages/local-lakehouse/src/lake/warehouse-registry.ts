import * as fs from 'node:fs';
import * as path from 'node:path';
import { RegisteredTable } from './lake-database';
import { LakeTable } from './plans';
import { writeFileAtomic } from '../capture/atomic-file';
import { LakehouseError, errorMessage } from '../errors';

/** The registry entry of a table (what verify needs to name keys and find the source table). */
export function registryEntry(table: LakeTable): RegisteredTable {
  return {
    sourceSchema: table.source.schema,
    sourceTable: table.source.table,
    curatedDatabase: table.plan.curated.database,
    curatedTable: table.plan.curated.table,
    mode: table.plan.mode,
    deletes: table.plan.deletes,
    rowIdentity: table.plan.primaryKey,
    bookkeepingColumns: table.plan.curatedColumns.slice(table.plan.columns.length).map((c) => c.name),
  };
}

/**
 * A warehouse directory's registry of curated tables (the DuckDB lake's `_lakehouse_tables` table, as a JSON file):
 * one per engine that writes warehouses, told apart by file name and format.
 */
export interface WarehouseRegistryFile {
  /** File name inside the warehouse. */
  readonly file: string;
  /** The `format` field the file carries. */
  readonly format: string;
  /** The engine that writes it, for errors (`--engine <engine>`). */
  readonly engine: string;
  /** How to rewrite a broken file, for errors (the command, in backquotes). */
  readonly rewrite: (warehouse: string) => string;
}

/** Records (or refreshes) tables in the registry, keeping entries of other source tables; sorted by source table. */
export function writeWarehouseRegistry<T extends RegisteredTable>(
  registry: WarehouseRegistryFile, warehouse: string, tables: readonly T[],
): void {
  const entries = new Map<string, T>();
  const file = path.join(warehouse, registry.file);
  if (fs.existsSync(file)) {
    for (const t of readWarehouseRegistryFile<T>(registry, warehouse)) entries.set(`${t.sourceSchema}.${t.sourceTable}`, t);
  }
  for (const t of tables) entries.set(`${t.sourceSchema}.${t.sourceTable}`, t);
  const sorted = [...entries.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, t]) => t);
  writeFileAtomic(file, `${JSON.stringify({ format: registry.format, version: 1, tables: sorted }, null, 2)}\n`);
}

/**
 * The registry's tables.
 * @throws LakehouseError when the directory is not a warehouse this registry's engine wrote
 */
export function readWarehouseRegistryFile<T extends RegisteredTable>(registry: WarehouseRegistryFile, warehouse: string): T[] {
  const file = path.join(warehouse, registry.file);
  const curate = `lakehouse local curate --engine ${registry.engine}`;
  if (!fs.existsSync(warehouse)) {
    throw new LakehouseError(`--warehouse ${warehouse} does not exist; create it with \`${curate} --raw <dir> --warehouse ${warehouse}\``);
  }
  if (!fs.existsSync(file)) {
    throw new LakehouseError(`--warehouse ${warehouse} has no ${registry.file}, so it is not a warehouse written by \`${curate}\`; curate into it first`);
  }
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: unknown; tables?: unknown };
    if (parsed.format !== registry.format || !Array.isArray(parsed.tables)) throw new Error(`not a ${registry.format} file`);
    return parsed.tables as T[];
  } catch (err) {
    throw new LakehouseError(`${file}: ${errorMessage(err)}; curate again with ${registry.rewrite(warehouse)} to rewrite it`);
  }
}
