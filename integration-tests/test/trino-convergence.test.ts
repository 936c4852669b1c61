import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ColumnDefinition, CurationPlan, CurationPlanProps, DmsRawWriter, LocalCurationRunner, RawChange, SOFT_DELETE_COLUMNS } from '@cdc-lakehouse/curation';
import { TRINO_URL_ENV, TrinoServer, startTrinoServer } from '@cdc-lakehouse/local-lakehouse';
import { HISTORY_COLUMNS, History, HistoryPlayer, generateHistories, historyPlanProps, historyRowsSql, historyWriter } from './spark-history';
import { StepTimings } from '../src';
import { lakehouse } from '../src/lakehouse-cli';

// `lakehouse local curate --engine trino`: the Athena-dialect statements (the generated dedup + MERGE as deployed,
// the DDL translated where Trino spells it differently) on a real Trino 476 with its Iceberg connector. The seeded
// histories of spark-convergence (re-deliveries, commit-time ties, reloads, both delete modes, key-only before-images,
// date folders) and a crafted table (ties, re-delivery, an added column, a reload) are curated by Trino and by the
// DuckDB runner at the same phase boundaries; both must hold the same rows. One server for the file: the CLI runs
// reach it through LAKEHOUSE_TRINO_URL.
const SEED = Number(process.env.TRINO_CONVERGENCE_SEED ?? 20261201);
const HISTORIES = Number(process.env.TRINO_CONVERGENCE_HISTORIES ?? 6);
const PHASES = 2;

jest.setTimeout(900_000);

type Row = Record<string, unknown>;

function normalise(rows: readonly Row[]): Row[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'id' ? Number(v) : v ?? null])))
    .sort((a, b) => String(a.t).localeCompare(String(b.t)) || Number(a.id) - Number(b.id));
}

/** historyRowsSql in Trino's spelling: varchar instead of STRING, timestamps rendered by CAST. */
function trinoRowsSql(history: History, name: string): string {
  const { deleted, deletedAt } = SOFT_DELETE_COLUMNS;
  const columns = [
    `'${history.table.table}' AS t`, 'id', 'name', 'CAST(amount AS varchar) AS amount', 'flag', '_dms_commit_ts', '_dms_change_seq',
    ...(history.variant.deletes === 'soft'
      ? [`${deleted} AS deleted`, `CAST(${deletedAt} AS varchar) AS deleted_at`]
      : ['CAST(NULL AS boolean) AS deleted', 'CAST(NULL AS varchar) AS deleted_at']),
  ];
  return `SELECT ${columns.join(', ')} FROM ${name}`;
}

function jsonRows(stdout: string): Row[] {
  return stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row);
}

// the crafted table: ties on the commit time, a re-delivered file, a column added mid-stream, a reload
const CRAFTED = { schema: 'shop', table: 'crafted' };
const CRAFTED_PLAN: CurationPlanProps = {
  source: CRAFTED,
  curated: { database: 'lake', table: 'crafted' },
  columns: HISTORY_COLUMNS,
  primaryKey: ['id'],
  deletes: 'hard',
  partitionBy: [{ column: 'id', transform: 'bucket', buckets: 4 }],
};
const WITH_NOTE: ColumnDefinition[] = [...HISTORY_COLUMNS, { name: 'note', type: 'string' }];
const seq = (n: number): string => String(n).padStart(35, '0');
const change = (op: 'I' | 'U' | 'D', at: number, n: number, values: Record<string, unknown>): RawChange => ({
  op, commitTimestamp: `2024-02-01 00:00:${String(at).padStart(2, '0')}.000000`, changeSequence: seq(n), values: values as RawChange['values'],
});

describe('Trino (Athena SQL) curation gives the same rows as the DuckDB runner', () => {
  let work: string;
  let raw: string;
  let warehouse: string;
  let plansFile: string;
  let histories: History[];
  let server: TrinoServer | undefined;
  const writers = new Map<string, Promise<DmsRawWriter>>();
  const players: HistoryPlayer[] = [];
  const runners: LocalCurationRunner[] = [];
  let craftedWriter: DmsRawWriter;
  let craftedRunner: LocalCurationRunner;
  const timings = new StepTimings();

  async function curate(): Promise<string> {
    const result = await timings.time('curate', () => lakehouse('local', 'curate', '--engine', 'trino', '--raw', raw, '--warehouse', warehouse, '--plans', plansFile));
    expect(result.stderr).not.toMatch(/^lakehouse: /m);
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`curated ${HISTORIES + 1} tables into ${warehouse}`) });
    return result.stdout;
  }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'trino-convergence-'));
    raw = path.join(work, 'raw');
    warehouse = path.join(work, 'warehouse');
    plansFile = path.join(work, 'plans.json');
    histories = generateHistories(SEED, HISTORIES, PHASES);
    fs.writeFileSync(plansFile, JSON.stringify([...histories.map(historyPlanProps), CRAFTED_PLAN], null, 2));
    server = await timings.time('server start', () => startTrinoServer());
    process.env[TRINO_URL_ENV] = server.url;
    for (const history of histories) {
      const key = JSON.stringify([history.variant.includeOpForFullLoad, history.variant.datePartitioned]);
      if (!writers.has(key)) writers.set(key, historyWriter(raw, history.variant));
      const player = new HistoryPlayer(history, await writers.get(key)!);
      await player.start();
      players.push(player);
      runners.push(await LocalCurationRunner.open({
        plan: new CurationPlan(historyPlanProps(history)), rawZone: { rootDir: raw }, databasePath: path.join(work, `lake-${runners.length + 1}.duckdb`), threads: 1,
      }));
    }
    craftedWriter = await DmsRawWriter.open({ layout: { rootDir: raw }, includeOpForFullLoad: false, compression: 'uncompressed' });
    craftedRunner = await LocalCurationRunner.open({ plan: new CurationPlan(CRAFTED_PLAN), rawZone: { rootDir: raw }, databasePath: path.join(work, 'crafted.duckdb'), threads: 1 });
  });

  afterAll(async () => {
    delete process.env[TRINO_URL_ENV];
    await server?.stop();
    for (const runner of runners) runner.close();
    craftedRunner?.close();
    craftedWriter?.close();
    for (const writer of writers.values()) (await writer).close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    timings.print(`trino convergence (${HISTORIES} histories + crafted, seed ${SEED})`);
  });

  test(`${HISTORIES} histories and a crafted table, ${PHASES + 1} curation runs, then a run with nothing new`, async () => {
    const steps = histories.flatMap((h) => h.phases.flat());
    expect(steps.filter((s) => s.kind === 'redeliver').length).toBeGreaterThan(0);
    expect(steps.filter((s) => s.kind === 'transaction' && s.sameCommitTime).length).toBeGreaterThan(0);
    expect(new Set(histories.map((h) => h.variant.deletes))).toEqual(new Set(['hard', 'soft']));

    // crafted, run 1: a load in two files, then two updates of key 1 with the same commit time (the change sequence
    // decides) and a delete
    const load = (rows: number[], extra: Record<string, unknown> = {}): RawChange[] => rows.map((id) => ({
      op: 'I', commitTimestamp: '2024-02-01 00:00:01.000000', changeSequence: '', values: { id, name: `n${id}`, amount: '1.50', flag: true, ...extra } as RawChange['values'],
    }));
    await craftedWriter.writeLoad(CRAFTED, HISTORY_COLUMNS, load([1, 2, 3]), 2);
    const tie = await craftedWriter.writeChanges(CRAFTED, HISTORY_COLUMNS, [
      change('U', 10, 1, { id: 1, name: 'tie-first', amount: '2.00', flag: false }),
      change('U', 10, 2, { id: 1, name: 'tie-second', amount: '3.00', flag: null }),
      change('D', 11, 3, { id: 2, name: null, amount: null, flag: null }),
    ]);
    for (const player of players) await player.play(0);
    for (const runner of [...runners, craftedRunner]) await runner.run();
    await curate();

    // crafted, run 2: the first CDC file delivered again, then a file with a new column
    await craftedWriter.redeliver(CRAFTED, tie);
    await craftedWriter.writeChanges(CRAFTED, WITH_NOTE, [
      change('I', 12, 4, { id: 4, name: 'four', amount: '-4.25', flag: true, note: 'added' }),
      change('U', 12, 5, { id: 3, name: 'three', amount: '0.05', flag: false, note: 'changed' }),
    ]);
    for (const player of players) await player.play(1);
    for (const runner of [...runners, craftedRunner]) await runner.run();
    await curate();

    // crafted, run 3: a reload (two new LOAD files with the new column), then one change after it
    await craftedWriter.writeLoad(CRAFTED, WITH_NOTE, [
      ...load([1], { name: 'reloaded', note: 'r1' }), ...load([3, 4], { note: 'r' }),
    ], 2);
    await craftedWriter.writeChanges(CRAFTED, WITH_NOTE, [change('U', 20, 6, { id: 4, name: 'after reload', amount: '9.99', flag: null, note: null })]);
    await craftedRunner.run();
    expect(await curate()).toContain('(3 raw files applied)');

    const again = await curate();
    expect(again).toBe(`curated ${HISTORIES + 1} tables into ${warehouse} (0 raw files applied)\n`);

    const union = histories.map((h) => trinoRowsSql(h, `lake.${h.table.table}`)).join('\nUNION ALL\n');
    const query = await timings.time('query', () => lakehouse('local', 'query', '--engine', 'trino', '--warehouse', warehouse, '--format', 'json', union));
    expect(query.stderr).not.toMatch(/^lakehouse: /m);
    expect(query.code).toBe(0);
    const trino = normalise(jsonRows(query.stdout));
    const duck: Row[] = [];
    for (const [i, history] of histories.entries()) duck.push(...await runners[i].query(historyRowsSql(history, runners[i].qualifiedTableName, 'duckdb')));
    const expected = normalise(duck);
    for (const history of histories) {
      const t = history.table.table;
      expect({ table: t, rows: trino.filter((r) => r.t === t) }).toEqual({ table: t, rows: expected.filter((r) => r.t === t) });
    }
    expect(new Set(expected.map((r) => r.t)).size).toBeGreaterThan(HISTORIES / 2);
    expect(expected.some((r) => r.deleted === true)).toBe(true);

    const crafted = await lakehouse('local', 'query', '--engine', 'trino', '--warehouse', warehouse, '--format', 'json',
      'SELECT id, name, CAST(amount AS varchar) AS amount, flag, note FROM lake.crafted ORDER BY id');
    expect(crafted.code).toBe(0);
    const craftedDuck = await craftedRunner.query(`SELECT id, name, CAST(amount AS VARCHAR) AS amount, flag, note FROM ${craftedRunner.qualifiedTableName} ORDER BY id`);
    expect(normalise(jsonRows(crafted.stdout))).toEqual(normalise(craftedDuck));
    expect(normalise(jsonRows(crafted.stdout))).toEqual([
      { id: 1, name: 'reloaded', amount: '1.50', flag: true, note: 'r1' },
      { id: 3, name: 'n3', amount: '1.50', flag: true, note: 'r' },
      { id: 4, name: 'after reload', amount: '9.99', flag: null, note: null },
    ]);
  });
});
