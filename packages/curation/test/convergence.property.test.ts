import * as path from 'node:path';
import * as fc from 'fast-check';
import { ChangeFile, DmsRawWriter, LocalCurationRunner, RawChange, RawTableRef } from '../src';
import {
  HISTORY_COLUMNS, History, HistoryVariant, SourceSimulation, historyArbitrary, historyPlan, historyWriter, readCurated,
} from './helpers/history';
import { makeTempDir } from './helpers/temp-dir';

// Random histories of inserts, updates and deletes over five keys (several changes to a key in
// one commit, delete then re-insert, files delivered twice, reloads) are cut into DMS files by
// the writer and applied by the runner at random batch boundaries, with runner restarts. The
// curated table must equal the source's final state, row for row, every time.
// Replay a failure with CURATION_PROPERTY_SEED=<seed> (fast-check prints seed and path).
const NUM_RUNS = Number(process.env.CURATION_PROPERTY_RUNS ?? 200);
const SEED = Number(process.env.CURATION_PROPERTY_SEED ?? 20240501);

jest.setTimeout(600_000);

// writers are expensive to open (each holds a DuckDB): one per DMS configuration, reused
const writers = new Map<string, Promise<DmsRawWriter>>();
function writerFor(variant: HistoryVariant, rootDir: string): Promise<DmsRawWriter> {
  const key = JSON.stringify([variant.changeSequence, variant.includeOpForFullLoad, variant.datePartitioned]);
  if (!writers.has(key)) writers.set(key, historyWriter(rootDir, variant));
  return writers.get(key)!;
}

async function replay(history: History, rawRoot: string, table: RawTableRef): Promise<void> {
  const { dir, cleanup } = makeTempDir('property', true);
  const { variant } = history;
  const plan = historyPlan(variant, table);
  const sim = new SourceSimulation(variant);
  const writer = await writerFor(variant, rawRoot);
  const open = (): Promise<LocalCurationRunner> =>
    LocalCurationRunner.open({ plan, rawZone: { rootDir: rawRoot }, databasePath: path.join(dir, 'lake.duckdb'), threads: 1 });
  let runner = await open();
  try {
    let pending: RawChange[] = [];
    let sinceLoad: ChangeFile[] = [];
    const flush = async (): Promise<void> => {
      if (pending.length === 0) return;
      sinceLoad.push(await writer.writeChanges(table, HISTORY_COLUMNS, pending));
      pending = [];
    };
    if (history.initial.length > 0) {
      await writer.writeLoad(table, HISTORY_COLUMNS, sim.fullLoad(history.initial), 2);
    }
    for (const command of history.commands) {
      switch (command.kind) {
        case 'transaction':
          pending.push(...sim.transaction(command));
          break;
        case 'flush':
          await flush();
          break;
        case 'redeliver': {
          // DMS re-sends the tail of what it wrote since the load (at-least-once after a restart).
          // Older files out of order are safe only with soft deletes: a hard-deleted key leaves no
          // trace, so an older insert of it delivered again would bring it back.
          const skip = variant.deletes === 'soft' ? Math.min(command.skipLast, sinceLoad.length) : 0;
          for (const file of sinceLoad.slice(0, sinceLoad.length - skip).slice(-command.count)) {
            await writer.redeliver(table, file);
          }
          break;
        }
        case 'run':
          await runner.run({ maxFilesPerBatch: command.maxFilesPerBatch });
          if (pending.length === 0) {
            expect(await readCurated(runner, variant)).toEqual(sim.expectedRows());
          }
          break;
        case 'reopen':
          runner.close();
          runner = await open();
          break;
        case 'reload':
          await flush();
          // DMS writes no LOAD file for an empty table: nothing is rebuilt then
          if (sim.sourceRowCount > 0) {
            await writer.writeLoad(table, HISTORY_COLUMNS, sim.fullLoad(), command.rowsPerFile);
            sinceLoad = [];
          }
          break;
      }
    }
    await flush();
    await runner.run({ maxFilesPerBatch: 3 });
    expect(await readCurated(runner, variant)).toEqual(sim.expectedRows());
    expect((await runner.run()).kind).toBe('up-to-date');
  } finally {
    runner.close();
    cleanup();
  }
}

test(`the curated table equals the source after ${NUM_RUNS} random histories (seed ${SEED})`, async () => {
  const started = Date.now();
  const raw = makeTempDir('property-raw', true);
  let runs = 0;
  try {
    await fc.assert(
      fc.asyncProperty(historyArbitrary, async (history) => {
        runs += 1;
        // every history (shrinking included) gets a table folder of its own in the shared raw zone
        await replay(history, raw.dir, { schema: 'shop', table: `items_${runs}` });
      }),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  } finally {
    for (const writer of writers.values()) (await writer).close();
    raw.cleanup();
  }
  expect(runs).toBeGreaterThanOrEqual(NUM_RUNS);
  process.stdout.write(`convergence: ${runs} histories in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED})\n`);
});
