import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TRINO_URL_ENV, TRINO_WATERMARK_DIR, TrinoServer, startTrinoServer } from '@cdc-lakehouse/local-lakehouse';
import { CliResult, PostgresFixture, runLocalLakehouse } from '../src';

/**
 * Tables without a primary key (REPLICA IDENTITY FULL) may hold identical rows. The lake must keep
 * their multiplicity, row for row, through the full load, inserts of more copies, an UPDATE of one
 * of several identical rows, a bulk UPDATE of all copies and a DELETE of one copy — on every engine:
 * DuckDB (its three statements per batch), Spark (the Glue job's core running the copy-counting MERGE
 * of the job spec) and Trino (the Athena statements). One capture feeds all three.
 */
jest.setTimeout(900_000);

const lakehouse = (args: string[], timeoutMs = 600_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

const ENGINES = ['duckdb', 'spark', 'trino'] as const;
type Engine = typeof ENGINES[number];

const SCHEMA = `
CREATE SCHEMA dup;
CREATE TABLE dup.t (kind text, qty int);
ALTER TABLE dup.t REPLICA IDENTITY FULL;
INSERT INTO dup.t VALUES ('a', 1), ('a', 1), ('b', NULL), (NULL, NULL), (NULL, NULL), (NULL, NULL);
CREATE TABLE dup.bulk (n int, v text);
ALTER TABLE dup.bulk REPLICA IDENTITY FULL;
INSERT INTO dup.bulk SELECT i % 200, 'x' FROM generate_series(1, 802) AS i;
CREATE TABLE dup.many (v text);
ALTER TABLE dup.many REPLICA IDENTITY FULL;
INSERT INTO dup.many SELECT 'same' FROM generate_series(1, 12345);
`;

/** One copy of `WHERE …`, by ctid. */
const oneCopy = (where: string): string => `ctid = (SELECT ctid FROM dup.t WHERE ${where} LIMIT 1)`;

const WORKLOAD = [
  "INSERT INTO dup.t VALUES ('a', 1), ('a', 1)",
  `UPDATE dup.t SET qty = 2 WHERE ${oneCopy("kind = 'a' AND qty = 1")}`,
  "UPDATE dup.t SET kind = 'c' WHERE kind = 'a' AND qty = 1",
  `DELETE FROM dup.t WHERE ${oneCopy("kind = 'c'")}`,
  // a row of NULLs only: test_decoding prints its old tuple as nothing at all
  `UPDATE dup.t SET kind = 'n' WHERE ${oneCopy('kind IS NULL AND qty IS NULL')}`,
  `DELETE FROM dup.t WHERE ${oneCopy('kind IS NULL AND qty IS NULL')}`,
  "UPDATE dup.bulk SET v = 'y'",
  'DELETE FROM dup.bulk WHERE ctid = (SELECT ctid FROM dup.bulk WHERE n = 7 LIMIT 1)',
  "INSERT INTO dup.bulk VALUES (7, 'y'), (7, 'y'), (7, 'y')",
  // more copies of one row than Trino's sequence() returns at once (10 000): one deleted, the rest rewritten
  'DELETE FROM dup.many WHERE ctid = (SELECT ctid FROM dup.many LIMIT 1)',
];

describe('lakehouse local: identical rows of a table without key keep their multiplicity', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let source: string;
  let trino: TrinoServer | undefined;
  /** Each engine's target option: the DuckDB lake file, or a warehouse directory. */
  const target: Record<Engine, string[]> = { duckdb: [], spark: [], trino: [] };

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-duplicates-test-'));
    fs.chmodSync(work, 0o755);
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    raw = path.join(work, 'raw');
    target.duckdb = ['--lake', path.join(work, 'lake.duckdb')];
    target.spark = ['--warehouse', path.join(work, 'spark-warehouse')];
    target.trino = ['--warehouse', path.join(work, 'trino-warehouse')];
    trino = await startTrinoServer();
    process.env[TRINO_URL_ENV] = trino.url;
  });

  afterAll(async () => {
    delete process.env[TRINO_URL_ENV];
    await trino?.stop();
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** `kind,qty,copies` lines of the source table dup.t. */
  async function sourceCopies(): Promise<string[]> {
    const result = await pg.query<{ line: string }>(
      "SELECT concat_ws(',', coalesce(kind, ''), coalesce(qty::text, ''), count(*)) AS line FROM dup.t GROUP BY kind, qty ORDER BY kind NULLS FIRST, qty NULLS FIRST");
    return result.rows.map((r) => r.line);
  }

  /** CSV lines (header left out) of a query on an engine's lake. */
  async function lakeQuery(engine: Engine, sql: string): Promise<string[]> {
    const query = await lakehouse(['local', 'query', ...target[engine], '--format', 'csv', sql]);
    expect(query.stderr).toBe('');
    expect(query.code).toBe(0);
    return query.stdout.trim().split('\n').slice(1);
  }

  /** The same lines from an engine's lake. */
  const lakeCopies = (engine: Engine): Promise<string[]> =>
    lakeQuery(engine, 'SELECT kind, qty, count(*) AS copies FROM dup.t GROUP BY kind, qty ORDER BY kind NULLS FIRST, qty NULLS FIRST');

  async function capture(): Promise<void> {
    const run = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(run.stderr).not.toContain('error');
    expect(run.code).toBe(0);
  }

  async function curateVerify(engine: Engine): Promise<void> {
    const curate = await lakehouse(['local', 'curate', '--engine', engine, '--raw', raw, ...target[engine]]);
    expect(curate).toMatchObject({ code: 0, stderr: expect.not.stringContaining('failed') });
    const verify = await lakehouse(['local', 'verify', '--source', source, ...target[engine]]);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toContain('verified: 3 tables match the source');
    expect(verify.code).toBe(0);
  }

  test.each(ENGINES)('full load: every copy of an identical row reaches the lake (%s)', async (engine) => {
    if (engine === ENGINES[0]) {
      await pg.query(SCHEMA);
      await capture();
    }
    await curateVerify(engine);
    const copies = await lakeCopies(engine);
    expect(copies).toEqual([',,3', 'a,1,2', 'b,,1']);
    expect(copies).toEqual(await sourceCopies());
  });

  test.each(ENGINES)('more copies, an UPDATE and a DELETE of one copy, and a bulk UPDATE of all copies keep the source multiset (%s)', async (engine) => {
    if (engine === ENGINES[0]) {
      for (const statement of WORKLOAD) await pg.query(statement);
      expect(await sourceCopies()).toEqual([',,1', 'a,2,1', 'b,,1', 'c,1,2', 'n,,1']);
      await capture();
    }
    // Trino stores its watermark after the MERGE, as Athena does: keep the one before this run to replay a lost commit
    const watermarks = path.join(target.trino[1], TRINO_WATERMARK_DIR);
    const before = path.join(work, 'watermarks-before');
    if (engine === 'trino') fs.cpSync(watermarks, before, { recursive: true });
    await curateVerify(engine);
    expect(await lakeCopies(engine)).toEqual([',,1', 'a,2,1', 'b,,1', 'c,1,2', 'n,,1']);
    // one query for both tables (a Spark query is a JVM start): dup.bulk's 802 rows held four copies of n = 7, all updated,
    // one deleted, three inserted; dup.many lost one of its 12,345 copies
    const counts = `SELECT (SELECT count(*) FROM dup.bulk) AS n, (SELECT count(*) FROM dup.bulk WHERE v = 'y') AS y,
      (SELECT count(*) FROM dup.bulk WHERE n = 7) AS sevens, (SELECT count(*) FROM dup.many) AS many,
      (SELECT count(*) FROM dup.many WHERE v = 'same') AS same`;
    expect(await lakeQuery(engine, counts)).toEqual(['804,804,6,12344,12344']);
    if (engine === 'trino') {
      // the MERGEs committed but their watermarks were lost (a failure before the commit step): the next run applies
      // the same files again, and the MERGE's change-sequence guard leaves every row as it is
      fs.rmSync(watermarks, { recursive: true });
      fs.cpSync(before, watermarks, { recursive: true });
      await curateVerify(engine);
      expect(await lakeQuery(engine, counts)).toEqual(['804,804,6,12344,12344']);
    }
  });
});
