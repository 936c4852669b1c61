import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChangeFile, RawTableRef, RawZoneLayout, classifyRawFileName, rawTableDirectory } from './raw-zone-layout';

/** A raw file the reader cannot classify, or a raw zone that contradicts the watermark. */
export class RawZoneError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RawZoneError';
  }
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
 * Lists a table's DMS raw files in apply order. Files may sit directly in the table folder or
 * in any sub-folders (date partitions, parallel-load partitions); names that are not `.parquet`
 * (temporary files) and dot-files are ignored; a `.parquet` name that is neither a LOAD nor a
 * CDC name is an error, so a wrong guess about DMS naming cannot silently drop changes.
 */
export class RawZoneReader {
  constructor(readonly layout: RawZoneLayout) {}

  /** The table's folder. */
  tableDirectory(table: RawTableRef): string {
    return rawTableDirectory(this.layout, table);
  }

  /** All of the table's files in apply order: the load, then the CDC files after it (superseded files left out). */
  listInApplyOrder(table: RawTableRef): ChangeFile[] {
    const files = this.listTableFiles(table);
    return [...files.load, ...files.changes];
  }

  /** The table's files, classified and ordered (see {@link RawTableFiles}). */
  listTableFiles(table: RawTableRef): RawTableFiles {
    const dir = this.tableDirectory(table);
    const all = fs.existsSync(dir) ? walk(dir, '') : [];
    const byKey = (a: ChangeFile, b: ChangeFile): number => (a.orderKey < b.orderKey ? -1 : a.orderKey > b.orderKey ? 1 : 0);
    const load = all.filter((f) => f.kind === 'load').sort(byKey);
    const cdc = all.filter((f) => f.kind === 'cdc').sort(byKey);
    const loadStartedMs = load.length > 0 ? Math.min(...load.map((f) => f.modifiedMs)) : null;
    const afterLoad = (f: ChangeFile): boolean => loadStartedMs === null || f.modifiedMs >= loadStartedMs;
    return {
      load,
      changes: cdc.filter(afterLoad),
      superseded: cdc.filter((f) => !afterLoad(f)),
      loadFingerprint: fingerprint(load),
      loadStartedMs,
    };
  }

  /** What to apply to a table whose watermark is `watermark` (undefined: nothing applied yet). */
  planApply(table: RawTableRef, watermark: Watermark | undefined): ApplyPlan {
    return planApply(this.listTableFiles(table), watermark, this.tableDirectory(table));
  }
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
      throw new RawZoneError(`${where}: the LOAD files the curated table was built from are gone and no new load is present; `
        + 'if the source table was truncated or reloaded, wait for the new LOAD files, or reset the curated table to rebuild from the files present');
    }
    return { kind: 'reload', load: files.load, changes: files.changes, files };
  }
  const last = watermark.lastCdcOrderKey;
  const changes = last === null ? files.changes : files.changes.filter((f) => f.orderKey > last);
  const older = files.load.length + files.changes.length - changes.length;
  if (older > watermark.filesApplied) {
    // a file sorting before the watermark that was not there when the watermark moved past it
    throw new RawZoneError(`${where}: ${older - watermark.filesApplied} raw file(s) sort before the last applied file ${watermark.lastFile} `
      + `but were not applied (${older} files up to it now, ${watermark.filesApplied} applied): a late or restored file; `
      + 'reset the curated table to rebuild it from all files, or move the file out of the raw zone');
  }
  return { kind: changes.length === 0 ? 'up-to-date' : 'incremental', load: [], changes, files };
}

function fingerprint(load: readonly ChangeFile[]): string {
  if (load.length === 0) return '';
  const identity = load.map((f) => `${f.relativePath}\t${f.sizeBytes}\t${f.modifiedMs}`).join('\n');
  return createHash('sha256').update(identity).digest('hex');
}

function walk(root: string, relativeDir: string): ChangeFile[] {
  const files: ChangeFile[] = [];
  for (const entry of fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const relativePath = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      files.push(...walk(root, relativePath));
      continue;
    }
    if (!entry.isFile() || !entry.name.endsWith('.parquet')) continue;
    const classified = classifyRawFileName(relativePath);
    const absolute = path.join(root, relativePath);
    if (!classified) {
      throw new RawZoneError(`${absolute}: not a DMS file name (expected LOAD00000001.parquet or 20221023-013830913.parquet); `
        + 'if DMS really writes such names, fix DMS_FACTS_TO_VERIFY.loadFileName / cdcFileName; otherwise move the file out of the raw zone');
    }
    const stat = statIfPresent(absolute);
    if (!stat) continue; // removed while listing (a reload replacing its LOAD files)
    files.push({ ...classified, path: absolute, relativePath, name: entry.name, sizeBytes: stat.size, modifiedMs: stat.mtimeMs });
  }
  return files;
}

function statIfPresent(file: string): fs.Stats | undefined {
  try {
    return fs.statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
