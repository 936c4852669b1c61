import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, LOCAL_LAKEHOUSE_BIN, PostgresFixture, runLocalLakehouse } from '../src';

/**
 * curate never replaces a table's data with nothing: a table whose full load is still running is left for a later
 * run (the loaded ones are curated), and a truncated raw file stops curate with one line naming it. And the CDC
 * text of a LATIN1 database equals the source (test_decoding writes in the database's encoding).
 */

const BIN = LOCAL_LAKEHOUSE_BIN;

const lakehouse = (args: string[], timeoutMs = 180_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

interface Running {
  readonly child: ChildProcess;
  readonly done: Promise<CliResult>;
}

function spawnLakehouse(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const done = new Promise<CliResult>((resolve) => child.once('exit', (code) => resolve({ code: code ?? 1, stdout, stderr })));
  return { child, done };
}

async function queryLake(lake: string, sql: string): Promise<Record<string, unknown>[]> {
  const result = await lakehouse(['local', 'query', '--lake', lake, '--format', 'json', sql]);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  // one JSON object per line
  return result.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

function captureState(raw: string): { phase?: string; fullLoadRows?: Record<string, number> } {
  try {
    return JSON.parse(fs.readFileSync(path.join(raw, '.lakehouse-capture.json'), 'utf8'));
  } catch {
    return {};
  }
}

describe('lakehouse local curate: loads in progress and broken raw files; a LATIN1 source', () => {
  let pg: PostgresFixture;
  let work: string;
  let capture: Running | undefined;

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-curate-safety-test-'));
  });

  afterAll(async () => {
    if (capture && capture.child.exitCode === null && capture.child.signalCode === null) {
      capture.child.kill('SIGKILL');
      await capture.done;
    }
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('curate during the full load curates the loaded tables, says which are still loading, and curates them once loaded', async () => {
    await pg.query('CREATE TABLE public.a_small (id int PRIMARY KEY, v text)');
    await pg.query("INSERT INTO public.a_small SELECT i, 'small ' || i FROM generate_series(1, 10) AS i");
    await pg.query('CREATE TABLE public.b_big (id int PRIMARY KEY, v text, w text)');
    await pg.query('INSERT INTO public.b_big SELECT i, md5(i::text), repeat(md5((i * 7)::text), 4) FROM generate_series(1, 2500000) AS i');
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake.duckdb');
    capture = spawnLakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    // a_small is loaded first (tables load in name order); curate while b_big is still loading
    const deadline = Date.now() + 120_000;
    while (captureState(raw).fullLoadRows?.['public.a_small'] === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const during = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    const stateAfter = captureState(raw);
    // the case only holds while b_big was still loading when curate ended
    expect(stateAfter.phase).toBe('full-load');
    expect(stateAfter.fullLoadRows?.['public.b_big']).toBeUndefined();
    expect(during.code).toBe(0);
    expect(during.stderr).toMatch(/^curate: skipping public\.b_big: its full load has not finished .*curate again once capture has loaded it$/m);
    expect(during.stdout).toMatch(/^curated 1 table into .* \(1 raw files applied; 1 still loading, left for a later run\)$/m);
    expect(await queryLake(lake, 'SELECT count(*)::INTEGER AS n FROM public.a_small')).toEqual([{ n: 10 }]);
    expect(await queryLake(lake, "SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_name = 'b_big'")).toEqual([{ n: 0 }]);

    const captured = await capture.done;
    expect(captured.code).toBe(0);
    const after = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(after.code).toBe(0);
    expect(after.stderr).not.toContain('skipping');
    expect(after.stderr).toMatch(/curate public\.b_big → public\.b_big: initial/);
    expect(await queryLake(lake, 'SELECT count(*)::INTEGER AS n FROM public.b_big')).toEqual([{ n: 2500000 }]);
  }, 300_000);

  test('a truncated CDC file stops curate with one line naming it; the curated table keeps its rows', async () => {
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake.duckdb');
    await pg.query("INSERT INTO public.a_small VALUES (11, 'eleven')");
    const cdc = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(cdc.code).toBe(0);
    const dir = path.join(raw, 'public', 'a_small');
    const cdcFiles = fs.readdirSync(dir).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f));
    expect(cdcFiles).toHaveLength(1);
    const file = path.join(dir, cdcFiles[0]);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const broken = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(broken.code).toBe(1);
    const lines = broken.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^lakehouse: /);
    expect(lines[0]).toContain(`${file}: not a readable Parquet file (`);
    expect(lines[0]).toContain('public.a_small was left as it was');
    expect(lines[0]).not.toMatch(/LINE 1|read_parquet/);
    expect(await queryLake(lake, 'SELECT count(*)::INTEGER AS n, max(id) AS top FROM public.a_small')).toEqual([{ n: 10, top: 10 }]);
    expect(await queryLake(lake, 'SELECT count(*)::INTEGER AS n FROM public.b_big')).toEqual([{ n: 2500000 }]);
    // the complete file back: curate applies it
    fs.writeFileSync(file, bytes);
    const fixed = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(fixed.code).toBe(0);
    expect(await queryLake(lake, 'SELECT v FROM public.a_small WHERE id = 11')).toEqual([{ v: 'eleven' }]);
  }, 120_000);

  test.each(['duckdb', 'spark', 'trino'])('--engine %s: a first curate that meets a truncated file stops with one line naming it and leaves nothing behind',
    async (engine) => {
      await pg.query('CREATE TABLE IF NOT EXISTS public.c_first (id int PRIMARY KEY, v text)');
      await pg.query("INSERT INTO public.c_first SELECT i, 'first ' || i FROM generate_series(1, 20) AS i ON CONFLICT DO NOTHING");
      const raw = path.join(work, `raw-first-${engine}`);
      const load = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', raw, '--tables', 'public.c_first', '--until-caught-up']);
      expect(load.code).toBe(0);
      const file = path.join(raw, 'public', 'c_first', 'LOAD00000001.parquet');
      const bytes = fs.readFileSync(file);
      fs.writeFileSync(file, bytes.subarray(0, bytes.length - 100));
      const target = engine === 'duckdb' ? ['--lake', path.join(work, 'first.duckdb')] : ['--warehouse', path.join(work, `first-${engine}`)];
      const broken = await lakehouse(['local', 'curate', '--engine', engine, '--raw', raw, ...target]);
      expect(broken.stdout).toBe('');
      const lines = broken.stderr.split('\n').filter((l) => l !== '');
      expect(lines).toHaveLength(1);
      expect(lines[0].startsWith(`lakehouse: ${file}: not a readable Parquet file (`)).toBe(true);
      expect(lines[0].endsWith('); public.c_first was left as it was. Replace the file with a complete copy, or capture the table again into an empty '
        + 'raw directory, then run curate again')).toBe(true);
      expect(broken.code).toBe(1);
      if (engine === 'duckdb') {
        // the lake file holds no curated table, no schema and no registry entry for it
        const tables = await queryLake(target[1], "SELECT table_schema || '.' || table_name AS t FROM information_schema.tables ORDER BY 1");
        expect(tables.map((r) => r.t)).not.toContain('public.c_first');
        expect(await queryLake(target[1], "SELECT count(*)::INTEGER AS n FROM information_schema.schemata WHERE schema_name = 'public'")).toEqual([{ n: 0 }]);
      } else {
        // the warehouse was not even created: no spec, no registry, no table, no watermark
        expect(fs.existsSync(target[1])).toBe(false);
      }
      // the complete file back: the first curate goes through
      fs.writeFileSync(file, bytes);
      if (engine === 'duckdb') {
        const fixed = await lakehouse(['local', 'curate', '--raw', raw, ...target]);
        expect(fixed.code).toBe(0);
        expect(await queryLake(target[1], 'SELECT count(*)::INTEGER AS n FROM public.c_first')).toEqual([{ n: 20 }]);
      }
    }, 120_000);

  test('a LATIN1 database: full load and CDC text equal the source', async () => {
    await pg.query("CREATE DATABASE latin ENCODING 'LATIN1' TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C'");
    const db = { database: 'latin' };
    const encoding = await pg.query<{ e: string }>("SELECT current_setting('server_encoding') AS e", [], db);
    expect(encoding.rows[0].e).toBe('LATIN1');
    await pg.query('CREATE TABLE public.people (id int PRIMARY KEY, name text, note varchar(40))', [], db);
    await pg.query("INSERT INTO public.people VALUES (1, 'café', 'Müller'), (2, 'naïve façade', 'ß ÿ ¤ ½ ©'), (3, 'plain', NULL)", [], db);
    const raw = path.join(work, 'raw-latin');
    const lake = path.join(work, 'latin.duckdb');
    const source = pg.connectionString('latin');
    const load = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(load.code).toBe(0);
    await pg.query("INSERT INTO public.people VALUES (4, 'Größe Ñandú', 'Ørsted å æ ø'), (5, 'Ã© looks like mojibake', 'µ±²³')", [], db);
    await pg.query("UPDATE public.people SET name = name || ' déjà vu', note = 'über' WHERE id IN (1, 3)", [], db);
    await pg.query('DELETE FROM public.people WHERE id = 2', [], db);
    const cdc = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(cdc.code).toBe(0);
    expect(fs.readdirSync(path.join(raw, 'public', 'people')).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)).length).toBeGreaterThan(0);
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    expect(curate.stderr).toMatch(/curate public\.people → public\.people: initial, [2-9] files/);
    const expected = (await pg.query<{ id: number; name: string; note: string | null }>('SELECT id, name, note FROM public.people ORDER BY id', [], db)).rows;
    expect(expected.map((r) => r.name)).toContain('Größe Ñandú');
    expect(await queryLake(lake, 'SELECT id, name, note FROM public.people ORDER BY id')).toEqual(expected);
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  }, 120_000);
});
