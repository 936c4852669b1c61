import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CurationPlan, DmsRawWriter, LocalCurationRunner } from '@cdc-lakehouse/curation';
import { History, HistoryPlayer, generateHistories, historyPlanProps, historyRowsSql, historyWriter } from './spark-history';
import { lakehouse } from '../src/lakehouse-cli';

// The same seeded histories (re-deliveries, ties on the commit time, reloads, soft and hard deletes,
// key-only before-images, date folders) are curated by the Spark engine (`lakehouse local curate
// --engine spark`, the Glue job's core on PySpark 3.5 + Iceberg 1.7) and by the DuckDB runner at the
// same phase boundaries; both must hold the same rows. All tables share one raw zone and one job
// spec, so each phase is a single Spark start.
const SEED = Number(process.env.SPARK_CONVERGENCE_SEED ?? 20261201);
const HISTORIES = Number(process.env.SPARK_CONVERGENCE_HISTORIES ?? 10);
const PHASES = 2;

jest.setTimeout(900_000);

type Row = Record<string, unknown>;

function normalise(rows: readonly Row[]): Row[] {
  // JSON from Spark and DuckDB: numbers may arrive as strings (BIGINT) and NULL as null or absent
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, k === 'id' ? Number(v) : v ?? null])))
    .sort((a, b) => String(a.t).localeCompare(String(b.t)) || Number(a.id) - Number(b.id));
}

describe('Spark curation gives the same rows as the DuckDB runner', () => {
  let work: string;
  let raw: string;
  let warehouse: string;
  let plansFile: string;
  let histories: History[];
  const writers = new Map<string, Promise<DmsRawWriter>>();
  const players: HistoryPlayer[] = [];
  const runners: LocalCurationRunner[] = [];
  const timings: string[] = [];

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'spark-convergence-'));
    raw = path.join(work, 'raw');
    warehouse = path.join(work, 'warehouse');
    plansFile = path.join(work, 'plans.json');
    histories = generateHistories(SEED, HISTORIES, PHASES);
    fs.writeFileSync(plansFile, JSON.stringify(histories.map(historyPlanProps), null, 2));
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
  });

  afterAll(async () => {
    for (const runner of runners) runner.close();
    for (const writer of writers.values()) (await writer).close();
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (timings.length > 0) process.stdout.write(`spark convergence (${HISTORIES} histories, seed ${SEED}): ${timings.join(', ')}\n`);
  });

  test(`${HISTORIES} histories, ${PHASES} curation runs each, then a run with nothing new`, async () => {
    // the seed gives every case this test is about: reloads, re-deliveries, commit-time ties, both delete modes
    const steps = histories.flatMap((h) => h.phases.flat());
    expect(steps.filter((s) => s.kind === 'reload').length).toBeGreaterThan(0);
    expect(steps.filter((s) => s.kind === 'redeliver').length).toBeGreaterThan(0);
    expect(steps.filter((s) => s.kind === 'transaction' && s.sameCommitTime).length).toBeGreaterThan(0);
    expect(new Set(histories.map((h) => h.variant.deletes))).toEqual(new Set(['hard', 'soft']));
    for (let phase = 0; phase < PHASES; phase++) {
      for (const player of players) await player.play(phase);
      for (const runner of runners) await runner.run();
      const started = Date.now();
      const curate = await lakehouse('local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse, '--plans', plansFile);
      timings.push(`curate ${phase + 1}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
      expect(curate.stderr).not.toMatch(/^lakehouse: /m);
      expect(curate).toMatchObject({ code: 0, stdout: expect.stringContaining(`curated ${HISTORIES} tables into ${warehouse}`) });
    }

    const started = Date.now();
    const again = await lakehouse('local', 'curate', '--engine', 'spark', '--raw', raw, '--warehouse', warehouse, '--plans', plansFile);
    timings.push(`up-to-date run: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(again).toMatchObject({ code: 0, stdout: `curated ${HISTORIES} tables into ${warehouse} (0 raw files applied)\n` });

    const union = histories.map((h) => historyRowsSql(h, `lake.${h.table.table}`, 'spark')).join('\nUNION ALL\n');
    const queryStarted = Date.now();
    const query = await lakehouse('local', 'query', '--warehouse', warehouse, '--format', 'json', union);
    timings.push(`query: ${((Date.now() - queryStarted) / 1000).toFixed(1)} s`);
    expect(query.stderr).not.toMatch(/^lakehouse: /m);
    expect(query.code).toBe(0);
    const spark = normalise(query.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Row));

    const duck: Row[] = [];
    for (const [i, history] of histories.entries()) {
      duck.push(...await runners[i].query(historyRowsSql(history, runners[i].qualifiedTableName, 'duckdb')));
    }
    const expected = normalise(duck);
    for (const history of histories) {
      const t = history.table.table;
      expect({ table: t, rows: spark.filter((r) => r.t === t) }).toEqual({ table: t, rows: expected.filter((r) => r.t === t) });
    }
    // the histories are not trivial: most tables end with rows, soft-delete tables with tombstones
    expect(new Set(expected.map((r) => r.t)).size).toBeGreaterThan(HISTORIES / 2);
    expect(expected.some((r) => r.deleted === true)).toBe(true);
  });
});
