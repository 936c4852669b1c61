import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, PostgresFixture, runLocalLakehouse } from '../src';

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

const SCHEMA = `
CREATE SCHEMA app;
CREATE TABLE app.everything (
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
  js json,
  uid uuid,
  blob bytea,
  tags text[],
  nums int[],
  span interval,
  bits bit(4),
  code char(6),
  name varchar(40),
  clock time,
  big text
);
ALTER TABLE app.everything ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE app.events (kind text NOT NULL, payload jsonb NOT NULL, at timestamptz NOT NULL, note text);
ALTER TABLE app.events REPLICA IDENTITY FULL;
CREATE TABLE app."Mixed Case" ("Key" int PRIMARY KEY, "Value" text);
CREATE TABLE app.empty (id int PRIMARY KEY);
`;

const ROW = (from: number, to: number): string => `
INSERT INTO app.everything
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
       jsonb_build_object('i', i, 'name', 'row "' || i || '"', 'nested', jsonb_build_array(1, 'two', null), 'unicode', 'zażółć ✓'),
       ('{"raw": ' || i || ',  "spaces":  true}')::json,
       md5(i::text)::uuid,
       CASE WHEN i % 9 = 0 THEN NULL ELSE decode(lpad(to_hex(i), 8, '0') || '00ff27', 'hex') END,
       ARRAY['a,b', 'quote"d', NULL, 'line' || chr(10) || 'break'],
       ARRAY[i, -i, NULL]::int[],
       make_interval(days => i % 40, mins => i % 60),
       (i % 16)::bit(4),
       'c' || (i % 100),
       CASE WHEN i % 6 = 0 THEN '' ELSE 'name ' || i || ' it''s' END,
       time '12:34:56.789' + i * interval '1 second',
       CASE WHEN i % 10 = 0 THEN NULL ELSE (SELECT string_agg(md5(i::text || j::text), '') FROM generate_series(1, 80) AS j) END
  FROM generate_series(${from}, ${to}) AS i;
INSERT INTO app.events SELECT 'created', jsonb_build_object('id', i), timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second',
       CASE WHEN i % 4 = 0 THEN NULL ELSE 'note ' || i END
  FROM generate_series(${from}, ${to}) AS i;
INSERT INTO app."Mixed Case" SELECT i, 'v' || i FROM generate_series(${from}, ${to}) AS i;`;

const WORKLOAD = `
${ROW(501, 600)}
UPDATE app.everything SET amount = amount + 1, flag = NOT flag WHERE id % 4 = 0;
UPDATE app.everything SET big = big || 'changed' WHERE id % 25 = 1;
UPDATE app.everything SET name = 'renamed' WHERE id BETWEEN 100 AND 110;
DELETE FROM app.everything WHERE id % 50 = 3;
UPDATE app.everything SET id = id + 100000 WHERE id = 77;
BEGIN;
UPDATE app.everything SET small = 1 WHERE id = 20;
UPDATE app.everything SET small = 2 WHERE id = 20;
UPDATE app.everything SET small = 3, big = NULL WHERE id = 21;
INSERT INTO app.everything (id, name) VALUES (900000, 'inserted then deleted');
DELETE FROM app.everything WHERE id = 900000;
COMMIT;
-- rows of the key-less table holding NULL (note) are updated and deleted too
UPDATE app.events SET at = at + interval '1 day' WHERE (payload->>'id')::int % 10 = 0;
DELETE FROM app.events WHERE (payload->>'id')::int % 15 = 0;
UPDATE app."Mixed Case" SET "Value" = NULL WHERE "Key" % 3 = 0;
`;

describe('lakehouse local capture → curate → verify', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let lake: string;
  let source: string;

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-capture-test-'));
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
    await pg.query(SCHEMA);
    await pg.query(ROW(1, 500));
  });

  afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('full load, then changes, land in the DMS layout with table metadata', async () => {
    const first = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(first.stderr).toContain('full load app.everything: 500 rows');
    expect(first.code).toBe(0);
    await pg.query(WORKLOAD);
    const second = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/capture: done: 0 rows loaded, \d+ changes in \d+ CDC files/);

    const files = fs.readdirSync(path.join(raw, 'app', 'everything')).sort();
    expect(files[0]).toMatch(/^\d{8}-\d{9}\.parquet$/);
    expect(files).toContain('LOAD00000001.parquet');
    expect(files).toContain('_table.json');
    expect(fs.existsSync(path.join(raw, 'app', 'empty', '_table.json'))).toBe(true);
    expect(fs.readdirSync(path.join(raw, 'app', 'empty'))).toEqual(['_table.json']);
    const meta = JSON.parse(fs.readFileSync(path.join(raw, 'app', 'everything', '_table.json'), 'utf8'));
    expect(meta).toMatchObject({ format: 'lakehouse-table-metadata', version: 1, primaryKey: ['id'], replicaIdentity: 'default', rowIdentity: ['id'] });
    const types = Object.fromEntries(meta.columns.map((c: { name: string; type: string }) => [c.name, c.type]));
    expect(types).toMatchObject({
      id: 'bigint',
      small: 'int',
      amount: 'decimal(12,2)',
      ratio: 'decimal(28,6)',
      price: 'decimal(38,4)',
      f8: 'double',
      f4: 'float',
      flag: 'boolean',
      born: 'date',
      at: 'timestamp',
      at_tz: 'timestamp',
      doc: 'string',
      uid: 'string',
      blob: 'binary',
      tags: 'string',
      span: 'string',
      big: 'string',
    });
    const events = JSON.parse(fs.readFileSync(path.join(raw, 'app', 'events', '_table.json'), 'utf8'));
    expect(events).toMatchObject({ primaryKey: [], replicaIdentity: 'full', rowIdentity: ['kind', 'payload', 'at', 'note'] });
  });

  test('curate builds the lake and verify matches every table, column for column', async () => {
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate).toMatchObject({ code: 0, stdout: expect.stringContaining('curated 4 tables') });
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    const rows = (await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM app.everything')).rows[0].n;
    expect(verify.stdout).toMatch(new RegExp(`app\\.everything\\s+${rows}\\s+${rows}\\s+match`));
    expect(verify.stdout).toMatch(/app\.empty\s+0\s+0\s+match/);
    expect(verify.stdout).toContain('verified: 4 tables match the source');
  });

  test('an UPDATE that leaves a TOASTed value unchanged never writes NULL over it', async () => {
    const toasted = await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM app.everything WHERE big IS NOT NULL');
    const query = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv',
      'SELECT count(*) FILTER (WHERE big IS NOT NULL) AS toasted, count(*) FILTER (WHERE id % 4 = 0 AND big IS NULL AND id % 10 <> 0) AS lost FROM app.everything']);
    expect(query.code).toBe(0);
    expect(query.stdout.trim().split('\n')).toEqual(['toasted,lost', `${toasted.rows[0].n},0`]);
  });

  test('query prints a table and names curated tables like Athena does', async () => {
    const query = await lakehouse(['local', 'query', '--lake', lake, 'SELECT "Key", "Value" FROM app.mixed_case WHERE "Key" IN (3, 4) ORDER BY 1']);
    expect(query.code).toBe(0);
    expect(query.stdout).toBe('Key | Value\n----+------\n3   | NULL\n4   | v4\n(2 rows)\n');
  });

  test('verify names the table, the differing columns and the first differing keys, and exits 1', async () => {
    await pg.query("UPDATE app.everything SET name = 'changed behind the lake' WHERE id IN (6, 8)");
    const rows = (await pg.query<{ n: string }>('SELECT count(*)::text AS n FROM app.everything')).rows[0].n;
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(new RegExp(`app\\.everything\\s+${rows}\\s+${rows}\\s+MISMATCH`));
    expect(verify.stderr.trim().split('\n')).toHaveLength(1);
    expect(verify.stderr).toContain('table app.everything: differs in columns name (2 rows); first differing keys: id=6; id=8');
  });
});
