import * as fs from 'node:fs';
import { LakehouseError } from '../errors';

/** Where a DuckDB database file keeps its magic bytes (after an 8-byte checksum). */
const DUCKDB_MAGIC_OFFSET = 8;
const DUCKDB_MAGIC = Buffer.from('DUCK', 'ascii');

/**
 * Refuses a `--lake` path that exists but is not a DuckDB database file. DuckDB itself opens
 * some such files without complaint (a `.csv`, `.json` or `.parquet` becomes a view in an
 * in-memory database), so writing "into" one would succeed and keep nothing. A path that does
 * not exist yet is fine: curate creates the lake there.
 *
 * @throws LakehouseError (exit 1) naming the file when it is a directory or not a DuckDB database
 */
export function checkLakeFile(file: string): void {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new LakehouseError(`--lake ${file}: cannot read it (${(err as Error).message})`);
  }
  if (stat.isDirectory()) {
    throw new LakehouseError(`--lake ${file} is a directory; give the DuckDB database file of the lake, e.g. --lake ./lake.duckdb`);
  }
  const header = Buffer.alloc(DUCKDB_MAGIC_OFFSET + DUCKDB_MAGIC.length);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, header, 0, header.length, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < header.length || !header.subarray(DUCKDB_MAGIC_OFFSET).equals(DUCKDB_MAGIC)) {
    throw new LakehouseError(`--lake ${file} exists but is not a DuckDB database (${stat.size} bytes, no DuckDB header); `
      + 'give the lake file `lakehouse local curate` wrote, or a new file name for a new lake');
  }
}
