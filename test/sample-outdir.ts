import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * A fresh, empty folder for a sample project. Every project a test creates must get one:
 * without an explicit outdir, projen takes the current folder when it lies under the temp dir,
 * and `Testing.synth` deletes its outdir afterwards — a checkout under /tmp would delete itself.
 */
export function sampleOutdir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `cdc-lakehouse-${label}-`));
}
