import * as path from 'node:path';
import { LakehouseError, errorMessage } from '../errors';

/**
 * The one-line error for a raw file that is not readable Parquet, whichever engine found it: the file, why, that the
 * curated table was left as it was, and what to do.
 */
export function unreadableRawFile(file: string, reason: string, curated: string): LakehouseError {
  return new LakehouseError(`${file}: not a readable Parquet file (${reason}); ${curated} was left as it was. `
    + 'Replace the file with a complete copy, or capture the table again into an empty raw directory, then run curate again');
}

/**
 * The one-line error for a raw file DuckDB could not read as Parquet (truncated, overwritten, not Parquet at all), or
 * undefined when `err` is not about a raw file of `rawDir`. The runner reads every file's schema before it applies a batch
 * and applies each batch in one transaction, so the curated table is as it was before the run.
 */
export function unreadableRawFileError(err: unknown, rawDir: string, curated: string): LakehouseError | undefined {
  const message = errorMessage(err);
  const file = /'([^']+\.parquet)'/.exec(message)?.[1];
  if (file === undefined || !path.resolve(file).startsWith(path.resolve(rawDir) + path.sep)) return undefined;
  // DuckDB's first line; errorMessage joins the rest (`LINE 1: DESCRIBE …`) onto it
  const reason = message.split('\n')[0].replace(/\s+LINE \d+:.*$/, '').replace(/^[A-Za-z ]+Error: /, '').replace(` '${file}'`, '').trim();
  return unreadableRawFile(file, reason, curated);
}
