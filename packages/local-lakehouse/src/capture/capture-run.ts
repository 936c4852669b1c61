import * as fs from 'node:fs';
import * as path from 'node:path';
import { rawTableDirectory } from '@cdc-lakehouse/curation';
import type { CaptureStats } from './capture';
import { CAPTURE_SCRATCH_DIR, CaptureState, TABLE_METADATA_FILE } from './capture-state';
import { ParquetEncoder } from './parquet-encoder';
import { LakehouseError, errorMessage } from '../errors';
import { TableMetadata, displayName } from '../source/catalog';

/**
 * What every engine's capture run shares, whatever its source: the live figures, the promise a caller waits on, the
 * scratch space and the checks of a raw directory it resumes. The engine parts (checks of the source, the full load
 * and the change stream) stay in `postgres/` and `mysql/`.
 */

/** The figures of a run that has not started. */
export function initialCaptureStats(): CaptureStats {
  return {
    phase: 'starting',
    slot: '',
    fullLoadRows: 0,
    fullLoadMs: 0,
    cdcRows: 0,
    cdcFiles: 0,
    transactions: 0,
    streamingMs: 0,
    confirmedLsn: null,
    maxRssBytes: 0,
    slotState: 'none',
    slotDropError: null,
    stoppedDuringFullLoad: null,
  };
}

/** The promise a run settles when it ends; a failure is kept for whoever awaits it (never an unhandled rejection). */
export class RunCompletion {
  readonly done: Promise<CaptureStats>;
  private resolveDone!: (stats: CaptureStats) => void;
  private rejectDone!: (err: unknown) => void;

  constructor() {
    this.done = new Promise<CaptureStats>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    // the caller awaits `done`; until it does, a failure must not count as unhandled
    this.done.catch(() => undefined);
  }

  /** Settles `done` with the outcome of `run`. */
  follow(run: Promise<CaptureStats>): void {
    run.then((stats) => this.resolveDone(stats), (err: unknown) => this.rejectDone(err));
  }
}

/** Scratch space of a run inside the raw directory (a dot-folder, which readers skip), emptied of a killed run's leftovers. */
export async function openCaptureScratch(rawDir: string): Promise<{ scratchDir: string; encoder: ParquetEncoder }> {
  const scratchDir = path.join(rawDir, CAPTURE_SCRATCH_DIR);
  fs.rmSync(scratchDir, { recursive: true, force: true });
  fs.mkdirSync(scratchDir);
  // one DuckDB thread: the source server and this process need the other core, and more threads lost time in every measurement here
  const encoder = await ParquetEncoder.open(1, '512MB', path.join(scratchDir, 'duckdb'));
  return { scratchDir, encoder };
}

/** The table metadata a streaming capture wrote at its full load (its columns may have changed since in the source). */
export function readTableMetadataFiles<T extends TableMetadata>(rawDir: string, state: CaptureState): T[] {
  return state.tables.map((t) => {
    const file = path.join(rawTableDirectory({ rootDir: rawDir }, t), TABLE_METADATA_FILE);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
    } catch (err) {
      throw new LakehouseError(`${file}: cannot read the table metadata (${errorMessage(err)}); start over with an empty raw directory`);
    }
  });
}

/** A resumed capture must capture the tables it started with: `--tables`/`--exclude` cannot change them. */
export function checkSameTables(rawDir: string, state: CaptureState, selected: readonly TableMetadata[]): void {
  const wanted = selected.map((t) => displayName(t.source)).sort();
  const have = state.tables.map(displayName).sort();
  if (wanted.join(',') !== have.join(',')) {
    throw new LakehouseError(`${rawDir} holds a capture of ${have.join(', ')}, but --tables/--exclude select ${wanted.join(', ')}; `
      + 'use the same tables, or another --raw directory');
  }
}
