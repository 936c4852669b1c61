import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PostgresFixture } from '../src';
import { LAKEHOUSE_CLI, REPO, RunResult, lakehouse } from '../src/lakehouse-cli';

/** How long `curate --follow --interval 10ms` runs at least: 30 rounds take 3-6 s here, more on a busy machine. */
const FOLLOW_MS = 20_000;
const ROWS = 100;

/** One line on stderr, starting `lakehouse: `, containing `text`; nothing on stdout. */
function expectOneLineError(result: RunResult, code: number, text: string): void {
  expect(result.stdout).toBe('');
  expect(result.stderr.split('\n')).toEqual([expect.stringMatching(/^lakehouse: /), '']);
  expect(result.stderr).toContain(text);
  expect(result.code).toBe(code);
}

interface Running {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  stderr(): string;
}

/** Starts the compiled `lakehouse` in the background, collecting its stderr. */
function spawnLakehouse(args: string[]): Running {
  const child = spawn(process.execPath, [LAKEHOUSE_CLI, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('lakehouse local in daily use (the compiled CLI, a real PostgreSQL)', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let lake: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-cli-daily-use-'));
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
    await pg.query('CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2))');
    await pg.query(`INSERT INTO public.orders SELECT g, g * 1.5 FROM generate_series(1, ${ROWS}) g`);
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('curate --follow in an empty raw directory: says once it waits, curates what capture writes, 30+ rounds without a listener warning', async () => {
    fs.mkdirSync(raw);
    const started = Date.now();
    const curate = spawnLakehouse(['local', 'curate', '--raw', raw, '--lake', lake, '--follow', '--interval', '10ms']);
    children.push(curate.child);
    await waitFor('the waiting line', () => curate.stderr().includes('waiting for the first capture files'));

    const capture = await lakehouse('local', 'capture', '--source', pg.connectionString(), '--raw', raw, '--until-caught-up');
    expect(capture.code).toBe(0);
    await waitFor('the captured rows in the lake', async () => {
      const count = await lakehouse('local', 'query', '--lake', lake, '--format', 'csv', 'SELECT count(*) AS n FROM public.orders');
      return count.code === 0 && count.stdout === `n\n${ROWS}\n`;
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + FOLLOW_MS - Date.now())));

    curate.child.kill('SIGTERM');
    expect(await curate.exit).toBe(0);
    const stderr = curate.stderr();
    expect(stderr).not.toContain('MaxListenersExceededWarning');
    expect(stderr).not.toContain('memory leak');
    expect(stderr.split('\n').filter((line) => line.includes('waiting for'))).toEqual([`curate: waiting for the first capture files in ${raw}`]);
    expect(stderr).toMatch(/^curate public\.orders → public\.orders: initial, 1 file/m);
    const rounds = Number(/^curate: stopped after (\d+) rounds$/m.exec(stderr)?.[1]);
    expect(rounds).toBeGreaterThanOrEqual(30);
  });

  test('curate --follow with a mistyped --raw: one line naming the directory, exit 2, nothing written', async () => {
    const mistyped = path.join(work, 'rwa');
    const other = path.join(work, 'other.duckdb');
    const result = await lakehouse('local', 'curate', '--raw', mistyped, '--lake', other, '--follow');
    expectOneLineError(result, 2, `--raw ${mistyped} does not exist; check the path`);
    expect(fs.existsSync(mistyped)).toBe(false);
    expect(fs.existsSync(other)).toBe(false);
  });

  test('curate --lake FILE that is not a DuckDB database: one line, exit 1, the file as it was', async () => {
    for (const name of ['notes.txt', 'orders.csv', 'orders.json']) {
      const file = path.join(work, name);
      const text = name.endsWith('.json') ? '[{"id": 1}]\n' : 'id,total\n1,1.50\n';
      fs.writeFileSync(file, text);
      const result = await lakehouse('local', 'curate', '--raw', raw, '--lake', file);
      expectOneLineError(result, 1, `--lake ${file} exists but is not a DuckDB database`);
      expect(fs.readFileSync(file, 'utf8')).toBe(text);
      expect(fs.existsSync(`${file}.wal`)).toBe(false);
    }
  });

  test('local query with several statements, or none: a usage error naming "one SQL statement", exit 2', async () => {
    for (const sql of ['SELECT 1; SELECT count(*) FROM public.orders', '', '   ']) {
      const result = await lakehouse('local', 'query', '--lake', lake, sql);
      expectOneLineError(result, 2, 'give one SQL statement');
    }
    const one = await lakehouse('local', 'query', '--lake', lake, '--format', 'csv', 'SELECT max(total) AS top FROM public.orders;');
    expect(one).toMatchObject({ code: 0, stdout: 'top\n150.00\n' });
  });

  test('--version prints the version of @cdc-lakehouse/cli; query --help lists --format', async () => {
    const version = (JSON.parse(fs.readFileSync(path.join(REPO, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
    expect(await lakehouse('--version')).toEqual({ code: 0, stdout: `lakehouse ${version}\n`, stderr: '' });
    expect(await lakehouse('local', '--version')).toEqual({ code: 0, stdout: `lakehouse ${version}\n`, stderr: '' });
    const help = await lakehouse('local', 'query', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^ {2}--format F +table \(default/m);
  });
});
