import * as fs from 'node:fs';
import * as path from 'node:path';
import { BatchStage, LocalCurationRunner, RawChange, RawZoneReader } from '../src';
import {
  CuratedRow, HISTORY_COLUMNS, HISTORY_TABLE, HistoryCommand, HistoryVariant, SourceSimulation, historyPlan, historyWriter, readCurated,
} from './helpers/history';
import { RunnerChild } from './helpers/runner-child';
import { makeTempDir } from './helpers/temp-dir';

// The runner runs as a child process and is killed with SIGKILL between and during files: at
// exact points of a batch (after the MERGE, after the watermark update, after COMMIT) and at
// random times. After every kill the curated table must equal the source state as of the
// watermark's last file (nothing applied twice, nothing skipped); in the end it must equal the
// source's final state.
jest.setTimeout(180_000);

const SEED = Number(process.env.CURATION_CRASH_SEED ?? 4242);

/** A small deterministic PRNG (Park–Miller), so a failing crash schedule can be replayed. */
function random(seed: number): () => number {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

describe('crash safety of the local runner (child process, SIGKILL)', () => {
  let work: { dir: string; cleanup: () => void };
  let child: RunnerChild;

  beforeAll(() => {
    work = makeTempDir('crash');
    child = new RunnerChild(work.dir);
  });
  afterAll(() => {
    child.killAll();
    work.cleanup();
  });

  test.each([
    ['hard', 'merged'],
    ['soft', 'watermarked'],
  ] as const)('%s deletes: killed between and during files, restarted, same result', async (deletes, reloadCrashStage) => {
    const next = random(SEED + deletes.length);
    const { dir, cleanup } = makeTempDir('crash-case');
    const variant: HistoryVariant = {
      changeSequence: true, deletes, loadSequence: '', keyOnlyBeforeImage: deletes === 'hard', includeOpForFullLoad: true, datePartitioned: true,
    };
    const plan = historyPlan(variant);
    const planFile = path.join(dir, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const rawRoot = path.join(dir, 'raw');
    const db = path.join(dir, 'lake.duckdb');
    const reader = new RawZoneReader({ rootDir: rawRoot });
    const sim = new SourceSimulation(variant);
    const writer = await historyWriter(rawRoot, variant);
    // what the curated table must hold once a given file (of a given load) is the last one applied
    const expectedAt = new Map<string, CuratedRow[]>();
    const stamp = (relativePath: string): void => {
      expectedAt.set(`${reader.listTableFiles(HISTORY_TABLE).loadFingerprint}|${relativePath}`, sim.expectedRows());
    };
    let crashes = 0;
    const stagesHit = new Set<BatchStage | 'random'>();

    const verifyAfterCrash = async (): Promise<void> => {
      const runner = await LocalCurationRunner.open({ plan, rawZone: { rootDir: rawRoot }, databasePath: db, threads: 1 });
      try {
        const watermark = await runner.watermark();
        const expected = watermark ? expectedAt.get(`${watermark.loadFingerprint}|${watermark.lastFile}`) : [];
        expect(expected).toBeDefined();
        expect(await readCurated(runner, variant)).toEqual(expected);
      } finally {
        runner.close();
      }
    };

    // Attempts 0-2 die at each stage of their first batch (certain to crash while files are
    // pending), 3-6 at a random time (batches slowed by a pause), 7-9 at a random stage of a
    // random batch; then a clean run.
    const stages = ['merged', 'watermarked', 'committed'] as const;
    const runUntilDone = async (firstStage: BatchStage): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        const args = ['--plan', planFile, '--raw', rawRoot, '--db', db, '--max-files-per-batch', String(1 + Math.floor(next() * 3))];
        let killAfterMs: number | undefined;
        if (attempt < 3) {
          args.push('--kill-self-at', `${attempt === 0 ? firstStage : stages[attempt]}:0`);
        } else if (attempt < 7) {
          args.push('--pause-ms', String(20 + Math.floor(next() * 60)));
          killAfterMs = 100 + Math.floor(next() * 500);
        } else if (attempt < 10) {
          args.push('--kill-self-at', `${stages[Math.floor(next() * 3)]}:${Math.floor(next() * 3)}`);
        }
        const result = await child.run(args, killAfterMs);
        if (result.code === 0) return;
        expect({ signal: result.signal, stderr: result.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
        crashes += 1;
        stagesHit.add(args.includes('--kill-self-at') ? args[args.indexOf('--kill-self-at') + 1].split(':')[0] as BatchStage : 'random');
        await verifyAfterCrash();
      }
    };

    const transaction = (): Extract<HistoryCommand, { kind: 'transaction' }> => ({
      kind: 'transaction',
      sameCommitTime: next() < 0.3,
      ops: Array.from({ length: 1 + Math.floor(next() * 4) }, () => ({
        id: 1 + Math.floor(next() * 6),
        remove: next() < 0.3,
        values: { name: next() < 0.2 ? null : `n${Math.floor(next() * 100)}`, amount: `${Math.floor(next() * 1000)}.25`, flag: next() < 0.5 },
      })),
    });
    const writeCdcFiles = async (count: number): Promise<void> => {
      for (let i = 0; i < count; i++) {
        const changes: RawChange[] = [];
        for (let t = 1 + Math.floor(next() * 3); t > 0; t--) changes.push(...sim.transaction(transaction()));
        const file = await writer.writeChanges(HISTORY_TABLE, HISTORY_COLUMNS, changes);
        stamp(file.relativePath);
        if (next() < 0.2) stamp((await writer.redeliver(HISTORY_TABLE, file)).relativePath);
      }
    };
    const writeLoad = async (): Promise<void> => {
      const files = await writer.writeLoad(HISTORY_TABLE, HISTORY_COLUMNS, sim.fullLoad(sim.sourceRowCount > 0 ? undefined : [
        { id: 1, name: 'one', amount: '1.00', flag: true }, { id: 2, name: 'two', amount: '2.00', flag: false }, { id: 3, name: null, amount: null, flag: null },
      ]), 2);
      files.forEach((f) => stamp(f.relativePath));
    };

    try {
      await writeLoad();
      await writeCdcFiles(12);
      await runUntilDone('merged');
      // a reload, with CDC files before it (superseded) and after it; the first attempt dies inside the rebuild batch
      await writeCdcFiles(2);
      await writeLoad();
      await writeCdcFiles(6);
      await runUntilDone(reloadCrashStage);

      process.stdout.write(`crash (${deletes} deletes, seed ${SEED}): ${crashes} kills, stages ${[...stagesHit].join(', ')}; consistent after every one\n`);
      expect(crashes).toBeGreaterThanOrEqual(6);
      expect([...stagesHit].filter((s) => s !== 'random').sort()).toEqual(['committed', 'merged', 'watermarked']);
      const runner = await LocalCurationRunner.open({ plan, rawZone: { rootDir: rawRoot }, databasePath: db, threads: 1 });
      try {
        expect(await readCurated(runner, variant)).toEqual(sim.expectedRows());
        expect((await runner.run()).kind).toBe('up-to-date');
      } finally {
        runner.close();
      }
    } finally {
      writer.close();
      cleanup();
    }
  });
});
