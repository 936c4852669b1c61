import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CliResult, findPgBinDir, LOCAL_LAKEHOUSE_BIN, PostgresFixture, runLocalLakehouse } from '../src';

const BIN = LOCAL_LAKEHOUSE_BIN;

const execFileAsync = promisify(execFile);

/** How long pgbench runs while capture follows it (LAKEHOUSE_PGBENCH_SECONDS, default 20). */
const PGBENCH_SECONDS = Number(process.env.LAKEHOUSE_PGBENCH_SECONDS ?? 20);

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

function spawnLakehouse(args: string[]): { child: ChildProcess; exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  return { child, exit };
}

describe('a live pgbench run, captured while it runs, then verified', () => {
  let pg: PostgresFixture;
  let work: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-pgbench-test-'));
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test(`pgbench -i -s 1, then pgbench -T ${PGBENCH_SECONDS} under capture and curate --follow`, async () => {
    const pgbench = path.join(findPgBinDir().binDir, 'pgbench');
    const connection = ['-h', pg.host, '-p', String(pg.port), '-U', pg.user];
    const env = { ...process.env, PGPASSWORD: pg.password };
    await execFileAsync(pgbench, ['-i', '-s', '1', '-q', ...connection, pg.database], { env });
    // pgbench_history has no primary key
    await pg.query('ALTER TABLE pgbench_history REPLICA IDENTITY FULL');
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake.duckdb');
    const source = pg.connectionString();

    // curate --follow refuses a --raw that does not exist (a mistyped path); in an empty one it waits for capture
    fs.mkdirSync(raw);
    const capture = spawnLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--interval', '1s']);
    const curate = spawnLakehouse(['local', 'curate', '--raw', raw, '--lake', lake, '--follow', '--interval', '500ms']);
    children.push(capture.child, curate.child);
    const bench = await execFileAsync(pgbench, ['-T', String(PGBENCH_SECONDS), '-c', '4', '-j', '2', '-n', ...connection, pg.database], { env });
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(bench.stdout)?.[1] ?? 0);
    expect(transactions).toBeGreaterThan(100);

    // the lake is queryable while curate follows
    const live = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT count(*) AS n FROM public.pgbench_history']);
    expect(live.code).toBe(0);
    expect(Number(live.stdout.trim().split('\n')[1])).toBeGreaterThan(0);

    // SIGINT closes the open CDC file cleanly; a restart with --until-caught-up takes the rest
    capture.child.kill('SIGINT');
    const stopped = await capture.exit;
    expect(stopped.stderr).toContain('capture: done');
    expect(stopped.code).toBe(0);
    const finish = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(finish.code).toBe(0);

    curate.child.kill('SIGTERM');
    expect((await curate.exit).code).toBe(0);
    expect((await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake])).code).toBe(0);

    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/public\.pgbench_accounts\s+100000\s+100000\s+match/);
    expect(verify.stdout).toMatch(new RegExp(`public\\.pgbench_history\\s+${transactions}\\s+${transactions}\\s+match`));
  });
});
