import * as fs from 'node:fs';
import * as path from 'node:path';
import { DMS_FACTS_TO_VERIFY } from '@cdc-lakehouse/curation';
import { CAPTURE_LOCK_FILE, CAPTURE_SCRATCH_DIR, CAPTURE_STATE_FILE } from './capture-state';
import { LakehouseError } from '../errors';

/** A new capture writes only into an empty (or new) raw directory: throws a one-line error otherwise. Shared by every engine. */
export function checkEmptyRawDir(rawDir: string): void {
  if (!fs.existsSync(rawDir)) return;
  if (!fs.statSync(rawDir).isDirectory()) {
    throw new LakehouseError(`--raw ${rawDir} is a file; give a directory (it is created when missing)`);
  }
  const entries = fs.readdirSync(rawDir).filter((e) => e !== CAPTURE_LOCK_FILE && e !== CAPTURE_SCRATCH_DIR);
  if (entries.length > 0) {
    throw new LakehouseError(`--raw ${rawDir} is not empty and holds no capture state (${CAPTURE_STATE_FILE}); `
      + 'give an empty or new directory, or the directory of an earlier capture of the same source');
  }
}

/** The time in the name of the latest CDC file in `dir` (ms since the epoch; 0 without one). */
export function latestCdcFileTime(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let latest = 0;
  for (const name of fs.readdirSync(dir)) {
    if (DMS_FACTS_TO_VERIFY.loadFileName.test(name)) {
      // a reload's LOAD files: later CDC files must be newer
      latest = Math.max(latest, Math.ceil(fs.statSync(path.join(dir, name)).mtimeMs));
      continue;
    }
    const m = DMS_FACTS_TO_VERIFY.cdcFileName.exec(name);
    if (!m) continue;
    const [d, t] = [m[1], m[2]];
    const ms = Date.UTC(Number(d.slice(0, 4)), Number(d.slice(4, 6)) - 1, Number(d.slice(6, 8)),
      Number(t.slice(0, 2)), Number(t.slice(2, 4)), Number(t.slice(4, 6)), Number(t.slice(6, 9)));
    latest = Math.max(latest, ms);
  }
  return latest;
}

