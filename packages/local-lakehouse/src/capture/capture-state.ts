import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { LakehouseError } from '../errors';
import { processRunning } from '../os-process';

/** File name of the capture state in the raw directory (a dot-file: raw-zone readers skip it). */
export const CAPTURE_STATE_FILE = '.lakehouse-capture.json';
/** File name of the lock a running capture holds in the raw directory. */
export const CAPTURE_LOCK_FILE = '.lakehouse-capture.lock';
/** Scratch folder of a running capture in the raw directory (staged changes, CSV chunks, DuckDB spill). */
export const CAPTURE_SCRATCH_DIR = '.lakehouse-scratch';
/** File name of the table metadata beside each table's raw files. */
export const TABLE_METADATA_FILE = '_table.json';

/**
 * What a capture needs to resume after a crash, written atomically after every durable step:
 * the full load is redone from a new slot unless it completed; streaming resumes from the slot,
 * whose confirmed position only moves after the files before it are durable.
 */
export interface CaptureState {
  readonly format: 'lakehouse-capture-state';
  readonly version: 1;
  /** The source (no password), and the server's identity (PostgreSQL: system identifier; MySQL: `server_uuid` or host/port/server_id). */
  readonly source: { readonly url: string; readonly database: string; readonly systemIdentifier: string };
  /** Replication slot name. */
  readonly slot: string;
  /** `full-load` until every table is loaded, then `streaming`. */
  readonly phase: 'full-load' | 'streaming';
  /** Commit timestamp of every full-load row (DMS `useTaskStartTimeForFullLoadTimestamp`). */
  readonly taskStartTime: string;
  /** Captured tables. */
  readonly tables: readonly { readonly schema: string; readonly table: string }[];
  /** Rows loaded per table (`schema.table`), for the tables done so far. */
  readonly fullLoadRows: Readonly<Record<string, number>>;
  /** The slot's consistent point: where streaming starts after the full load. */
  readonly consistentPoint: string | null;
  /** Everything committed before this WAL position is in durable raw files. */
  readonly confirmedLsn: string | null;
  /** Last change-sequence prefix handed out (µs), so the sequence keeps increasing across restarts. */
  readonly lastSequenceMicros: number;
  /** CDC files written so far. */
  readonly cdcFiles: number;
  /** CDC rows written so far. */
  readonly cdcRows: number;
  /** CDC rows written so far per table (`schema.table`); absent in states of older captures. */
  readonly cdcRowsByTable?: Readonly<Record<string, number>>;
  /** Commit timestamp (UTC, `yyyy-MM-dd HH:mm:ss.SSSSSS`) of the newest transaction written; absent before the first. */
  readonly lastCommitTimestamp?: string | null;
  /**
   * The source engine: absent for PostgreSQL (states written before MySQL capture existed), `mysql` for MySQL and MariaDB.
   * A MySQL state writes binlog positions (`binlog.000003:1234`) where a PostgreSQL one writes LSNs: `consistentPoint` is the
   * position of the full load's snapshot, `confirmedLsn` the position up to which every change is in durable raw files, and
   * `slot` is empty.
   */
  readonly engine?: 'postgres' | 'mysql';
  /** MySQL: the server's GTID position (MariaDB `domain-server-seq`, MySQL `gtid_executed`) at `confirmedLsn`, when known. */
  readonly gtidPosition?: string | null;
  /** When this state was written. */
  readonly updatedAt: string;
}

/** Reads the state of `rawDir`; `undefined` when there is none. */
export function readCaptureState(rawDir: string): CaptureState | undefined {
  const file = path.join(rawDir, CAPTURE_STATE_FILE);
  if (!fs.existsSync(file)) return undefined;
  let state: Partial<CaptureState>;
  try {
    state = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<CaptureState>;
  } catch {
    throw new LakehouseError(`${file} is not valid JSON; it is the capture's state: if you did not edit it, the disk may be damaged. `
      + 'Start over with an empty raw directory');
  }
  if (state.format !== 'lakehouse-capture-state' || state.version !== 1 || typeof state.slot !== 'string') {
    throw new LakehouseError(`${file} is not a capture state file of version 1; start over with an empty raw directory`);
  }
  return state as CaptureState;
}

/** Writes the state atomically. */
export function writeCaptureState(rawDir: string, state: Omit<CaptureState, 'updatedAt' | 'format' | 'version'>): CaptureState {
  const full: CaptureState = { format: 'lakehouse-capture-state', version: 1, ...state, updatedAt: new Date().toISOString() };
  writeFileAtomic(path.join(rawDir, CAPTURE_STATE_FILE), `${JSON.stringify(full, null, 2)}\n`);
  return full;
}

/** The PID of the capture holding `rawDir`'s lock, when that process is running. */
export function captureLockHolder(rawDir: string): number | undefined {
  const file = path.join(rawDir, CAPTURE_LOCK_FILE);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const pid = Number(text);
  return Number.isInteger(pid) && pid > 0 && processRunning(pid) ? pid : undefined;
}

/**
 * Takes the raw directory's capture lock (a file holding our PID), so two captures never write
 * into one raw directory. A lock whose process is gone (kill -9) is taken over.
 * @returns a function that releases the lock
 */
export function lockRawDirectory(rawDir: string): () => void {
  const file = path.join(rawDir, CAPTURE_LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return () => {
        try {
          if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file, { force: true });
        } catch {
          // already gone
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(file, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && processRunning(pid)) {
        throw new LakehouseError(`another capture (pid ${pid}) is writing to ${rawDir}; stop it first, or use another --raw directory`);
      }
      fs.rmSync(file, { force: true });
    }
  }
  throw new LakehouseError(`could not lock ${rawDir} for capture (${file} keeps reappearing); is another capture starting?`);
}
