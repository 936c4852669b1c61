import * as fs from 'node:fs';
import * as path from 'node:path';
import { DMS_FACTS_TO_VERIFY, loadFileName } from '@cdc-lakehouse/curation';
import { Client } from 'pg';
import { publishFile } from './atomic-file';
import { estimateRows } from './load-progress';
import { ParquetEncoder, RawCompression, duckIdent, duckString, readCsv } from './parquet-encoder';
import { TableMetadata, qualifiedName, quoteIdent } from '../source/catalog';
import { copyOutToFile } from '../source/copy-out';
import { canRefuse, duckDbConversion } from '../source/type-mapping';

const debug = (line: string): void => {
  if (process.env.LAKEHOUSE_DEBUG) process.stderr.write(`[debug] ${line}\n`);
};

/** Options of {@link fullLoadTable}. */
export interface FullLoadProps {
  /** A connection inside the snapshot's transaction (REPEATABLE READ, SET TRANSACTION SNAPSHOT). */
  readonly client: Client;
  /** The table. */
  readonly table: TableMetadata;
  /** The table's raw folder. */
  readonly tableDir: string;
  /** Parquet encoder. */
  readonly encoder: ParquetEncoder;
  /** Commit timestamp of every row (the task start time, `yyyy-MM-dd HH:mm:ss.SSSSSS`). */
  readonly taskStartTime: string;
  /** Rows per LOAD file, roughly (the table is split by block ranges). */
  readonly chunkRows: number;
  /** Parquet compression. */
  readonly compression: RawCompression;
  /** Scratch directory for the CSV stream. */
  readonly scratchDir: string;
  /** PostgreSQL's server_version_num (TID range scans need 14+). */
  readonly serverVersionNum: number;
  /**
   * Told the table's row count so far: as rows stream in from COPY (at most every `progressIntervalMs`) and after each
   * chunk, so a chunk of a million rows moves the count too.
   */
  readonly onRows?: (rows: number) => void;
  /**
   * Least time between two `onRows` calls while a chunk streams.
   * @default 250
   */
  readonly progressIntervalMs?: number;
  /** Told once, before the first chunk, how many rows the catalog estimates the table has (`null`: unknown; see estimateRows). */
  readonly onEstimate?: (estimatedRows: number | null) => void;
  /** Asked before each block range: true ends the load there (nothing of the table is published). */
  readonly stopRequested?: () => boolean;
  /**
   * Told about values the column's DMS type cannot hold, written as NULL (see refusedValue): how many, and one of them.
   * @default ignored
   */
  readonly onRefused?: (column: string, count: number, example: string) => void;
  /**
   * Write a LOAD file even when the table is empty (a reload after a TRUNCATE: the new, empty load
   * must replace the old one, or curation would keep the old rows).
   * @default false (an empty table gets no file, as with DMS)
   */
  readonly writeEmptyLoad?: boolean;
  /**
   * Last-modified time of the LOAD files (a reload's files must sort after every CDC file written before it).
   * @default when they were written
   */
  readonly fileTime?: Date;
}

/** What a full load of one table wrote. */
export interface FullLoadResult {
  /** Rows written. */
  readonly rows: number;
  /** LOAD files written, in order. */
  readonly files: readonly string[];
  /** True when `stopRequested` ended the load before the table was complete: no LOAD file was published. */
  readonly stopped: boolean;
}

/**
 * Loads one table from the snapshot into `LOAD00000001.parquet`, `LOAD00000002.parquet`, … with
 * DMS's columns: `Op` = 'I', the commit timestamp = task start time, the data columns converted
 * to the DMS types, an empty change sequence. The table is read in block (ctid) ranges with
 * `COPY … TO STDOUT (FORMAT csv)`; DuckDB encodes range k while PostgreSQL streams range k+1.
 * The LOAD files appear only when the whole table is done (written under dot-names, then renamed),
 * so a reader never sees part of a load. An empty table gets no file, as with DMS. A stop
 * (`stopRequested`) is honoured between block ranges: the unpublished files are removed.
 */
export async function fullLoadTable(props: FullLoadProps): Promise<FullLoadResult> {
  const { table, tableDir, client } = props;
  fs.mkdirSync(tableDir, { recursive: true });
  const relation = qualifiedName(table.source.schema, table.source.table);
  const { ranges, estimatedRows } = await blockRanges(client, relation, props.chunkRows, props.serverVersionNum);
  props.onEstimate?.(estimatedRows);
  const select = `SELECT ${table.columns.map((c) => quoteIdent(c.name)).join(', ')} FROM ${relation}`;
  const temps: string[] = [];
  let rows = 0;
  let encoding: Promise<void> = Promise.resolve();
  let encodeError: unknown;
  const safeName = `${table.source.schema}.${table.source.table}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  try {
    for (const [index, range] of ranges.entries()) {
      // (the finally waits for the chunk being encoded and removes the unpublished files)
      if (props.stopRequested?.()) return { rows, files: [], stopped: true };
      const csv = path.join(props.scratchDir, `${safeName}.${index}.csv`);
      const where = range === undefined ? '' : ` WHERE ctid >= '(${range[0]},0)'::tid${range[1] === undefined ? '' : ` AND ctid < '(${range[1]},0)'::tid`}`;
      const copyStarted = Date.now();
      const before = rows;
      const chunkRows = await copyOutToFile(client, `COPY (${select}${where}) TO STDOUT (FORMAT csv)`, csv, {
        onRows: props.onRows && ((streamed) => props.onRows!(before + streamed)),
        intervalMs: props.progressIntervalMs,
      });
      debug(`full load chunk ${index}: COPY ${chunkRows} rows in ${Date.now() - copyStarted} ms`);
      if (encodeError !== undefined) throw encodeError;
      rows += chunkRows;
      props.onRows?.(rows);
      const emptyLoad = props.writeEmptyLoad === true && index === ranges.length - 1 && temps.length === 0;
      if (chunkRows === 0 && !emptyLoad) {
        fs.rmSync(csv, { force: true });
        continue;
      }
      const temp = path.join(tableDir, `.${loadFileName(temps.length + 1)}.tmp`);
      temps.push(temp);
      encoding = encoding.then(async () => {
        const encodeStarted = Date.now();
        await props.encoder.copy(loadQuery(table, csv, props.taskStartTime), temp, props.compression);
        debug(`full load chunk ${index}: encoded in ${Date.now() - encodeStarted} ms`);
        if (props.onRefused) await reportRefused(props.encoder, table, csv, temp, props.onRefused);
        fs.rmSync(csv, { force: true });
      });
      encoding.catch((err: unknown) => {
        encodeError ??= err;
      });
    }
    await encoding;
    return { rows, files: publishLoadFiles(tableDir, temps, props.fileTime), stopped: false };
  } finally {
    await encoding.catch(() => undefined);
    for (const temp of temps) fs.rmSync(temp, { force: true });
  }
}

/** The DuckDB query turning one COPY CSV chunk into DMS full-load rows. */
export function loadQuery(table: TableMetadata, csv: string, taskStartTime: string): string {
  const { opColumn, commitTimestampColumn, changeSequenceColumn } = table.rawFormat;
  const csvColumns = table.columns.map((c, i) => [`c${i}`, c.kind === 'int' ? c.rawType : 'VARCHAR'] as const);
  const projection = [
    `'I' AS ${duckIdent(opColumn)}`,
    `${duckString(taskStartTime)} AS ${duckIdent(commitTimestampColumn)}`,
    ...table.columns.map((c, i) => `${c.kind === 'int' ? `c${i}` : duckDbConversion(c, `c${i}`)} AS ${duckIdent(c.name)}`),
    ...(changeSequenceColumn === null ? [] : [`CAST('' AS VARCHAR) AS ${duckIdent(changeSequenceColumn)}`]),
  ];
  return `SELECT\n  ${projection.join(',\n  ')}\nFROM ${readCsv(csv, csvColumns)}`;
}

/**
 * Finds values a LOAD file holds as NULL although the source had one (see refusedValue). Only
 * columns whose Parquet statistics count NULLs are read again, so a load without NULLs in such
 * columns costs nothing extra.
 */
async function reportRefused(
  encoder: ParquetEncoder, table: TableMetadata, csv: string, parquet: string, report: (column: string, count: number, example: string) => void,
): Promise<void> {
  const candidates = table.columns.map((c, i) => ({ c, i })).filter(({ c }) => canRefuse(c.kind));
  if (candidates.length === 0) return;
  const stats = await encoder.query(`SELECT path_in_schema AS name, sum(stats_null_count) AS nulls FROM parquet_metadata(${duckString(parquet)}) GROUP BY 1`);
  const withNulls = new Set(stats.filter((r) => r.nulls === null || Number(r.nulls) > 0).map((r) => String(r.name)));
  const suspects = candidates.filter(({ c }) => withNulls.has(c.name));
  if (suspects.length === 0) return;
  const csvColumns = table.columns.map((c, i) => [`c${i}`, c.kind === 'int' ? c.rawType : 'VARCHAR'] as const);
  const lost = (c: TableMetadata['columns'][number], i: number): string => `c${i} IS NOT NULL AND (${duckDbConversion(c, `c${i}`)}) IS NULL`;
  const [row] = await encoder.query(`SELECT ${suspects.map(({ c, i }) => `count(*) FILTER (WHERE ${lost(c, i)}) AS n${i}, `
    + `any_value(c${i}) FILTER (WHERE ${lost(c, i)}) AS e${i}`).join(', ')} FROM ${readCsv(csv, csvColumns)}`);
  for (const { c, i } of suspects) {
    const count = Number(row[`n${i}`]);
    if (count > 0) report(c.name, count, String(row[`e${i}`]));
  }
}

/**
 * Splits a table into block ranges of about `chunkRows` rows each (`[first, end)`; the last is
 * open-ended). One range (`[undefined]`) for small tables, or servers without TID range scans.
 */
type BlockRange = readonly [number, number | undefined] | undefined;

async function blockRanges(
  client: Client, relation: string, chunkRows: number, serverVersionNum: number,
): Promise<{ ranges: BlockRange[]; estimatedRows: number | null }> {
  const size = await client.query<{ pages: string; tuples: number; relpages: number }>(
    `SELECT pg_relation_size(c.oid) / current_setting('block_size')::int8 AS pages, c.reltuples::float8 AS tuples, c.relpages
       FROM pg_catalog.pg_class c WHERE c.oid = $1::regclass`, [relation]);
  const pages = Number(size.rows[0].pages);
  const tuples = Number(size.rows[0].tuples);
  const estimatedRows = estimateRows(Number(size.rows[0].relpages), tuples, pages);
  return { ranges: splitPages(pages, tuples, chunkRows, serverVersionNum), estimatedRows };
}

function splitPages(pages: number, tuples: number, chunkRows: number, serverVersionNum: number): BlockRange[] {
  const rowsPerPage = tuples > 0 && pages > 0 ? tuples / pages : 50;
  const pagesPerChunk = Math.max(1, Math.ceil(chunkRows / rowsPerPage));
  if (serverVersionNum < 140000 || pages < 2 * pagesPerChunk) return [undefined];
  const ranges: [number, number | undefined][] = [];
  for (let first = 0; first < pages; first += pagesPerChunk) {
    ranges.push([first, first + pagesPerChunk >= pages ? undefined : first + pagesPerChunk]);
  }
  return ranges;
}

/**
 * Replaces a table's LOAD files with a new load's written temp files (in order: LOAD00000001, …), each fsynced and renamed
 * into place. The previous load goes only now, so a reload leaves no moment without LOAD files but this one.
 */
export function publishLoadFiles(tableDir: string, temps: readonly string[], fileTime?: Date): string[] {
  for (const entry of fs.readdirSync(tableDir)) {
    if (DMS_FACTS_TO_VERIFY.loadFileName.test(entry)) fs.rmSync(path.join(tableDir, entry));
  }
  return temps.map((temp, i) => {
    const target = path.join(tableDir, loadFileName(i + 1));
    if (fileTime) fs.utimesSync(temp, fileTime, fileTime);
    publishFile(temp, target);
    return target;
  });
}
