import { RawCompression } from './parquet-encoder';
import { ProgressReporter } from '../cli/progress';

/*
 * What every capture shares, whatever the source engine: its options, figures and handle. The engines live beside it:
 * `postgres/` (logical replication, test_decoding) and `mysql/` (the ROW binary log); both feed transactions into the
 * engine-neutral window pipeline (window-pipeline.ts: CDC windows and files in the durability order), the change-sequence
 * emulation (change-sequence.ts) and the capture state (capture-state.ts).
 */
/** Options of a capture (PostgreSQL's startCapture, MySQL's startMysqlCapture, or startSourceCapture). */
export interface CaptureOptions {
  /** Source database URL, `postgres://user:password@host:5432/database`, or `mysql://` / `mariadb://` for MySQL and MariaDB. */
  readonly source: string;
  /** The raw zone directory (DMS's bucket folder). */
  readonly rawDir: string;
  /**
   * Tables to capture, `schema.table` with `%` wildcards.
   * @default every table of the database
   */
  readonly tables?: readonly string[];
  /**
   * Tables left out after `tables` selected them, `schema.table` with `%` wildcards (`--exclude`).
   * @default none
   */
  readonly exclude?: readonly string[];
  /**
   * Replication slot name.
   * @default `lakehouse_` + a hash of the raw directory and database
   */
  readonly slot?: string;
  /**
   * Stop once the full load and every change committed before the capture started are written.
   * @default false: follow the stream until stop()
   */
  readonly untilCaughtUp?: boolean;
  /**
   * Longest time a change waits before its CDC file is written (DMS `cdcMaxBatchInterval`).
   * @default 1000
   */
  readonly batchIntervalMs?: number;
  /**
   * Staged bytes at which a CDC file is written before the interval is up (DMS `cdcMinFileSize`).
   * @default 32 MiB
   */
  readonly maxFileBytes?: number;
  /**
   * Parquet compression (DMS `compressionType`).
   * @default 'none'
   */
  readonly compression?: RawCompression;
  /**
   * About how many rows go into one LOAD file.
   * @default 250000
   */
  readonly fullLoadChunkRows?: number;
  /**
   * Progress and log lines.
   * @default silent
   */
  readonly progress?: ProgressReporter;
}

/** Figures of a capture run. */
export interface CaptureStats {
  /** `starting`, `full-load`, `streaming`, `stopped`. */
  phase: 'starting' | 'full-load' | 'streaming' | 'stopped';
  /** Replication slot. */
  slot: string;
  /** Rows loaded by the full load of this run (0 when it resumed streaming). */
  fullLoadRows: number;
  /** Milliseconds the full load took. */
  fullLoadMs: number;
  /** CDC rows written by this run. */
  cdcRows: number;
  /** CDC files written by this run. */
  cdcFiles: number;
  /** Transactions seen by this run. */
  transactions: number;
  /** Milliseconds from the first change streamed to the last file durable. */
  streamingMs: number;
  /** Everything committed before this position is durable in the raw zone. */
  confirmedLsn: string | null;
  /** Peak resident memory of this process, bytes. */
  maxRssBytes: number;
  /**
   * The replication slot on the server when the run ended: `held` (it keeps the WAL for the next
   * capture of this raw directory), `dropped` (the slot of a full load that did not finish: the
   * next capture redoes the load from a new one), `none` (not created).
   */
  slotState: 'none' | 'held' | 'dropped';
  /** Why the slot of an unfinished full load could not be dropped (it is then still `held`). */
  slotDropError: string | null;
  /** Set when a stop ended the run during the full load; the next capture redoes the load. */
  stoppedDuringFullLoad: { table: string | null; tablesLoaded: number; tables: number } | null;
}

/** A running capture. */
export interface CaptureHandle {
  /** Settles when the capture ends: caught up (with untilCaughtUp), stopped, or failed. */
  readonly done: Promise<CaptureStats>;
  /** Live figures. */
  readonly stats: CaptureStats;
  /** Closes the open window cleanly (its files are written, the slot confirmed) and ends. */
  stop(): Promise<CaptureStats>;
  /** Resolves once everything committed before `lsn` is durable in the raw zone. */
  waitFor(lsn: string): Promise<void>;
}

export { defaultSlotName, slotExitLine, startCapture } from './postgres/postgres-capture';
