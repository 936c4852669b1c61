import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** A fresh directory under the OS temp folder; removed by the returned cleanup. */
export function makeTempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `curation-${prefix}-`));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/**
 * The real DMS full-load file shared by the project (`DMS_FIXTURE_PATH` overrides where it is).
 * Tests that need it fail, rather than skip, when it is missing.
 */
export const DMS_FIXTURE = process.env.DMS_FIXTURE_PATH
  ?? path.resolve(__dirname, '../../../../../shared/fixtures/dms/postgres_LOAD00000001.parquet');
