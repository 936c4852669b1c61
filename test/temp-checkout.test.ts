import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');
/** The suites that synthesize sample projects with projen's Testing.synth. */
const SAMPLE_SUITES = ['test/package-kinds.test.ts', 'test/source-catalog.test.ts', 'test/environments.test.ts'];

/**
 * projen removes a sample project's outdir after `Testing.synth`, and without an explicit outdir it
 * takes the current folder when that lies under the temp dir: a clone in /tmp used to delete itself
 * (`.git` included) during `npm test`. Runs the sample suites from a checkout under the temp dir and
 * checks that the checkout is still whole afterwards.
 */
test('the workspace tests leave a checkout under the temp dir intact', () => {
  const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'cdc-lakehouse-checkout-'));
  try {
    for (const entry of ['package.json', 'tsconfig.json', 'README.md', '.ci', 'projenrc', 'test', '.projenrc.ts']) {
      fs.cpSync(path.join(ROOT, entry), path.join(checkout, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(checkout, 'node_modules'), 'dir');
    const before = listFiles(checkout);

    execFileSync(process.execPath, [require.resolve('jest/bin/jest'), '--ci', ...SAMPLE_SUITES], {
      cwd: checkout,
      stdio: 'pipe',
      env: { ...process.env, TMPDIR: os.tmpdir() },
    });

    expect(listFiles(checkout)).toEqual(before);
  } finally {
    fs.rmSync(checkout, { recursive: true, force: true });
  }
}, 180_000);

function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: false })
    .map(String)
    .filter((f) => !f.startsWith('node_modules'))
    .sort();
}
