import * as path from 'node:path';
import { ChangeOperation, ColumnDefinition, CurationPlan, CurationPlanProps, CurationSql, DmsRawWriter, LocalCurationRunner, RawChange } from '../src';
import { makeTempDir } from './helpers/temp-dir';

jest.setTimeout(60_000);

// A table without key (REPLICA IDENTITY FULL): the lake must hold as many copies of a row as the source.
const table = { schema: 'public', table: 'events' };
const columns: ColumnDefinition[] = [
  { name: 'kind', type: 'string' },
  { name: 'qty', type: 'int' },
];
const props: CurationPlanProps = {
  source: table, curated: { database: 'curated', table: 'events' }, columns, primaryKey: ['kind', 'qty'], nullableKey: true, keepDuplicates: true,
};

let seq = 0;
function change(op: ChangeOperation, kind: string | null, qty: number | null, load = false): RawChange {
  return { op, commitTimestamp: '2024-01-01 00:00:01.000000', changeSequence: load ? '' : String(++seq).padStart(35, '0'), values: { kind, qty } };
}

describe('keepDuplicates (table without key)', () => {
  let dir: string;
  let cleanup: () => void;
  let writer: DmsRawWriter;
  let runner: LocalCurationRunner | undefined;

  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir('dups'));
    writer = await DmsRawWriter.open({ layout: { rootDir: path.join(dir, 'raw') } });
  });
  afterEach(() => {
    runner?.close();
    runner = undefined;
    writer.close();
    cleanup();
  });

  async function open(plan: CurationPlan, maxFilesPerBatch = 100): Promise<LocalCurationRunner> {
    runner = await LocalCurationRunner.open({
      plan, rawZone: { rootDir: path.join(dir, 'raw') }, databasePath: path.join(dir, 'curated.duckdb'), maxFilesPerBatch, threads: 1,
    });
    return runner;
  }
  /** `kind/qty × copies`, sorted. */
  async function multiset(r: LocalCurationRunner): Promise<string[]> {
    const rows = await r.query(`SELECT kind, qty, count(*) AS n FROM ${r.qualifiedTableName} GROUP BY ALL ORDER BY kind NULLS FIRST, qty NULLS FIRST`);
    return rows.map((row) => `${String(row.kind)}/${String(row.qty)}×${String(row.n)}`);
  }

  test.each([1, 100])('keeps identical rows through inserts, updates of one copy and deletes of one copy (%i files per batch)', async (maxFiles) => {
    await writer.writeLoad(table, columns, [change('I', 'a', 1, true), change('I', 'a', 1, true), change('I', null, null, true)]);
    // two more copies of a/1 and a second NULL row
    await writer.writeChanges(table, columns, [change('I', 'a', 1), change('I', 'a', 1), change('I', null, null)]);
    // UPDATE of one copy of a/1 to a/2, as the capture writes it: D of the old row, U of the new one
    await writer.writeChanges(table, columns, [change('D', 'a', 1), change('U', 'a', 2)]);
    // DELETE of one NULL row
    await writer.writeChanges(table, columns, [change('D', null, null)]);
    const r = await open(new CurationPlan(props), maxFiles);
    await r.run();
    expect(await multiset(r)).toEqual(['null/null×1', 'a/1×3', 'a/2×1']);

    // bulk UPDATE of every a/1 copy to b/1 (three D/U pairs), then a delete of one b/1 and an insert cancelled in the same file
    await writer.writeChanges(table, columns, [
      change('D', 'a', 1), change('U', 'b', 1), change('D', 'a', 1), change('U', 'b', 1), change('D', 'a', 1), change('U', 'b', 1),
    ]);
    await writer.writeChanges(table, columns, [change('D', 'b', 1), change('I', 'c', 3), change('D', 'c', 3)]);
    await r.run();
    expect(await multiset(r)).toEqual(['null/null×1', 'a/2×1', 'b/1×2']);
    // the rewritten copies carry the latest change to their row
    const tracking = await r.query(`SELECT DISTINCT _dms_change_seq AS s FROM ${r.qualifiedTableName} WHERE kind = 'b'`);
    expect(tracking.map((t) => String(t.s))).toEqual([String(seq - 2).padStart(35, '0')]);
    // a run with nothing new changes nothing
    expect((await r.run()).kind).toBe('up-to-date');
    expect(await multiset(r)).toEqual(['null/null×1', 'a/2×1', 'b/1×2']);
  });

  test('a delete of a row the lake does not hold leaves no negative count behind', async () => {
    await writer.writeLoad(table, columns, [change('I', 'a', 1, true)]);
    await writer.writeChanges(table, columns, [change('D', 'z', 9), change('D', 'a', 1), change('D', 'a', 1)]);
    await writer.writeChanges(table, columns, [change('I', 'z', 9)]);
    const r = await open(new CurationPlan(props), 1);
    await r.run();
    expect(await multiset(r)).toEqual(['z/9×1']);
  });

  test('without keepDuplicates identical rows collapse to one (the whole-row merge)', async () => {
    await writer.writeLoad(table, columns, [change('I', 'a', 1, true), change('I', 'a', 1, true)]);
    const r = await open(new CurationPlan({ ...props, keepDuplicates: false }));
    await r.run();
    expect(await multiset(r)).toEqual(['a/1×1']);
  });

  test('the plan round-trips keepDuplicates; DuckDB counts copies, Spark and Athena keep the MERGE', () => {
    const plan = new CurationPlan(props);
    expect(new CurationPlan(plan.toJSON()).keepDuplicates).toBe(true);
    expect(plan.countsCopies).toBe(true);
    expect(new CurationPlan({ ...props, deletes: 'soft' }).countsCopies).toBe(false);
    const duck = new CurationSql(plan, 'duckdb').applyStatements();
    expect(duck).toHaveLength(3);
    expect(duck[0]).toContain('CREATE OR REPLACE TEMP TABLE _curation_copy_counts');
    expect(duck[1]).toMatch(/^DELETE FROM/);
    expect(duck[2]).toContain('unnest(range(');
    for (const engine of ['spark', 'athena'] as const) {
      const sql = new CurationSql(new CurationPlan({ ...props, source: { ...table, rawTable: { database: 'raw', table: 'events' } } }), engine);
      expect(sql.applyStatements()).toEqual([sql.merge()]);
    }
  });
});
