import * as path from 'node:path';
import { DMS_FACTS_TO_VERIFY } from './dms-raw-format';

/** DMS `DatePartitionSequence`: the order of the date parts in CDC date folders. */
export type DatePartitionSequence = 'YYYYMMDD' | 'YYYYMMDDHH' | 'YYYYMM' | 'MMYYYYDD' | 'DDMMYYYY';

/** DMS `DatePartitionDelimiter`: what separates the date parts. */
export type DatePartitionDelimiter = 'SLASH' | 'UNDERSCORE' | 'DASH' | 'NONE';

/** DMS `datePartitionEnabled` with its sequence and delimiter. */
export interface DatePartitioning {
  /** @default 'YYYYMMDD' */
  readonly sequence?: DatePartitionSequence;
  /** @default 'SLASH' */
  readonly delimiter?: DatePartitionDelimiter;
}

/**
 * Where a DMS task writes its files: `<rootDir>/<schema>/<table>/`, CDC files optionally under
 * date folders. Locally `rootDir` is a directory; on S3 it is the endpoint's bucket folder.
 */
export interface RawZoneLayout {
  /** The DMS target folder (`<prefix>`). */
  readonly rootDir: string;
  /**
   * Date folders for CDC files (`datePartitionEnabled`). Readers find files in any folder
   * layout; this tells the writer which folders to create.
   * @default none: CDC files directly in the table folder
   */
  readonly datePartitioning?: DatePartitioning;
}

/** A source table, identified the way DMS names its folder. */
export interface RawTableRef {
  /** Source schema. */
  readonly schema: string;
  /** Source table. */
  readonly table: string;
}

/** Kind of a raw file: part of a full load, or a batch of CDC changes. */
export type ChangeFileKind = 'load' | 'cdc';

/** One raw Parquet file of a table, classified by its name. */
export interface ChangeFile {
  /** `load` (LOADxxxxxxxx.parquet) or `cdc` (time-named). */
  readonly kind: ChangeFileKind;
  /** Absolute path. */
  readonly path: string;
  /** Path below the table folder, `/`-separated (e.g. `2022/10/23/20221023-013830913.parquet`). */
  readonly relativePath: string;
  /** File name. */
  readonly name: string;
  /**
   * Sort key within its kind: LOAD files by counter, CDC files by the time in their name
   * (then path). Fixed width, so plain string comparison orders files.
   */
  readonly orderKey: string;
  /** Size in bytes. */
  readonly sizeBytes: number;
  /** Last-modified time in ms since the epoch (S3 `LastModified`). */
  readonly modifiedMs: number;
}

/** The folder holding a table's raw files. */
export function rawTableDirectory(layout: RawZoneLayout, table: RawTableRef): string {
  return path.join(layout.rootDir, table.schema, table.table);
}

/**
 * Classifies a raw file by name; `undefined` for a `.parquet` name that is neither a LOAD nor a
 * CDC name (the caller must fail loudly: see DMS_FACTS_TO_VERIFY).
 */
export function classifyRawFileName(relativePath: string): { kind: ChangeFileKind; orderKey: string } | undefined {
  const name = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  const load = DMS_FACTS_TO_VERIFY.loadFileName.exec(name);
  if (load) {
    // counter first, so a parallel-load sub-folder does not reorder the counters
    return { kind: 'load', orderKey: `${load[1].toUpperCase()}|${relativePath}` };
  }
  const cdc = DMS_FACTS_TO_VERIFY.cdcFileName.exec(name);
  if (cdc) {
    return { kind: 'cdc', orderKey: `${cdc[1]}${cdc[2]}|${relativePath}` };
  }
  return undefined;
}

/** The full-load file name for a counter (1-based): `LOAD00000001.parquet`. */
export function loadFileName(counter: number): string {
  return `LOAD${counter.toString(16).toUpperCase().padStart(8, '0')}.parquet`;
}

/** The CDC file name DMS gives a file written at `at` (UTC): `20221023-013830913.parquet`. */
export function cdcFileName(at: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-`
    + `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}${p(at.getUTCMilliseconds(), 3)}.parquet`;
}

/** The date folder DMS puts a CDC file written at `at` in (e.g. `2022/10/23` or `20221023`). */
export function datePartitionFolder(at: Date, partitioning: DatePartitioning): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const parts: Record<string, string> = {
    YYYY: String(at.getUTCFullYear()), MM: p(at.getUTCMonth() + 1), DD: p(at.getUTCDate()), HH: p(at.getUTCHours()),
  };
  const sequence = partitioning.sequence ?? 'YYYYMMDD';
  const delimiter = { SLASH: '/', UNDERSCORE: '_', DASH: '-', NONE: '' }[partitioning.delimiter ?? 'SLASH'];
  const order = sequence.match(/YYYY|MM|DD|HH/g)!;
  return order.map((part) => parts[part]).join(delimiter);
}
