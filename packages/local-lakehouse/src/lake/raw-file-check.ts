import * as fs from 'node:fs';
import { ChangeFile, RawZoneError, RawZoneReader, Watermark } from '@cdc-lakehouse/curation';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { LakeTable } from './plans';
import { unreadableRawFile, unreadableRawFileError } from './raw-file-error';
import { LakehouseError, errorMessage } from '../errors';

/** Parquet's magic number, at the start and at the end of every file. */
const MAGIC = Buffer.from('PAR1', 'ascii');
/** Magic at the start, footer length and magic at the end: the smallest a Parquet file can be. */
const MIN_PARQUET_BYTES = 12;

/**
 * Why `file` cannot be a complete Parquet file, from its first and last bytes alone, or undefined when they look right:
 * too small, no magic number at its start or end (truncated, overwritten), or a footer longer than the file.
 */
export function parquetShapeProblem(file: string): string | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    if (size < MIN_PARQUET_BYTES) return `${size} bytes, too small to be a Parquet file`;
    const head = Buffer.alloc(4);
    fs.readSync(fd, head, 0, 4, 0);
    const tail = Buffer.alloc(8);
    fs.readSync(fd, tail, 0, 8, size - 8);
    if (!head.equals(MAGIC)) return 'no Parquet magic bytes at its start';
    if (!tail.subarray(4).equals(MAGIC)) return 'no Parquet magic bytes at its end: cut short or overwritten';
    const footer = tail.readUInt32LE(0);
    if (footer > size - MIN_PARQUET_BYTES) return `its footer claims ${footer} bytes of a ${size}-byte file: cut short`;
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** A table to check and how far its curated table has got (`undefined`: not curated yet, every file is applied). */
export interface RawFilesToCheck {
  readonly table: LakeTable;
  readonly watermark: Watermark | undefined;
}

/**
 * Checks, before an engine starts, that every raw file this run would apply (the watermark and `planApply` decide, as
 * the engines do) is readable Parquet: its shape ({@link parquetShapeProblem}), then its footer as DuckDB parses it.
 * So `curate --engine spark` and `--engine trino` stop on a truncated or corrupt file with the one line the DuckDB
 * engine gives, naming the file, before anything is created or changed.
 *
 * @throws LakehouseError (exit 1) naming the first unreadable file and the table left as it was
 */
export async function checkRawFiles(rawDir: string, tables: readonly RawFilesToCheck[]): Promise<void> {
  const reader = new RawZoneReader({ rootDir: rawDir });
  const pending: { file: ChangeFile; curated: string }[] = [];
  for (const { table, watermark } of tables) {
    const curated = `${table.plan.curated.database}.${table.plan.curated.table}`;
    let apply;
    try {
      apply = reader.planApply(table.plan.source, watermark);
    } catch (err) {
      // a raw folder curation cannot use (no files yet is fine: planApply says up-to-date): the same line the engines give
      if (err instanceof RawZoneError) throw new LakehouseError(`curate ${curated}: ${err.message}`);
      throw err;
    }
    for (const file of [...apply.load, ...apply.changes]) {
      const problem = parquetShapeProblem(file.path);
      if (problem !== undefined) throw unreadableRawFile(file.path, problem, curated);
      pending.push({ file, curated });
    }
  }
  if (pending.length === 0) return;
  const duck = await DuckDBInstance.create(':memory:');
  let connection: DuckDBConnection | undefined;
  try {
    connection = await duck.connect();
    for (const { file, curated } of pending) {
      try {
        await connection.run(`SELECT count(*) FROM parquet_metadata('${file.path.split("'").join("''")}')`);
      } catch (err) {
        throw unreadableRawFileError(err, rawDir, curated) ?? unreadableRawFile(file.path, errorMessage(err), curated);
      }
    }
  } finally {
    connection?.closeSync();
    duck.closeSync();
  }
}
