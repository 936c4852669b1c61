import * as fs from 'node:fs';
import * as os from 'node:os';
import { LAKEHOUSE_CLI, REPO, run } from '../src/lakehouse-cli';

function demoTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('lakehouse-demo-'));
}

describe('lakehouse demo', () => {
  test('runs the main job end to end, prints the verification table and stops everything it started', async () => {
    const before = new Set(demoTempDirs());
    const started = Date.now();
    // through the `lakehouse` command, as the README's main job runs it
    const result = await run(process.execPath, [LAKEHOUSE_CLI, 'demo', '--rows', '3000'], REPO, { ...process.env, CI: 'true' });
    process.stdout.write(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const table of ['shop.customers', 'shop.order_events', 'shop.orders', 'shop.products']) {
      expect(result.stdout).toMatch(new RegExp(`${table.replace('.', '\\.')}\\s+\\d+\\s+\\d+\\s+match`));
    }
    expect(result.stdout).toContain('demo: sample analyst query');
    expect(result.stdout.trim().split('\n').pop()).toMatch(/^demo: every table verified \(4 tables\) in [\d.]+ s$/);
    const leftovers = demoTempDirs().filter((name) => !before.has(name));
    expect(leftovers).toEqual([]);
  });
});
