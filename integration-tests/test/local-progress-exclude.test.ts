import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, LOCAL_LAKEHOUSE_BIN, PostgresFixture, runLocalLakehouse } from '../src';

/** `lakehouse` with stderr a pipe (not a terminal) and CI set: progress comes as plain lines. */
const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

/**
 * `lakehouse` on a terminal (util-linux `script` gives it a pseudo-terminal; CI unset): the output as the terminal got it.
 * With `debug`, LAKEHOUSE_DEBUG is set too (timings of each full-load step).
 */
function onTerminal(args: string[], debug = false): Promise<{ code: number; output: string }> {
  const quote = (a: string): string => `'${a.split("'").join("'\\''")}'`;
  // a pseudo-terminal starts without a size: 200 columns, so the status line is not cut
  const command = `stty cols 200; ${[process.execPath, LOCAL_LAKEHOUSE_BIN, ...args].map(quote).join(' ')}`;
  const env = { ...process.env };
  delete env.CI;
  if (debug) env.LAKEHOUSE_DEBUG = '1';
  else delete env.LAKEHOUSE_DEBUG;
  return new Promise((resolve) => {
    execFile('script', ['-qfec', command, '/dev/null'], { env, timeout: 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout });
    });
  });
}

describe('capture --exclude, verify --exclude, and progress on stderr', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let lake: string;

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-progress-exclude-test-'));
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
    await pg.query('CREATE TABLE public.big (id int PRIMARY KEY, note text)');
    await pg.query("INSERT INTO public.big SELECT g, repeat('x', 40) || g FROM generate_series(1, 20000) g");
    await pg.query('ANALYZE public.big');
    await pg.query('CREATE TABLE public.small (id int PRIMARY KEY, name text)');
    await pg.query("INSERT INTO public.small VALUES (1, 'a'), (2, 'b')");
    // neither a primary key nor REPLICA IDENTITY FULL: capture refuses it unless it is excluded
    await pg.query('CREATE TABLE public.audit_log (at timestamptz, line text)');
    await pg.query('CREATE SCHEMA staging');
    await pg.query('CREATE TABLE staging.orders (id int PRIMARY KEY)');
  }, 120_000);

  afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('without --exclude, the table without row identity stops the capture', async () => {
    const result = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', path.join(work, 'refused'), '--until-caught-up']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('public.audit_log has neither a primary key nor REPLICA IDENTITY FULL');
  });

  test('an --exclude selector that matches no table is a one-line error', async () => {
    const result = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', path.join(work, 'typo'),
      '--exclude', 'public.audit_log,public.nope', '--until-caught-up']);
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringContaining('--exclude: public.nope matched no table in database')]);
    expect(fs.existsSync(path.join(work, 'typo', 'public'))).toBe(false);
  });

  test('capture --exclude skips the excluded tables; the full load reports percent of the catalog estimate on stderr', async () => {
    const result = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', raw,
      '--exclude', 'audit_log,staging.%', '--chunk-rows', '2000', '--until-caught-up']);
    expect(result.stderr).not.toMatch(/lakehouse: /);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(fs.readdirSync(raw).filter((e) => !e.startsWith('.') && !e.startsWith('_')).sort()).toEqual(['public']);
    expect(fs.readdirSync(path.join(raw, 'public')).sort()).toEqual(['big', 'small']);
    const lines = result.stderr.split('\n');
    // a plain line (no carriage return, no escape codes): rows of the ANALYZE estimate, percent, rate
    const progress = lines.find((l) => l.startsWith('full load 1/2 public.big: '));
    expect(progress).toMatch(/^full load 1\/2 public\.big: [\d,]+ of ~20,000 rows \(\d{1,2}%, [\d.]+ (k\/s|M\/s|\/s)/);
    expect(result.stderr).not.toContain('\r');
    expect(lines).toContainEqual(expect.stringMatching(/^full load public\.big: 20,000 rows in /));
  }, 120_000);

  test('on a terminal the full-load count moves while one chunk streams, at most every 250 ms', async () => {
    await pg.query('CREATE TABLE public.stream (id int PRIMARY KEY, note text)');
    await pg.query("INSERT INTO public.stream SELECT g, repeat('y', 120) || g FROM generate_series(1, 800000) g");
    await pg.query('ANALYZE public.stream');
    // one chunk for the whole table: before, the count moved only when the chunk had arrived
    const result = await onTerminal(['local', 'capture', '--source', pg.connectionString(), '--raw', path.join(work, 'raw-stream'),
      '--tables', 'public.stream', '--chunk-rows', '1000000', '--until-caught-up'], true);
    expect(result.code).toBe(0);
    const shown = result.output.split(/\r|\n/).map((l) => l.replace(/\u001b\[[0-9;]*[A-Za-z]/g, ''))
      .map((l) => /^full load 1\/1 public\.stream: ([\d,]+) (?:of ~[\d,]+ )?rows/.exec(l)?.[1]).filter((n) => n !== undefined)
      .map((n) => Number(n.replace(/,/g, '')));
    // the time the rows streamed (COPY), not the whole load: the Parquet encoding after it moves no count
    const copy = /\[debug\] full load chunk 0: COPY 800000 rows in (\d+) ms/.exec(result.output);
    expect(copy).not.toBeNull();
    const copyMs = Number(copy![1]);
    console.log(`progress on a terminal: COPY of 800,000 rows streamed in ${copyMs} ms, ${shown.length} counts shown`);
    const within = shown.filter((n) => n > 0 && n < 800_000);
    // counts inside the one chunk (before, the count went from 0 to 800,000 at once), growing, one per 250 ms of streaming
    // at most (plus the chunk's own). A quiet machine streams the table in about half a second: one count in between is the
    // proof then; a loaded one may deliver the rows in bursts, so only two are asked for past a second
    expect(copyMs).toBeGreaterThan(300);
    expect(within.length).toBeGreaterThanOrEqual(copyMs >= 1000 ? 2 : 1);
    expect([...within].sort((a, b) => a - b)).toEqual(within);
    expect(shown.length).toBeLessThanOrEqual(Math.ceil(copyMs / 250) + 2);
  }, 120_000);

  test('a short curate and verify print no per-table status in CI; verify --exclude leaves out a table that differs', async () => {
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    // a short run in CI prints its result lines, not per-table status (that waits 5 s in plain mode)
    expect(curate.stderr).not.toContain('curate: 1/2 tables');
    expect(curate.stdout).not.toContain('curate: ');

    await pg.query('UPDATE public.big SET note = NULL WHERE id = 7');
    const all = await lakehouse(['local', 'verify', '--source', pg.connectionString(), '--lake', lake, '--json']);
    expect(all.code).toBe(1);
    const excluded = await lakehouse(['local', 'verify', '--source', pg.connectionString(), '--lake', lake, '--exclude', 'public.big,public.audit_log', '--json']);
    expect(excluded.code).toBe(0);
    const report = JSON.parse(excluded.stdout) as { tables: { table: string; status: string }[] };
    expect(report.tables.map((t) => [t.table, t.status])).toEqual([['public.small', 'match']]);
    expect(excluded.stderr).toBe('');
  }, 120_000);
});
