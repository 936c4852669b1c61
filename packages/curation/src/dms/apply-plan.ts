import { createHash } from 'node:crypto';
import { ChangeFile, classifyRawFileName } from './raw-zone-layout';

/** Why the raw zone cannot be applied as it is. */
export type RawZoneErrorCode =
  /** A `.parquet` name that is neither a LOAD nor a CDC name. */
  | 'UNCLASSIFIED_FILE'
  /** The LOAD files the table was built from are gone and no new load is present. */
  | 'LOAD_FILES_GONE'
  /** A file sorts before the watermark but was not applied (late or restored). */
  | 'LATE_FILE'
  /** The watermark says files were applied but the curated table is missing. */
  | 'TABLE_MISSING'
  /** A raw file lacks a column the raw format needs. */
  | 'RAW_FILE_COLUMNS';

/** A raw file the reader cannot classify, or a raw zone that contradicts the watermark. */
export class RawZoneError extends Error {
  constructor(readonly code: RawZoneErrorCode, message: string) {
    super(message);
    this.name = 'RawZoneError';
  }
}

/** One object of a listing below a table folder (a directory walk or an S3 listing). */
export interface RawListingEntry {
  /** Path below the table folder, `/`-separated. */
  readonly relativePath: string;
  /** Size in bytes. */
  readonly sizeBytes: number;
  /** Last-modified time in ms since the epoch (S3 `LastModified`). */
  readonly modifiedMs: number;
  /**
   * Where the file is (absolute path, S3 URI).
   * @default relativePath
   */
  readonly path?: string;
}

/**
 * A table's raw files, split the way they are applied. A load is every LOAD file present;
 * CDC files last-modified at or after the load's earliest LOAD file follow it, in the order of
 * the times in their names; CDC files modified before the load hold history the load already
 * contains (a reload), so they are `superseded` and never applied.
 */
export interface RawTableFiles {
  /** The LOAD files of the current load, by counter. */
  readonly load: readonly ChangeFile[];
  /** CDC files after the load, in apply order. */
  readonly changes: readonly ChangeFile[];
  /** CDC files older than the load. */
  readonly superseded: readonly ChangeFile[];
  /** Identity of the load: changes when a LOAD file is added, removed or rewritten. '' without LOAD files. */
  readonly loadFingerprint: string;
  /** Earliest last-modified time of the LOAD files; `null` without LOAD files. */
  readonly loadStartedMs: number | null;
}

/** How far a curated table has got: the last raw file applied and the load it started from. */
export interface Watermark {
  /** Fingerprint of the load the table was built from ('' when there were no LOAD files). */
  readonly loadFingerprint: string;
  /** Relative path of the last applied file. */
  readonly lastFile: string;
  /** Order key of the last applied CDC file; `null` when only the load was applied. */
  readonly lastCdcOrderKey: string | null;
  /** Files applied since the load (LOAD files included). */
  readonly filesApplied: number;
}

/** What to apply next to bring a curated table up to date. */
export interface ApplyPlan {
  /**
   * `initial` (no watermark yet), `reload` (the LOAD files changed: rebuild from the new load),
   * `incremental` (new CDC files only) or `up-to-date`.
   */
  readonly kind: 'initial' | 'reload' | 'incremental' | 'up-to-date';
  /** LOAD files to apply after emptying the table (initial and reload only). */
  readonly load: readonly ChangeFile[];
  /** CDC files to apply, in order. */
  readonly changes: readonly ChangeFile[];
  /** The listing this plan was made from. */
  readonly files: RawTableFiles;
}

/**
 * Classifies a listing of a table folder (no file system needed). Entries with a path segment
 * starting with `.` (temporary files) and names not ending in `.parquet` are ignored; a `.parquet`
 * name that is neither a LOAD nor a CDC name throws (UNCLASSIFIED_FILE), so a wrong guess about
 * DMS naming cannot silently drop changes.
 */
export function classifyListing(entries: readonly RawListingEntry[], where = 'the raw table folder'): RawTableFiles {
  const all: ChangeFile[] = [];
  for (const entry of entries) {
    const segments = entry.relativePath.split('/');
    const name = segments[segments.length - 1];
    if (segments.some((s) => s.startsWith('.')) || !name.endsWith('.parquet')) continue;
    const classified = classifyRawFileName(entry.relativePath);
    const filePath = entry.path ?? entry.relativePath;
    if (!classified) {
      throw new RawZoneError('UNCLASSIFIED_FILE', `${entry.path ?? `${where}/${entry.relativePath}`}: not a DMS file name (expected LOAD00000001.parquet or 20221023-013830913.parquet); `
        + 'if DMS really writes such names, fix DMS_FACTS_TO_VERIFY.loadFileName / cdcFileName; otherwise move the file out of the raw zone');
    }
    all.push({ ...classified, path: filePath, relativePath: entry.relativePath, name, sizeBytes: entry.sizeBytes, modifiedMs: entry.modifiedMs });
  }
  const byKey = (a: ChangeFile, b: ChangeFile): number => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0);
  const load = all.filter((f) => f.kind === 'load').sort(byKey);
  const cdc = all.filter((f) => f.kind === 'cdc').sort(byKey);
  const loadStartedMs = load.length > 0 ? Math.min(...load.map((f) => f.modifiedMs)) : null;
  const afterLoad = (f: ChangeFile): boolean => loadStartedMs === null || f.modifiedMs >= loadStartedMs;
  return {
    load,
    changes: cdc.filter(afterLoad),
    superseded: cdc.filter((f) => !afterLoad(f)),
    loadFingerprint: loadFingerprint(load),
    loadStartedMs,
  };
}

/**
 * Decides what to apply from a listing and a watermark. The reload rule: the load a table was
 * built from is identified by its LOAD files (path, size, last-modified); when that identity
 * changes, the table is rebuilt from the new load plus the CDC files after it.
 */
export function planApply(files: RawTableFiles, watermark: Watermark | undefined, where = 'the raw table folder'): ApplyPlan {
  if (!watermark) {
    const kind = files.load.length + files.changes.length === 0 ? 'up-to-date' : 'initial';
    return { kind, load: files.load, changes: files.changes, files };
  }
  if (watermark.loadFingerprint !== files.loadFingerprint) {
    if (files.load.length === 0) {
      throw new RawZoneError('LOAD_FILES_GONE', `${where}: the LOAD files the curated table was built from are gone and no new load is present; `
        + 'if the source table was truncated or reloaded, wait for the new LOAD files, or reset the curated table to rebuild from the files present');
    }
    return { kind: 'reload', load: files.load, changes: files.changes, files };
  }
  const last = watermark.lastCdcOrderKey;
  const changes = last === null ? files.changes : files.changes.filter((f) => f.orderKey > last);
  const older = files.load.length + files.changes.length - changes.length;
  if (older > watermark.filesApplied) {
    // a file sorting before the watermark that was not there when the watermark moved past it
    throw new RawZoneError('LATE_FILE', `${where}: ${older - watermark.filesApplied} raw file(s) sort before the last applied file ${watermark.lastFile} `
      + `but were not applied (${older} files up to it now, ${watermark.filesApplied} applied): a late or restored file; `
      + 'reset the curated table to rebuild it from all files, or move the file out of the raw zone');
  }
  return { kind: changes.length === 0 ? 'up-to-date' : 'incremental', load: [], changes, files };
}

/**
 * The watermark after applying `batch` (files in apply order; a rebuild batch starts with the whole
 * load) on top of `previous`. The commit that applies the batch stores it.
 */
export function advanceWatermark(previous: Watermark | undefined, batch: readonly ChangeFile[], rebuild: boolean, fingerprint: string): Watermark {
  if (batch.length === 0) {
    throw new Error('advanceWatermark: the batch is empty; only batches with files move the watermark');
  }
  const cdc = batch.filter((f) => f.kind === 'cdc');
  return {
    loadFingerprint: fingerprint,
    lastFile: batch[batch.length - 1].relativePath,
    lastCdcOrderKey: cdc.length > 0 ? cdc[cdc.length - 1].orderKey : rebuild ? null : previous?.lastCdcOrderKey ?? null,
    filesApplied: (rebuild ? 0 : previous?.filesApplied ?? 0) + batch.length,
  };
}

/** sha256 (hex) of the LOAD files' `relativePath\tsizeBytes\tmodifiedMs` lines, in order; '' without LOAD files. */
export function loadFingerprint(load: readonly ChangeFile[]): string {
  if (load.length === 0) return '';
  const identity = load.map((f) => `${f.relativePath}\t${f.sizeBytes}\t${f.modifiedMs}`).join('\n');
  return createHash('sha256').update(identity).digest('hex');
}
