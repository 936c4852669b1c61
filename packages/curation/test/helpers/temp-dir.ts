import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * A fresh directory under the OS temp folder, or in memory (/dev/shm) when `inMemory` is asked
 * for and available: the property tests write thousands of small files and fsync each one.
 * Removed by the returned cleanup.
 */
export function makeTempDir(prefix: string, inMemory = false): { dir: string; cleanup: () => void } {
  const root = inMemory && fs.existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();
  const dir = fs.mkdtempSync(path.join(root, `curation-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The real DMS full-load file shared by the project (`DMS_FIXTURE_PATH` overrides where it is).
 * Tests that need it fail, rather than skip, when it is missing.
 */
export const DMS_FIXTURE = process.env.DMS_FIXTURE_PATH
  ?? path.resolve(__dirname, '../../../../../shared/fixtures/dms/postgres_LOAD00000001.parquet');
