import * as path from 'node:path';
import {
  ApplyPlan, ChangeFile, ColumnDefinition, ColumnType, CurationPlan, CurationSql, RawFileSchema, RawZoneError, RawZoneReader, SchemaChange,
  TableRef, Watermark, advanceWatermark, columnTypeFromDuckDb, evolveSchema, parseColumnType,
} from '@cdc-lakehouse/curation';
import { DuckDBConnection } from '@duckdb/node-api';
import { ATHENA_TRINO_DIFFERENCES, athenaToTrino, trinoQuote, trinoString, trinoType } from './athena-to-trino';
import { TrinoClient } from './trino-client';
import { athenaPlan, caseCollisions, localLocation, rawTableOf, readWatermark, translationContext, writeWatermark } from './trino-warehouse';
import { CuratedTableResult } from '../../lake/curate';
import { LakeTable } from '../../lake/plans';

/** Most raw files in one MERGE (the Athena runtime's bound on a `"$path" IN (…)` list). */
export const MAX_FILES_PER_MERGE = 100;

/** One MERGE's files; `rebuild`: empty the table first (a new load, or the first run). */
export interface TrinoBatch {
  readonly files: readonly ChangeFile[];
  readonly rebuild: boolean;
}

/** Cuts an apply plan into MERGEs: a load is applied whole in the first (a watermark never points into a load). */
export function cutBatches(apply: ApplyPlan, maxFiles = MAX_FILES_PER_MERGE): TrinoBatch[] {
  const batches: TrinoBatch[] = [];
  let rest = apply.changes;
  if (apply.kind === 'initial' || apply.kind === 'reload') {
    const first = rest.slice(0, Math.max(0, maxFiles - apply.load.length));
    batches.push({ files: [...apply.load, ...first], rebuild: true });
    rest = rest.slice(first.length);
  }
  for (let i = 0; i < rest.length; i += maxFiles) batches.push({ files: rest.slice(i, i + maxFiles), rebuild: false });
  return batches;
}

/** The `"$path"` filter restricting the MERGE to a batch's files, as the Athena runtime writes it (with `local://` paths). */
export function pathFilter(files: readonly ChangeFile[]): string {
  return `"$path" IN (${files.map((f) => trinoString(localLocation(f.path))).join(', ')})`;
}

/**
 * The raw table over a table's raw folder (Athena: the Glue table the runtime keeps in step with the files' footers):
 * the op, commit-timestamp and change-sequence columns as varchar, then the curated data columns with their current
 * (widest) types. Registered in the Hive catalog; an external table, so dropping it leaves the files alone.
 */
export function rawTableStatements(hiveCatalog: string, plan: CurationPlan, rawDir: string): string[] {
  const raw = rawTableOf(plan);
  const { opColumn, commitTimestampColumn, changeSequenceColumn } = plan.format;
  const bookkeeping = [opColumn, commitTimestampColumn, ...(changeSequenceColumn === null ? [] : [changeSequenceColumn])];
  const columns = [
    ...bookkeeping.map((name) => `${trinoQuote(name)} varchar`),
    ...plan.columns.filter((c) => !bookkeeping.some((b) => b.toLowerCase() === c.name.toLowerCase())).map((c) => `${trinoQuote(c.name)} ${trinoType(c.type)}`),
  ];
  const name = `${hiveCatalog}.${trinoQuote(raw.database)}.${trinoQuote(raw.table)}`;
  return [
    `CREATE SCHEMA IF NOT EXISTS ${hiveCatalog}.${trinoQuote(raw.database)}`,
    `DROP TABLE IF EXISTS ${name}`,
    `CREATE TABLE ${name} (\n${columns.map((c) => `  ${c}`).join(',\n')}\n)\n`
      + `WITH (format = 'PARQUET', external_location = ${trinoString(localLocation(path.join(rawDir, plan.source.schema, plan.source.table)))})`,
  ];
}

/** A Trino column type of a curated Iceberg table in the plan's vocabulary (the inverse of {@link trinoType}). */
export function columnTypeFromTrino(type: string): ColumnType | undefined {
  const t = type.trim().toLowerCase();
  const inverse = Object.entries(ATHENA_TRINO_DIFFERENCES.types).find(([, trino]) => trino === t);
  if (inverse) return inverse[0] as ColumnType;
  const parsed = parseColumnType(t.replace(/\s+/g, ''));
  return parsed ? (parsed.kind === 'decimal' ? `decimal(${parsed.precision},${parsed.scale})` : parsed.kind) as ColumnType : undefined;
}

/** Reads raw Parquet footers (column names and types) with DuckDB, as the Athena runtime reads them from S3. */
export class FooterReader {
  private readonly cache = new Map<string, RawFileSchema>();

  constructor(private readonly duck: DuckDBConnection, private readonly plan: CurationPlan) {}

  async schema(file: ChangeFile): Promise<RawFileSchema> {
    const key = `${file.path}\t${file.sizeBytes}\t${file.modifiedMs}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const reader = await this.duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${trinoString(file.path)})`);
    const rows = reader.getRowObjectsJson() as { column_name: string; column_type: string }[];
    const { opColumn, commitTimestampColumn, changeSequenceColumn } = this.plan.format;
    const bookkeeping = new Set([opColumn, commitTimestampColumn, changeSequenceColumn].filter((n) => n !== null).map((n) => n.toLowerCase()));
    if (!rows.some((r) => r.column_name.toLowerCase() === commitTimestampColumn.toLowerCase())) {
      throw new RawZoneError('RAW_FILE_COLUMNS', `${file.path}: no commit-timestamp column "${commitTimestampColumn}" (columns: ${rows.map((r) => r.column_name).join(', ')})`);
    }
    const schema: RawFileSchema = {
      file: file.path,
      columns: rows.filter((r) => !bookkeeping.has(r.column_name.toLowerCase())).map((r) => ({
        name: r.column_name, engineType: r.column_type, type: columnTypeFromDuckDb(r.column_type),
      })),
    };
    this.cache.set(key, schema);
    return schema;
  }
}

/** What one curated table needs from the engine. */
export interface TrinoTableContext {
  readonly client: TrinoClient;
  readonly hiveCatalog: string;
  readonly warehouse: string;
  readonly rawDir: string;
  readonly duck: DuckDBConnection;
  readonly signal?: AbortSignal;
  /** Called with every statement run (progress, tests). */
  readonly onStatement?: (sql: string) => void;
}

async function currentColumns(client: TrinoClient, plan: CurationPlan): Promise<ColumnDefinition[] | undefined> {
  const result = await client.query(`SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = ${trinoString(plan.curated.database)} `
    + `AND table_name = ${trinoString(plan.curated.table)} ORDER BY ordinal_position`);
  if (result.rows.length === 0) return undefined;
  const bookkeeping = new Set(plan.curatedColumns.slice(plan.columns.length).map((c) => c.name.toLowerCase()));
  return result.rows.filter((r) => !bookkeeping.has(String(r[0]).toLowerCase())).map((r) => {
    const type = columnTypeFromTrino(String(r[1]));
    if (!type) throw new Error(`table ${plan.curated.database}.${plan.curated.table}: column ${String(r[0])} has type ${String(r[1])}, outside the plan's vocabulary`);
    // Trino folds names to lower case: keep the plan's spelling where it has the column
    const declared = plan.columns.find((c) => c.name.toLowerCase() === String(r[0]).toLowerCase());
    return { name: declared?.name ?? String(r[0]), type };
  });
}

/**
 * Brings one curated table up to date, as the Athena deployment does: the watermark decides the files
 * (planApply), the footers decide schema changes (ALTER TABLE, before anything is merged), then per batch the raw
 * table is registered with the batch's columns, a rebuild empties the table, the generated MERGE runs restricted to
 * the batch's files by `"$path"`, and the watermark advances. A crash between a MERGE and its watermark re-applies
 * that batch on the next run, which the MERGE's newer-than guard makes harmless.
 */
export async function curateTrinoTable(
  table: LakeTable, ctx: TrinoTableContext,
): Promise<CuratedTableResult & { batches: number; schemaChanges: SchemaChange[] }> {
  const plan = athenaPlan(table.plan);
  const name = `${plan.curated.database}.${plan.curated.table}`;
  const collisions = caseCollisions(plan.columns.map((c) => c.name));
  if (collisions.length > 0) {
    throw new Error(`columns ${collisions.map((g) => g.map((n) => JSON.stringify(n)).join(' and ')).join(', ')} differ only in case; `
      + 'Trino (like Athena and Glue) folds column names to lower case, so it cannot hold them apart: rename one in the source, or use --engine duckdb or spark');
  }
  const context = translationContext(ctx.warehouse);
  const run = async (athenaSql: string): Promise<void> => {
    for (const sql of athenaToTrino(athenaSql, context)) {
      if (ctx.signal?.aborted) throw new Error('stopped');
      ctx.onStatement?.(sql);
      await ctx.client.query(sql, ctx.signal);
    }
  };
  const sql = new CurationSql(plan, 'athena');
  const before = readWatermark(ctx.warehouse, plan.curated);
  const existing = await currentColumns(ctx.client, plan);
  if (before && !existing) {
    throw new RawZoneError('TABLE_MISSING', `table ${name}: the watermark says ${before.filesApplied} files were applied but the table is missing; `
      + 'delete its watermark file (warehouse _watermarks/) to rebuild it from the raw files');
  }
  // every table exists from the start, even before its first raw file (as with the other engines)
  await run(sql.createDatabase());
  if (!existing) await run(sql.createTable());
  const result = { source: `${table.source.schema}.${table.source.table}`, curated: name };

  const apply = new RawZoneReader({ rootDir: ctx.rawDir }).planApply(plan.source, before);
  if (apply.kind === 'up-to-date') return { ...result, kind: apply.kind, filesApplied: 0, batches: 0, schemaChanges: [] };
  const footers = new FooterReader(ctx.duck, plan);
  let columns: readonly ColumnDefinition[] = existing ?? plan.columns;
  // check every file up front: an incompatible change stops the run before anything is applied
  evolveSchema(name, columns, await Promise.all([...apply.load, ...apply.changes].map((f) => footers.schema(f))));

  let watermark: Watermark | undefined = before;
  const schemaChanges: SchemaChange[] = [];
  const batches = cutBatches(apply);
  let rawColumns = '';
  for (const batch of batches) {
    const evolved = evolveSchema(name, columns, await Promise.all(batch.files.map((f) => footers.schema(f))));
    const batchPlan = plan.withColumns(evolved.columns);
    const batchSql = new CurationSql(batchPlan, 'athena');
    for (const change of evolved.changes) await run(change.kind === 'add' ? batchSql.addColumn(change.column) : batchSql.widenColumn(change.column));
    schemaChanges.push(...evolved.changes);
    columns = evolved.columns;
    const key = JSON.stringify(columns);
    if (key !== rawColumns) {
      for (const statement of rawTableStatements(ctx.hiveCatalog, batchPlan, ctx.rawDir)) {
        ctx.onStatement?.(statement);
        await ctx.client.query(statement, ctx.signal);
      }
      rawColumns = key;
    }
    // Athena has no TRUNCATE for Iceberg tables: a reload empties the table with DELETE, which Trino runs as is
    if (batch.rebuild) await run(`DELETE FROM ${batchSql.dialect.curatedTableName(plan.curated)}`);
    await run(batchSql.merge({ ...batchSql.dialect.defaultChangeSource(batchPlan), filter: pathFilter(batch.files) }));
    watermark = advanceWatermark(watermark, batch.files, batch.rebuild, apply.files.loadFingerprint);
    writeWatermark(ctx.warehouse, plan.curated, watermark);
  }
  return { ...result, kind: apply.kind, filesApplied: batches.reduce((n, b) => n + b.files.length, 0), batches: batches.length, schemaChanges };
}

/** The curated table's Trino name (`"db"."table"`) for messages and exports. */
export function curatedName(table: TableRef): string {
  return `${trinoQuote(table.database)}.${trinoQuote(table.table)}`;
}
