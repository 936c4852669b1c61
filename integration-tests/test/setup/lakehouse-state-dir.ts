// Runs before each suite (jest setupFilesAfterEnv): the `lakehouse` commands the suite starts keep their state (capture's
// records of its replication slots, see packages/local-lakehouse "slots") in a folder of the suite's own, removed
// afterwards, rather than in the user's ~/.local/state/lakehouse. A caller's LAKEHOUSE_STATE_DIR is left alone.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

if (process.env.LAKEHOUSE_STATE_DIR === undefined) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-state-'));
  process.env.LAKEHOUSE_STATE_DIR = dir;
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
}
