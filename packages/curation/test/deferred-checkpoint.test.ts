import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDbDialect, LocalCurationRunner, WATERMARK_TABLE, walBytes } from '../src';
import { CuratedRow, HISTORY_COLUMNS, HISTORY_TABLE, HistoryVariant, SourceSimulation, historyPlan, historyWriter, readCurated } from './helpers/history';
import { RunnerChild } from './helpers/runner-child';
import { makeTempDir } from './helpers/temp-dir';

// The runner defers checkpoints: a batch's COMMIT only appends it to DuckDB's write-ahead log (fsynced), and the rows
// reach the database file at the end of the run. A runner killed with SIGKILL after some commits, before that
// checkpoint, must leave a lake that every opener (read-only ones too) sees with every committed batch and its
// watermark, and the next run must continue from there: no file applied twice, none skipped.
jest.setTimeout(120_000);

/** The curated table and watermark through a plain DuckDB connection to the file (read-only or not). */
async function openDirect(file: string, readOnly: boolean, plan: ReturnType<typeof historyPlan>): Promise<{
  lastFile: () => Promise<string | undefined>;
  rows: (variant: HistoryVariant) => Promise<CuratedRow[]>;
  close: () => void;
}> {
  const instance = await DuckDBInstance.create(file, readOnly ? { access_mode: 'READ_ONLY' } : {});
  const connection = await instance.connect();
  const query = async (sql: string): Promise<Record<string, unknown>[]> => {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  };
  const catalog = String((await query('SELECT current_database() AS c'))[0].c);
  const view = { query, qualifiedTableName: new DuckDbDialect({ catalog }).curatedTableName(plan.curated) };
  return {
    lastFile: async () => (await query(`SELECT last_file FROM ${WATERMARK_TABLE}`)).map((r) => String(r.last_file))[0],
    rows: async (variant) => readCurated(view, variant),
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

describe('deferred checkpoints keep kill -9 safety', () => {
  let work: { dir: string; cleanup: () => void };
  let child: RunnerChild;

  beforeAll(() => {
    work = makeTempDir('deferred');
    child = new RunnerChild(work.dir);
  });
  afterAll(() => {
    child.killAll();
    work.cleanup();
  });

  test.each(['hard', 'soft'] as const)('%s deletes: killed after 3 commits that only reached the WAL; every opener sees them, the next run continues', async (deletes) => {
    const variant: HistoryVariant = {
      changeSequence: true, deletes, loadSequence: '', keyOnlyBeforeImage: false, includeOpForFullLoad: true, datePartitioned: false,
    };
    const dir = path.join(work.dir, deletes);
    const rawRoot = path.join(dir, 'raw');
    const db = path.join(dir, 'lake.duckdb');
    fs.mkdirSync(dir);
    const plan = historyPlan(variant);
    const planFile = path.join(dir, 'plan.json');
    fs.writeFileSync(planFile, JSON.stringify(plan));
    const sim = new SourceSimulation(variant);
    const writer = await historyWriter(rawRoot, variant);
    const expectedAt = new Map<string, CuratedRow[]>();
    const args = ['--plan', planFile, '--raw', rawRoot, '--db', db, '--max-files-per-batch', '1'];
    try {
      const load = await writer.writeLoad(HISTORY_TABLE, HISTORY_COLUMNS, sim.fullLoad(Array.from({ length: 20 }, (_, i) => ({
        id: i + 1, name: `n${i + 1}`, amount: `${i + 1}.50`, flag: i % 2 === 0,
      }))), 10);
      const loadLast = load[load.length - 1].relativePath;
      expectedAt.set(loadLast, sim.expectedRows());
      // the load, run to the end: it is checkpointed into the file and the WAL is empty
      const first = await child.run(args);
      expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
      expect(walBytes(db)).toBe(0);

      // six CDC files, applied in the order they are written
      const cdcFiles: string[] = [];
      for (let file = 0; file < 6; file++) {
        const changes = [0, 1, 2, 3].flatMap((t) => sim.transaction({
          kind: 'transaction',
          sameCommitTime: false,
          ops: [{ id: 1 + ((file * 7 + t * 3) % 24), remove: (file + t) % 3 === 0, values: { name: `f${file}t${t}`, amount: `${file}.${t}0`, flag: t % 2 === 1 } }],
        }));
        const written = await writer.writeChanges(HISTORY_TABLE, HISTORY_COLUMNS, changes);
        expectedAt.set(written.relativePath, sim.expectedRows());
        cdcFiles.push(written.relativePath);
      }

      // one CDC file per batch; SIGKILL right after the fourth COMMIT (batch 3), before the run's checkpoint
      const killed = await child.run([...args, '--kill-self-at', 'committed:3']);
      expect({ signal: killed.signal, stderr: killed.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      const committedThrough = cdcFiles[3];
      const wal = walBytes(db);
      expect(wal).toBeGreaterThan(0);

      // the database file alone (a copy without its WAL) still holds the load: the four batches live only in the WAL
      const fileOnly = path.join(dir, 'file-only.duckdb');
      fs.copyFileSync(db, fileOnly);
      const withoutWal = await openDirect(fileOnly, true, plan);
      try {
        expect(await withoutWal.lastFile()).toBe(loadLast);
        expect(await withoutWal.rows(variant)).toEqual(expectedAt.get(loadLast));
      } finally {
        withoutWal.close();
      }

      // a read-only opener (lakehouse local query / verify) replays the WAL in memory and leaves it in place
      const reader = await openDirect(db, true, plan);
      try {
        expect(await reader.lastFile()).toBe(committedThrough);
        expect(await reader.rows(variant)).toEqual(expectedAt.get(committedThrough));
      } finally {
        reader.close();
      }
      expect(walBytes(db)).toBe(wal);

      // a read-write opener (the runner) sees the same, and closing it does not checkpoint either
      const runner = await LocalCurationRunner.open({ plan, rawZone: { rootDir: rawRoot }, databasePath: db, threads: 1 });
      try {
        expect((await runner.watermark())?.lastFile).toBe(committedThrough);
        expect(await readCurated(runner, variant)).toEqual(expectedAt.get(committedThrough));
      } finally {
        runner.close();
      }
      expect(walBytes(db)).toBe(wal);

      // the next run applies exactly the two files after the watermark, then checkpoints the whole WAL into the file
      const next = await child.run(args);
      expect({ code: next.code, stderr: next.stderr }).toEqual({ code: 0, stderr: '' });
      const result = JSON.parse(next.stdout) as { kind: string; batches: number; filesApplied: number; checkpoint: { walBytes: number } };
      expect({ kind: result.kind, batches: result.batches, filesApplied: result.filesApplied }).toEqual({ kind: 'incremental', batches: 2, filesApplied: 2 });
      expect(result.checkpoint.walBytes).toBeGreaterThan(wal);
      expect(walBytes(db)).toBe(0);
      const after = await openDirect(db, true, plan);
      try {
        expect(await after.lastFile()).toBe(cdcFiles[5]);
        expect(await after.rows(variant)).toEqual(sim.expectedRows());
      } finally {
        after.close();
      }
      const again = JSON.parse((await child.run(args)).stdout) as { kind: string; checkpoint: { walBytes: number } };
      expect(again).toEqual({ kind: 'up-to-date', batches: 0, filesApplied: 0, schemaChanges: [], watermark: expect.anything(), checkpoint: { walBytes: 0, seconds: 0 } });
    } finally {
      writer.close();
    }
  });

  test('checkpointWalBytes bounds the WAL: 0 checkpoints at every commit; a bad value is refused in one line', async () => {
    const variant: HistoryVariant = {
      changeSequence: true, deletes: 'hard', loadSequence: '', keyOnlyBeforeImage: false, includeOpForFullLoad: true, datePartitioned: false,
    };
    const dir = path.join(work.dir, 'bound');
    const rawRoot = path.join(dir, 'raw');
    const plan = historyPlan(variant);
    const sim = new SourceSimulation(variant);
    const writer = await historyWriter(rawRoot, variant);
    try {
      await writer.writeLoad(HISTORY_TABLE, HISTORY_COLUMNS, sim.fullLoad([{ id: 1, name: 'one', amount: '1.00', flag: true }]));
      await writer.writeChanges(HISTORY_TABLE, HISTORY_COLUMNS, sim.transaction({
        kind: 'transaction', sameCommitTime: false, ops: [{ id: 2, remove: false, values: { name: 'two', amount: '2.00', flag: false } }],
      }));
      const open = (databasePath: string, checkpointWalBytes: number): Promise<LocalCurationRunner> => LocalCurationRunner.open({
        plan, rawZone: { rootDir: rawRoot }, databasePath, threads: 1, maxFilesPerBatch: 1, checkpointWalBytes,
      });
      for (const [name, bound, walLeft] of [['every-commit', 0, false], ['deferred', 64 * 1024 * 1024, true]] as const) {
        const db = path.join(dir, `${name}.duckdb`);
        const runner = await open(db, bound);
        try {
          expect((await runner.run()).batches).toBe(2);
          expect(runner.walBytes() > 0).toBe(walLeft);
          expect(await readCurated(runner, variant)).toEqual(sim.expectedRows());
        } finally {
          runner.close();
        }
        expect(walBytes(db) > 0).toBe(walLeft);
      }
      await expect(open(path.join(dir, 'bad.duckdb'), -1)).rejects.toThrow(
        'checkpointWalBytes -1: give a whole number of bytes, 0 or more (0 checkpoints at every commit)',
      );
    } finally {
      writer.close();
    }
  });
});
