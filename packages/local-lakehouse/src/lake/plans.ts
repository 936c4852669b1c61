import * as fs from 'node:fs';
import * as path from 'node:path';
import { CurationPlan, CurationPlanError, CurationPlanProps, DMS_FACTS_TO_VERIFY, RawTableRef } from '@cdc-lakehouse/curation';
import { TABLE_METADATA_FILE } from '../capture/capture-state';
import { LakehouseError, errorMessage } from '../errors';
import { TableMetadata, validateTableMetadata } from '../source/catalog';

/** A raw table the lake curates, with its plan and (when capture wrote one) its metadata. */
export interface LakeTable {
  /** The raw table. */
  readonly source: RawTableRef;
  /** The plan the curation runner applies. */
  readonly plan: CurationPlan;
  /** The metadata capture wrote, when present. */
  readonly metadata?: TableMetadata;
}

/**
 * A Glue-style name (lowercase letters, digits, underscores, starting with a letter) for a
 * source schema or table name: `Order Items` → `order_items`.
 */
export function catalogName(name: string): string {
  let result = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_');
  if (!/^[a-z]/.test(result)) result = `t_${result}`;
  return result;
}

/**
 * The curation plan capture's metadata implies: merge by the primary key; tables without one
 * (REPLICA IDENTITY FULL) keep their whole row as key and count copies (`keepDuplicates`), which capture supports
 * by writing each UPDATE of such a table as a `D` of the old row followed by a `U` of the new one.
 */
export function planFromMetadata(meta: TableMetadata, override: Partial<CurationPlanProps> = {}): CurationPlan {
  const props: CurationPlanProps = {
    source: { schema: meta.source.schema, table: meta.source.table, format: meta.rawFormat },
    curated: { database: catalogName(meta.source.schema), table: catalogName(meta.source.table) },
    columns: meta.columns.map((c) => ({ name: c.name, type: c.type })),
    primaryKey: meta.rowIdentity,
    // a whole-row identity includes nullable columns: match them null-safely
    nullableKey: meta.primaryKey.length === 0,
    // REPLICA IDENTITY FULL without key: identical rows stay separate copies (a DELETE carries the whole row, so it
    // names the row whose count drops; with REPLICA IDENTITY USING INDEX it carries only the index columns)
    keepDuplicates: meta.primaryKey.length === 0 && meta.rowIdentity.length === meta.columns.length,
    mode: 'merge',
    ...override,
  };
  return buildPlan(props, `${meta.source.schema}.${meta.source.table}`);
}

function buildPlan(props: CurationPlanProps, where: string): CurationPlan {
  try {
    return new CurationPlan(props);
  } catch (err) {
    if (err instanceof CurationPlanError) throw new LakehouseError(`${where}: ${err.message}`);
    throw err;
  }
}

/**
 * Reads explicit plans from a JSON file: an array of (partial) CurationPlanProps, each naming its
 * `source: { schema, table }`. A plan for a captured table overrides what the metadata implies
 * (e.g. a partition spec); a plan for a table without metadata must be complete.
 */
export function readPlanOverrides(file: string): Map<string, Partial<CurationPlanProps>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new LakehouseError(`--plans ${file}: ${errorMessage(err)}`);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  const plans = new Map<string, Partial<CurationPlanProps>>();
  for (const [i, entry] of list.entries()) {
    const source = (entry as Partial<CurationPlanProps>)?.source;
    if (typeof source?.schema !== 'string' || typeof source?.table !== 'string') {
      throw new LakehouseError(`--plans ${file}: entry ${i} has no source.schema and source.table; each plan names the raw table it curates`);
    }
    plans.set(`${source.schema}.${source.table}`, entry as Partial<CurationPlanProps>);
  }
  return plans;
}

/**
 * Finds the tables of a raw zone (`<raw>/<schema>/<table>/`) and their plans. A table folder
 * needs capture's `_table.json` or an explicit plan.
 *
 * @throws LakehouseError when the directory is missing, holds nothing DMS-shaped, or a table has
 * DMS files but neither metadata nor a plan
 */
export function discoverLakeTables(rawDir: string, overrides: Map<string, Partial<CurationPlanProps>> = new Map()): LakeTable[] {
  if (!fs.existsSync(rawDir) || !fs.statSync(rawDir).isDirectory()) {
    throw new LakehouseError(`--raw ${rawDir} does not exist; give the directory \`lakehouse local capture --raw\` writes`);
  }
  const tables: LakeTable[] = [];
  const unplanned: string[] = [];
  const seen = new Set<string>();
  for (const schema of subdirectories(rawDir)) {
    for (const table of subdirectories(path.join(rawDir, schema))) {
      const dir = path.join(rawDir, schema, table);
      const name = `${schema}.${table}`;
      const metaFile = path.join(dir, TABLE_METADATA_FILE);
      const override = overrides.get(name);
      if (fs.existsSync(metaFile)) {
        let meta: TableMetadata;
        try {
          meta = validateTableMetadata(JSON.parse(fs.readFileSync(metaFile, 'utf8')), metaFile);
        } catch (err) {
          if (err instanceof LakehouseError) throw err;
          throw new LakehouseError(`${metaFile}: ${errorMessage(err)}`);
        }
        tables.push({ source: { schema, table }, plan: planFromMetadata(meta, override), metadata: meta });
        seen.add(name);
      } else if (override) {
        tables.push({ source: { schema, table }, plan: buildPlan(override as CurationPlanProps, name) });
        seen.add(name);
      } else if (hasDmsFiles(dir)) {
        unplanned.push(name);
      }
    }
  }
  if (unplanned.length > 0) {
    throw new LakehouseError(`${unplanned.join(', ')} in ${rawDir} ${unplanned.length === 1 ? 'has' : 'have'} DMS files but no ${TABLE_METADATA_FILE}; `
      + 'pass --plans with a plan (columns, primaryKey) for each, or capture them with `lakehouse local capture`');
  }
  for (const name of overrides.keys()) {
    if (!seen.has(name)) {
      throw new LakehouseError(`--plans names ${name}, which has no folder in ${rawDir}; fix the schema or table name`);
    }
  }
  if (tables.length === 0) {
    throw new LakehouseError(`${rawDir} is not a DMS raw zone: expected <raw>/<schema>/<table>/ folders with LOAD00000001.parquet files `
      + `and ${TABLE_METADATA_FILE}; point --raw at the directory \`lakehouse local capture\` writes`);
  }
  const curated = new Map<string, string>();
  for (const t of tables) {
    const id = `${t.plan.curated.database}.${t.plan.curated.table}`;
    const other = curated.get(id);
    if (other) {
      throw new LakehouseError(`${other} and ${t.source.schema}.${t.source.table} would both become curated table ${id}; give one another name with --plans`);
    }
    curated.set(id, `${t.source.schema}.${t.source.table}`);
  }
  return tables;
}

function subdirectories(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

function hasDmsFiles(dir: string): boolean {
  return fs.readdirSync(dir).some((name) => DMS_FACTS_TO_VERIFY.loadFileName.test(name) || DMS_FACTS_TO_VERIFY.cdcFileName.test(name));
}
