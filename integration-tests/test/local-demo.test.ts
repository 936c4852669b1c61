import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const BIN = path.resolve(__dirname, '../../packages/local-lakehouse/lib/bin.js');

function demoTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('lakehouse-demo-'));
}

describe('lakehouse demo', () => {
  test('runs the main job end to end, prints the verification table and stops everything it started', async () => {
    const before = new Set(demoTempDirs());
    const started = Date.now();
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'demo', '--rows', '3000'], { timeout: 110_000, env: { ...process.env, CI: 'true' } }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      });
    });
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(`demo took ${seconds.toFixed(1)} s\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const table of ['shop.customers', 'shop.order_events', 'shop.orders', 'shop.products']) {
      expect(result.stdout).toMatch(new RegExp(`${table.replace('.', '\\.')}\\s+\\d+\\s+\\d+\\s+match`));
    }
    expect(result.stdout).toContain('demo: sample analyst query');
    expect(result.stdout.trim().split('\n').pop()).toMatch(/^demo: every table verified \(4 tables\) in [\d.]+ s$/);
    expect(seconds).toBeLessThan(60);
    const leftovers = demoTempDirs().filter((name) => !before.has(name));
    expect(leftovers).toEqual([]);
  });
});
