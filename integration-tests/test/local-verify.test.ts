import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLake, registerTables } from '@cdc-lakehouse/local-lakehouse';
import { CliResult, PostgresFixture, runLocalLakehouse } from '../src';

// `lakehouse local verify` on a real PostgreSQL and a lake curated from it: what it says when a table
// differs (columns, rows on one side, copies of a row), --tables, --json, the exit codes, and NaN / ±infinity.

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

interface JsonTable {
  table: string;
  curated: string | null;
  status: string;
  sourceRows: number | null;
  lakeRows: number | null;
  differingColumns: string[];
  changedRows: number;
  rowsOnlyInSource: number;
  rowsOnlyInLake: number;
  duplicates: { key: string; source: number; lake: number }[];
  differingKeys: string[];
  problem?: string;
}

interface JsonReport {
  status: string;
  exitCode: number;
  error?: string;
  tables: JsonTable[];
}

const SCHEMA = `
CREATE SCHEMA v;
CREATE TABLE v.items (id int PRIMARY KEY, name text, amount numeric(12,2), at timestamptz, note text);
CREATE TABLE v.log (kind text NOT NULL, note text);
ALTER TABLE v.log REPLICA IDENTITY FULL;
CREATE TABLE v.other (id int PRIMARY KEY, val text);
CREATE TABLE v.gone (id int PRIMARY KEY);
CREATE TABLE v.special (id int PRIMARY KEY, ts timestamp, tstz timestamptz, d date, n numeric, n2 numeric(10,2), f8 float8, f4 real);
INSERT INTO v.items SELECT i, 'item ' || i, i * 1.5, timestamptz '2025-01-01 00:00:00+00' + i * interval '1 hour', NULL FROM generate_series(1, 50) AS i;
INSERT INTO v.log VALUES ('created', 'a'), ('created', NULL), ('deleted', 'x');
INSERT INTO v.other SELECT i, 'o' || i FROM generate_series(1, 5) AS i;
INSERT INTO v.gone SELECT generate_series(1, 3);
INSERT INTO v.special VALUES
  (1, 'infinity', 'infinity', 'infinity', 'NaN', 'NaN', 'Infinity', '-Infinity'),
  (2, '-infinity', '-infinity', '-infinity', 'Infinity', 1.5, '-Infinity', 'NaN'),
  (3, '2024-02-29 12:00:00.123456', '2024-02-29 12:00:00+00', '2024-02-29', '-Infinity', -2.25, 'NaN', 1.5),
  (4, NULL, NULL, NULL, 0.1, NULL, 1e300, 'Infinity');
`;

describe('lakehouse local verify', () => {
  let pg: PostgresFixture;
  let work: string;
  let raw: string;
  let lake: string;
  let source: string;

  const verify = async (...extra: string[]): Promise<CliResult> => lakehouse(['local', 'verify', '--source', source, '--lake', lake, ...extra]);
  const verifyJson = async (...extra: string[]): Promise<{ code: number; doc: JsonReport }> => {
    const result = await verify('--json', ...extra);
    return { code: result.code, doc: JSON.parse(result.stdout) };
  };
  const table = (tables: JsonTable[], name: string): JsonTable => tables.find((t) => t.table === name)!;

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-verify-test-'));
    raw = path.join(work, 'raw');
    lake = path.join(work, 'lake.duckdb');
    await pg.query(SCHEMA);
    const capture = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up', '--interval', '200ms']);
    expect(capture.stderr).not.toMatch(/^lakehouse: /m);
    expect(capture.code).toBe(0);
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate).toMatchObject({ code: 0, stdout: expect.stringContaining('curated 5 tables') });
  });

  afterAll(async () => {
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('an unchanged lake matches, ±infinity and NaN included, exit 0; --json says the same', async () => {
    const result = await verify();
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/v\.special\s+4\s+4\s+match/);
    expect(result.stdout).toMatch(/v\.items\s+50\s+50\s+match/);
    expect(result.stdout).toContain('verified: 5 tables match the source');
    const { code, doc } = await verifyJson();
    expect(code).toBe(0);
    expect(doc).toMatchObject({ format: 'lakehouse-verify', version: 1, status: 'match', exitCode: 0 });
    expect(doc.tables.map((t) => [t.table, t.status])).toEqual([
      ['v.gone', 'match'], ['v.items', 'match'], ['v.log', 'match'], ['v.other', 'match'], ['v.special', 'match'],
    ]);
  });

  test('a lake file named like a source schema (v.duckdb holding schema v) is curated and verified all the same', async () => {
    const named = path.join(work, 'v.duckdb');
    expect(await lakehouse(['local', 'curate', '--raw', raw, '--lake', named])).toMatchObject({ code: 0 });
    const result = await lakehouse(['local', 'verify', '--source', source, '--lake', named]);
    expect(result.stderr).toBe('');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('verified: 5 tables match the source') });
    const query = await lakehouse(['local', 'query', '--lake', named, '--format', 'csv', 'SELECT count(*) AS n FROM v.v.items']);
    expect(query).toMatchObject({ code: 0, stdout: 'n\n50\n' });
    const ambiguous = await lakehouse(['local', 'query', '--lake', named, 'SELECT count(*) FROM v.items']);
    expect(ambiguous.code).toBe(1);
    expect(ambiguous.stderr).toMatch(/^lakehouse: .*named like the schema "v".*write v\.v\.<table>.*\n$/);
  });

  test('changed values name the differing columns and the rows, exit 1', async () => {
    await pg.query("UPDATE v.items SET name = 'renamed' WHERE id IN (6, 8); UPDATE v.items SET amount = 0 WHERE id = 8");
    try {
      const result = await verify();
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/v\.items\s+50\s+50\s+MISMATCH/);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toBe('lakehouse: verify: 1 of 5 tables differ: table v.items: differs in columns name, amount (2 rows); first differing keys: id=6; id=8\n');
      const { code, doc } = await verifyJson();
      expect(code).toBe(1);
      expect(doc).toMatchObject({ status: 'differs', exitCode: 1 });
      expect(table(doc.tables, 'v.items')).toMatchObject({
        status: 'differs', sourceRows: 50, lakeRows: 50, differingColumns: ['name', 'amount'], changedRows: 2, rowsOnlyInSource: 0, differingKeys: ['id=6', 'id=8'],
      });
      expect(table(doc.tables, 'v.other').status).toBe('match');
    } finally {
      await pg.query("UPDATE v.items SET name = 'item ' || id, amount = id * 1.5 WHERE id IN (6, 8)");
    }
  });

  test('rows on one side only are counted, and the key listing stays bounded', async () => {
    await pg.query("DELETE FROM v.items WHERE id <= 7; INSERT INTO v.items (id, name) VALUES (100, 'new')");
    try {
      const result = await verify();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('table v.items: 44 rows in the source, 50 in the lake; 1 row only in the source; 7 rows only in the lake; '
        + 'first differing keys: id=1; id=2; id=3; id=4; id=5\n');
    } finally {
      await pg.query('DELETE FROM v.items WHERE id = 100');
      await pg.query("INSERT INTO v.items SELECT i, 'item ' || i, i * 1.5, timestamptz '2025-01-01 00:00:00+00' + i * interval '1 hour', NULL FROM generate_series(1, 7) AS i");
    }
    expect((await verify()).code).toBe(0);
  });

  test('a table without primary key: copies of a row, and changed rows by column', async () => {
    // a second copy added to the source and not captured yet: the lake holds one copy of the row
    await pg.query("INSERT INTO v.log VALUES ('created', 'a')");
    try {
      const result = await verify();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('table v.log: 4 rows in the source, 3 in the lake; source has 2 copies of a row the lake has 1 of (kind=created, note=a)');
      const { doc } = await verifyJson();
      expect(table(doc.tables, 'v.log')).toMatchObject({ duplicates: [{ key: 'kind=created, note=a', source: 2, lake: 1 }], changedRows: 0 });
    } finally {
      await pg.query("DELETE FROM v.log WHERE ctid = (SELECT max(ctid) FROM v.log WHERE kind = 'created' AND note = 'a')");
    }
    await pg.query("UPDATE v.log SET note = 'changed' WHERE note IS NULL");
    try {
      const result = await verify();
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('table v.log: differs in columns note (1 row); first differing rows: ');
      expect(result.stderr).toContain('kind=created, note=NULL');
      expect(result.stderr).toContain('kind=created, note=changed');
    } finally {
      await pg.query("UPDATE v.log SET note = NULL WHERE note = 'changed'");
    }
    expect((await verify()).code).toBe(0);
  });

  test('--tables compares only the selected tables, % as a wildcard', async () => {
    await pg.query("UPDATE v.items SET note = 'not in the lake' WHERE id = 1");
    try {
      const one = await verify('--tables', 'v.other');
      expect(one.code).toBe(0);
      expect(one.stdout).toMatch(/v\.other\s+5\s+5\s+match/);
      expect(one.stdout).not.toContain('v.items');
      expect(one.stdout).toContain('verified: 1 table match the source');
      const wildcard = await verify('--tables', 'v.o%,v.g%');
      expect(wildcard.code).toBe(0);
      expect(wildcard.stdout).toContain('verified: 2 tables match the source');
      const items = await verify('--tables', 'v.items');
      expect(items.code).toBe(1);
      expect(items.stderr).toContain('verify: 1 of 1 table differ: table v.items: differs in columns note (1 row); first differing keys: id=1');
    } finally {
      await pg.query('UPDATE v.items SET note = NULL WHERE id = 1');
    }
  });

  test('--tables naming a source table the lake lacks differs; naming nothing at all cannot run', async () => {
    await pg.query('CREATE TABLE v.later (id int PRIMARY KEY)');
    try {
      const later = await verify('--tables', 'v.later,v.other');
      expect(later.code).toBe(1);
      expect(later.stderr).toContain('table v.later: the lake has no curated table for it; capture and curate it, or leave it out of --tables');
      const { doc } = await verifyJson('--tables', 'v.later');
      expect(doc.tables).toEqual([expect.objectContaining({ table: 'v.later', curated: null, status: 'differs', sourceRows: null })]);
      const nothing = await verify('--tables', 'v.nothing');
      expect(nothing.code).toBe(2);
      expect(nothing.stdout).toBe('');
      expect(nothing.stderr).toMatch(/^lakehouse: local verify: --tables: v\.nothing matched neither a curated table nor a source table; the lake holds v\.gone, v\.items, .*\n$/);
    } finally {
      await pg.query('DROP TABLE v.later');
    }
  });

  test('a table dropped from the source, or one that lost its key, says nothing about --tables when it was not given', async () => {
    await pg.query('ALTER TABLE v.gone RENAME TO gone_renamed; ALTER TABLE v.log REPLICA IDENTITY DEFAULT');
    try {
      const result = await verify();
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/v\.gone\s+-\s+-\s+MISMATCH/);
      expect(result.stdout).toMatch(/v\.log\s+3\s+3\s+match/);
      expect(result.stderr).toBe('lakehouse: verify: 1 of 5 tables differ: table v.gone: the source has no table v.gone (dropped or renamed since it was captured?)\n');
      expect(result.stderr + result.stdout).not.toContain('--tables');
    } finally {
      await pg.query('ALTER TABLE v.gone_renamed RENAME TO gone; ALTER TABLE v.log REPLICA IDENTITY FULL');
    }
  });

  test('a source table whose columns were all dropped differs, without a word about --tables', async () => {
    await pg.query('ALTER TABLE v.gone DROP COLUMN id');
    try {
      const result = await verify();
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('lakehouse: verify: 1 of 5 tables differ: table v.gone: the source table v.gone has no columns (all dropped since it was captured?)\n');
    } finally {
      await pg.query('DROP TABLE v.gone; CREATE TABLE v.gone (id int PRIMARY KEY); INSERT INTO v.gone SELECT generate_series(1, 3)');
    }
    expect((await verify()).code).toBe(0);
  });

  test('exit 2 when verify cannot run or a table cannot be compared; --json still prints one document', async () => {
    const wrongDb = await lakehouse(['local', 'verify', '--source', pg.connectionString('no_such_db'), '--lake', lake]);
    expect(wrongDb.code).toBe(2);
    expect(wrongDb.stdout).toBe('');
    expect(wrongDb.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrongDb.stderr).toContain('no_such_db');
    const json = await lakehouse(['local', 'verify', '--source', pg.connectionString('no_such_db'), '--lake', lake, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'error', exitCode: 2, error: expect.stringContaining('no_such_db'), tables: [] });

    await pg.query("CREATE ROLE verifier LOGIN PASSWORD 'verifier'; GRANT USAGE ON SCHEMA v TO verifier; GRANT SELECT ON v.items, v.other TO verifier");
    const url = source.replace('postgres:postgres@', 'verifier:verifier@');
    const limited = await lakehouse(['local', 'verify', '--source', url, '--lake', lake, '--tables', 'v.items,v.other,v.special']);
    expect(limited.code).toBe(2);
    expect(limited.stdout).toMatch(/v\.special\s+-\s+-\s+ERROR/);
    expect(limited.stdout).toMatch(/v\.items\s+50\s+50\s+match/);
    expect(limited.stderr).toBe('lakehouse: verify: 1 of 3 tables could not be compared: table v.special: the source user cannot read it; '
      + 'GRANT SELECT ON "v"."special" TO the user in --source\n');
  });

  test('±infinity and NaN written into the lake as capture converts them compare equal; a finite value in their place differs', async () => {
    // written directly, so this holds whatever capture does with such values in its own run
    await pg.query(`CREATE TABLE v.direct (id int PRIMARY KEY, ts timestamptz, d date, n numeric, f8 float8);
INSERT INTO v.direct VALUES (1, 'infinity', '-infinity', 'NaN', 'Infinity'), (2, '-infinity', 'infinity', 'Infinity', '-Infinity'), (3, now(), current_date, 1, 'NaN')`);
    const db = await openLake(lake, { readOnly: false });
    try {
      await registerTables(db.connection, [{
        sourceSchema: 'v', sourceTable: 'direct', curatedDatabase: 'v', curatedTable: 'direct', mode: 'merge', deletes: 'hard', rowIdentity: ['id'],
      }]);
      await db.connection.run('CREATE SCHEMA IF NOT EXISTS v');
      await db.connection.run('CREATE TABLE v.direct (id INTEGER, ts TIMESTAMP, d DATE, n DECIMAL(28,6), f8 DOUBLE)');
      // as capture's conversion turns PostgreSQL's text into the raw file's types
      await db.connection.run(`INSERT INTO v.direct VALUES
        (1, CAST('infinity' AS TIMESTAMP), CAST('-infinity' AS DATE), NULL, CAST('Infinity' AS DOUBLE)),
        (2, CAST('-infinity' AS TIMESTAMP), CAST('infinity' AS DATE), NULL, CAST('-Infinity' AS DOUBLE))`);
      const third = (await pg.query<{ ts: string; d: string }>(
        "SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') AS ts, to_char(d, 'YYYY-MM-DD') AS d FROM v.direct WHERE id = 3")).rows[0];
      await db.connection.run(`INSERT INTO v.direct VALUES (3, TIMESTAMP '${third.ts}', DATE '${third.d}', 1, CAST('NaN' AS DOUBLE))`);
    } finally {
      db.close();
    }
    const equal = await verify('--tables', 'v.direct');
    expect(equal.stderr).toBe('');
    expect(equal.stdout).toMatch(/v\.direct\s+3\s+3\s+match/);
    expect(equal.code).toBe(0);

    const again = await openLake(lake, { readOnly: false });
    try {
      await again.connection.run("UPDATE v.direct SET ts = TIMESTAMP '294000-01-01 00:00:00' WHERE id = 1");
    } finally {
      again.close();
    }
    const changed = await verify('--tables', 'v.direct');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('table v.direct: differs in columns ts (1 row); first differing keys: id=1');
  });

  test('a table wider than the 100 arguments a PostgreSQL function takes is compared, and its differing column named', async () => {
    const columns = Array.from({ length: 120 }, (_, i) => `c${i + 1}`);
    await pg.query(`CREATE TABLE v.wide (id int PRIMARY KEY, ${columns.map((c) => `${c} int`).join(', ')});
INSERT INTO v.wide SELECT i, ${columns.map((_, j) => `i * ${j + 1}`).join(', ')} FROM generate_series(1, 20) AS i`);
    const db = await openLake(lake, { readOnly: false });
    try {
      await registerTables(db.connection, [{
        sourceSchema: 'v', sourceTable: 'wide', curatedDatabase: 'v', curatedTable: 'wide', mode: 'merge', deletes: 'hard', rowIdentity: ['id'],
      }]);
      await db.connection.run(`CREATE TABLE v.wide AS SELECT CAST(i AS INTEGER) AS id, ${columns.map((c, j) => `CAST(i * ${j + 1} AS INTEGER) AS ${c}`).join(', ')}
        FROM range(1, 21) AS r(i)`);
    } finally {
      db.close();
    }
    const equal = await verify('--tables', 'v.wide');
    expect(equal.stderr).toBe('');
    expect(equal.stdout).toMatch(/v\.wide\s+20\s+20\s+match/);

    const again = await openLake(lake, { readOnly: false });
    try {
      await again.connection.run('UPDATE v.wide SET c117 = -1 WHERE id = 4');
    } finally {
      again.close();
    }
    const changed = await verify('--tables', 'v.wide');
    expect(changed.code).toBe(1);
    expect(changed.stderr).toContain('table v.wide: differs in columns c117 (1 row); first differing keys: id=4');
  });
});
