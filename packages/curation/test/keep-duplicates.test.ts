import * as path from 'node:path';
import {
  ChangeOperation, ColumnDefinition, CurationPlan, CurationPlanProps, CurationSql, DmsRawWriter, LocalCurationRunner, RawChange, STAGED_CHANGES_VIEW,
  sparkJobSpec,
} from '../src';
import { queryParquet } from './helpers/duckdb';
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

  test('the plan round-trips keepDuplicates; DuckDB gets three statements, Spark and Athena one copy-counting MERGE', () => {
    const plan = new CurationPlan(props);
    expect(new CurationPlan(plan.toJSON()).keepDuplicates).toBe(true);
    expect(plan.countsCopies).toBe(true);
    expect(new CurationPlan({ ...props, deletes: 'soft' }).countsCopies).toBe(false);
    const duck = new CurationSql(plan, 'duckdb').applyStatements();
    expect(duck).toHaveLength(3);
    expect(duck[0]).toContain('CREATE OR REPLACE TEMP TABLE _curation_copy_counts');
    expect(duck[1]).toMatch(/^DELETE FROM/);
    expect(duck[2]).toContain('unnest(range(');
    const withRaw = new CurationPlan({ ...props, source: { ...table, rawTable: { database: 'raw', table: 'events' } } });
    const on = {
      // Spark hash-joins on IS NOT DISTINCT FROM; Trino (Athena) only on equalities, so NULL is compared apart
      spark: 'ON s.`_copy_number` IS NULL AND t.`kind` IS NOT DISTINCT FROM s.`kind`',
      athena: 'ON s."_copy_number" IS NULL AND coalesce(t."kind", \'\') = coalesce(s."kind", \'\') AND (t."kind" IS NULL) = (s."kind" IS NULL)',
    };
    for (const engine of ['spark', 'athena'] as const) {
      const sql = new CurationSql(withRaw, engine);
      expect(sql.applyStatements()).toEqual([sql.merge()]);
      const clauses = sql.merge().split('\n').filter((l) => /^(ON|WHEN) /.test(l));
      expect(clauses).toEqual([
        on[engine],
        'WHEN MATCHED THEN DELETE',
        expect.stringMatching(/^WHEN NOT MATCHED AND s\.(`|")_copy_number(`|") IS NOT NULL THEN INSERT \(/),
      ]);
    }
    expect(new CurationSql(withRaw, 'athena').merge()).toContain('AND coalesce(t."qty", 0) = coalesce(s."qty", 0) AND (t."qty" IS NULL) = (s."qty" IS NULL)');
    // Trino's sequence() stops at 10 000 elements: Athena counts copies in blocks of that many
    expect(new CurationSql(withRaw, 'athena').merge()).toContain('CROSS JOIN UNNEST(sequence(CAST(1 AS BIGINT), least(10000, x."_copy_count" - (b."_copy_number" - 1) * 10000)))');
    // the Spark job's MERGE: the data columns are placeholders the job fills, rows compare as structs
    const spec = sparkJobSpec([{ ...props, columns: undefined }]);
    expect(spec.tables[0].keepDuplicates).toBe(true);
    expect(spec.tables[0].sql.merge).toContain('ON s.`_copy_number` IS NULL AND struct({columns:t}) <=> struct({columns:s})');
    expect(spec.tables[0].sql.merge).toContain('WHEN NOT MATCHED AND s.`_copy_number` IS NOT NULL THEN INSERT *');
    expect(sparkJobSpec([{ ...props, keepDuplicates: false }]).tables[0].sql.merge).not.toContain('{columns:');
  });

  test('Athena refuses to count copies without a change sequence: it could not apply a batch exactly once', () => {
    const plan = new CurationPlan({ ...props, source: { ...table, rawTable: { database: 'raw', table: 'events' }, format: { changeSequenceColumn: null } } });
    expect(() => new CurationSql(plan, 'athena').merge()).toThrow(
      /events → curated\.events: keepDuplicates without a change-sequence column cannot be applied exactly once by Athena .* curate this source with the Glue engine$/);
    expect(new CurationSql(plan, 'spark').merge()).not.toContain('HAVING count(p.');
  });

  describe('the copy-counting MERGE, run on DuckDB', () => {
    const sql = new CurationSql(new CurationPlan(props), 'duckdb');
    const target = sql.dialect.curatedTableName(props.curated);
    /** A staged batch: (op, kind, qty, sequence) per change. */
    const batch = (...changes: [string, string | null, number | null, number][]): string =>
      `CREATE OR REPLACE TEMP VIEW ${STAGED_CHANGES_VIEW} AS SELECT * FROM (VALUES `
      + changes.map(([op, kind, qty, n], i) => `('${op}', ${kind === null ? 'NULL' : `'${kind}'`}, ${qty ?? 'NULL'}::INTEGER, `
        + `'2024-01-01 00:00:0${n % 10}.000000', '${n === 0 ? '' : String(n).padStart(35, '0')}', 1, ${i}::BIGINT)`).join(', ')
      + ') AS v("Op", "kind", "qty", "_dms_commit_ts", "_dms_change_seq", "_file_order", "_row_in_file")';
    const multisetSql = `SELECT concat_ws('/', coalesce(kind, 'null'), coalesce(CAST(qty AS VARCHAR), 'null'), count(*)) AS m FROM ${target} `
      + 'GROUP BY kind, qty ORDER BY kind NULLS FIRST, qty NULLS FIRST';

    test('counts copies like the three statements, and a batch merged again changes nothing', async () => {
      const load = batch(['I', 'a', 1, 0], ['I', 'a', 1, 0], ['I', null, null, 0], ['I', null, null, 0], ['I', 'b', null, 0]);
      const changes = batch(['I', 'a', 1, 1], ['D', 'a', 1, 2], ['U', 'a', 2, 3], ['D', 'a', 1, 4], ['U', 'a', 2, 5], ['D', null, null, 6],
        ['I', 'c', 3, 7], ['D', 'c', 3, 8], ['D', 'z', 9, 9]);
      const setup = [sql.createDatabase(), sql.createTable()];
      const [merged] = (await queryParquet(...setup, load, sql.merge(), changes, sql.merge(), multisetSql)).slice(-1);
      const [counted] = (await queryParquet(...setup, load, ...sql.applyStatements(), changes, ...sql.applyStatements(), multisetSql)).slice(-1);
      expect(merged.map((r) => r.m)).toEqual(['null/null/1', 'a/1/1', 'a/2/2', 'b/null/1']);
      expect(merged).toEqual(counted);
      // the same changes again (a lost watermark): every changed row's copies carry a change as new as the batch's
      const [again] = (await queryParquet(...setup, load, sql.merge(), changes, sql.merge(), sql.merge(), multisetSql)).slice(-1);
      expect(again).toEqual(merged);
      // a load merged twice (a rebuild starts from an empty table, so load rows are never guarded) doubles: the guard is not a dedup
      const [twice] = (await queryParquet(...setup, load, sql.merge(), sql.merge(), multisetSql)).slice(-1);
      expect(twice.map((r) => r.m)).toEqual(['null/null/4', 'a/1/4', 'b/null/2']);
    });

    test('more than one batch: new copies of a row join the ones it has, and its copies carry the latest change', async () => {
      const setup = [sql.createDatabase(), sql.createTable()];
      const rows = await queryParquet(...setup, batch(['I', 'a', 1, 1], ['I', 'a', 1, 2]), sql.merge(), batch(['I', 'a', 1, 3]), sql.merge(),
        batch(['D', 'a', 1, 4]), sql.merge(), `SELECT count(*) AS n, min(_dms_change_seq) AS lo, max(_dms_change_seq) AS hi FROM ${target}`);
      expect(rows[rows.length - 1]).toEqual([{ n: '2', lo: String(4).padStart(35, '0'), hi: String(4).padStart(35, '0') }]);
    });
  });
});
