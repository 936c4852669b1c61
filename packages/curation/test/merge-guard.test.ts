import { CurationPlan, CurationSql, DuckDbDialect, STAGED_CHANGES_VIEW } from '../src';
import { queryParquet } from './helpers/duckdb';
import { reservedPlan } from './helpers/example-plans';

// The generated DuckDB SQL run for real on a plan whose every name is a reserved word, and the
// MERGE guard: a change is applied once. Re-merging the change that wrote a row touches nothing
// (on Iceberg merge-on-read that would write delete files on every re-run); a newer one applies.

/** The staged view with one change to key 1 (reserved-word columns, file and row order). */
function stagedChange(op: string, seq: string, ts: string, group: number): string {
  return `CREATE OR REPLACE TEMP VIEW ${STAGED_CHANGES_VIEW} AS SELECT * FROM (VALUES (`
    + `'${op}', '2024-01-01 00:00:${ts}.000000', '${seq}', 1::BIGINT, ${group}, 'v', TIMESTAMP '2024-01-01 10:00:00', 1, 0::BIGINT`
    + ')) AS v("Op", "_dms_commit_ts", "_dms_change_seq", "order", "group", "values", "timestamp", "_file_order", "_row_in_file")';
}

async function mergeCounts(plan: CurationPlan, ...batches: string[]): Promise<{ counts: number[]; rows: Record<string, unknown>[] }> {
  const sql = new CurationSql(plan, new DuckDbDialect());
  const statements = [sql.createDatabase(), sql.createTable(), sql.createTable()];
  for (const view of batches) statements.push(view, sql.merge());
  const table = new DuckDbDialect().curatedTableName(plan.curated);
  const results = await queryParquet(...statements, `SELECT "order", "group", "_dms_change_seq", "_is_deleted" FROM ${table}`);
  const counts = results.slice(3, -1).filter((_, i) => i % 2 === 1).map((r) => Number(Object.values(r[0])[0]));
  return { counts, rows: results[results.length - 1] };
}

describe('MERGE guard, on DuckDB, with reserved words as names', () => {
  test('CREATE TABLE twice is fine, and the same change merged again changes no row', async () => {
    const { counts, rows } = await mergeCounts(reservedPlan,
      stagedChange('I', '0001', '01', 10),
      stagedChange('I', '0001', '01', 10),
      stagedChange('U', '0001', '01', 99));
    expect(counts).toEqual([1, 0, 0]);
    expect(rows).toEqual([{ order: '1', group: 10, _dms_change_seq: '0001', _is_deleted: false }]);
  });

  test('a newer change applies; an older one does not', async () => {
    const { counts, rows } = await mergeCounts(reservedPlan,
      stagedChange('I', '0002', '02', 10),
      stagedChange('U', '0001', '03', 20),
      stagedChange('D', '0003', '01', 30));
    expect(counts).toEqual([1, 0, 1]);
    expect(rows).toEqual([{ order: '1', group: 30, _dms_change_seq: '0003', _is_deleted: true }]);
  });

  test('without a change sequence an equal commit timestamp still applies (another change of the same transaction)', async () => {
    const plan = new CurationPlan({ ...reservedPlan.toJSON(), source: { ...reservedPlan.source, format: { changeSequenceColumn: null } } });
    const staged = (ts: string, group: number): string => stagedChange('U', '', ts, group).replace(', \'\', 1::BIGINT', ', 1::BIGINT')
      .replace('"_dms_commit_ts", "_dms_change_seq",', '"_dms_commit_ts",');
    const sql = new CurationSql(plan, new DuckDbDialect());
    const table = new DuckDbDialect().curatedTableName(plan.curated);
    const results = await queryParquet(sql.createDatabase(), sql.createTable(),
      staged('01', 10), sql.merge(), staged('01', 20), sql.merge(), staged('00', 30), sql.merge(),
      `SELECT "group" FROM ${table}`);
    expect(results[results.length - 1]).toEqual([{ group: 20 }]);
  });
});
