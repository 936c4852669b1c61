import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  ChangeOperation, ColumnDefinition, CurationPlan, CurationPlanProps, DmsRawWriter, LocalCurationRunner, RawChange, SchemaEvolutionError,
} from '../src';
import { fixturePlan } from './helpers/example-plans';
import { DMS_FIXTURE, makeTempDir } from './helpers/temp-dir';

jest.setTimeout(60_000);

const table = { schema: 'public', table: 'orders' };
const columns: ColumnDefinition[] = [
  { name: 'id', type: 'int' },
  { name: 'name', type: 'string' },
  { name: 'qty', type: 'int' },
];
const props: CurationPlanProps = { source: table, curated: { database: 'curated', table: 'orders' }, columns, primaryKey: ['id'] };

let seq = 0;
/** A DMS change with a fresh change sequence; full-load rows get an empty one. */
function change(op: ChangeOperation, ts: string, values: RawChange['values'], load = false): RawChange {
  return {
    op,
    commitTimestamp: `2024-01-01 00:00:${ts}.000000`,
    changeSequence: load ? '' : String(++seq).padStart(35, '0'),
    values,
  };
}

describe('LocalCurationRunner', () => {
  let dir: string;
  let cleanup: () => void;
  let writer: DmsRawWriter;
  const runners: LocalCurationRunner[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = makeTempDir('runner'));
    writer = await DmsRawWriter.open({ layout: { rootDir: path.join(dir, 'raw') } });
  });
  afterEach(() => {
    runners.splice(0).forEach((r) => r.close());
    writer.close();
    cleanup();
  });

  async function open(
    plan: CurationPlan, maxFilesPerBatch?: number, onBatchStage?: (stage: string, batch: number) => void,
  ): Promise<LocalCurationRunner> {
    const runner = await LocalCurationRunner.open({
      plan, rawZone: { rootDir: path.join(dir, 'raw') }, databasePath: path.join(dir, 'curated.duckdb'), maxFilesPerBatch, threads: 1, onBatchStage,
    });
    runners.push(runner);
    return runner;
  }
  const rows = async (runner: LocalCurationRunner, select = 'id, name, qty'): Promise<unknown[][]> =>
    (await runner.query(`SELECT ${select} FROM ${runner.qualifiedTableName} ORDER BY id`)).map((r) => Object.values(r));

  test('applies the real DMS fixture as it is (timestamp column DMS_TIMESTAMP first, no op column)', async () => {
    const folder = path.join(dir, 'raw', 'public', 'dms_test_table');
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(DMS_FIXTURE, path.join(folder, 'LOAD00000001.parquet'));
    const runner = await open(fixturePlan);
    const result = await runner.run();
    expect(result).toMatchObject({ kind: 'initial', batches: 1, filesApplied: 1, schemaChanges: [] });
    const names = fixturePlan.curatedColumns.map((c) => `"${c.name}"`).join(', ');
    const curated = await runner.query(`SELECT ${names} FROM ${runner.qualifiedTableName} ORDER BY id`);
    const raw = await runner.query(`SELECT ${names} FROM read_parquet('${DMS_FIXTURE}') ORDER BY id`);
    expect(curated).toHaveLength(10);
    expect(curated).toEqual(raw);
    const types = await runner.query('SELECT column_name, data_type FROM information_schema.columns WHERE table_name = \'dms_test_table\' ORDER BY ordinal_position');
    expect(types.slice(0, 4)).toEqual([
      { column_name: 'id', data_type: 'BIGINT' },
      { column_name: 'my_int', data_type: 'INTEGER' },
      { column_name: 'my_smallint', data_type: 'INTEGER' },
      { column_name: 'my_numeric', data_type: 'DECIMAL(15,2)' },
    ]);
  });

  test('a whole-row identity with NULLs (nullableKey) matches null-safely: updates and deletes of rows holding NULL apply', async () => {
    const plan = new CurationPlan({ ...props, primaryKey: ['id', 'name', 'qty'], nullableKey: true });
    const runner = await open(plan);
    await writer.writeLoad(table, columns, [
      change('I', '01', { id: 1, name: null, qty: 5 }, true),
      change('I', '01', { id: 2, name: 'b', qty: null }, true),
      change('I', '01', { id: 3, name: 'c', qty: 7 }, true),
    ]);
    await runner.run();
    // REPLICA IDENTITY FULL updates arrive as D(old row) + U(new row); deletes carry the old row
    await writer.writeChanges(table, columns, [
      change('D', '02', { id: 1, name: null, qty: 5 }),
      change('U', '02', { id: 1, name: null, qty: 6 }),
      change('D', '03', { id: 2, name: 'b', qty: null }),
    ]);
    await runner.run();
    expect(await rows(runner)).toEqual([[1, null, 6], [3, 'c', 7]]);
  });

  test('converges: several changes to a key in one commit, delete then re-insert, a file delivered twice, a delete of a loaded row', async () => {
    const plan = new CurationPlan(props);
    await writer.writeLoad(table, columns, [
      change('I', '00', { id: 1, name: 'one', qty: 1 }, true),
      change('I', '00', { id: 2, name: 'two', qty: 2 }, true),
      change('I', '00', { id: 3, name: 'three', qty: 3 }, true),
    ]);
    const first = await writer.writeChanges(table, columns, [
      change('U', '01', { id: 1, name: 'one', qty: 10 }),
      change('U', '01', { id: 1, name: 'one', qty: 11 }), // same commit: the change sequence decides
      change('D', '01', { id: 2, name: 'two', qty: 2 }),
      change('I', '01', { id: 4, name: 'four', qty: 4 }),
    ]);
    await writer.writeChanges(table, columns, [
      change('I', '02', { id: 2, name: 'two again', qty: 20 }),
      change('D', '02', { id: 3, name: 'three', qty: 3 }),
      change('U', '02', { id: 4, name: 'four', qty: 40 }),
    ]);
    await writer.redeliver(table, first); // older changes arrive again: they must not win
    const runner = await open(plan, 2);
    const result = await runner.run();
    expect(result).toMatchObject({ kind: 'initial', batches: 2, filesApplied: 4 });
    expect(await rows(runner)).toEqual([
      [1, 'one', 11],
      [2, 'two again', 20],
      [4, 'four', 40],
    ]);
    expect(await rows(runner, '_dms_change_seq')).toEqual([
      [String(seq - 5).padStart(35, '0')], [String(seq - 2).padStart(35, '0')], [String(seq).padStart(35, '0')],
    ]);
  });

  test('re-running with no new files changes nothing, watermark included', async () => {
    const plan = new CurationPlan(props);
    await writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true)]);
    await writer.writeChanges(table, columns, [change('U', '01', { id: 1, name: 'one', qty: 2 })]);
    const runner = await open(plan);
    await runner.run();
    const before = { rows: await rows(runner), watermark: await runner.query('SELECT * FROM _curation_watermark') };
    const again = await runner.run();
    expect(again).toMatchObject({ kind: 'up-to-date', batches: 0, filesApplied: 0 });
    expect({ rows: await rows(runner), watermark: await runner.query('SELECT * FROM _curation_watermark') }).toEqual(before);
  });

  test.each(['merged', 'watermarked'])('a failure after the %s stage rolls back the MERGE and the watermark together', async (failAt) => {
    const plan = new CurationPlan(props);
    await writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true)]);
    const healthy = await open(plan);
    await healthy.run();
    healthy.close();
    runners.splice(0);
    await writer.writeChanges(table, columns, [change('U', '01', { id: 1, name: 'one', qty: 2 }), change('I', '01', { id: 2, name: 'two', qty: 2 })]);
    const failing = await open(plan, 1, (stage) => {
      if (stage === failAt) throw new Error(`injected failure after ${stage}`);
    });
    const watermark = await failing.watermark();
    await expect(failing.run()).rejects.toThrow(`injected failure after ${failAt}`);
    expect(await rows(failing)).toEqual([[1, 'one', 1]]);
    expect(await failing.watermark()).toEqual(watermark);
    failing.close();
    runners.splice(0);
    const retry = await open(plan);
    expect(await retry.run()).toMatchObject({ kind: 'incremental', filesApplied: 1 });
    expect(await rows(retry)).toEqual([[1, 'one', 2], [2, 'two', 2]]);
  });

  test('a reload rebuilds from the new load plus the changes after it; CDC files from before the reload are not applied', async () => {
    const plan = new CurationPlan(props);
    await writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true), change('I', '00', { id: 2, name: 'two', qty: 2 }, true)]);
    await writer.writeChanges(table, columns, [change('U', '01', { id: 1, name: 'one', qty: 10 })]);
    const runner = await open(plan);
    await runner.run();
    // written before the reload, never applied: its changes are already in the new load
    await writer.writeChanges(table, columns, [change('I', '02', { id: 3, name: 'three', qty: 3 }), change('D', '02', { id: 2, name: 'two', qty: 2 })]);
    await writer.writeLoad(table, columns, [
      change('I', '03', { id: 1, name: 'one', qty: 10 }, true),
      change('I', '03', { id: 3, name: 'three', qty: 3 }, true),
      change('I', '03', { id: 5, name: 'five', qty: 5 }, true),
    ]);
    await writer.writeChanges(table, columns, [change('U', '04', { id: 5, name: 'five', qty: 50 })]);
    const result = await runner.run();
    expect(result).toMatchObject({ kind: 'reload', batches: 1, filesApplied: 2 });
    expect(await rows(runner)).toEqual([[1, 'one', 10], [3, 'three', 3], [5, 'five', 50]]);
    expect(result.watermark?.filesApplied).toBe(2);
  });

  test('schema evolution: a new column is added, int→bigint / float→double / decimal precision up are widened', async () => {
    const wide: ColumnDefinition[] = [{ name: 'id', type: 'int' }, { name: 'qty', type: 'int' }, { name: 'price', type: 'float' }, { name: 'total', type: 'decimal(10,2)' }];
    const plan = new CurationPlan({ ...props, columns: wide });
    await writer.writeLoad(table, wide, [change('I', '00', { id: 1, qty: 1, price: 1.5, total: '10.25' }, true)]);
    const runner = await open(plan);
    await runner.run();
    const wider: ColumnDefinition[] = [
      { name: 'id', type: 'int' }, { name: 'qty', type: 'bigint' }, { name: 'price', type: 'double' }, { name: 'total', type: 'decimal(14,2)' }, { name: 'note', type: 'string' },
    ];
    await writer.writeChanges(table, wider, [change('I', '01', { id: 2, qty: '9007199254740993', price: 0.1, total: '123456789012.34', note: 'new' })]);
    const result = await runner.run();
    expect(result.schemaChanges).toEqual([
      { kind: 'widen', column: { name: 'qty', type: 'bigint' }, from: 'int' },
      { kind: 'widen', column: { name: 'price', type: 'double' }, from: 'float' },
      { kind: 'widen', column: { name: 'total', type: 'decimal(14,2)' }, from: 'decimal(10,2)' },
      { kind: 'add', column: { name: 'note', type: 'string' } },
    ]);
    const types = await runner.query('SELECT column_name, data_type FROM information_schema.columns WHERE table_name = \'orders\' ORDER BY ordinal_position');
    expect(types.map((t) => `${t.column_name} ${t.data_type}`)).toEqual([
      'id INTEGER', 'qty BIGINT', 'price DOUBLE', 'total DECIMAL(14,2)', '_dms_commit_ts VARCHAR', '_dms_change_seq VARCHAR', 'note VARCHAR',
    ]);
    expect(await rows(runner, 'id, qty, price, total, note')).toEqual([
      [1, '1', 1.5, '10.25', null],
      [2, '9007199254740993', 0.1, '123456789012.34', 'new'],
    ]);
  });

  test.each([
    ['int', 'string', 'qty', { qty: 'many' }],
    ['decimal(10,2)', 'decimal(12,3)', 'total', { total: '1.125' }],
    ['bigint', 'int', null, {}],
  ] as const)('schema evolution: %s → %s', async (from, to, failing, values) => {
    const before: ColumnDefinition[] = [{ name: 'id', type: 'int' }, { name: 'qty', type: from === 'decimal(10,2)' ? 'int' : from }, { name: 'total', type: 'decimal(10,2)' }];
    const after: ColumnDefinition[] = before.map((c) => (c.name === (failing ?? 'qty') ? { ...c, type: to } : c));
    const plan = new CurationPlan({ ...props, columns: before });
    await writer.writeLoad(table, before, [change('I', '00', { id: 1, qty: 1, total: '1.00' }, true)]);
    const runner = await open(plan);
    await runner.run();
    await writer.writeChanges(table, before, [change('U', '01', { id: 1, qty: 2, total: '2.00' })]);
    const newer = await writer.writeChanges(table, after, [change('U', '02', { id: 1, qty: 3, total: '3.00', ...values })]);
    const snapshot = async (): Promise<unknown> => ({ rows: await runner.query(`SELECT * FROM ${runner.qualifiedTableName}`), watermark: await runner.watermark() });
    const untouched = await snapshot();
    if (failing === null) {
      // narrower raw values fit the wider curated column: nothing to change
      expect((await runner.run()).schemaChanges).toEqual([]);
      expect(await rows(runner, 'id, qty')).toEqual([[1, '3']]);
      return;
    }
    const error: unknown = await runner.run().catch((e) => e);
    expect(error).toBeInstanceOf(SchemaEvolutionError);
    expect((error as Error).message).toBe(`table curated.orders: column "${failing}" changed type from ${from} to ${to} in raw file ${newer.path}; `
      + 'only int→bigint, float→double and decimal precision increases are applied automatically. '
      + 'Migrate the curated table by hand (or reload it), then run again; nothing was applied');
    expect(await snapshot()).toEqual(untouched); // the earlier, compatible file was not applied either
  });

  test('soft delete flags the row with the commit time; a re-insert clears the flag', async () => {
    const plan = new CurationPlan({ ...props, deletes: 'soft' });
    await writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true), change('I', '00', { id: 2, name: 'two', qty: 2 }, true)]);
    await writer.writeChanges(table, columns, [change('D', '01', { id: 1, name: 'one', qty: 1 }), change('D', '01', { id: 2, name: 'two', qty: 2 })]);
    await writer.writeChanges(table, columns, [change('I', '02', { id: 2, name: 'two', qty: 22 })]);
    const runner = await open(plan, 1);
    await runner.run();
    expect(await rows(runner, 'id, qty, _is_deleted, CAST(_deleted_at AS VARCHAR)')).toEqual([
      [1, 1, true, '2024-01-01 00:00:01'],
      [2, 22, false, null],
    ]);
  });

  test('append-only keeps every insert and update and skips deletes', async () => {
    const plan = new CurationPlan({ ...props, primaryKey: undefined, mode: 'append-only' });
    await writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true)]);
    await writer.writeChanges(table, columns, [change('U', '01', { id: 1, name: 'one', qty: 2 }), change('D', '02', { id: 1, name: 'one', qty: 2 })]);
    const runner = await open(plan);
    await runner.run();
    expect(await runner.query(`SELECT id, qty FROM ${runner.qualifiedTableName} ORDER BY qty`)).toEqual([{ id: 1, qty: 1 }, { id: 1, qty: 2 }]);
  });

  test('a LOAD file without op column and CDC files with one apply together; reset rebuilds from the files', async () => {
    const noOp = await DmsRawWriter.open({ layout: { rootDir: path.join(dir, 'raw') }, includeOpForFullLoad: false });
    try {
      await noOp.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true)]);
      await noOp.writeChanges(table, columns, [change('I', '01', { id: 2, name: 'two', qty: 2 })]);
    } finally {
      noOp.close();
    }
    const runner = await open(new CurationPlan(props));
    expect(await runner.run()).toMatchObject({ kind: 'initial', filesApplied: 2 });
    await runner.reset();
    expect(await runner.watermark()).toBeUndefined();
    expect(await runner.run()).toMatchObject({ kind: 'initial', filesApplied: 2 });
    expect(await rows(runner)).toEqual([[1, 'one', 1], [2, 'two', 2]]);
  });

  test('raw files without the configured commit-timestamp column stop the run with the column named', async () => {
    await writer.writeLoad(table, columns, [change('I', '00', { id: 1, name: 'one', qty: 1 }, true)]);
    const runner = await open(new CurationPlan({ ...props, source: { ...table, format: { commitTimestampColumn: 'DMS_TIMESTAMP' } } }));
    await expect(runner.run()).rejects.toThrow(/LOAD00000001\.parquet: no commit-timestamp column "DMS_TIMESTAMP".*set source\.format\.commitTimestampColumn/);
  });
});
