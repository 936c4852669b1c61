import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { sparkTableWatermark } from '@cdc-lakehouse/local-lakehouse';
import { PostgresFixture, StepTimings } from '../src';
import { LAKEHOUSE_CLI, RunResult, lakehouse } from '../src/lakehouse-cli';

/** Process groups whose command line names `needle` (the Spark job's, by its --warehouse argument). */
function processGroupsNaming(needle: string): Set<number> {
  const lines = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' }).split('\n');
  return new Set(lines.filter((l) => l.includes(needle) && l.includes('lakehouse_curation')).map((l) => Number(l.trim().split(/\s+/)[1])));
}

/** Live (not zombie) processes of a process group, once SIGKILL has had up to `waitMs` to take effect. */
async function processesInGroup(pgid: number, waitMs = 5000): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const lines = execFileSync('ps', ['-eo', 'pgid=,stat='], { encoding: 'utf8' }).split('\n');
    const live = lines.map((l) => l.trim().split(/\s+/)).filter(([group, stat]) => Number(group) === pgid && !stat?.startsWith('Z')).length;
    if (live === 0 || Date.now() > deadline) return live;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Runs `lakehouse <args>` and sends SIGINT once the Spark job is running, as Ctrl-C would. */
async function interruptedLakehouse(args: string[], warehouse: string): Promise<RunResult & { groups: Set<number> }> {
  const child = spawn(process.execPath, [LAKEHOUSE_CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let groups = new Set<number>();
  const deadline = Date.now() + 120_000;
  while (groups.size === 0 && Date.now() < deadline && child.exitCode === null) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    groups = processGroupsNaming(warehouse);
  }
  // let the JVM come up, so the signal has a whole process tree to stop
  await new Promise((resolve) => setTimeout(resolve, 5000));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout, stderr, groups };
}

// capture from a real PostgreSQL → `lakehouse local curate --engine spark` (the Glue job's core on
// PySpark 3.5 + Iceberg 1.7, from the job spec the curation package generates) → `verify --warehouse`
// equal, with the same checksum comparison the DuckDB lake gets. Each Spark start costs 10–20 s, so
// the steps share one warehouse.
jest.setTimeout(900_000);

const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.orders (
  id bigint PRIMARY KEY,
  small smallint,
  amount numeric(12,2),
  ratio numeric,
  price money,
  f8 double precision,
  f4 real,
  flag boolean,
  born date,
  at timestamp,
  at_tz timestamptz,
  doc jsonb,
  uid uuid,
  blob bytea,
  tags text[],
  span interval,
  code char(6),
  name varchar(40),
  big text
);
ALTER TABLE app.orders ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE app.events (kind text NOT NULL, payload jsonb NOT NULL, at timestamptz NOT NULL, note text);
ALTER TABLE app.events REPLICA IDENTITY FULL;
CREATE TABLE app."Mixed Case" ("Key" int PRIMARY KEY, "Value" text);
CREATE TABLE app.empty (id int PRIMARY KEY);
`;

const ROWS = (from: number, to: number): string => `
INSERT INTO app.orders
SELECT i,
       (i % 300 - 150)::smallint,
       CASE WHEN i % 11 = 0 THEN NULL ELSE round((i * 12.345)::numeric, 2) - 5000 END,
       CASE WHEN i % 13 = 0 THEN 'NaN'::numeric WHEN i % 7 = 0 THEN NULL ELSE i / 3.0 + 0.0000005 END,
       (i * 1.25)::numeric::money,
       CASE WHEN i % 17 = 0 THEN 'Infinity'::float8 ELSE i * 1.1e-3 - 0.5 END,
       (i / 7.0)::real,
       CASE WHEN i % 5 = 0 THEN NULL ELSE i % 2 = 0 END,
       date '2000-02-29' + i,
       timestamp '2024-03-10 01:59:59.999999' + i * interval '1 hour 0.000001 second',
       timestamptz '2024-10-27 00:30:00+02' + i * interval '17 minutes',
       jsonb_build_object('i', i, 'name', 'row "' || i || '"', 'unicode', 'zażółć ✓'),
       md5(i::text)::uuid,
       CASE WHEN i % 9 = 0 THEN NULL ELSE decode(lpad(to_hex(i), 8, '0') || '00ff27', 'hex') END,
       ARRAY['a,b', 'quote"d', NULL],
       make_interval(days => i % 40, mins => i % 60),
       'c' || (i % 100),
       CASE WHEN i % 6 = 0 THEN '' ELSE 'name ' || i || ' it''s' END,
       CASE WHEN i % 10 = 0 THEN NULL ELSE (SELECT string_agg(md5(i::text || j::text), '') FROM generate_series(1, 80) AS j) END
  FROM generate_series(${from}, ${to}) AS i;
INSERT INTO app.events SELECT 'created', jsonb_build_object('id', i), timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second',
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'note ' || i END
  FROM generate_series(${from}, ${to}) AS i;
INSERT INTO app."Mixed Case" SELECT i, 'v' || i FROM generate_series(${from}, ${to}) AS i;`;

const WORKLOAD = `
${ROWS(301, 400)}
UPDATE app.orders SET amount = amount + 1, flag = NOT flag WHERE id % 4 = 0;
UPDATE app.orders SET big = big || 'changed' WHERE id % 25 = 1;
DELETE FROM app.orders WHERE id % 50 = 3;
UPDATE app.orders SET id = id + 100000 WHERE id = 77;
BEGIN;
UPDATE app.orders SET small = 1 WHERE id = 20;
UPDATE app.orders SET small = 2 WHERE id = 20;
INSERT INTO app.orders (id, name) VALUES (900000, 'inserted then deleted');
DELETE FROM app.orders WHERE id = 900000;
COMMIT;
UPDATE app.events SET at = at + interval '1 day' WHERE (payload->>'id')::int % 10 = 0;
DELETE FROM app.events WHERE (payload->>'id')::int % 15 = 0;
UPDATE app."Mixed Case" SET "Value" = NULL WHERE "Key" % 3 = 0;
`;

describe('lakehouse local capture → curate --engine spark → verify --warehouse', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let warehouse: string;
  let source: string;
  const timings = new StepTimings();

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-spark-test-'));
    raw = path.join(work, 'raw');
    warehouse = path.join(work, 'warehouse');
    await pg.query(SCHEMA);
    await pg.query(ROWS(1, 300));
  });

  afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    timings.print('local-spark');
  });

  test('the full load and then the changes are curated into Iceberg tables, and verify finds them equal to the source', async () => {
    const capture = ['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms'];
    expect((await lakehouse(...capture)).code).toBe(0);
    const first = await timings.time('curate (full load)', () => lakehouse('local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse));
    expect(first.stderr).not.toMatch(/^lakehouse: /m);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining(`curated 4 tables into ${warehouse}`) });
    expect(first.stderr).toMatch(/curate app\.orders \(spark\): initial, 1 file/);

    await pg.query(WORKLOAD);
    expect((await lakehouse(...capture)).code).toBe(0);
    // Ctrl-C while the job runs: it stops (exit 130, one line), nothing of it keeps running, the next run finishes the work
    const curate = ['local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse];
    const interrupted = await timings.time('interrupted curate', () => interruptedLakehouse(curate, warehouse));
    expect(interrupted.groups.size).toBe(1);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toContain('lakehouse: curate --engine spark: stopped by a signal; every table keeps its last committed state');
    for (const group of interrupted.groups) expect(await processesInGroup(group)).toBe(0);
    const second = await timings.time('curate (changes)', () => lakehouse(...curate));
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('curated 4 tables') });

    const verify = await timings.time('verify', () => lakehouse('local', 'verify', '--source', source, '--warehouse', warehouse));
    expect(verify.stderr).not.toMatch(/^lakehouse: /m);
    expect(verify.code).toBe(0);
    const rows = (await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM app.orders')).rows[0].n;
    expect(verify.stdout).toMatch(new RegExp(`app\\.orders\\s+${rows}\\s+${rows}\\s+match`));
    expect(verify.stdout).toMatch(/app\.empty\s+0\s+0\s+match/);
    expect(verify.stdout).toContain('verified: 4 tables match the source');
  });

  test('query --warehouse reads the Iceberg tables with Spark SQL', async () => {
    const query = await timings.time('query', () => lakehouse('local', 'query', '--warehouse', warehouse, '--format', 'csv',
      'SELECT `Key`, `Value` FROM app.mixed_case WHERE `Key` IN (3, 4) ORDER BY 1'));
    expect(query.stderr).not.toMatch(/^lakehouse: /m);
    expect(query).toMatchObject({ code: 0, stdout: 'Key,Value\n3,\n4,v4\n' });
  });

  test('a bad statement is one line naming the problem', async () => {
    const query = await lakehouse('local', 'query', '--warehouse', warehouse, 'SELECT * FROM app.no_such_table');
    expect(query.code).toBe(1);
    expect(query.stderr).toMatch(/^lakehouse: query failed: .*no_such_table/m);
    expect(query.stderr.split('\n').filter((l) => l.startsWith('lakehouse:'))).toHaveLength(1);
  });

  test('a truncated new raw file stops curate with one line naming it, before Spark starts; the table keeps its snapshot', async () => {
    // the watermark the job core committed (read from the Iceberg metadata, as curate does to pick the files to check)
    const ordersDir = path.join(raw, 'app', 'orders');
    const cdcFiles = (): string[] => fs.readdirSync(ordersDir).filter((f) => /^\d{8}-\d{9}\.parquet$/.test(f)).sort();
    const applied = cdcFiles();
    expect(sparkTableWatermark(warehouse, { database: 'app', table: 'orders' })).toMatchObject({ lastFile: applied[applied.length - 1] });
    await pg.query('INSERT INTO app.orders (id) VALUES (990001)');
    expect((await lakehouse('local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms')).code).toBe(0);
    const added = cdcFiles().filter((f) => !applied.includes(f));
    expect(added).toHaveLength(1);
    const file = path.join(ordersDir, added[0]);
    const bytes = fs.readFileSync(file);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const hint = path.join(warehouse, 'app', 'orders', 'metadata', 'version-hint.text');
    const version = fs.readFileSync(hint, 'utf8');
    const broken = await lakehouse('local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toBe('');
    expect(broken.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^lakehouse: .*: not a readable Parquet file \(.*\); app\.orders was left as it was\. /)]);
    expect(broken.stderr).toContain(`lakehouse: ${file}: not a readable Parquet file (`);
    // no Spark job ran: no new snapshot
    expect(fs.readFileSync(hint, 'utf8')).toBe(version);
    fs.writeFileSync(file, bytes);
  });
});
