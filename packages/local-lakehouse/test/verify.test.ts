import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from './helpers/run-cli';
import { openLake, registerTables } from '../src/lake/lake-database';
import {
  TableVerification, describeTableDifference, parseVerifySelectors, verificationExitCode, verificationFailure, verificationReport,
} from '../src/lake/verify';
import { RowTally, describeCopies, describeKey, differingColumnsByKey, differingColumnsOfRows } from '../src/lake/verify-diff';
import { findFreePort } from '../src/os-process';

const row = (...values: (string | null)[]): string => values.map((v) => (v === null ? '\u0002' : v)).join('\u0001');

describe('RowTally', () => {
  test('tells changed, missing and extra keys apart, keys in numeric order', () => {
    const tally = new RowTally();
    for (const [k, h] of [['1', 'a'], ['2', 'b'], ['10', 'c'], ['9', 'd'], ['5', 'e']]) tally.addSource(k, h);
    for (const [k, h] of [['1', 'a'], ['2', 'B'], ['10', 'C'], ['5', 'e'], ['11', 'f']]) tally.addLake(k, h);
    const diff = tally.differences();
    expect(diff.keys).toEqual(['2', '9', '10', '11']);
    expect(diff.changedKeys).toEqual(['2', '10']);
    expect(diff.changedRows).toBe(2);
    expect(diff.sourceOnly).toEqual([{ key: '9', rows: 1 }]);
    expect(diff.onlyInSource).toBe(1);
    expect(diff.lakeOnly).toEqual([{ key: '11', rows: 1 }]);
    expect(diff.onlyInLake).toBe(1);
    expect(diff.copies).toEqual([]);
  });

  test('counts copies of a row on each side (a table without key: the key is the row)', () => {
    const tally = new RowTally();
    const same = row('created', null);
    tally.addSource(same, '');
    tally.addSource(same, '');
    tally.addSource(row('other', 'x'), '');
    tally.addLake(same, '');
    tally.addLake(row('other', 'x'), '');
    const diff = tally.differences();
    expect(diff.copies).toEqual([{ key: same, source: 2, lake: 1 }]);
    expect(diff.changedKeys).toEqual([]);
    expect(diff.onlyInSource + diff.onlyInLake).toBe(0);
  });

  test('a key the lake holds twice while the source has it once', () => {
    const tally = new RowTally();
    tally.addSource('7', 'a');
    tally.addLake('7', 'a');
    tally.addLake('7', 'b');
    expect(tally.differences().copies).toEqual([{ key: '7', source: 1, lake: 2 }]);
  });

  test('equal sides have no differences', () => {
    const tally = new RowTally();
    tally.addSource('1', 'a');
    tally.addLake('1', 'a');
    expect(tally.differences()).toMatchObject({ keys: [], changedRows: 0, onlyInSource: 0, onlyInLake: 0, copies: [] });
  });
});

describe('differing columns', () => {
  test('by key: the columns whose hashes differ in any changed row', () => {
    const columns = ['id', 'name', 'amount', 'note'];
    const source = new Map([['1', [['h1', 'n1', 'a1', 'x']]], ['2', [['h2', 'n2', 'a2', 'x']]]]);
    const lake = new Map([['1', [['h1', 'N1', 'a1', 'x']]], ['2', [['h2', 'n2', 'A2', 'x']]]]);
    expect(differingColumnsByKey(columns, source, lake)).toEqual(['name', 'amount']);
  });

  test('rows without key: the columns whose values differ between the rows only one side has', () => {
    const columns = ['kind', 'at', 'note'];
    const source = [{ key: row('a', '1', 'old'), rows: 1 }, { key: row('b', '2', null), rows: 1 }];
    const lake = [{ key: row('a', '1', 'new'), rows: 1 }, { key: row('b', '2', 'set'), rows: 1 }];
    expect(differingColumnsOfRows(columns, source, lake)).toEqual(['note']);
  });
});

describe('messages', () => {
  test('keys name their columns, NULL and long values cut', () => {
    expect(describeKey(['id', 'note'], row('5', null))).toBe('id=5, note=NULL');
    expect(describeKey(['t'], 'x'.repeat(50))).toBe(`t=${'x'.repeat(37)}...`);
  });

  test('copies', () => {
    expect(describeCopies({ key: 'kind=a, note=NULL', source: 2, lake: 1 }, true)).toBe('source has 2 copies of a row the lake has 1 of (kind=a, note=NULL)');
    expect(describeCopies({ key: 'kind=a', source: 1, lake: 3 }, true)).toBe('source has 1 copy of a row the lake has 3 of (kind=a)');
    expect(describeCopies({ key: 'id=7', source: 1, lake: 2 }, false)).toBe('source has 1 row with key id=7, the lake 2');
  });

  const base: TableVerification = {
    table: 'app.t',
    curated: 'app.t',
    status: 'match',
    sourceRows: 10,
    lakeRows: 10,
    sourceChecksum: '1',
    lakeChecksum: '1',
    match: true,
    differingColumns: [],
    changedRows: 0,
    rowsOnlyInSource: 0,
    rowsOnlyInLake: 0,
    duplicates: [],
    keyIsWholeRow: false,
    differingKeys: [],
    lakeOnlyColumns: [],
  };
  const changed: TableVerification = {
    ...base, status: 'differs', match: false, lakeChecksum: '2', differingColumns: ['a', 'b'], changedRows: 2, differingKeys: ['id=6', 'id=8'],
  };

  test('a changed table names its columns, the row count and the first keys', () => {
    expect(describeTableDifference(base)).toBeUndefined();
    expect(describeTableDifference(changed)).toBe('table app.t: differs in columns a, b (2 rows); first differing keys: id=6; id=8');
    const missing = { ...changed, lakeRows: 9, changedRows: 0, differingColumns: [], rowsOnlyInSource: 1, differingKeys: ['id=3'] };
    expect(describeTableDifference(missing)).toBe('table app.t: 10 rows in the source, 9 in the lake; 1 row only in the source; first differing keys: id=3');
    const copies: TableVerification = {
      ...changed,
      lakeRows: 9,
      differingColumns: [],
      changedRows: 0,
      keyIsWholeRow: true,
      duplicates: [{ key: 'kind=a', source: 2, lake: 1 }],
      differingKeys: ['kind=a'],
    };
    expect(describeTableDifference(copies)).toBe('table app.t: 10 rows in the source, 9 in the lake; '
      + 'source has 2 copies of a row the lake has 1 of (kind=a); first differing rows: kind=a');
    const sampled = { ...changed, changedRows: 20_000, columnsFromRows: 10_000 };
    expect(describeTableDifference(sampled)).toContain('differs in columns a, b (20000 rows; columns from the first 10000)');
  });

  test('columns the source dropped: named with what to do, quoted where a name needs it', () => {
    const dropped: TableVerification = { ...base, status: 'differs', match: false, lakeOnlyColumns: ['note'] };
    expect(describeTableDifference(dropped)).toBe('table app.t: the lake keeps column note, which the source no longer has (dropped in the source: '
      + 'the lake holds its values from before the drop, NULL for rows changed since); that is expected history if the drop was meant, '
      + 'or drop it from the lake as well: ALTER TABLE app.t DROP COLUMN note (in the engine\'s SQL, while no curate runs)');
    const two = describeTableDifference({ ...dropped, lakeOnlyColumns: ['Old Name', 'b'], changedRows: 1, differingColumns: ['a'], differingKeys: ['id=1'] });
    expect(two).toContain('table app.t: the lake keeps columns Old Name, b, which the source no longer has (');
    expect(two).toContain('drop them from the lake as well: ALTER TABLE app.t DROP COLUMN "Old Name"; ALTER TABLE app.t DROP COLUMN b '
      + '(in the engine\'s SQL, backquotes for Spark, while no curate runs); differs in columns a (1 row); first differing keys: id=1');
  });

  test('one line for the run, exit codes and the JSON document', () => {
    const error: TableVerification = { ...base, table: 'app.u', status: 'error', match: false, sourceRows: null, lakeRows: null, problem: 'cannot compare it: boom' };
    expect(verificationFailure([base])).toBeUndefined();
    expect(verificationExitCode([base])).toBe(0);
    expect(verificationFailure([base, changed])).toBe('verify: 1 of 2 tables differ: table app.t: differs in columns a, b (2 rows); first differing keys: id=6; id=8');
    expect(verificationExitCode([base, changed, error])).toBe(1);
    expect(verificationExitCode([base, error])).toBe(2);
    expect(verificationFailure([base, error])).toBe('verify: 1 of 2 tables could not be compared: table app.u: cannot compare it: boom');
    const report = verificationReport([base, changed]);
    expect(report).toMatchObject({ format: 'lakehouse-verify', version: 1, status: 'differs', exitCode: 1 });
    expect(report.tables[1]).toMatchObject({ table: 'app.t', status: 'differs', differingColumns: ['a', 'b'], changedRows: 2 });
    expect(report.tables[1]).not.toHaveProperty('match');
    expect(verificationReport([], 'source unreachable')).toEqual({
      format: 'lakehouse-verify', version: 1, status: 'error', exitCode: 2, error: 'source unreachable', tables: [],
    });
  });
});

describe('--tables for verify', () => {
  test('selectors as capture takes them', () => {
    expect(parseVerifySelectors('app.orders, app.%,"my.schema"."a,b"').map((p) => p.text)).toEqual(['app.orders', 'app.%', '"my.schema"."a,b"']);
    expect(parseVerifySelectors('orders')[0].schema.test('public')).toBe(true);
    expect(() => parseVerifySelectors(' , ')).toThrow('--tables is empty');
    expect(() => parseVerifySelectors('a.b.c')).toThrow('more than one dot');
  });
});

describe('local verify exit codes without a comparison', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-verify-test-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a missing lake exits 2 with one line, and --json prints the error as a document', async () => {
    const lake = path.join(dir, 'missing.duckdb');
    const plain = await run(['local', 'verify', '--source', 'postgres://u:p@127.0.0.1:1/db', '--lake', lake]);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toBe(`lakehouse: --lake ${lake} does not exist; create it with \`lakehouse local curate --raw <dir> --lake ${lake}\`\n`);
    const json = await run(['local', 'verify', '--source', 'postgres://u:p@127.0.0.1:1/db', '--lake', lake, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      format: 'lakehouse-verify', version: 1, status: 'error', exitCode: 2, error: expect.stringContaining('does not exist'), tables: [],
    });
  });

  test('a bad --tables exits 2 before anything is opened', async () => {
    const result = await run(['local', 'verify', '--source', 'postgres://u:p@127.0.0.1:1/db', '--lake', path.join(dir, 'x.duckdb'), '--tables', 'a.b.c']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^lakehouse: local verify: --tables: .*more than one dot.*\n$/);
    const empty = await run(['local', 'verify', '--source', 'postgres://u:p@127.0.0.1:1/db', '--lake', path.join(dir, 'x.duckdb'), '--tables', '']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('--tables is empty');
  });

  test('an unreachable source exits 2 and names where it tried', async () => {
    const lakeFile = path.join(dir, 'lake.duckdb');
    const lake = await openLake(lakeFile, { readOnly: false });
    try {
      await registerTables(lake.connection, [{
        sourceSchema: 'app', sourceTable: 't', curatedDatabase: 'app', curatedTable: 't', mode: 'merge', deletes: 'hard', rowIdentity: ['id'],
      }]);
    } finally {
      lake.close();
    }
    const port = await findFreePort();
    const result = await run(['local', 'verify', '--source', `postgres://u:p@127.0.0.1:${port}/db`, '--lake', lakeFile]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`127.0.0.1:${port}`);
    expect(result.stderr).not.toContain('--tables');
  });
});
