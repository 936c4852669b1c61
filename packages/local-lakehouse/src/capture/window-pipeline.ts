import * as path from 'node:path';
import { CaptureState } from './capture-state';
import { CdcWindow } from './cdc-window';
import { ToastLookup, WrittenCdcFile, writeWindowFiles } from './cdc-writer';
import { ParquetEncoder, RawCompression } from './parquet-encoder';
import { latestCdcFileTime } from './raw-directory';
import { ProgressReporter } from '../cli/progress';
import { displayName } from '../source/catalog';

/** Options of a {@link WindowPipeline}. */
export interface WindowPipelineProps {
  /** Where windows stage their rows. */
  readonly scratchDir: string;
  readonly encoder: ParquetEncoder;
  readonly compression: RawCompression;
  /** A window closes at the first transaction boundary after this long (DMS `cdcMaxBatchInterval`). */
  readonly batchIntervalMs: number;
  /** … or once it has staged this many bytes (DMS `cdcMinFileSize`). */
  readonly maxFileBytes: number;
  /** Fills unchanged TOASTed values (PostgreSQL); engines whose row images are complete never get asked. */
  readonly lookupToast: ToastLookup;
  /**
   * Called once the window's CDC files are durable (fsynced, renamed): only now may the engine move its stored position
   * (slot confirmation, state file) past the window's last commit.
   */
  readonly onWritten: (window: CdcWindow, files: readonly WrittenCdcFile[]) => Promise<void>;
  /** Called after every write, written or failed (e.g. to resume a paused stream). */
  readonly onSettled?: () => void;
  /** A write failed: the capture ends with this error. */
  readonly onFailure: (err: unknown) => void;
}

/**
 * The engine-neutral part of a capture's CDC path: the open window (whole transactions staged on disk), when it closes
 * (interval, size, stop), writing its files one at a time in the durability order, and the names of CDC files (their time,
 * strictly increasing across windows and restarts). The PostgreSQL and the MySQL capture each feed it transactions.
 */
export class WindowPipeline {
  /** The open window (undefined until a transaction begins). */
  window: CdcWindow | undefined;
  /** The write of the last closed window, while it runs. */
  flushing: Promise<void> | undefined;
  private counter = 0;
  private lastFileMs = 0;

  constructor(private readonly props: WindowPipelineProps) {}

  /** The open window, opened when there is none. */
  current(): CdcWindow {
    this.window ??= new CdcWindow(++this.counter, path.join(this.props.scratchDir, `window-${this.counter}`));
    return this.window;
  }

  /** Nothing open, staged or being written. */
  get idle(): boolean {
    const window = this.window;
    return !this.flushing && (!window || (!window.inTransaction && window.transactions.length === 0));
  }

  /** Bytes staged in the open window. */
  get stagedBytes(): number {
    return this.window?.bytes ?? 0;
  }

  /** Closes the open window when it is due (between transactions, not while another is being written). */
  maybeClose(stopping: boolean): void {
    const window = this.window;
    if (!window || window.inTransaction || window.transactions.length === 0 || this.flushing) return;
    const age = Date.now() - (window.openedAtMs ?? Date.now());
    if (stopping || age >= this.props.batchIntervalMs || window.bytes >= this.props.maxFileBytes) this.close(window);
  }

  /** On a stop: the open transaction is dropped (read again after a restart); what is committed is written, an empty window goes. */
  closeForStop(): void {
    const window = this.window;
    if (!window || this.flushing) return;
    window.rollback();
    if (window.transactions.length > 0) {
      this.close(window);
    } else {
      window.close();
      window.remove();
      this.window = undefined;
    }
  }

  /** The time that names the next file (CDC files, and LOAD files of a reload): strictly increasing. */
  nextFileTime(): Date {
    this.lastFileMs = Math.max(Date.now(), this.lastFileMs + 1);
    return new Date(this.lastFileMs);
  }

  /** Continues the file-name times after those already in `tableDirs` (a restart, even if the clock went back). */
  continueAfterFilesIn(tableDirs: readonly string[]): void {
    for (const dir of tableDirs) this.lastFileMs = Math.max(this.lastFileMs, latestCdcFileTime(dir));
  }

  /** Waits for the write in progress, if any (its failure was reported to onFailure). */
  async settle(): Promise<void> {
    if (this.flushing) await this.flushing.catch(() => undefined);
  }

  private close(window: CdcWindow): void {
    this.window = undefined;
    this.flushing = this.write(window).finally(() => {
      this.flushing = undefined;
      this.props.onSettled?.();
    });
    this.flushing.catch((err: unknown) => this.props.onFailure(err));
  }

  private async write(window: CdcWindow): Promise<void> {
    try {
      const files = await writeWindowFiles(window, {
        encoder: this.props.encoder,
        compression: this.props.compression,
        lookupToast: this.props.lookupToast,
        nextFileTime: () => this.nextFileTime(),
      });
      await this.props.onWritten(window, files);
    } finally {
      window.remove();
    }
  }
}

/**
 * The state's CDC rows per table after `files` (undefined for the state of an older capture that wrote CDC rows without
 * counting them per table: it stays without counts).
 */
export function rowsByTableAfter(state: CaptureState, files: readonly WrittenCdcFile[]): Record<string, number> | undefined {
  const known = state.cdcRowsByTable !== undefined || state.cdcRows === 0;
  if (!known) return undefined;
  const rows: Record<string, number> = { ...state.cdcRowsByTable };
  for (const file of files) {
    const name = displayName(file.table.meta.source);
    rows[name] = (rows[name] ?? 0) + file.rows;
  }
  return rows;
}

/** Reports each table, column and kind of value written as NULL (its Parquet type cannot hold it) once. */
export class RefusedValueReporter {
  private readonly reported = new Set<string>();

  constructor(private readonly progress: ProgressReporter) {}

  report(table: { schema: string; table: string }, column: string, reason: string, where: string): void {
    const key = `${displayName(table)}\u0000${column}\u0000${reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.progress.line(`capture: warning: ${displayName(table)} column ${column}: value ${where} ${reason}; written as NULL `
      + '(later such values of this column are not reported)');
  }
}
