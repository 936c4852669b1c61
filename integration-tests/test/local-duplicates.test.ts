import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, PostgresFixture, runLocalLakehouse } from '../src';

/**
 * Tables without a primary key (REPLICA IDENTITY FULL) may hold identical rows. The lake must keep
 * their multiplicity, row for row, through the full load, inserts of more copies, an UPDATE of one
 * of several identical rows, a bulk UPDATE of all copies and a DELETE of one copy.
 */

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

const SCHEMA = `
CREATE SCHEMA dup;
CREATE TABLE dup.t (kind text, qty int);
ALTER TABLE dup.t REPLICA IDENTITY FULL;
INSERT INTO dup.t VALUES ('a', 1), ('a', 1), ('b', NULL), (NULL, NULL), (NULL, NULL), (NULL, NULL);
CREATE TABLE dup.bulk (n int, v text);
ALTER TABLE dup.bulk REPLICA IDENTITY FULL;
INSERT INTO dup.bulk SELECT i % 200, 'x' FROM generate_series(1, 802) AS i;
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
];

describe('lakehouse local: identical rows of a table without key keep their multiplicity', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let lake: string;
  let source: string;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-duplicates-test-'));
    fs.chmodSync(work, 0o755);
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
  });

  afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  /** `kind,qty,copies` lines of the source table dup.t. */
  async function sourceCopies(): Promise<string[]> {
    const result = await pg.query<{ line: string }>(
      "SELECT concat_ws(',', coalesce(kind, ''), coalesce(qty::text, ''), count(*)) AS line FROM dup.t GROUP BY kind, qty ORDER BY kind NULLS FIRST, qty NULLS FIRST");
    return result.rows.map((r) => r.line);
  }

  /** The same lines from the lake. */
  async function lakeCopies(): Promise<string[]> {
    const query = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv',
      'SELECT kind, qty, count(*) AS copies FROM dup.t GROUP BY kind, qty ORDER BY kind NULLS FIRST, qty NULLS FIRST']);
    expect(query.stderr).toBe('');
    return query.stdout.trim().split('\n').slice(1);
  }

  async function captureCurateVerify(): Promise<void> {
    const capture = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(capture.stderr).not.toContain('error');
    expect(capture.code).toBe(0);
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toContain('verified: 2 tables match the source');
    expect(verify.code).toBe(0);
  }

  test('full load: every copy of an identical row reaches the lake', async () => {
    await pg.query(SCHEMA);
    await captureCurateVerify();
    expect(await lakeCopies()).toEqual([',,3', 'a,1,2', 'b,,1']);
    expect(await lakeCopies()).toEqual(await sourceCopies());
  });

  test('more copies, an UPDATE and a DELETE of one copy, and a bulk UPDATE of all copies keep the source multiset', async () => {
    for (const statement of WORKLOAD) await pg.query(statement);
    expect(await sourceCopies()).toEqual([',,1', 'a,2,1', 'b,,1', 'c,1,2', 'n,,1']);
    await captureCurateVerify();
    expect(await lakeCopies()).toEqual([',,1', 'a,2,1', 'b,,1', 'c,1,2', 'n,,1']);
    const bulk = await lakehouse(['local', 'query', '--lake', lake, '--format', 'csv',
      "SELECT count(*) AS n, count(*) FILTER (WHERE v = 'y') AS y, count(*) FILTER (WHERE n = 7) AS sevens FROM dup.bulk"]);
    // 802 rows holding four copies of n = 7: all updated, one deleted, three inserted
    expect(bulk.stdout.trim().split('\n')).toEqual(['n,y,sevens', '804,804,6']);
  });
});
