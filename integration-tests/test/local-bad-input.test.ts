import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, PostgresFixture, runLocalLakehouse } from '../src';

const lakehouse = (args: string[], timeoutMs = 60_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

/** One line on stderr, non-zero exit, no stack trace. */
function expectOneLineError(result: CliResult, text: string): void {
  expect(result.code).not.toBe(0);
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^lakehouse: /);
  expect(lines[0]).toContain(text);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

describe('bad input: a one-line error saying what is wrong and how to fix it, nothing half-written', () => {
  let pg: PostgresFixture;
  let work: string;

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-bad-input-test-'));
    await pg.query('CREATE TABLE public.orders (id int PRIMARY KEY, total numeric(10,2))');
    await pg.query("CREATE ROLE plain LOGIN PASSWORD 'plain'");
    await pg.query('GRANT SELECT ON public.orders TO plain');
  });

  afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('a source without wal_level=logical', async () => {
    const replica = await PostgresFixture.start({ settings: { wal_level: 'replica' } });
    try {
      await replica.query('CREATE TABLE t (id int PRIMARY KEY)');
      const raw = path.join(work, 'raw-replica');
      const result = await lakehouse(['local', 'capture', '--source', replica.connectionString(), '--raw', raw, '--until-caught-up']);
      expectOneLineError(result, 'wal_level is "replica", but capture needs "logical"; set wal_level = logical in postgresql.conf');
      expect(fs.existsSync(raw)).toBe(false);
    } finally {
      await replica.stop();
    }
  });

  test('a user without replication rights', async () => {
    const raw = path.join(work, 'raw-plain');
    const url = pg.connectionString().replace('postgres:postgres@', 'plain:plain@');
    const result = await lakehouse(['local', 'capture', '--source', url, '--raw', raw, '--until-caught-up']);
    expectOneLineError(result, 'user "plain" has no replication rights; run ALTER ROLE "plain" REPLICATION');
    expect(fs.existsSync(raw)).toBe(false);
  });

  test('a table with neither a primary key nor REPLICA IDENTITY FULL', async () => {
    await pg.query('CREATE TABLE public.audit (at timestamptz, what text)');
    try {
      const raw = path.join(work, 'raw-nokey');
      const result = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', raw, '--until-caught-up']);
      expectOneLineError(result, 'table public.audit has neither a primary key nor REPLICA IDENTITY FULL');
      expect(result.stderr).toContain('ALTER TABLE "public"."audit" REPLICA IDENTITY FULL;');
      expect(fs.existsSync(raw)).toBe(false);
      const slots = await pg.query('SELECT slot_name FROM pg_replication_slots');
      expect(slots.rows).toEqual([]);
    } finally {
      await pg.query('DROP TABLE public.audit');
    }
  });

  test('an unreachable host', async () => {
    const raw = path.join(work, 'raw-unreachable');
    const result = await lakehouse(['local', 'capture', '--source', 'postgres://postgres:pw@127.0.0.1:1/postgres', '--raw', raw]);
    expectOneLineError(result, 'cannot connect to PostgreSQL at 127.0.0.1:1: connection refused');
    expect(result.stderr).not.toContain(':pw@');
    expect(fs.existsSync(raw)).toBe(false);
  });

  test('a raw directory that is not DMS-shaped', async () => {
    const raw = path.join(work, 'not-dms');
    fs.mkdirSync(path.join(raw, 'reports'), { recursive: true });
    fs.writeFileSync(path.join(raw, 'reports', 'summary.csv'), 'a,b\n');
    const lake = path.join(work, 'lake.duckdb');
    expectOneLineError(await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]), 'is not a DMS raw zone: expected <raw>/<schema>/<table>/ folders');
    expect(fs.existsSync(lake)).toBe(false);
    // capture refuses to write into it as well
    const capture = await lakehouse(['local', 'capture', '--source', pg.connectionString(), '--raw', raw, '--until-caught-up']);
    expectOneLineError(capture, 'is not empty and holds no capture state');
    expect(fs.readdirSync(raw)).toEqual(['reports']);
    // a table folder with a file DMS would never write
    const table = path.join(work, 'odd', 'public', 'orders');
    fs.mkdirSync(table, { recursive: true });
    fs.copyFileSync(path.join(__dirname, 'local-bad-input.test.ts'), path.join(table, 'export.parquet'));
    fs.writeFileSync(path.join(table, '_table.json'), JSON.stringify({
      format: 'lakehouse-table-metadata',
      version: 1,
      source: { engine: 'postgres', database: 'postgres', schema: 'public', table: 'orders' },
      columns: [{ name: 'id', type: 'int', kind: 'int', rawType: 'INTEGER', sourceType: 'integer', ordinal: 1, nullable: false }],
      primaryKey: ['id'],
      replicaIdentity: 'default',
      rowIdentity: ['id'],
      rawFormat: { opColumn: 'Op', commitTimestampColumn: '_dms_commit_ts', changeSequenceColumn: '_dms_change_seq' },
    }));
    expectOneLineError(await lakehouse(['local', 'curate', '--raw', path.join(work, 'odd'), '--lake', path.join(work, 'odd.duckdb')]), 'not a DMS file name');
  });
});
