import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LAKEHOUSE_CLI, REPO, RunResult, run } from '../src/lakehouse-cli';
import { processRunning } from '../src/process-state';

function demoTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('lakehouse-demo-'));
}

/** The server PIDs the demo printed (`… (…, PID 1234)`), by engine. */
function serverPids(stdout: string): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const m of stdout.matchAll(/^demo: (PostgreSQL|MariaDB): embedded .*PID (\d+)\)$/gm)) pids[m[1]] = Number(m[2]);
  return pids;
}

function expectVerified(stdout: string, tables: string[]): void {
  for (const table of tables) {
    expect(stdout).toMatch(new RegExp(`^${table.replace('.', '\\.')}\\s+\\d+\\s+\\d+\\s+match$`, 'm'));
  }
}

/** Runs `lakehouse demo` and sends it SIGINT once its output matches `when`. */
async function interruptDemo(when: RegExp, env: NodeJS.ProcessEnv): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAKEHOUSE_CLI, 'demo', '--rows', '3000'], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && when.test(stdout)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The real mariadb-install-db (the failing server test keeps the data dir setup real). */
function findInstallDb(): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin', '/usr/sbin']) {
    const file = path.join(dir, 'mariadb-install-db');
    if (dir !== '' && fs.existsSync(file)) return file;
  }
  throw new Error('mariadb-install-db not found; install it with `apt-get install mariadb-server`');
}

describe('lakehouse demo', () => {
  const env = { ...process.env, CI: 'true' };

  test('captures PostgreSQL and MariaDB into one lake, verifies both, joins them in the analyst query and stops everything', async () => {
    const before = new Set(demoTempDirs());
    const started = Date.now();
    // through the `lakehouse` command, as the README's main job runs it
    const result = await run(process.execPath, [LAKEHOUSE_CLI, 'demo', '--rows', '3000'], REPO, env);
    process.stdout.write(`demo took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^demo: verify \(shop\.\* against PostgreSQL, billing\.\* against MariaDB\):$/m);
    expectVerified(result.stdout, ['shop.customers', 'shop.order_events', 'shop.orders', 'shop.products', 'billing.invoices', 'billing.payments']);
    // each source its own raw directory under one root, one lake
    expect(result.stdout).toMatch(/^demo: curated 6 tables from 2 raw directories under \S+\/raw into \S+\/lake\.duckdb$/m);
    // the analyst query joins the PostgreSQL orders with the MariaDB invoices: every invoice status and the orders without one
    expect(result.stdout).toContain('LEFT JOIN billing.invoices i ON i.order_id = o.id');
    expect(result.stdout).toMatch(/^order_status \| invoice_status \| orders \| order_total \| invoiced\s+\| paid$/m);
    for (const [order, invoice] of [['placed', 'open'], ['placed', 'not invoiced'], ['shipped', 'paid']]) {
      expect(result.stdout).toMatch(new RegExp(`^${order}\\s+\\| ${invoice}\\s+\\| \\d+\\s+\\| [\\d.]+\\s+\\|`, 'm'));
    }
    const steps = ['start servers', 'seed', 'full load', 'workload \\+ CDC', 'curate', 'verify', 'query', 'stop'];
    expect(result.stdout).toMatch(new RegExp(`^demo: timings: ${steps.map((step) => `${step} [\\d.]+ m?s`).join(', ')}$`, 'm'));
    expect(result.stdout.trim().split('\n').pop()).toMatch(/^demo: every table verified \(6 tables\) in [\d.]+ s$/);
    const pids = serverPids(result.stdout);
    expect(Object.keys(pids).sort()).toEqual(['MariaDB', 'PostgreSQL']);
    for (const pid of Object.values(pids)) expect(processRunning(pid)).toBe(false);
    expect(demoTempDirs().filter((name) => !before.has(name))).toEqual([]);
  });

  test('without MariaDB binaries it says so in one line and runs the PostgreSQL half', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-no-mariadb-'));
    try {
      const result = await run(process.execPath, [LAKEHOUSE_CLI, 'demo', '--rows', '2000'], REPO, { ...env, MARIADB_BIN_DIR: empty });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout.split('\n')[0]).toBe('demo: no MariaDB server binaries found '
        + `(mariadbd, mariadb-install-db not in MARIADB_BIN_DIR=${empty}); install them with \`apt-get install mariadb-server\`; `
        + 'running the PostgreSQL half only');
      expectVerified(result.stdout, ['shop.customers', 'shop.order_events', 'shop.orders', 'shop.products']);
      expect(result.stdout).not.toContain('billing.');
      expect(result.stdout).toMatch(/^status\s+\| orders \| revenue\s+\| vip_customers$/m);
      expect(result.stdout.trim().split('\n').pop()).toMatch(/^demo: every table verified \(4 tables\) in [\d.]+ s$/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });

  test('a MariaDB that does not start fails the demo in one line and stops the PostgreSQL it had started', async () => {
    // a mariadbd that refuses to start, as the real one does on a bad option: an [ERROR] line in its error log, exit 1
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-failing-mariadb-'));
    fs.chmodSync(bin, 0o755); // run as the mysql OS user when the test runs as root
    fs.writeFileSync(path.join(bin, 'mariadbd'), [
      '#!/bin/sh',
      'for a in "$@"; do case $a in --log-error=*) echo "[ERROR] unknown variable \'demo-test=1\'" > "${a#--log-error=}";; esac; done',
      'exit 1',
      '',
    ].join('\n'), { mode: 0o755 });
    fs.symlinkSync(findInstallDb(), path.join(bin, 'mariadb-install-db'));
    const before = new Set(demoTempDirs());
    try {
      const result = await run(process.execPath, [LAKEHOUSE_CLI, 'demo', '--rows', '2000'], REPO, { ...env, MARIADB_BIN_DIR: bin });
      expect(result.code).toBe(1);
      expect(result.stderr).toBe("lakehouse: demo failed: mariadbd did not start: it exited (error log: [ERROR] unknown variable 'demo-test=1')\n");
      expect(result.stdout).toContain('demo: stopped the embedded PostgreSQL and removed what it created');
      const pids = serverPids(result.stdout);
      expect(Object.keys(pids)).toEqual(['PostgreSQL']);
      expect(processRunning(pids.PostgreSQL)).toBe(false);
      expect(demoTempDirs().filter((name) => !before.has(name))).toEqual([]);
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('Ctrl-C while both captures run stops both servers by PID and removes what the demo made', async () => {
    const before = new Set(demoTempDirs());
    const result = await interruptDemo(/^full load billing\.\w+: /m, env);
    expect(result.code).toBe(130);
    expect(result.stdout).toContain('demo: interrupted, stopping what it started…');
    const pids = serverPids(result.stdout);
    expect(Object.keys(pids).sort()).toEqual(['MariaDB', 'PostgreSQL']);
    for (const pid of Object.values(pids)) expect(processRunning(pid)).toBe(false);
    expect(demoTempDirs().filter((name) => !before.has(name))).toEqual([]);
  });
});
