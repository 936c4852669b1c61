import * as fs from 'node:fs';
import * as path from 'node:path';
import { rawTableDirectory } from '@cdc-lakehouse/curation';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { refreshMysqlTable } from './binlog-changes';
import { BinlogPosition, compareBinlogPositions, formatBinlogPosition, parseBinlogPosition } from './binlog-position';
import { BinlogReader, replicaServerId } from './binlog-reader';
import { BinlogTransactions } from './binlog-transactions';
import { checkBinlogKept, checkMysqlSource, readServerIdentity, rowMetadataWarning } from './mysql-checks';
import { fullLoadMysqlTable, openConsistentSnapshot, showBinlogStatus } from './mysql-full-load';
import { SILENT_PROGRESS, ProgressReporter, formatCount, formatDuration, formatRate } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';
import { TableMetadata, displayName } from '../../source/catalog';
import { MysqlTableMetadata, readMysqlTableMetadata } from '../../source/mysql/mysql-catalog';
import { connectMysqlSource, endMysqlQuietly, maskedMysqlUrl, parseMysqlUrl } from '../../source/mysql/mysql-connection';
import { formatDmsTimestamp } from '../../source/test-decoding';
import { removeTemporaryFiles, writeFileAtomic } from '../atomic-file';
import type { CaptureHandle, CaptureOptions, CaptureStats } from '../capture';
import { checkSameTables, initialCaptureStats, openCaptureScratch, readTableMetadataFiles, RunCompletion } from '../capture-run';
import { CaptureState, TABLE_METADATA_FILE, lockRawDirectory, readCaptureState, writeCaptureState } from '../capture-state';
import { CapturedTable, CdcWindow } from '../cdc-window';
import { WrittenCdcFile } from '../cdc-writer';
import { loadProgressText } from '../load-progress';
import { ParquetEncoder } from '../parquet-encoder';
import { checkEmptyRawDir } from '../raw-directory';
import { RefusedValueReporter, WindowPipeline, rowsByTableAfter } from '../window-pipeline';

const TICK_MS = 100;
/** Events read ahead of the one being handled before the socket is paused. */
const MAX_QUEUED_EVENTS = 2000;

/**
 * Starts capturing a MySQL or MariaDB source (`mysql://` or `mariadb://`): DMS's output for a MySQL source. Every check runs
 * before anything is written.
 *
 * 1. A consistent snapshot is opened at known binlog coordinates (see openConsistentSnapshot); each table is loaded from it.
 * 2. The ROW binlog (FULL images) is read from those coordinates into CDC files, one per table per window; a window closes at
 *    the first transaction boundary after `batchIntervalMs` or `maxFileBytes`. The position in the state file advances only
 *    after the window's files are durable, so a restart (also after kill -9) resumes from a position whose changes are all
 *    written, and re-reads at most the window being written (the same rows with the same change sequences; the merge absorbs them).
 */
export async function startMysqlCapture(options: CaptureOptions): Promise<CaptureHandle> {
  const capture = new MysqlCapture(options);
  await capture.prepare();
  return capture.handle();
}

class MysqlCapture {
  readonly stats: CaptureStats;
  private readonly progress: ProgressReporter;
  private readonly refused: RefusedValueReporter;
  private readonly rawDir: string;
  private db: Connection | undefined;
  private reader: BinlogReader | undefined;
  private encoder: ParquetEncoder | undefined;
  private unlock: (() => void) | undefined;
  private tables: CapturedTable[] = [];
  private tablesByKey = new Map<string, CapturedTable>();
  private state: CaptureState | undefined;
  private mariadb = false;
  private serverIdentity = '';
  private database = '';
  private target: BinlogPosition = { file: '', position: 0 };
  private scratchDir = '';
  private pipeline: WindowPipeline | undefined;
  /** Transactions assembled from the binlog, and where the log stands. */
  private log: BinlogTransactions | undefined;
  private confirmed: BinlogPosition = { file: '', position: 0 };
  private lastStateWriteMs = 0;
  private stopping = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly queue: AnyBinlogEvent[] = [];
  private draining = false;
  private failure: unknown;
  private readonly completion = new RunCompletion();

  constructor(private readonly options: CaptureOptions) {
    this.progress = options.progress ?? SILENT_PROGRESS;
    this.refused = new RefusedValueReporter(this.progress);
    this.rawDir = path.resolve(options.rawDir);
    this.stats = initialCaptureStats();
  }

  handle(): CaptureHandle {
    return {
      done: this.completion.done,
      stats: this.stats,
      stop: async () => {
        this.requestStop();
        return this.completion.done;
      },
      waitFor: async (position: string) => this.waitFor(parseBinlogPosition(position)),
    };
  }

  async prepare(): Promise<void> {
    const target = parseMysqlUrl(this.options.source);
    if (this.options.slot !== undefined) {
      throw new LakehouseError('--slot is for PostgreSQL sources; a MySQL capture reads the binary log and keeps its position in the raw directory', 2);
    }
    this.db = await connectMysqlSource(this.options.source);
    try {
      await checkMysqlSource(this.db, target.masked, this.options.tables ?? []);
      const [info] = await this.db.query<RowDataPacket[]>('SELECT VERSION() AS version, @@hostname AS host, @@port AS port, @@server_id AS id');
      this.mariadb = /mariadb/i.test(String(info[0].version));
      this.serverIdentity = await readServerIdentity(this.db, this.mariadb, info[0]);
      this.database = target.database ?? '';
      const state = fs.existsSync(this.rawDir) ? readCaptureState(this.rawDir) : undefined;
      if (state && state.engine !== 'mysql') {
        throw new LakehouseError(`${this.rawDir} holds a capture of a PostgreSQL source (${state.source.url}), not of ${target.masked}; use another --raw directory`);
      }
      if (!state) checkEmptyRawDir(this.rawDir);
      if (state && state.source.systemIdentifier !== this.serverIdentity) {
        throw new LakehouseError(`${this.rawDir} holds a capture of server ${state.source.systemIdentifier} (${state.source.url}), `
          + `not of ${target.masked} (${this.serverIdentity}); use another --raw directory`);
      }
      const selectOptions = { exclude: this.options.exclude, database: target.database };
      const metas = state?.phase === 'streaming'
        ? readTableMetadataFiles<MysqlTableMetadata>(this.rawDir, state)
        : await readMysqlTableMetadata(this.db, this.options.tables ?? [], selectOptions);
      if (state?.phase === 'streaming' && ((this.options.tables?.length ?? 0) > 0 || (this.options.exclude?.length ?? 0) > 0)) {
        checkSameTables(this.rawDir, state, await readMysqlTableMetadata(this.db, this.options.tables ?? [], selectOptions));
      }
      if (state?.phase === 'streaming') await checkBinlogKept(this.db, parseBinlogPosition(state.confirmedLsn ?? state.consistentPoint ?? ''));
      const warning = await rowMetadataWarning(this.db);
      if (warning) this.progress.line(warning);
      this.target = await showBinlogStatus(this.db);
      fs.mkdirSync(this.rawDir, { recursive: true });
      this.unlock = lockRawDirectory(this.rawDir);
      this.state = state;
      this.setTables(metas);
      ({ scratchDir: this.scratchDir, encoder: this.encoder } = await openCaptureScratch(this.rawDir));
      this.pipeline = new WindowPipeline({
        scratchDir: this.scratchDir,
        encoder: this.encoder,
        compression: this.options.compression ?? 'none',
        batchIntervalMs: this.options.batchIntervalMs ?? 1000,
        maxFileBytes: this.maxFileBytes,
        lookupToast: () => Promise.reject(new Error('a MySQL row image is always complete (binlog_row_image=FULL): nothing to look up')),
        onWritten: async (window, files) => this.windowWritten(window, files),
        onSettled: () => {
          if (!this.stopping && this.queue.length < MAX_QUEUED_EVENTS) this.reader?.resume();
        },
        onFailure: (err) => {
          this.failure ??= err;
        },
      });
    } catch (err) {
      await this.cleanup();
      throw err;
    }
    this.completion.follow(this.run());
  }

  private setTables(metas: readonly TableMetadata[]): void {
    this.tables = metas.map((m) => new CapturedTable(m, rawTableDirectory({ rootDir: this.rawDir }, m.source)));
    this.tablesByKey = new Map(this.tables.map((t) => [t.key, t]));
  }

  private async run(): Promise<CaptureStats> {
    try {
      if (!this.state || this.state.phase === 'full-load') await this.fullLoad();
      if (!this.stopping && !this.stats.stoppedDuringFullLoad) await this.streamChanges();
      this.stats.phase = 'stopped';
      return this.stats;
    } catch (err) {
      this.failure ??= err;
      throw err;
    } finally {
      this.stats.maxRssBytes = process.resourceUsage().maxRSS * 1024;
      this.progress.done();
      await this.cleanup();
    }
  }

  private persist(fields: Partial<Omit<CaptureState, 'format' | 'version' | 'updatedAt'>>): void {
    const base = this.state ?? {
      engine: 'mysql' as const,
      source: { url: maskedMysqlUrl(this.options.source), database: this.database, systemIdentifier: this.serverIdentity },
      slot: '',
      phase: 'full-load' as const,
      taskStartTime: formatDmsTimestamp(Date.now() * 1000),
      tables: this.tables.map((t) => ({ schema: t.meta.source.schema, table: t.meta.source.table })),
      fullLoadRows: {},
      consistentPoint: null,
      confirmedLsn: null,
      gtidPosition: null,
      lastSequenceMicros: 0,
      cdcFiles: 0,
      cdcRows: 0,
      cdcRowsByTable: {},
    };
    this.state = writeCaptureState(this.rawDir, { ...base, ...fields });
    this.lastStateWriteMs = Date.now();
  }

  private async fullLoad(): Promise<void> {
    this.stats.phase = 'full-load';
    // an unfinished load is redone from scratch: its snapshot is gone
    for (const t of this.state?.tables ?? []) {
      const dir = rawTableDirectory({ rootDir: this.rawDir }, t);
      if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    }
    this.state = undefined;
    this.persist({ phase: 'full-load' });
    const worker = await connectMysqlSource(this.options.source);
    const started = Date.now();
    try {
      const snapshot = await openConsistentSnapshot(worker, this.mariadb);
      const at = formatBinlogPosition(snapshot.position);
      this.progress.line(`capture: consistent snapshot at binlog ${at}${snapshot.gtid ? ` (GTID ${snapshot.gtid})` : ''}; loading `
        + `${this.tables.length} table${this.tables.length === 1 ? '' : 's'} from it`);
      this.persist({ consistentPoint: at, gtidPosition: snapshot.gtid });
      for (const table of this.tables) writeFileAtomic(path.join(table.dir, TABLE_METADATA_FILE), `${JSON.stringify(table.meta, null, 2)}\n`);
      const rows: Record<string, number> = {};
      for (const [index, table] of this.tables.entries()) {
        const name = displayName(table.meta.source);
        if (this.stopping) {
          this.stats.stoppedDuringFullLoad = { table: null, tablesLoaded: index, tables: this.tables.length };
          return;
        }
        const tableStarted = Date.now();
        const result = await fullLoadMysqlTable({
          db: worker,
          table: table.meta as MysqlTableMetadata,
          tableDir: table.dir,
          encoder: this.encoder!,
          taskStartTime: this.state!.taskStartTime,
          chunkRows: this.options.fullLoadChunkRows ?? 250_000,
          compression: this.options.compression ?? 'none',
          scratchDir: this.scratchDir,
          onRows: (n) => this.progress.status(loadProgressText({
            table: name, index: index + 1, tables: this.tables.length, rows: n, estimatedRows: null, elapsedMs: Date.now() - tableStarted,
          })),
          onRefused: (column, reason, value) => this.refused.report(table.meta.source, column, reason, `${JSON.stringify(value)} in the full load`),
          stopRequested: () => this.stopping,
        });
        if (result.stopped) {
          this.stats.stoppedDuringFullLoad = { table: name, tablesLoaded: index, tables: this.tables.length };
          return;
        }
        rows[name] = result.rows;
        this.stats.fullLoadRows += result.rows;
        const ms = Date.now() - tableStarted;
        this.progress.line(`full load ${name}: ${formatCount(result.rows)} rows in ${formatDuration(ms)} (${formatRate(result.rows, ms)}), `
          + `${result.files.length} LOAD file${result.files.length === 1 ? '' : 's'}`);
        this.persist({ fullLoadRows: { ...rows } });
      }
      await worker.query('COMMIT');
      this.stats.fullLoadMs = Date.now() - started;
      this.persist({ phase: 'streaming', confirmedLsn: at });
    } finally {
      await endMysqlQuietly(worker);
    }
  }

  private async streamChanges(): Promise<void> {
    this.stats.phase = 'streaming';
    const state = this.state!;
    this.confirmed = parseBinlogPosition(state.confirmedLsn ?? state.consistentPoint ?? '');
    const pipeline = this.pipeline!;
    this.log = new BinlogTransactions({
      pipeline,
      refused: this.refused,
      table: (schema, table) => this.tablesByKey.get(CapturedTable.keyOf(schema, table)),
      refreshTable: async (table, drift, names, file) => this.refreshTable(table, drift, names, file),
      committed: () => {
        this.stats.transactions++;
      },
      stopping: () => this.stopping,
      backpressured: () => {
        if (this.backpressured) this.reader?.pause();
      },
    }, this.confirmed, state.gtidPosition ?? null, state.lastSequenceMicros);
    this.stats.confirmedLsn = formatBinlogPosition(this.confirmed);
    for (const table of this.tables) removeTemporaryFiles(table.dir);
    this.pipeline!.continueAfterFilesIn(this.tables.map((t) => t.dir));
    if (this.options.untilCaughtUp && compareBinlogPositions(this.confirmed, this.target) >= 0) return;
    const schemas: Record<string, string[]> = {};
    for (const t of this.tables) (schemas[t.meta.source.schema] ??= []).push(t.meta.source.table);
    await new Promise<void>((resolve, reject) => {
      this.reader = new BinlogReader(this.options.source, replicaServerId(this.rawDir), schemas, {
        onEvent: (event) => this.enqueue(event),
        onError: (err) => reject(new LakehouseError(`reading the binary log failed: ${errorMessage(err)}`)),
      });
      this.reader.start(this.confirmed).then(() => {
        this.progress.line(`capture: streaming changes from binlog ${formatBinlogPosition(this.confirmed)}`
          + `${this.options.untilCaughtUp ? ` until ${formatBinlogPosition(this.target)}` : ''}`);
      }, reject);
      this.timer = setInterval(() => {
        try {
          this.tick(resolve);
        } catch (err) {
          reject(err);
        }
      }, TICK_MS);
    });
  }

  private enqueue(event: AnyBinlogEvent): void {
    if (this.stopping) return;
    this.queue.push(event);
    if (this.queue.length > MAX_QUEUED_EVENTS) this.reader?.pause();
    if (!this.draining) {
      this.draining = true;
      this.drain().catch((err: unknown) => {
        this.failure ??= err;
      }).finally(() => {
        this.draining = false;
      });
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && !this.stopping && this.failure === undefined) {
      const event = this.queue.shift()!;
      await this.log!.handle(event);
      if (this.queue.length < MAX_QUEUED_EVENTS / 2 && !this.backpressured) this.reader?.resume();
    }
  }

  /** True while written windows lag behind (the socket stays paused). */
  private get backpressured(): boolean {
    return this.pipeline!.flushing !== undefined && this.pipeline!.stagedBytes > 2 * this.maxFileBytes;
  }

  /** A row image's columns differ from the metadata (ADD/DROP COLUMN): the table is read again and staged apart from here on. */
  private async refreshTable(
    table: CapturedTable, drift: { added: string[]; missing: string[] }, names: readonly string[], file: string,
  ): Promise<CapturedTable> {
    const next = await refreshMysqlTable(this.db!, table, drift, names, file, this.progress);
    this.tables = this.tables.map((t) => (t === table ? next : t));
    this.tablesByKey.set(next.key, next);
    return next;
  }

  private get maxFileBytes(): number {
    return this.options.maxFileBytes ?? 32 * 1024 * 1024;
  }

  /** The window's CDC files are durable: the state's position moves past its last commit. */
  private async windowWritten(window: CdcWindow, files: readonly WrittenCdcFile[]): Promise<void> {
    const rows = files.reduce((n, f) => n + f.rows, 0);
    // a TRUNCATE: load the table again before the stored position moves past it (a crash before then reads it again)
    for (const table of window.truncated.values()) await this.reloadTable(this.tablesByKey.get(table.key) ?? table);
    const end = this.log!.takeWindowEnd(window.id);
    if (end && compareBinlogPositions(end.position, this.confirmed) > 0) this.confirmed = end.position;
    this.stats.cdcRows += rows;
    this.stats.cdcFiles += files.length;
    this.stats.confirmedLsn = formatBinlogPosition(this.confirmed);
    const newest = window.transactions.length > 0 ? window.transactions[window.transactions.length - 1].commitTimestamp : undefined;
    this.persist({
      confirmedLsn: formatBinlogPosition(this.confirmed),
      gtidPosition: end?.gtid ?? this.state!.gtidPosition ?? null,
      lastSequenceMicros: window.lastSequenceMicros || this.state!.lastSequenceMicros,
      cdcFiles: this.state!.cdcFiles + files.length,
      cdcRows: this.state!.cdcRows + rows,
      cdcRowsByTable: rowsByTableAfter(this.state!, files),
      lastCommitTimestamp: newest ?? this.state!.lastCommitTimestamp ?? null,
    });
    this.stats.streamingMs = Date.now() - (this.log!.firstTransactionMs ?? Date.now());
    if (files.length > 0) {
      this.progress.status(`cdc: ${formatCount(this.stats.cdcRows)} changes in ${formatCount(this.stats.cdcFiles)} files `
        + `(${formatRate(this.stats.cdcRows, this.stats.streamingMs)}), confirmed ${this.stats.confirmedLsn}`);
    }
  }

  /**
   * A new full load of one table (after a TRUNCATE) from a snapshot taken now: new LOAD files, last-modified after every CDC file
   * written so far, replace the old ones, so curation rebuilds the table from them and skips the older CDC files. Changes
   * committed between the TRUNCATE and the snapshot are in the load and in later CDC files; applied again in order, they leave
   * each row as the snapshot has it.
   */
  private async reloadTable(table: CapturedTable): Promise<void> {
    const started = Date.now();
    const worker = await connectMysqlSource(this.options.source);
    try {
      await openConsistentSnapshot(worker, this.mariadb);
      const result = await fullLoadMysqlTable({
        db: worker,
        table: table.meta as MysqlTableMetadata,
        tableDir: table.dir,
        encoder: this.encoder!,
        taskStartTime: formatDmsTimestamp(started * 1000),
        chunkRows: this.options.fullLoadChunkRows ?? 250_000,
        compression: this.options.compression ?? 'none',
        scratchDir: this.scratchDir,
        writeEmptyLoad: true,
        fileTime: this.pipeline!.nextFileTime(),
        onRefused: (column, reason, value) => this.refused.report(table.meta.source, column, reason, `${JSON.stringify(value)} in the reload`),
      });
      await worker.query('COMMIT');
      this.progress.line(`capture: TRUNCATE of ${displayName(table.meta.source)}: loaded again, ${formatCount(result.rows)} rows in `
        + `${formatDuration(Date.now() - started)}; curate rebuilds the table from the new LOAD files`);
    } finally {
      await endMysqlQuietly(worker);
    }
  }

  private get idle(): boolean {
    return this.pipeline!.idle && this.queue.length === 0 && !this.draining;
  }

  private tick(resolve: () => void): void {
    if (this.failure !== undefined) throw this.failure;
    this.pipeline!.maybeClose(this.stopping);
    const idle = this.idle;
    const seen = this.log?.seen;
    if (idle && seen && compareBinlogPositions(seen, this.confirmed) > 0) {
      // nothing staged or open: everything up to the last event read is done
      this.confirmed = seen;
      this.stats.confirmedLsn = formatBinlogPosition(this.confirmed);
      if (this.options.untilCaughtUp || this.stopping || Date.now() - this.lastStateWriteMs > 5000) {
        this.persist({ confirmedLsn: this.stats.confirmedLsn, gtidPosition: this.log!.gtid });
      }
    }
    const caughtUp = this.options.untilCaughtUp && idle && compareBinlogPositions(this.confirmed, this.target) >= 0;
    if ((this.stopping && idle) || caughtUp) {
      resolve();
    } else if (this.stopping && !this.draining) {
      // no new transactions: the open one (if any) is dropped and read again after a restart
      this.pipeline!.closeForStop();
    }
  }

  private requestStop(): void {
    this.stopping = true;
    this.queue.length = 0;
    this.reader?.pause();
  }

  private async waitFor(position: BinlogPosition): Promise<void> {
    for (;;) {
      if (this.stats.phase === 'streaming' && compareBinlogPositions(this.confirmed, position) >= 0) return;
      if (this.stats.phase === 'stopped' || this.failure !== undefined) {
        throw new LakehouseError(`capture ended before reaching binlog ${formatBinlogPosition(position)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private async cleanup(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.pipeline?.settle();
    await this.reader?.stop().catch(() => undefined);
    await endMysqlQuietly(this.db);
    this.encoder?.close();
    this.encoder = undefined;
    if (this.scratchDir) fs.rmSync(this.scratchDir, { recursive: true, force: true });
    this.unlock?.();
    this.unlock = undefined;
  }
}
