import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CurationPlan, TableRef, Watermark } from '@cdc-lakehouse/curation';
import { TranslationContext, trinoQuote, trinoString } from './athena-to-trino';
import { TrinoClient } from './trino-client';
import { writeFileAtomic } from '../../capture/atomic-file';
import { LakehouseError, errorMessage } from '../../errors';
import { RegisteredTable } from '../../lake/lake-database';
import { LakeTable } from '../../lake/plans';
import { WarehouseRegistryFile, readWarehouseRegistryFile, registryEntry, writeWarehouseRegistry } from '../../lake/warehouse-registry';

/** The folder of the file metastore both catalogs share (Athena: the Glue Data Catalog). */
export const TRINO_METASTORE_DIR = '_trino_metastore';
/** Watermarks, one JSON file per curated table: `_watermarks/<database>/<table>.json` (the Athena runtime's layout in S3). */
export const TRINO_WATERMARK_DIR = '_watermarks';
/** The warehouse's registry of curated tables (what `verify` needs), like the Spark warehouse's. */
export const TRINO_REGISTRY_FILE = '_lakehouse_trino_tables.json';
/** The S3 bucket the rehearsal's plans name as their warehouse; locations under it map into the warehouse directory. */
export const REHEARSAL_BUCKET = 'lakehouse-rehearsal-warehouse';

const REGISTRY_FORMAT = 'lakehouse-trino-warehouse-tables';
const WATERMARK_FORMAT = 'lakehouse-trino-watermark';

/** A Trino location (`local:///abs/path`) of a local path, as the catalogs' `local.location=/` file system sees it. */
export function localLocation(dir: string): string {
  return `local://${path.resolve(dir)}`;
}

/** The two catalogs of one warehouse in a shared server. */
export interface WarehouseCatalogs {
  /** Iceberg catalog: the curated tables, and the session catalog of every statement (raw tables redirect to Hive). */
  readonly iceberg: string;
  /** Hive catalog: the raw tables over the raw zone's Parquet files (Athena: the raw Glue tables). */
  readonly hive: string;
}

/** Catalog names for a warehouse: stable per directory, so one server can hold several warehouses. */
export function warehouseCatalogs(warehouse: string): WarehouseCatalogs {
  const id = createHash('sha1').update(path.resolve(warehouse)).digest('hex').slice(0, 10);
  return { iceberg: `wh_${id}`, hive: `wh_${id}_raw` };
}

/**
 * The CREATE CATALOG statements of a warehouse: one file metastore in the warehouse for both, the local file system,
 * and redirections both ways, so two-part names resolve as in Athena's single Glue catalog: a raw (Hive) table named
 * in the Iceberg catalog is read through the Hive catalog.
 */
export function catalogStatements(warehouse: string): string[] {
  const catalogs = warehouseCatalogs(warehouse);
  const metastore = localLocation(path.join(warehouse, TRINO_METASTORE_DIR));
  const common = { 'hive.metastore.catalog.dir': metastore, 'fs.native-local.enabled': 'true', 'local.location': '/' };
  const props = (p: Record<string, string>): string => Object.entries(p).map(([k, v]) => `${trinoQuote(k)} = ${trinoString(v)}`).join(', ');
  return [
    `CREATE CATALOG ${catalogs.hive} USING hive WITH (${props({
      ...common,
      'hive.metastore': 'file',
      'hive.iceberg-catalog-name': catalogs.iceberg,
      // DMS date folders (yyyy/mm/dd) under the table folder
      'hive.recursive-directories': 'true',
      'hive.timestamp-precision': 'MICROSECONDS',
      'hive.parquet.time-zone': 'UTC',
    })})`,
    `CREATE CATALOG ${catalogs.iceberg} USING iceberg WITH (${props({
      ...common,
      'iceberg.catalog.type': 'TESTING_FILE_METASTORE',
      'iceberg.hive-catalog-name': catalogs.hive,
      // Athena's TBLPROPERTIES write_compression (see ATHENA_TABLE_PROPERTIES)
      'iceberg.compression-codec': 'ZSTD',
    })})`,
  ];
}

/** Creates the warehouse's catalogs on the server unless they are there; returns a client whose session is the Iceberg catalog. */
export async function openWarehouse(client: TrinoClient, warehouse: string): Promise<TrinoClient> {
  fs.mkdirSync(path.join(warehouse, TRINO_METASTORE_DIR), { recursive: true });
  const catalogs = warehouseCatalogs(warehouse);
  const existing = new Set((await client.query('SHOW CATALOGS')).rows.map((r) => String(r[0])));
  const statements = catalogStatements(warehouse);
  if (!existing.has(catalogs.hive)) await client.query(statements[0]);
  if (!existing.has(catalogs.iceberg)) await client.query(statements[1]);
  return client.withSession({ catalog: catalogs.iceberg });
}

/** Where the rehearsal puts what Athena keeps in S3. */
export function translationContext(warehouse: string): TranslationContext {
  const prefix = `s3://${REHEARSAL_BUCKET}/`;
  return {
    location: (s3) => {
      if (!s3.startsWith(prefix)) throw new LakehouseError(`curate --engine trino: location ${s3} is not under ${prefix}, the rehearsal's warehouse bucket`);
      return localLocation(path.join(warehouse, s3.slice(prefix.length).replace(/\/+$/, '')));
    },
    schemaLocation: (database) => localLocation(path.join(warehouse, database)),
  };
}

/** The raw table a plan reads in the rehearsal (the plan's own `source.rawTable` when it names one). */
export function rawTableOf(plan: CurationPlan): TableRef {
  return plan.source.rawTable ?? { database: `raw_${plan.curated.database}`, table: plan.curated.table };
}

/**
 * The plan as the Athena deployment has it: the same settings, a raw table to read, and a curated location in the
 * rehearsal's bucket (Athena creates Iceberg tables only with a LOCATION).
 */
export function athenaPlan(plan: CurationPlan): CurationPlan {
  const props = plan.toJSON();
  return new CurationPlan({
    ...props,
    source: { ...props.source, rawTable: rawTableOf(plan) },
    curated: { ...props.curated, location: `s3://${REHEARSAL_BUCKET}/${plan.curated.database}/${plan.curated.table}/` },
  });
}

function watermarkFile(warehouse: string, table: TableRef): string {
  return path.join(warehouse, TRINO_WATERMARK_DIR, table.database, `${table.table}.json`);
}

/** The table's watermark; undefined before its first batch. */
export function readWatermark(warehouse: string, table: TableRef): Watermark | undefined {
  const file = watermarkFile(warehouse, table);
  if (!fs.existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as { format?: unknown; watermark?: Watermark };
    if (parsed.format !== WATERMARK_FORMAT || typeof parsed.watermark?.lastFile !== 'string') throw new Error(`not a ${WATERMARK_FORMAT} file`);
    return parsed.watermark;
  } catch (err) {
    throw new LakehouseError(`${file}: ${errorMessage(err)}; delete it (and the table) to curate the table again from its raw files`);
  }
}

/** Stores the watermark of a batch whose statements all succeeded (atomically: a crash leaves the old or the new one). */
export function writeWatermark(warehouse: string, table: TableRef, watermark: Watermark): void {
  const content = { format: WATERMARK_FORMAT, version: 1, table: `${table.database}.${table.table}`, watermark, updatedAt: new Date().toISOString() };
  const file = watermarkFile(warehouse, table);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomic(file, `${JSON.stringify(content, null, 2)}\n`);
}

/** A registry entry: a table as every engine registers it, plus the source's spelling of its column names. */
export interface TrinoRegisteredTable extends RegisteredTable {
  /**
   * The plan's column names when one of them has upper case (Trino folds names to lower case, as Glue does).
   * @default the names as Trino has them
   */
  readonly columnNames?: readonly string[];
}

/**
 * Column names whose lower-case forms collide: Trino (and Athena, Glue) fold names to lower case, so such a table
 * cannot be curated by the trino engine. Empty when the names are fine.
 */
export function caseCollisions(names: readonly string[]): string[][] {
  const byLower = new Map<string, string[]>();
  for (const name of names) byLower.set(name.toLowerCase(), [...byLower.get(name.toLowerCase()) ?? [], name]);
  return [...byLower.values()].filter((group) => group.length > 1);
}

/**
 * The source's spelling of each exported (lower-case) column, where the registry records one: `[exported, name]`
 * pairs in the exported order.
 */
export function sourceSpelling(exported: readonly string[], columnNames: readonly string[] | undefined): [string, string][] {
  const spelled = new Map((columnNames ?? []).map((n) => [n.toLowerCase(), n]));
  return exported.map((c) => [c, spelled.get(c.toLowerCase()) ?? c]);
}

const REGISTRY: WarehouseRegistryFile = {
  file: TRINO_REGISTRY_FILE,
  format: REGISTRY_FORMAT,
  engine: 'trino',
  rewrite: (warehouse) => `\`lakehouse local curate --engine trino --raw <dir> --warehouse ${warehouse}\``,
};

/** Records (or refreshes) tables in the warehouse's registry, keeping entries of other source tables. */
export function registerTrinoTables(warehouse: string, tables: readonly LakeTable[]): void {
  writeWarehouseRegistry<TrinoRegisteredTable>(REGISTRY, warehouse, tables.map((t) => ({
    ...registryEntry(t),
    // Trino keeps them lower case; verify gives the exported columns these names back
    ...(t.plan.columns.some((c) => c.name !== c.name.toLowerCase()) ? { columnNames: t.plan.columns.map((c) => c.name) } : {}),
  })));
}

/**
 * The warehouse's registered tables.
 * @throws LakehouseError when the directory is not a warehouse `curate --engine trino` wrote
 */
export function readTrinoRegistry(warehouse: string): TrinoRegisteredTable[] {
  return readWarehouseRegistryFile<TrinoRegisteredTable>(REGISTRY, warehouse);
}
