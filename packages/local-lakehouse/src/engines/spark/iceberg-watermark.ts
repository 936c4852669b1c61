import * as fs from 'node:fs';
import * as path from 'node:path';
import { TableRef, Watermark } from '@cdc-lakehouse/curation';
import { LakehouseError, errorMessage } from '../../errors';

/** The snapshot-summary key under which the job core keeps a table's watermark (glue-scripts `watermark.py`). */
const WATERMARK_KEY = 'lakehouse.watermark';

interface IcebergSnapshot {
  readonly 'snapshot-id': string;
  readonly 'parent-snapshot-id'?: string;
  readonly 'summary'?: Record<string, string>;
}

/**
 * The watermark of a table in the local Spark warehouse, read from its Iceberg metadata as the job core reads it: the
 * newest snapshot in the current snapshot's ancestry whose summary carries `lakehouse.watermark` (maintenance commits
 * carry none). The warehouse is an Iceberg Hadoop catalog: `<warehouse>/<db>/<table>/metadata/version-hint.text` names
 * the current `v<N>.metadata.json`. `undefined` when the table does not exist yet, has no snapshot, or was emptied for
 * a rebuild (`null`): then every file of the current load is applied.
 *
 * @throws LakehouseError when the metadata exists but cannot be read
 */
export function sparkTableWatermark(warehouse: string, table: TableRef): Watermark | undefined {
  const metadataDir = path.join(warehouse, table.database, table.table, 'metadata');
  const hint = path.join(metadataDir, 'version-hint.text');
  if (!fs.existsSync(hint)) return undefined;
  let file = hint;
  try {
    const version = fs.readFileSync(hint, 'utf8').trim();
    file = [`v${version}.metadata.json`, `v${version}.gz.metadata.json`].map((f) => path.join(metadataDir, f)).find((f) => fs.existsSync(f)) ?? hint;
    if (file === hint) throw new Error(`version-hint.text names version ${version}, whose metadata file is missing`);
    if (file.endsWith('.gz.metadata.json')) return undefined; // compressed metadata (not written by the local job): every file is checked
    // snapshot ids are 64-bit: read as strings, so no two of them round to the same number
    const text = fs.readFileSync(file, 'utf8').replace(/("(?:current-snapshot-id|snapshot-id|parent-snapshot-id)"\s*:\s*)(-?\d+)/g, '$1"$2"');
    const metadata = JSON.parse(text) as { 'current-snapshot-id'?: string | null; 'snapshots'?: IcebergSnapshot[] };
    const byId = new Map((metadata.snapshots ?? []).map((s) => [String(s['snapshot-id']), s]));
    let snapshot = metadata['current-snapshot-id'] == null ? undefined : byId.get(String(metadata['current-snapshot-id']));
    while (snapshot !== undefined) {
      const value = snapshot.summary?.[WATERMARK_KEY];
      if (value !== undefined) {
        const parsed = JSON.parse(value) as Watermark | null;
        return parsed === null ? undefined : parsed;
      }
      snapshot = snapshot['parent-snapshot-id'] === undefined ? undefined : byId.get(String(snapshot['parent-snapshot-id']));
    }
    return undefined;
  } catch (err) {
    throw new LakehouseError(`curate --engine spark: cannot read the watermark of ${table.database}.${table.table} from ${file} (${errorMessage(err)}); `
      + 'drop the table (its folder in the warehouse) to curate it again from its raw files');
  }
}
