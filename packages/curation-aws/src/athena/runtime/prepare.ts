import type { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { ChangeFile, ColumnDefinition, DmsRawFormat, RawFileSchema, Watermark } from '@cdc-lakehouse/curation';
import { Chunk, FileWithFooter, chunkFiles } from './chunking';
import {
  AthenaDialect, CurationPlan, CurationSql, RawZoneError, SOFT_DELETE_COLUMNS,
  advanceWatermark, classifyListing, countsCopies, curationSettings, evolveSchema, planApply,
} from './curation-core';
import type { AthenaTableTask, PreparedBatch } from './events';
import { newestCommitTimeInFile, newestCommitTimestamp } from './freshness';
import { dataColumns, getTable, updateDataColumns } from './glue-tables';
import { ParquetFooter } from './parquet-footer';
import { listFolder, readFooter } from './s3-io';
import { readWatermarkState } from './watermark';

/**
 * Statements of one batch stay under this many bytes in total: they travel in the state machine's state, which
 * Step Functions caps at 256 KiB. CDC files past it wait for the next run (the watermark covers what ran).
 */
export const MAX_BATCH_STATEMENT_BYTES = 180_000;
/** Footers read at once. */
const FOOTER_CONCURRENCY = 16;

/** The SDK clients the runtime uses. */
export interface CurationClients {
  readonly s3: S3Client;
  readonly glue: GlueClient;
}

/**
 * Plans one table's next batch: lists the raw folder, applies the watermark rules, reads the footers of the files to
 * apply, brings the raw table's and the curated table's columns in step (or refuses a narrowing before anything is
 * written), and returns the statements to run in order.
 */
export async function prepare(clients: CurationClients, task: AthenaTableTask): Promise<PreparedBatch> {
  const settings = curationSettings(task.settings);
  const table = task.name;
  if (settings.mode === 'append-only') {
    // Athena cannot commit the watermark with the INSERT: a failure between the two would insert the batch again on the next run.
    throw new Error(`table ${table}: append-only tables cannot be curated exactly once by Athena; curate this source with the Glue engine, or give the table a primary key`);
  }
  if (countsCopies(settings) && settings.format.changeSequenceColumn === null) {
    // the copy-counting MERGE is re-applied safely only when the change sequence tells an applied batch from a new one
    throw new Error(`table ${table}: keepDuplicates without a change-sequence column cannot be curated exactly once by Athena; `
      + 'add the $AR_H_CHANGE_SEQ transformation to the DMS task (source.format.changeSequenceColumn), or curate this source with the Glue engine');
  }
  const listing = await listFolder(clients.s3, task.rawLocation);
  const files = classifyListing(listing, task.rawLocation.replace(/\/$/, ''));
  const stored = await readWatermarkState(clients.s3, task.watermarkLocation);
  const previous = stored?.watermark;
  const apply = planApply(files, previous, `table ${table}: raw folder ${task.rawLocation}`);
  const curated = await getTable(clients.glue, settings.curated.database, settings.curated.table);
  if (previous && !curated) {
    throw new RawZoneError('TABLE_MISSING', `table ${table}: the watermark ${task.watermarkLocation} says ${previous.filesApplied} files were applied but the table is missing; `
      + 'delete the watermark object to rebuild the table from the raw files');
  }
  const { opColumn, commitTimestampColumn, changeSequenceColumn } = settings.format;
  const rawBookkeeping = [opColumn, commitTimestampColumn, ...(changeSequenceColumn === null ? [] : [changeSequenceColumn])];
  const curatedBookkeeping = [...rawBookkeeping, SOFT_DELETE_COLUMNS.deleted, SOFT_DELETE_COLUMNS.deletedAt];
  const declared = task.settings.columns ?? [];
  const currentCurated = curated ? dataColumns(curated, curatedBookkeeping) : declared;

  if (apply.kind === 'up-to-date') {
    // a table with declared columns exists (empty) from the start, as with the other engines
    const statements = !curated && declared.length > 0 ? [sqlFor(task, declared).createTable()] : [];
    return { kind: apply.kind, statements, filesApplied: 0, watermark: null, newestCommitTimestamp: null };
  }

  const toRead = [...apply.load, ...apply.changes];
  const footers = await mapLimit(toRead, FOOTER_CONCURRENCY, (f) => readFooter(clients.s3, f.path, f.sizeBytes));
  const schemas = toRead.map((f, i) => rawSchema(table, f, footers[i], settings.format));

  // every check before any write: an incompatible change leaves both tables and the watermark as they were
  const curatedEvolved = evolveSchema(table, currentCurated, schemas);
  const raw = await getTable(clients.glue, task.rawTable.database, task.rawTable.table);
  if (!raw) {
    throw new Error(`table ${table}: raw table ${task.rawTable.database}.${task.rawTable.table} is not in the Glue catalog; deploy the source stack that registers it`);
  }
  const rawName = `${task.rawTable.database}.${task.rawTable.table}`;
  const curatedAsFile = {
    file: `curated table ${table}`,
    columns: curatedEvolved.columns.map((c) => ({ name: c.name, type: c.type, engineType: c.type })),
  };
  const rawEvolved = evolveSchema(rawName, dataColumns(raw, rawBookkeeping), [...schemas, curatedAsFile]);

  const sql = sqlFor(task, curatedEvolved.columns);
  const statements: string[] = [];
  if (!curated) statements.push(sql.createTable());
  else statements.push(...curatedEvolved.changes.map((c) => (c.kind === 'add' ? sql.addColumn(c.column) : sql.widenColumn(c.column))));
  const rebuild = apply.kind === 'initial' || apply.kind === 'reload';
  // a rebuild starts empty: also an initial run over a table left by a run that failed before its first watermark
  if (rebuild && curated) statements.push(`DELETE FROM ${sql.dialect.curatedTableName(settings.curated)}`);

  const withFooter = (list: readonly ChangeFile[], offset: number): FileWithFooter[] =>
    list.map((file, i) => ({ file, footer: footers[offset + i] }));
  const chunks = chunkFiles(settings, withFooter(apply.load, 0), withFooter(apply.changes, apply.load.length));
  const applied = takeWithinBudget(table, chunks, apply.load.length, statements.join('\n').length, (chunk) => merge(sql, chunk));
  statements.push(...applied.statements);

  if (rawEvolved.changes.length > 0) await updateDataColumns(clients.glue, raw, rawBookkeeping, rawEvolved.columns);
  const watermark: Watermark = advanceWatermark(rebuild ? undefined : previous, applied.files, rebuild, files.loadFingerprint);
  // the commit-time high-water mark: the applied files' newest (footer statistics), and the stored one unless rebuilt
  const footerOf = new Map(toRead.map((f, i) => [f, footers[i]]));
  const newestInBatch = applied.files.map((f) => newestCommitTimeInFile(footerOf.get(f)!, commitTimestampColumn));
  const newest = newestCommitTimestamp(rebuild ? null : stored?.newestCommitTimestamp, ...newestInBatch);
  return { kind: apply.kind, statements, filesApplied: applied.files.length, watermark, newestCommitTimestamp: newest };
}

function sqlFor(task: AthenaTableTask, columns: readonly ColumnDefinition[]): CurationSql {
  const plan = new CurationPlan({
    ...task.settings,
    source: { ...task.settings.source, rawTable: task.rawTable },
    curated: { ...task.settings.curated, location: task.curatedLocation },
    columns,
  });
  return new CurationSql(plan, new AthenaDialect());
}

function merge(sql: CurationSql, chunk: Chunk): string {
  const paths = chunk.files.map((f) => `'${f.path.split('\'').join('\'\'')}'`).join(', ');
  const filter = `"$path" IN (${paths})${chunk.slice ? ` AND ${chunk.slice}` : ''}`;
  return sql.merge({ ...sql.dialect.defaultChangeSource(sql.plan), filter });
}

/**
 * The chunks' statements up to the byte budget, whole groups only (a group's slices share their files), and the
 * files they apply in order. The load always goes whole: over the budget it is an error.
 */
function takeWithinBudget(
  table: string, chunks: readonly Chunk[], loadFiles: number, used: number, render: (c: Chunk) => string,
): { statements: string[]; files: ChangeFile[] } {
  const statements: string[] = [];
  const files: ChangeFile[] = [];
  let bytes = used;
  let index = 0;
  while (index < chunks.length) {
    const group = chunks[index].files;
    let end = index;
    while (end < chunks.length && chunks[end].files === group) end++;
    const rendered = chunks.slice(index, end).map(render);
    const size = rendered.reduce((n, s) => n + s.length, 0);
    const isLoad = files.length < loadFiles;
    if (bytes + size > MAX_BATCH_STATEMENT_BYTES && (isLoad || files.length > 0)) {
      if (isLoad) {
        throw new Error(`table ${table}: the load's ${loadFiles} LOAD files need ${Math.ceil((bytes + size) / 1024)} KiB of statements, over the `
          + `${MAX_BATCH_STATEMENT_BYTES / 1000} kB a Step Functions state can carry; curate this table with the Glue engine, or have DMS write fewer, larger LOAD files (maxFileSize)`);
      }
      break;
    }
    statements.push(...rendered);
    files.push(...group);
    bytes += size;
    index = end;
  }
  return { statements, files };
}

function rawSchema(table: string, file: ChangeFile, footer: ParquetFooter, format: DmsRawFormat): RawFileSchema {
  const names = footer.columns.map((c) => c.name.toLowerCase());
  const has = (name: string): boolean => names.includes(name.toLowerCase());
  if (!has(format.commitTimestampColumn)) {
    throw new RawZoneError('RAW_FILE_COLUMNS', `table ${table}: raw file ${file.path} has no commit-timestamp column "${format.commitTimestampColumn}"; `
      + 'set source.format.commitTimestampColumn to the DMS timestampColumnName of this task');
  }
  if (file.kind === 'cdc' && !has(format.opColumn)) {
    throw new RawZoneError('RAW_FILE_COLUMNS', `table ${table}: CDC file ${file.path} has no op column "${format.opColumn}"; set source.format.opColumn`);
  }
  if (file.kind === 'cdc' && format.changeSequenceColumn !== null && !has(format.changeSequenceColumn)) {
    throw new RawZoneError('RAW_FILE_COLUMNS', `table ${table}: CDC file ${file.path} has no change-sequence column "${format.changeSequenceColumn}"; `
      + 'add the $AR_H_CHANGE_SEQ transformation to the DMS table mapping, or set source.format.changeSequenceColumn to null');
  }
  const bookkeeping = new Set([format.opColumn, format.commitTimestampColumn, format.changeSequenceColumn]
    .filter((n): n is string => n !== null).map((n) => n.toLowerCase()));
  return {
    file: file.path,
    columns: footer.columns.filter((c) => !bookkeeping.has(c.name.toLowerCase()))
      .map((c) => ({ name: c.name, type: c.type, engineType: c.parquetType })),
  };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
