import * as fs from 'node:fs';
import * as path from 'node:path';
import { ApplyPlan, RawListingEntry, RawTableFiles, Watermark, classifyListing, planApply } from './apply-plan';
import { ChangeFile, RawTableRef, RawZoneLayout, rawTableDirectory } from './raw-zone-layout';

export {
  RawZoneError, planApply, classifyListing, advanceWatermark, loadFingerprint,
  type RawZoneErrorCode, type RawListingEntry, type RawTableFiles, type Watermark, type ApplyPlan,
} from './apply-plan';

/**
 * Lists a table's DMS raw files in apply order. Files may sit directly in the table folder or
 * in any sub-folders (date partitions, parallel-load partitions); names that are not `.parquet`
 * (temporary files) and dot-files are ignored; a `.parquet` name that is neither a LOAD nor a
 * CDC name is an error, so a wrong guess about DMS naming cannot silently drop changes. The
 * decisions are {@link classifyListing}'s, over a directory walk.
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
    return classifyListing(fs.existsSync(dir) ? walk(dir, '') : [], dir);
  }

  /** What to apply to a table whose watermark is `watermark` (undefined: nothing applied yet). */
  planApply(table: RawTableRef, watermark: Watermark | undefined): ApplyPlan {
    return planApply(this.listTableFiles(table), watermark, this.tableDirectory(table));
  }
}

function walk(root: string, relativeDir: string): RawListingEntry[] {
  const files: RawListingEntry[] = [];
  for (const entry of fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const relativePath = relativeDir ? `${relativeDir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      files.push(...walk(root, relativePath));
      continue;
    }
    if (!entry.isFile() || !entry.name.endsWith('.parquet')) continue;
    const absolute = path.join(root, relativePath);
    const stat = statIfPresent(absolute);
    if (!stat) continue; // removed while listing (a reload replacing its LOAD files)
    files.push({ path: absolute, relativePath, sizeBytes: stat.size, modifiedMs: stat.mtimeMs });
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
