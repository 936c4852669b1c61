import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TRINO_URL_ENV, TrinoServer, startTrinoServer } from '@cdc-lakehouse/local-lakehouse';
import { PostgresFixture, StepTimings } from '../src';
import { LAKEHOUSE_CLI, RunResult, lakehouse } from '../src/lakehouse-cli';

/** Live (not zombie) processes of a process group, once a stop has had up to `waitMs` to take effect. */
async function processesInGroup(pgid: number, waitMs = 5000): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lines = execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' }).split('\n');
    const live = lines.map((l) => l.trim().split(/\s+/)).filter(([group, stat]) => Number(group) === pgid && !stat?.startsWith('Z')).length;
    if (live === 0 || Date.now() > deadline) return live;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Runs `lakehouse <args>` with a server of its own (no LAKEHOUSE_TRINO_URL) and sends SIGINT, as Ctrl-C would, once
 * the command has printed its server's pid and `when` (and then `afterMs` have passed).
 */
async function interruptedLakehouse(args: string[], when: RegExp, afterMs: number): Promise<RunResult & { serverPid: number | undefined }> {
  const env = { ...process.env };
  delete env[TRINO_URL_ENV];
  const child = spawn(process.execPath, [LAKEHOUSE_CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  const deadline = Date.now() + 120_000;
  let serverPid: number | undefined;
  while (!(serverPid !== undefined && when.test(stderr)) && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    const found = /trino: starting Trino \d+ \(pid (\d+)\)/.exec(stderr);
    if (found) serverPid = Number(found[1]);
  }
  await new Promise((resolve) => setTimeout(resolve, afterMs));
  child.kill('SIGINT');
  return { code: await closed, stdout, stderr, serverPid };
}

// capture from a real PostgreSQL → `lakehouse local curate --engine trino` (Athena's generated statements on a local
// Trino 476 + Iceberg) → `verify --engine trino` equal, with the checksum comparison every engine gets. One Trino
// server for the file, reached by the CLI runs through LAKEHOUSE_TRINO_URL (a start costs 15–30 s).
jest.setTimeout(300_000);

const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.orders (
  id bigint PRIMARY KEY,
  amount numeric(12,2),
  ratio numeric,
  f8 double precision,
  flag boolean,
  born date,
  at timestamp,
  at_tz timestamptz,
  doc jsonb,
  uid uuid,
  blob bytea,
  tags text[],
  name varchar(40),
  big text
);
ALTER TABLE app.orders ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE app.events (kind text NOT NULL, payload jsonb NOT NULL, at timestamptz NOT NULL, note text);
ALTER TABLE app.events REPLICA IDENTITY FULL;
CREATE TABLE app."Mixed Case" ("Key" int PRIMARY KEY, "Value" text, "camelCol" numeric(8,3));
CREATE TABLE app.empty (id int PRIMARY KEY);
`;

const ROWS = (from: number, to: number): string => `
INSERT INTO app.orders
SELECT i,
       CASE WHEN i % 11 = 0 THEN NULL ELSE round((i * 12.345)::numeric, 2) - 5000 END,
       CASE WHEN i % 13 = 0 THEN 'NaN'::numeric WHEN i % 7 = 0 THEN NULL ELSE i / 3.0 + 0.0000005 END,
       CASE WHEN i % 17 = 0 THEN 'Infinity'::float8 ELSE i * 1.1e-3 - 0.5 END,
       CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END,
       date '2000-02-29' + i,
       timestamp '2024-03-10 01:59:59.999999' + i * interval '1 hour 0.000001 second',
       timestamptz '2024-10-27 00:30:00+02' + i * interval '17 minutes',
       jsonb_build_object('i', i, 'name', 'row "' || i || '"', 'unicode', 'zażółć ✓'),
       md5(i::text)::uuid,
       CASE WHEN i % 9 = 0 THEN NULL ELSE decode(lpad(to_hex(i), 8, '0') || '00ff27', 'hex') END,
       ARRAY['a,b', 'quote"d', NULL],
       CASE WHEN i % 6 = 0 THEN '' ELSE 'name ' || i || ' it''s' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (SELECT string_agg(md5(i::text || j::text), '') FROM generate_series(1, 80) AS j) END
  FROM generate_series(${from}, ${to}) AS i;
INSERT INTO app.events SELECT 'created', jsonb_build_object('id', i), timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second',
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'note ' || i END
  FROM generate_series(${from}, ${to}) AS i;
INSERT INTO app."Mixed Case" SELECT i, 'v' || i, i / 8.0 FROM generate_series(${from}, ${to}) AS i;`;

const WORKLOAD = `
${ROWS(301, 400)}
UPDATE app.orders SET amount = amount + 1, flag = NOT flag WHERE id % 4 = 0;
UPDATE app.orders SET big = big || 'changed' WHERE id % 25 = 1;
DELETE FROM app.orders WHERE id % 50 = 3;
UPDATE app.orders SET id = id + 100000 WHERE id = 77;
BEGIN;
UPDATE app.orders SET name = 'one' WHERE id = 20;
UPDATE app.orders SET name = 'two' WHERE id = 20;
INSERT INTO app.orders (id, name) VALUES (900000, 'inserted then deleted');
DELETE FROM app.orders WHERE id = 900000;
COMMIT;
UPDATE app.events SET at = at + interval '1 day' WHERE (payload->>'id')::int % 10 = 0;
DELETE FROM app.events WHERE (payload->>'id')::int % 15 = 0;
UPDATE app."Mixed Case" SET "Value" = NULL WHERE "Key" % 3 = 0;
DELETE FROM app."Mixed Case" WHERE "Key" % 7 = 0;
`;

describe('lakehouse local capture → curate --engine trino → verify --engine trino', () => {
  let pg: PostgresFixture;
  let server: TrinoServer | undefined;
  let work: string;
  let raw: string;
  let warehouse: string;
  let source: string;
  const timings = new StepTimings();

  beforeAll(async () => {
    // the server starts while PostgreSQL starts and is loaded
    const starting = timings.time('trino start', () => startTrinoServer());
    try {
      pg = await PostgresFixture.start();
      source = pg.connectionString();
      work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-trino-test-'));
      raw = path.join(work, 'raw');
      warehouse = path.join(work, 'warehouse');
      await pg.query(SCHEMA);
      await pg.query(ROWS(1, 300));
    } finally {
      server = await starting;
    }
    process.env[TRINO_URL_ENV] = server.url;
  });

  afterAll(async () => {
    delete process.env[TRINO_URL_ENV];
    await server?.stop();
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    timings.print('local-trino');
  });

  test('the full load and then the changes are curated into Iceberg tables, and verify finds them equal to the source', async () => {
    const capture = ['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms'];
    expect((await timings.time('capture (full load)', () => lakehouse(...capture))).code).toBe(0);
    const curate = ['local', 'curate', '--engine', 'trino', '--raw', raw, '--warehouse', warehouse];
    const first = await timings.time('curate (full load)', () => lakehouse(...curate));
    expect(first.stderr).not.toMatch(/^lakehouse: /m);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining(`curated 4 tables into ${warehouse}`) });
    expect(first.stderr).toMatch(/curate app\.orders → app\.orders \(trino\): initial, 1 file in 1 MERGE/);

    await pg.query(WORKLOAD);
    expect((await timings.time('capture (changes)', () => lakehouse(...capture))).code).toBe(0);
    const second = await timings.time('curate (changes)', () => lakehouse(...curate));
    expect(second.stderr).not.toMatch(/^lakehouse: /m);
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('curated 4 tables') });
    expect(second.stderr).toMatch(/curate app\.orders → app\.orders \(trino\): incremental/);

    const verify = await timings.time('verify', () => lakehouse('local', 'verify', '--source', source, '--engine', 'trino', '--warehouse', warehouse));
    expect(verify.stderr).not.toMatch(/^lakehouse: /m);
    expect(verify.code).toBe(0);
    const count = async (table: string): Promise<string> => (await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0].n;
    const orders = await count('app.orders');
    const mixed = await count('app."Mixed Case"');
    expect(verify.stdout).toMatch(new RegExp(`app\\.orders\\s+${orders}\\s+${orders}\\s+match`));
    expect(verify.stdout).toMatch(new RegExp(`app\\.Mixed Case\\s+${mixed}\\s+${mixed}\\s+match`));
    expect(verify.stdout).toMatch(/app\.empty\s+0\s+0\s+match/);
    expect(verify.stdout).toContain('verified: 4 tables match the source');
  });

  test('verify --tables / --exclude: only the selected tables are exported (one CREATE TABLE AS each) and compared', async () => {
    const verify = await timings.time('verify --tables', () => lakehouse('local', 'verify', '--source', source, '--warehouse', warehouse,
      '--tables', 'app.e%', '--exclude', 'app.empty', '--json'));
    expect(verify.stderr).not.toMatch(/^lakehouse: /m);
    expect(verify.code).toBe(0);
    expect((JSON.parse(verify.stdout) as { tables: { table: string }[] }).tables.map((t) => t.table)).toEqual(['app.events']);
    // the server's query history: the copies made into the newest export schema (each verify makes its own schema)
    const history = await lakehouse('local', 'query', '--warehouse', warehouse, '--format', 'json',
      "SELECT query, CAST(created AS varchar) AS created FROM system.runtime.queries WHERE query LIKE 'CREATE TABLE %_lakehouse_export_%'");
    expect(history.code).toBe(0);
    const copies = history.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { query: string; created: string })
      .map((r) => ({ ...r, schema: /"(_lakehouse_export_[0-9_]+)"/.exec(r.query)?.[1] ?? '', from: /AS SELECT \* FROM (.*)$/s.exec(r.query)?.[1] ?? '' }));
    const newest = copies.reduce((a, b) => (b.created > a.created ? b : a)).schema;
    expect(copies.filter((c) => c.schema === newest).map((c) => c.from)).toEqual(['"app"."events"']);
    // the full verify before it copied all four
    const perSchema = new Map<string, number>();
    for (const c of copies) perSchema.set(c.schema, (perSchema.get(c.schema) ?? 0) + 1);
    expect([...perSchema.values()]).toContain(4);
  });

  test('query --warehouse without --engine reads a Trino warehouse with Trino SQL (its marker file names the engine)', async () => {
    const query = await timings.time('query', () => lakehouse('local', 'query', '--warehouse', warehouse, '--format', 'csv',
      'SELECT * FROM app.mixed_case WHERE "Key" IN (3, 4) ORDER BY 1'));
    expect(query.stderr).not.toMatch(/^lakehouse: /m);
    // Trino folds column names to lower case (names are case-insensitive in its SQL)
    expect(query).toMatchObject({ code: 0, stdout: expect.stringMatching(/^key,value,camelcol,.*\n3,,0\.375,.*\n4,v4,0\.500,.*\n$/) });
    const spark = await lakehouse('local', 'query', '--engine', 'spark', '--warehouse', warehouse, 'SELECT 1');
    expect(spark).toMatchObject({ code: 2, stderr: expect.stringContaining(`--warehouse ${warehouse} was written by \`curate --engine trino\`, not spark; use --engine trino`) });
  });

  test.each([
    ['while curate starts its Trino', /trino: starting/, 2000],
    ['while the MERGEs run', /trino: started in/, 1000],
  ])('Ctrl-C %s: the server is gone, one line, exit 130', async (when, after, afterMs) => {
    const interrupted = await timings.time(`interrupted curate (${when})`, () => interruptedLakehouse(
      ['local', 'curate', '--engine', 'trino', '--raw', raw, '--warehouse', path.join(work, `interrupted-${afterMs}`)], after, afterMs));
    expect(interrupted.serverPid).toBeGreaterThan(0);
    expect(interrupted.stdout).toBe('');
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr.split('\n').filter((l) => l.startsWith('lakehouse:'))).toEqual([
      'lakehouse: curate --engine trino: stopped by a signal; every table keeps its last MERGE and watermark, run curate again to continue',
    ]);
    // the server runs in a process group of its own, led by the launcher's pid (it execs the JVM)
    expect(await processesInGroup(interrupted.serverPid!)).toBe(0);
    expect(() => process.kill(interrupted.serverPid!, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  test('a bad statement is one line naming the problem', async () => {
    const query = await lakehouse('local', 'query', '--engine', 'trino', '--warehouse', warehouse, 'SELECT * FROM app.no_such_table');
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/^lakehouse: query failed: .*no_such_table/m);
    expect(query.stderr.split('\n').filter((l) => l.startsWith('lakehouse:'))).toHaveLength(1);
  });

  test('a truncated new raw file stops curate with one line naming it; the table and its watermark are as they were', async () => {
    const ordersDir = path.join(raw, 'app', 'orders');
    const cdcFiles = (): string[] => fs.readdirSync(ordersDir).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)).sort();
    const applied = cdcFiles();
    await pg.query("INSERT INTO app.orders (id, name) VALUES (990001, 'after the break')");
    expect((await lakehouse('local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms')).code).toBe(0);
    const added = cdcFiles().filter((f) => !applied.includes(f));
    expect(added).toHaveLength(1);
    const file = path.join(ordersDir, added[0]);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const watermark = path.join(warehouse, '_watermarks', 'app', 'orders.json');
    const before = fs.readFileSync(watermark, 'utf8');
    const curate = ['local', 'curate', '--engine', 'trino', '--raw', raw, '--warehouse', warehouse];
    const broken = await lakehouse(...curate);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^lakehouse: .*: not a readable Parquet file \(.*\); app\.orders was left as it was\. /)]);
    expect(broken.stderr).toContain(`lakehouse: ${file}: not a readable Parquet file (`);
    expect(fs.readFileSync(watermark, 'utf8')).toBe(before);
    const held = await lakehouse('local', 'query', '--warehouse', warehouse, '--format', 'csv', 'SELECT count(*) AS n FROM app.orders WHERE id = 990001');
    expect(held.stdout).toBe('n\n0\n');
    // the complete file back: curate applies it
    fs.writeFileSync(file, bytes);
    expect((await lakehouse(...curate)).code).toBe(0);
    const applied2 = await lakehouse('local', 'query', '--warehouse', warehouse, '--format', 'csv', 'SELECT name FROM app.orders WHERE id = 990001');
    expect(applied2.stdout).toBe('name\nafter the break\n');
  });

  test('a column dropped in the source: verify names the column the warehouse keeps, with the fix', async () => {
    await pg.query('ALTER TABLE app."Mixed Case" DROP COLUMN "camelCol"');
    await pg.query('UPDATE app."Mixed Case" SET "Value" = \'after the drop\' WHERE "Key" = 4');
    expect((await lakehouse('local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms')).code).toBe(0);
    const curate = await lakehouse('local', 'curate', '--engine', 'trino', '--raw', raw, '--warehouse', warehouse);
    expect(curate.stderr).not.toMatch(/^lakehouse: /m);
    expect(curate.code).toBe(0);
    const verify = await lakehouse('local', 'verify', '--source', source, '--warehouse', warehouse, '--tables', 'app.Mixed Case', '--json');
    expect(verify.code).toBe(1);
    const [table] = (JSON.parse(verify.stdout) as { tables: Record<string, unknown>[] }).tables;
    // Trino keeps names in lower case; the rows still equal the source on its columns
    expect(table).toMatchObject({ table: 'app.Mixed Case', status: 'differs', lakeOnlyColumns: ['camelcol'], differingColumns: [], changedRows: 0 });
    expect(verify.stderr).toContain('table app.Mixed Case: the lake keeps column camelcol, which the source no longer has (');
    expect(verify.stderr).toContain('or drop it from the lake as well: ALTER TABLE app.mixed_case DROP COLUMN camelcol (in the engine\'s SQL');
  });
});
