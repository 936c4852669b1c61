import type { ChangeFile, CurationSettings, PartitionField } from '@cdc-lakehouse/curation';
import type { ParquetColumn, ParquetFooter } from './parquet-footer';

/** Athena refuses a statement that writes more partitions than this (HIVE_TOO_MANY_OPEN_PARTITIONS), Iceberg tables included. */
export const ATHENA_MAX_PARTITIONS_PER_STATEMENT = 100;
/** At most this many raw files in one statement (a bounded `"$path" IN (…)` list and bounded bytes scanned per query). */
export const MAX_FILES_PER_STATEMENT = 100;
/**
 * A statement split into hash slices aims at this many partitions per slice on average: half the limit, so the
 * spread of a hash (≈ binomial) stays far below 100 (more than 7 standard deviations at 50 per slice).
 */
export const PARTITIONS_PER_SLICE = 50;

/** A raw file with its footer. */
export interface FileWithFooter {
  readonly file: ChangeFile;
  readonly footer: ParquetFooter;
}

/** The rows of a statement: some files, and optionally one hash slice of their rows. */
export interface Chunk {
  readonly files: readonly ChangeFile[];
  /** A predicate on the raw relation `c` keeping one slice (`… = k`); absent: every row of the files. */
  readonly slice?: string;
}

/**
 * Cuts the files of one batch into statements that stay under Athena's partition limit.
 *
 * How many partitions a group of files can write is estimated from the footers, conservatively: per partition field,
 * `bucket(N)` → N; a time transform or identity/truncate on an integer column → the number of units between the
 * smallest and largest value in the files' statistics, plus one for NULL; anything else (strings, no statistics) →
 * unbounded; the product of the fields, never more than the rows. A MERGE of CDC rows can also write position
 * deletes in a row's old partition, so CDC groups count twice. Unpartitioned tables write one partition.
 *
 * LOAD files (keys unique across a load) are grouped by file count, and a group over the limit is split into slices by
 * a hash of the partition values (each partition in exactly one slice). CDC files are grouped while the estimate
 * stays within the limit; a group still over it (a single large file) is split by a hash of the key, so every change
 * of a key stays in one statement and the order of a key's changes holds. Groups run in order.
 */
export function chunkFiles(settings: CurationSettings, load: readonly FileWithFooter[], changes: readonly FileWithFooter[]): Chunk[] {
  const chunks: Chunk[] = [];
  for (let i = 0; i < load.length; i += MAX_FILES_PER_STATEMENT) {
    const group = load.slice(i, i + MAX_FILES_PER_STATEMENT);
    chunks.push(...slices(settings, group, estimatePartitions(settings, group, false), 'partition'));
  }
  const deletes = settings.mode === 'merge';
  let group: FileWithFooter[] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    chunks.push(...slices(settings, group, estimatePartitions(settings, group, deletes), settings.mode === 'merge' ? 'key' : 'partition'));
    group = [];
  };
  for (const file of changes) {
    const candidate = [...group, file];
    if (group.length > 0 && (candidate.length > MAX_FILES_PER_STATEMENT
      || estimatePartitions(settings, candidate, deletes) > ATHENA_MAX_PARTITIONS_PER_STATEMENT)) {
      flush();
      group = [file];
    } else {
      group = candidate;
    }
  }
  flush();
  return chunks;
}

/** Upper bound of the partitions a statement over `files` writes (see {@link chunkFiles}). */
export function estimatePartitions(settings: CurationSettings, files: readonly FileWithFooter[], deletes: boolean): number {
  if (settings.partitionBy.length === 0) return 1;
  const rows = files.reduce((n, f) => n + f.footer.numRows, 0);
  let product = 1;
  for (const field of settings.partitionBy) product *= fieldBound(field, files);
  return Math.max(1, Math.min(product, rows) * (deletes ? 2 : 1));
}

function fieldBound(field: PartitionField, files: readonly FileWithFooter[]): number {
  if (field.transform === 'bucket') return field.buckets;
  const ranges = files.map((f) => columnOf(f.footer, field.column)?.range);
  if (ranges.some((r) => r === undefined)) return Infinity;
  const min = ranges.reduce((a, r) => (r!.min < a ? r!.min : a), ranges[0]!.min);
  const max = ranges.reduce((a, r) => (r!.max > a ? r!.max : a), ranges[0]!.max);
  const unit = ranges[0]!.unit;
  if (ranges.some((r) => r!.unit !== unit)) return Infinity;
  if (unit === 'int') {
    if (field.transform === 'identity') return Number(max - min) + 2;
    if (field.transform === 'truncate') return Math.floor(Number(max - min) / field.width) + 2;
    return Infinity;
  }
  if (field.transform === 'truncate') return Infinity;
  const toMs = (v: bigint): number => (unit === 'day' ? Number(v) * 86_400_000 : unit === 'ms' ? Number(v) : unit === 'us' ? Number(v / 1000n) : Number(v / 1_000_000n));
  const from = new Date(toMs(min));
  const to = new Date(toMs(max));
  const months = (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  switch (field.transform) {
    case 'year': return to.getUTCFullYear() - from.getUTCFullYear() + 2;
    case 'month': return months + 2;
    case 'day': return Math.floor(toMs(max) / 86_400_000) - Math.floor(toMs(min) / 86_400_000) + 2;
    case 'hour': return Math.floor(toMs(max) / 3_600_000) - Math.floor(toMs(min) / 3_600_000) + 2;
    default: return Infinity; // identity on a timestamp: one partition per distinct value
  }
}

function columnOf(footer: ParquetFooter, name: string): ParquetColumn | undefined {
  return footer.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
}

function slices(settings: CurationSettings, group: readonly FileWithFooter[], estimate: number, by: 'partition' | 'key'): Chunk[] {
  const files = group.map((g) => g.file);
  if (estimate <= ATHENA_MAX_PARTITIONS_PER_STATEMENT) return [{ files }];
  const table = `${settings.curated.database}.${settings.curated.table}`;
  const where = `${files[0].path}${files.length > 1 ? ` (and ${files.length - 1} more)` : ''}`;
  let values: string[];
  let count: number;
  if (by === 'key') {
    values = settings.primaryKey.map((k) => `c.${quote(k)}`);
    count = Math.ceil(estimate / PARTITIONS_PER_SLICE);
  } else {
    const buckets = settings.partitionBy.reduce((n, f) => n * (f.transform === 'bucket' ? f.buckets : 1), 1);
    values = settings.partitionBy.filter((f) => f.transform !== 'bucket')
      .map((f) => partitionValue(f, group.some((g) => columnOf(g.footer, f.column)?.type === 'string')));
    if (values.length === 0 || buckets > PARTITIONS_PER_SLICE / 2) {
      throw new Error(`table ${table}: raw file ${where} may write ${estimate} partitions, over Athena's ${ATHENA_MAX_PARTITIONS_PER_STATEMENT} per statement, `
        + `and its bucket partitioning (${buckets} buckets) cannot be split further; use at most ${PARTITIONS_PER_SLICE / 2} buckets with a time or identity field, or the Glue engine`);
    }
    count = Math.ceil(estimate / PARTITIONS_PER_SLICE);
  }
  if (!Number.isFinite(count)) {
    // no bound from statistics: the rows bound the partitions (estimatePartitions caps at the rows), so this is unreachable
    throw new Error(`table ${table}: cannot bound the partitions written by raw file ${where}; report this with the file`);
  }
  const hash = `mod(mod(from_big_endian_64(xxhash64(to_utf8(concat_ws('|', ${values.map((v) => `COALESCE(CAST(${v} AS varchar), '\\N')`).join(', ')})))), ${count}) + ${count}, ${count})`;
  return Array.from({ length: count }, (_, k) => ({ files, slice: `${hash} = ${k}` }));
}

/** An expression over the raw row that is a function of the field's partition value. */
function partitionValue(field: PartitionField, isString: boolean): string {
  const column = `c.${quote(field.column)}`;
  switch (field.transform) {
    case 'identity': return column;
    case 'truncate': return isString ? `substr(${column}, 1, ${field.width})` : `floor(${column} / ${field.width})`;
    case 'bucket': return column;
    default: return `date_trunc('${field.transform}', ${column})`;
  }
}

function quote(name: string): string {
  return `"${name.split('"').join('""')}"`;
}
