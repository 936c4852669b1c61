import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rawTableDirectory } from '@cdc-lakehouse/curation';
import { Client } from 'pg';
import { ProgressReporter, SILENT_PROGRESS, formatCount, formatDuration, formatRate } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';
import { ColumnMetadata, TableMetadata, displayName, qualifiedName, quoteIdent, readTableMetadata } from '../../source/catalog';
import { connectSource, endQuietly, maskedUrl, parseSourceUrl, queryText } from '../../source/connection';
import { Lsn, formatLsn, parseLsn } from '../../source/lsn';
import { LogicalReplicationStream } from '../../source/replication-stream';
import { WalTextDecoder, walTextDecoder } from '../../source/server-encoding';
import { parseExcludeList } from '../../source/table-exclusion';
import { DecodedValue, UNCHANGED_TOAST, formatDmsTimestamp, parseCommitTime, parseTestDecodingLine } from '../../source/test-decoding';
import { refusedValue } from '../../source/type-mapping';
import { removeTemporaryFiles, writeFileAtomic } from '../atomic-file';
import type { CaptureHandle, CaptureOptions, CaptureStats } from '../capture';
import { checkSameTables, initialCaptureStats, openCaptureScratch, readTableMetadataFiles, RunCompletion } from '../capture-run';
import { CaptureState, TABLE_METADATA_FILE, lockRawDirectory, readCaptureState, writeCaptureState } from '../capture-state';
import { CapturedTable, CdcWindow, StagedTable } from '../cdc-window';
import { WrittenCdcFile } from '../cdc-writer';
import { ChangeSequencer } from '../change-sequence';
import { fullLoadTable } from '../full-load';
import { loadProgressText } from '../load-progress';
import { ParquetEncoder } from '../parquet-encoder';
import { checkEmptyRawDir } from '../raw-directory';
import { forgetSlot, recordSlot } from '../slot-registry';
import { isNoFreeSlotError, noFreeSlotError, slotCapacity } from '../slots';
import { RefusedValueReporter, WindowPipeline, rowsByTableAfter } from '../window-pipeline';

const debug = (line: string): void => {
  if (process.env.LAKEHOUSE_DEBUG) process.stderr.write(`[debug] ${line}\n`);
};

const PLUGIN = 'test_decoding';
const PLUGIN_OPTIONS = { 'include-xids': '1', 'include-timestamp': '1', 'skip-empty-xacts': '1' };
const STATUS_INTERVAL_MS = 10_000;
const TICK_MS = 100;

/**
 * The line every end of a capture prints about its replication slot: which slot holds WAL for the
 * raw directory and how to drop it once the raw zone is no longer wanted (or that none is left).
 */
export function slotExitLine(stats: CaptureStats, source: string, rawDir: string): string | undefined {
  if (!stats.slot) return undefined;
  const dir = path.resolve(rawDir);
  if (stats.slotState === 'dropped') {
    return `capture: replication slot ${stats.slot} dropped (the full load did not finish; the next capture of ${dir} redoes it from a new slot)`;
  }
  if (stats.slotState === 'none') return `capture: no replication slot left on the server (${stats.slot} was not created)`;
  const position = stats.confirmedLsn ? ` after ${stats.confirmedLsn}` : '';
  const failedDrop = stats.slotDropError ? ` (could not drop it: ${stats.slotDropError})` : '';
  return `capture: replication slot ${stats.slot} keeps the WAL${position} for the next capture of ${dir}${failedDrop}; `
    + `if that raw zone is no longer wanted, drop it: lakehouse local slots --source ${maskedUrl(source)} --drop ${stats.slot}`;
}

/** The default slot name for a raw directory and database. */
export function defaultSlotName(rawDir: string, database: string): string {
  const hash = createHash('sha256').update(`${path.resolve(rawDir)}\u0000${database}`).digest('hex').slice(0, 16);
  return `lakehouse_${hash}`;
}

/**
 * Starts capturing: DMS's output for a PostgreSQL source. Every check runs before anything is
 * written (a bad source or raw directory throws a one-line LakehouseError and leaves no trace).
 *
 * 1. A replication slot is created with an exported snapshot (`CREATE_REPLICATION_SLOT … LOGICAL
 *    test_decoding (SNAPSHOT 'export')`); each table is loaded from that snapshot into LOAD
 *    files, so the stream continues exactly where the load stopped.
 * 2. The slot's changes stream into CDC files, one per table per window; a window closes at the
 *    first transaction boundary after `batchIntervalMs` or `maxFileBytes`. The slot's confirmed
 *    position (and the state file) advance only after the window's files are durable.
 *
 * A restart after a crash resumes: an unfinished full load is redone from a new slot; streaming
 * continues from the slot, re-delivering at most the transactions of the window that was being
 * written (the merge absorbs them).
 */
export async function startCapture(options: CaptureOptions): Promise<CaptureHandle> {
  const capture = new Capture(options);
  await capture.prepare();
  return capture.handle();
}

class Capture {
  readonly stats: CaptureStats;
  private readonly progress: ProgressReporter;
  private readonly rawDir: string;
  private client: Client | undefined;
  private replication: Client | undefined;
  private lookupClient: Client | undefined;
  private stream: LogicalReplicationStream | undefined;
  private encoder: ParquetEncoder | undefined;
  private unlock: (() => void) | undefined;
  private tables: CapturedTable[] = [];
  private tablesByKey = new Map<string, CapturedTable>();
  private state: CaptureState | undefined;
  private systemIdentifier = '';
  private database = '';
  private serverVersionNum = 0;
  /** Reads test_decoding's messages, which come in the database's encoding (the COPY of the full load comes in UTF-8). */
  private decodeWalText: WalTextDecoder = walTextDecoder('UTF8');
  private targetLsn: Lsn = 0n;
  private scratchDir = '';
  private sequencer = new ChangeSequencer();
  /** The open window and the one being written (engine-neutral, see window-pipeline.ts). */
  private pipeline: WindowPipeline | undefined;
  private confirmed: Lsn = 0n;
  private received: Lsn = 0n;
  private serverWalEnd: Lsn = 0n;
  private lastStatusMs = 0;
  private lastStateWriteMs = 0;
  private streamingStartedMs: number | undefined;
  private paused = false;
  private stopping = false;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly completion = new RunCompletion();
  private readonly waiters: { lsn: Lsn; resolve: () => void }[] = [];
  /** Stream messages held back while a table's metadata is read again (a column was added or dropped). */
  private readonly held: { lsn: Lsn; walEnd: Lsn; data: Buffer }[] = [];
  private refreshing = false;
  private readonly refused: RefusedValueReporter;
  private failure: unknown;
  /** True from the slot's creation until the full load is complete. */
  private loadUnfinished = false;

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
      waitFor: async (lsn: string) => this.waitFor(parseLsn(lsn)),
    };
  }

  /** Checks the source and the raw directory, then starts the run in the background. */
  async prepare(): Promise<void> {
    const target = parseSourceUrl(this.options.source);
    this.client = await connectSource({ url: this.options.source, applicationName: 'lakehouse-capture' });
    try {
      await this.checkSource(target.masked);
      const state = fs.existsSync(this.rawDir) ? readCaptureState(this.rawDir) : undefined;
      if (!state) this.checkEmptyRawDir();
      const exclude = this.options.exclude && this.options.exclude.length > 0
        ? parseExcludeList('local capture', this.options.exclude.join(',')) : [];
      const metas = state && state.phase === 'streaming'
        ? readTableMetadataFiles(this.rawDir, state)
        : await readTableMetadata(this.client, this.options.tables ?? [], { exclude });
      if (state && ((this.options.tables && this.options.tables.length > 0) || exclude.length > 0) && state.phase === 'streaming') {
        checkSameTables(this.rawDir, state, await readTableMetadata(this.client, this.options.tables ?? [], { exclude }));
      }
      this.targetLsn = parseLsn((await this.client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn);
      this.replication = await connectSource({ url: this.options.source, replication: true, applicationName: 'lakehouse-capture-stream' });
      const identify = await this.replication.query<{ systemid: string; dbname: string }>('IDENTIFY_SYSTEM');
      this.systemIdentifier = String(identify.rows[0].systemid);
      if (state && (state.source.systemIdentifier !== this.systemIdentifier || state.source.database !== this.database)) {
        throw new LakehouseError(`${this.rawDir} holds a capture of database ${JSON.stringify(state.source.database)} on server ${state.source.systemIdentifier} `
          + `(${state.source.url}), not of ${target.masked}; use another --raw directory`);
      }
      const slot = state?.slot ?? this.options.slot ?? defaultSlotName(this.rawDir, this.database);
      if (!/^[a-z0-9_]{1,63}$/.test(slot)) {
        throw new LakehouseError(`--slot ${JSON.stringify(slot)}: a replication slot name has 1-63 lowercase letters, digits and underscores`, 2);
      }
      this.stats.slot = slot;
      await this.waitForSlotInactive(slot);
      if (state?.phase === 'streaming') {
        const slotRow = await this.client.query<{ database: string; plugin: string }>(
          'SELECT database, plugin FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [slot]);
        if (slotRow.rows.length === 0) {
          throw new LakehouseError(`replication slot ${slot} no longer exists, so the changes after ${state.confirmedLsn} are lost; `
            + 'start over with an empty --raw directory (and lake)');
        }
        this.stats.slotState = 'held';
      } else {
        await this.checkFreeSlot(slot, target.masked);
      }
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
        lookupToast: (staged, file) => this.lookupToast(staged, file),
        onWritten: async (window, files) => this.windowWritten(window, files),
        onSettled: () => {
          if (this.paused) this.resume();
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

  /** A new slot is needed: fail before anything is written when the server has none free (unless the old one is reused). */
  private async checkFreeSlot(slot: string, masked: string): Promise<void> {
    const exists = (await this.client!.query('SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [slot])).rows.length > 0;
    const capacity = await slotCapacity(this.client!);
    if (!exists && capacity.used >= capacity.max) throw await noFreeSlotError(this.client!, masked);
  }

  /** Records which raw directory the slot feeds, for `lakehouse local slots`; a failure is a warning. */
  private recordSlot(): void {
    const problem = recordSlot({
      slot: this.stats.slot,
      systemIdentifier: this.systemIdentifier,
      database: this.database,
      source: maskedUrl(this.options.source),
      rawDir: this.rawDir,
    });
    if (problem) this.progress.line(`capture: warning: ${problem}; \`lakehouse local slots\` will not show the raw directory of slot ${this.stats.slot}`);
  }

  /** A killed capture's WAL sender lingers until the server notices the broken connection. */
  private async waitForSlotInactive(slot: string): Promise<void> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const active = await this.client!.query<{ pid: number | null }>(
        'SELECT active_pid AS pid FROM pg_catalog.pg_replication_slots WHERE slot_name = $1 AND active', [slot]);
      if (active.rows.length === 0) return;
      if (Date.now() > deadline) {
        throw new LakehouseError(`replication slot ${slot} is in use by server process ${active.rows[0].pid}; `
          + 'is another capture running on this raw directory? Stop it first');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private async checkSource(masked: string): Promise<void> {
    const info = (await this.client!.query<{
      wal_level: string;
      superuser: boolean;
      replication: boolean;
      rds_replication: boolean;
      db: string;
      user: string;
      version: number;
      encoding: string;
    }>(`SELECT current_setting('wal_level') AS wal_level, r.rolsuper AS superuser, r.rolreplication AS replication,
              EXISTS (SELECT 1 FROM pg_catalog.pg_roles m WHERE m.rolname = 'rds_replication' AND pg_has_role(current_user, m.oid, 'MEMBER')) AS rds_replication,
              current_database() AS db, current_user AS user, current_setting('server_version_num')::int AS version,
              current_setting('server_encoding') AS encoding
         FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`)).rows[0];
    this.database = info.db;
    this.serverVersionNum = info.version;
    this.decodeWalText = walTextDecoder(info.encoding);
    if (info.wal_level !== 'logical') {
      throw new LakehouseError(`source ${masked}: wal_level is "${info.wal_level}", but capture needs "logical"; `
        + 'set wal_level = logical in postgresql.conf (on RDS: rds.logical_replication = 1) and restart the server');
    }
    if (!info.superuser && !info.replication && !info.rds_replication) {
      throw new LakehouseError(`source ${masked}: user "${info.user}" has no replication rights; `
        + `run ALTER ROLE ${quoteIdent(info.user)} REPLICATION (on RDS: GRANT rds_replication TO ${quoteIdent(info.user)}), or connect as a user that has them`);
    }
    if (info.version < 100000) {
      throw new LakehouseError(`source ${masked}: PostgreSQL ${info.version} is too old; capture needs PostgreSQL 10 or later`);
    }
  }

  private checkEmptyRawDir(): void {
    checkEmptyRawDir(this.rawDir);
  }

  private setTables(metas: readonly TableMetadata[]): void {
    this.tables = metas.map((m) => new CapturedTable(m, rawTableDirectory({ rootDir: this.rawDir }, m.source)));
    this.tablesByKey = new Map(this.tables.map((t) => [t.key, t]));
  }

  private async run(): Promise<CaptureStats> {
    try {
      if (!this.state || this.state.phase === 'full-load') {
        await this.fullLoad();
      } else {
        this.recordSlot();
      }
      if (!this.stopping) {
        await this.streamChanges();
      }
      this.stats.phase = 'stopped';
      return this.stats;
    } catch (err) {
      this.failure = err;
      throw err;
    } finally {
      this.stats.maxRssBytes = process.resourceUsage().maxRSS * 1024;
      this.progress.done();
      if (this.loadUnfinished && this.stats.slotState === 'held') await this.dropUnfinishedLoadSlot();
      await this.cleanup();
    }
  }

  /** The slot of a full load that did not finish is of no use (the next capture redoes the load from a new one): it goes. */
  private async dropUnfinishedLoadSlot(): Promise<void> {
    try {
      await this.client!.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [this.stats.slot]);
      this.stats.slotState = 'dropped';
      forgetSlot(this.systemIdentifier, this.stats.slot);
    } catch (err) {
      this.stats.slotDropError = errorMessage(err);
    }
  }

  private persist(fields: Partial<Omit<CaptureState, 'format' | 'version' | 'updatedAt'>>): void {
    const base = this.state ?? {
      source: { url: maskedUrl(this.options.source), database: this.database, systemIdentifier: this.systemIdentifier },
      slot: this.stats.slot,
      phase: 'full-load' as const,
      taskStartTime: formatDmsTimestamp(Date.now() * 1000),
      tables: this.tables.map((t) => ({ schema: t.meta.source.schema, table: t.meta.source.table })),
      fullLoadRows: {},
      consistentPoint: null,
      confirmedLsn: null,
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
    const previous = this.state;
    // an unfinished load is redone from scratch: its snapshot is gone
    for (const t of previous?.tables ?? []) {
      const dir = rawTableDirectory({ rootDir: this.rawDir }, t);
      if (fs.existsSync(dir)) fs.rmSync(dir, { recursive: true, force: true });
    }
    await this.dropSlotIfPresent(this.stats.slot);
    this.state = undefined;
    this.persist({ phase: 'full-load' });
    let created: { rows: { consistent_point: string; snapshot_name: string }[] };
    try {
      created = await this.replication!.query<{ consistent_point: string; snapshot_name: string }>(
        `CREATE_REPLICATION_SLOT ${this.stats.slot} LOGICAL ${PLUGIN} ${this.serverVersionNum >= 150000 ? "(SNAPSHOT 'export')" : 'EXPORT_SNAPSHOT'}`);
    } catch (err) {
      if (isNoFreeSlotError(err)) throw await noFreeSlotError(this.client!, maskedUrl(this.options.source));
      throw err;
    }
    this.stats.slotState = 'held';
    this.loadUnfinished = true;
    this.recordSlot();
    const consistentPoint = created.rows[0].consistent_point;
    this.progress.line(`capture: slot ${this.stats.slot} created at ${consistentPoint}; loading ${this.tables.length} `
      + `table${this.tables.length === 1 ? '' : 's'} from its snapshot`);
    this.persist({ consistentPoint });
    for (const table of this.tables) {
      writeFileAtomic(path.join(table.dir, TABLE_METADATA_FILE), `${JSON.stringify(table.meta, null, 2)}\n`);
    }
    const worker = await connectSource({ url: this.options.source, applicationName: 'lakehouse-full-load' });
    const started = Date.now();
    try {
      await worker.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await worker.query(`SET TRANSACTION SNAPSHOT '${created.rows[0].snapshot_name}'`);
      const rows: Record<string, number> = {};
      for (const [index, table] of this.tables.entries()) {
        const name = displayName(table.meta.source);
        if (this.stopping) {
          this.stats.stoppedDuringFullLoad = { table: null, tablesLoaded: index, tables: this.tables.length };
          return;
        }
        const tableStarted = Date.now();
        let estimatedRows: number | null = null;
        const result = await fullLoadTable({
          client: worker,
          table: table.meta,
          tableDir: table.dir,
          encoder: this.encoder!,
          taskStartTime: this.state!.taskStartTime,
          chunkRows: this.options.fullLoadChunkRows ?? 250_000,
          compression: this.options.compression ?? 'none',
          scratchDir: this.scratchDir,
          serverVersionNum: this.serverVersionNum,
          onRefused: (column, count, example) => this.reportLoadRefused(table.meta, column, count, example, `the full load (snapshot at ${consistentPoint})`),
          onEstimate: (n) => {
            estimatedRows = n;
          },
          onRows: (n) => this.progress.status(loadProgressText({
            table: name, index: index + 1, tables: this.tables.length, rows: n, estimatedRows, elapsedMs: Date.now() - tableStarted,
          })),
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
    } finally {
      await endQuietly(worker);
    }
    this.stats.fullLoadMs = Date.now() - started;
    this.persist({ phase: 'streaming', confirmedLsn: consistentPoint });
    this.loadUnfinished = false;
  }

  private async dropSlotIfPresent(slot: string): Promise<void> {
    try {
      await this.client!.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [slot]);
      forgetSlot(this.systemIdentifier, slot);
    } catch (err) {
      throw new LakehouseError(`cannot drop the unfinished capture's replication slot ${slot} (${errorMessage(err)}); `
        + 'is another capture using it? Stop it, or use another --raw directory');
    }
  }

  private async streamChanges(): Promise<void> {
    this.stats.phase = 'streaming';
    const state = this.state!;
    this.confirmed = parseLsn(state.confirmedLsn ?? state.consistentPoint ?? '0/0');
    this.stats.confirmedLsn = formatLsn(this.confirmed);
    this.sequencer = new ChangeSequencer(state.lastSequenceMicros);
    this.lookupClient = await connectSource({ url: this.options.source, applicationName: 'lakehouse-lob-lookup' });
    for (const table of this.tables) removeTemporaryFiles(table.dir);
    // file names keep increasing across restarts, even if the clock went back
    this.pipeline!.continueAfterFilesIn(this.tables.map((t) => t.dir));
    this.notifyWaiters();
    if (this.options.untilCaughtUp && this.confirmed >= this.targetLsn) return;
    await new Promise<void>((resolve, reject) => {
      this.stream = LogicalReplicationStream.start(this.replication!, this.stats.slot, this.confirmed, PLUGIN_OPTIONS, {
        onData: (lsn, walEnd, data) => this.guard(reject, () => this.onData(lsn, walEnd, data)),
        onKeepalive: (walEnd, reply) => this.guard(reject, () => this.onKeepalive(walEnd, reply)),
        onEnd: (error) => {
          if (this.finished) return;
          reject(error ? new LakehouseError(`the replication stream failed: ${errorMessage(error)}`) : new LakehouseError('the server ended the replication stream'));
        },
      });
      this.progress.line(`capture: streaming changes from ${formatLsn(this.confirmed)}${this.options.untilCaughtUp ? ` until ${formatLsn(this.targetLsn)}` : ''}`);
      this.timer = setInterval(() => this.guard(reject, () => this.tick(resolve)), TICK_MS);
    });
  }

  private guard(reject: (err: unknown) => void, work: () => void): void {
    try {
      work();
    } catch (err) {
      reject(err);
    }
  }

  private onData(lsn: Lsn, walEnd: Lsn, data: Buffer): void {
    if (walEnd > this.serverWalEnd) this.serverWalEnd = walEnd;
    if (lsn > this.received) this.received = lsn;
    if (this.refreshing) {
      this.held.push({ lsn, walEnd, data });
      return;
    }
    this.decode(lsn, walEnd, data);
  }

  private decode(lsn: Lsn, walEnd: Lsn, data: Buffer): void {
    const line = parseTestDecodingLine(this.decodeWalText(data));
    switch (line.kind) {
      case 'begin': {
        this.streamingStartedMs ??= Date.now();
        this.pipeline!.current().begin(Date.now());
        return;
      }
      case 'commit': {
        const window = this.pipeline!.current();
        const time = parseCommitTime(line.commitTime ?? '');
        const prefix = this.sequencer.nextTransaction(time.micros);
        window.commit(time.text, prefix, lsn, this.sequencer.last);
        this.stats.transactions++;
        this.pipeline!.maybeClose(this.stopping);
        return;
      }
      case 'change': {
        const table = this.tablesByKey.get(`${line.schema}\u0000${line.table}`);
        if (!table) return;
        const drift = (line.newTuple && table.columnDrift(line.newTuple, true)) || (line.oldTuple && table.columnDrift(line.oldTuple, false));
        if (drift) {
          // a column was added or dropped: read the table's columns again, then decode this change and the ones after it
          const names = new Set([...line.newTuple?.names ?? [], ...line.oldTuple?.names ?? []]);
          this.refreshTable(table, { ...drift, names, complete: line.newTuple !== undefined }, lsn, { lsn, walEnd, data });
          return;
        }
        if (table.refusable.length > 0) {
          if (line.newTuple) this.checkRefused(table, line.newTuple.names, line.newTuple.values, lsn);
          if (line.oldTuple) this.checkRefused(table, line.oldTuple.names, line.oldTuple.values, lsn);
        }
        const window = this.pipeline!.current();
        if (line.action === 'INSERT') {
          if (line.newTuple) window.stage(table, 'I', table.valuesOf(line.newTuple));
        } else if (line.action === 'DELETE') {
          if (line.oldTuple) window.stage(table, 'D', table.valuesOf(line.oldTuple));
        } else if (line.newTuple) {
          const after = table.valuesOf(line.newTuple);
          if (line.oldTuple) {
            const before = table.valuesOf(line.oldTuple);
            fillUnchangedToast(after, before);
            // the row's identity changed (or it is the whole row): the old row goes, the new one comes
            if (table.fullRowIdentity || table.identity.some((i) => before[i] !== after[i])) {
              window.stage(table, 'D', before);
            }
          }
          window.stage(table, 'U', after);
        }
        if (window.bytes > 2 * this.maxFileBytes && this.pipeline!.flushing && !this.paused) this.pause();
        return;
      }
      case 'truncate': {
        // DMS does not capture TRUNCATE; here the table is loaded again once the window holding it is written
        for (const t of line.tables) {
          const table = this.tablesByKey.get(`${t.schema}\u0000${t.table}`);
          if (table) this.pipeline!.current().truncate(table);
        }
        return;
      }
      default:
    }
  }

  private onKeepalive(walEnd: Lsn, replyRequested: boolean): void {
    if (walEnd > this.serverWalEnd) this.serverWalEnd = walEnd;
    this.confirmIdle();
    if (replyRequested) this.sendStatus();
  }

  /** With nothing open or staged, everything up to the server's position is done. */
  private confirmIdle(): void {
    const idle = this.pipeline!.idle && !this.holding;
    if (idle && this.serverWalEnd > this.confirmed) {
      this.confirmed = this.serverWalEnd;
      this.stats.confirmedLsn = formatLsn(this.confirmed);
      if (this.options.untilCaughtUp || Date.now() - this.lastStateWriteMs > 5000) {
        this.persist({ confirmedLsn: formatLsn(this.confirmed) });
      }
      this.sendStatus();
      this.notifyWaiters();
    }
  }

  /** True while stream messages wait for a metadata refresh. */
  private get holding(): boolean {
    return this.refreshing || this.held.length > 0;
  }

  /** Reports the first value of each column and kind that is written as NULL because its DMS type cannot hold it. */
  private checkRefused(table: CapturedTable, names: readonly string[], values: readonly DecodedValue[], lsn: Lsn): void {
    for (const index of table.refusable) {
      const column = table.meta.columns[index];
      const at = names.length === table.meta.columns.length && names[index] === column.name ? index : names.indexOf(column.name);
      const value = at < 0 ? null : values[at];
      if (typeof value !== 'string') continue;
      const reason = refusedValue(column.kind, value);
      if (reason === undefined) continue;
      this.reportRefused(table.meta, column.name, reason, `${JSON.stringify(value)} at LSN ${formatLsn(lsn)}`);
    }
  }

  private reportLoadRefused(meta: TableMetadata, column: string, count: number, example: string, where: string): void {
    const kind = meta.columns.find((c) => c.name === column)?.kind ?? 'text';
    this.reportRefused(meta, column, refusedValue(kind, example) ?? 'cannot be written in its DMS type',
      `${JSON.stringify(example)}${count > 1 ? ` (1 of ${count} values of this column written as NULL)` : ''} in ${where}`);
  }

  private reportRefused(meta: TableMetadata, column: string, reason: string, where: string): void {
    this.refused.report(meta.source, column, reason, where);
  }

  /**
   * Reads a table's columns again after a change showed columns the metadata does not have (ADD
   * COLUMN) or a full row lacking some (DROP COLUMN). The stream is held meanwhile; the change and
   * those after it are decoded with the new columns, staged apart from the rows before (their own CDC
   * file, with the old columns), and `_table.json` is rewritten.
   */
  private refreshTable(
    table: CapturedTable, drift: { added: string[]; missing: string[]; names: Set<string>; complete: boolean }, lsn: Lsn,
    message: { lsn: Lsn; walEnd: Lsn; data: Buffer },
  ): void {
    this.refreshing = true;
    this.held.unshift(message);
    this.stream?.pause();
    const name = displayName(table.meta.source);
    const work = async (): Promise<void> => {
      let fresh: TableMetadata;
      try {
        [fresh] = await readTableMetadata(this.lookupClient!, [`${quoteIdent(table.meta.source.schema)}.${quoteIdent(table.meta.source.table)}`]);
      } catch (err) {
        throw new LakehouseError(`table ${name}: its columns changed at LSN ${formatLsn(lsn)} (${describeDrift(drift)}), but reading them again failed: `
          + `${errorMessage(err)}`);
      }
      const known = [...table.meta.columns, ...(table.meta.droppedColumns ?? [])];
      const catalogNames = new Set(fresh.columns.map((c) => c.name));
      // columns the catalog no longer has but this change still has (dropped later on): kept with their old mapping
      // (text for one never seen); without a full row, a known column stays until a full row shows it gone
      const kept = table.meta.columns.filter((c) => !catalogNames.has(c.name) && (drift.names.has(c.name) || !drift.complete));
      const gone = drift.added.filter((n) => !catalogNames.has(n)).map((n): ColumnMetadata => known.find((c) => c.name === n)
        ?? { name: n, ordinal: 0, sourceType: 'unknown', nullable: true, type: 'string', rawType: 'VARCHAR', kind: 'text' });
      const columns = [...fresh.columns, ...kept, ...gone];
      const names = new Set(columns.map((c) => c.name));
      const dropped = [...(table.meta.droppedColumns ?? []).filter((c) => !names.has(c.name)),
        ...table.meta.columns.filter((c) => !names.has(c.name))];
      const meta: TableMetadata = { ...fresh, columns, droppedColumns: dropped.length > 0 ? dropped : undefined };
      const next = new CapturedTable(meta, table.dir, table.version + 1);
      // a full row of the change may still lack columns the catalog has (written before they were added)
      for (const n of drift.missing) if (names.has(n)) next.toleratedMissing.add(n);
      for (const n of table.toleratedMissing) if (names.has(n)) next.toleratedMissing.add(n);
      writeFileAtomic(path.join(table.dir, TABLE_METADATA_FILE), `${JSON.stringify(meta, null, 2)}\n`);
      this.tables = this.tables.map((t) => (t === table ? next : t));
      this.tablesByKey.set(next.key, next);
      const added = columns.filter((c) => !table.columnIndex.has(c.name)).map((c) => `${c.name} ${c.type}`);
      const removed = table.meta.columns.filter((c) => !names.has(c.name)).map((c) => c.name);
      this.progress.line(`capture: ${name}: columns changed at LSN ${formatLsn(lsn)}`
        + `${added.length > 0 ? `; added ${added.join(', ')}` : ''}${removed.length > 0 ? `; dropped ${removed.join(', ')}` : ''}`
        + `${added.length + removed.length === 0 ? '; none added or dropped (an older row)' : ''}; later CDC files have the new columns`);
    };
    work().then(() => {
      this.refreshing = false;
      while (this.held.length > 0 && !this.refreshing) {
        const held = this.held.shift()!;
        this.decode(held.lsn, held.walEnd, held.data);
      }
      if (!this.refreshing && !this.paused && !this.stopping) this.stream?.resume();
    }).catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  private get maxFileBytes(): number {
    return this.options.maxFileBytes ?? 32 * 1024 * 1024;
  }

  /** The window's CDC files are durable: TRUNCATEs in it are reloaded, then the slot and the state move past its last commit. */
  private async windowWritten(window: CdcWindow, files: readonly WrittenCdcFile[]): Promise<void> {
    const rows = files.reduce((n, f) => n + f.rows, 0);
    debug(`window ${window.id}: ${window.transactions.length} transactions, ${files.length} CDC files, ${rows} rows written`);
    const newestCommit = window.transactions.length > 0 ? window.transactions[window.transactions.length - 1].commitTimestamp : undefined;
    // a TRUNCATE: load the table again before the slot moves past it (a crash before then streams it again)
    for (const table of window.truncated.values()) {
      await this.reloadTable(this.tablesByKey.get(table.key) ?? table, window.lastCommitLsn);
    }
    this.stats.cdcRows += rows;
    this.stats.cdcFiles += files.length;
    if (window.lastCommitLsn !== undefined && window.lastCommitLsn > this.confirmed) this.confirmed = window.lastCommitLsn;
    this.stats.confirmedLsn = formatLsn(this.confirmed);
    this.persist({
      confirmedLsn: formatLsn(this.confirmed),
      lastSequenceMicros: window.lastSequenceMicros || this.state!.lastSequenceMicros,
      cdcFiles: this.state!.cdcFiles + files.length,
      cdcRows: this.state!.cdcRows + rows,
      cdcRowsByTable: rowsByTableAfter(this.state!, files),
      lastCommitTimestamp: newestCommit ?? this.state!.lastCommitTimestamp ?? null,
    });
    this.sendStatus();
    this.stats.streamingMs = Date.now() - (this.streamingStartedMs ?? Date.now());
    if (files.length > 0) {
      this.progress.status(`cdc: ${formatCount(this.stats.cdcRows)} changes in ${formatCount(this.stats.cdcFiles)} files `
        + `(${formatRate(this.stats.cdcRows, this.stats.streamingMs)}), confirmed ${this.stats.confirmedLsn}`);
    }
    this.notifyWaiters();
  }

  /**
   * A new full load of one table (after a TRUNCATE), from a snapshot taken now: new LOAD files
   * replace the old ones, last-modified after every CDC file written so far, so curation rebuilds the
   * table from them (its reload rule) and skips the older CDC files. Changes committed between the
   * TRUNCATE and the snapshot are both in the load and in later CDC files; applied again in order,
   * they leave each row as the snapshot has it.
   */
  private async reloadTable(table: CapturedTable, lsn: Lsn | undefined): Promise<void> {
    const name = displayName(table.meta.source);
    const started = Date.now();
    const worker = await connectSource({ url: this.options.source, applicationName: 'lakehouse-reload' });
    try {
      await worker.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const fileTime = this.pipeline!.nextFileTime();
      const result = await fullLoadTable({
        client: worker,
        table: table.meta,
        tableDir: table.dir,
        encoder: this.encoder!,
        taskStartTime: formatDmsTimestamp(started * 1000),
        chunkRows: this.options.fullLoadChunkRows ?? 250_000,
        compression: this.options.compression ?? 'none',
        scratchDir: this.scratchDir,
        serverVersionNum: this.serverVersionNum,
        writeEmptyLoad: true,
        fileTime,
        onRefused: (column, count, example) => this.reportLoadRefused(table.meta, column, count, example, 'the reload after a TRUNCATE'),
      });
      await worker.query('COMMIT');
      this.progress.line(`capture: TRUNCATE of ${name}${lsn === undefined ? '' : ` (committed at ${formatLsn(lsn)})`}: loaded again, `
        + `${formatCount(result.rows)} rows in ${formatDuration(Date.now() - started)}; curate rebuilds the table from the new LOAD files`);
    } finally {
      await endQuietly(worker);
    }
  }

  private async lookupToast(staged: StagedTable, file: string): Promise<number[]> {
    const table = staged.table;
    const meta = table.meta;
    // a column dropped since the change was staged cannot be read any more (its value stays NULL)
    const live = this.tablesByKey.get(table.key)?.columnIndex;
    const columns = [...staged.toastColumns].filter((i) => live?.has(meta.columns[i].name) ?? true).sort((a, b) => a - b);
    const identity = table.identity.map((i) => meta.columns[i]);
    const relation = qualifiedName(meta.source.schema, meta.source.table);
    const unnest = identity.map((_, k) => `$${k + 1}::text[]`).join(', ');
    const casts = identity.map((c, k) => `u.k${k}::${c.sourceType}`).join(', ');
    const sql = `SELECT ${[...identity.map((c) => quoteIdent(c.name)), ...columns.map((i) => quoteIdent(meta.columns[i].name))].join(', ')} `
      + `FROM ${relation} WHERE (${identity.map((c) => quoteIdent(c.name)).join(', ')}) IN `
      + `(SELECT ${casts} FROM unnest(${unnest}) AS u(${identity.map((_, k) => `k${k}`).join(', ')}))`;
    const keys = [...staged.toastKeys.values()];
    const fd = fs.openSync(file, 'w');
    try {
      for (let start = 0; start < keys.length; start += 5000) {
        const batch = keys.slice(start, start + 5000);
        const params = identity.map((_, k) => batch.map((key) => key[k]));
        const rows = await queryText(this.lookupClient!, sql, params);
        const text = rows.map((row) => row.map((v) => (v === null ? '' : `"${v.split('"').join('""')}"`)).join(',')).join('\n');
        if (text) fs.writeSync(fd, `${text}\n`);
      }
    } finally {
      fs.closeSync(fd);
    }
    return columns;
  }

  private tick(resolve: () => void): void {
    if (this.failure !== undefined) throw this.failure;
    this.pipeline!.maybeClose(this.stopping);
    if (Date.now() - this.lastStatusMs > STATUS_INTERVAL_MS) this.sendStatus();
    const idle = this.pipeline!.idle && !this.holding;
    if (idle) this.confirmIdle();
    const caughtUp = this.options.untilCaughtUp && idle && this.confirmed >= this.targetLsn;
    if ((this.stopping && idle) || caughtUp) {
      this.finished = true;
      resolve();
    } else if (this.stopping && !this.holding) {
      this.pipeline!.closeForStop();
    }
  }

  private sendStatus(): void {
    this.lastStatusMs = Date.now();
    const write = this.received > this.confirmed ? this.received : this.confirmed;
    this.stream?.sendStatus(write, this.confirmed);
  }

  private pause(): void {
    this.paused = true;
    this.stream?.pause();
  }

  private resume(): void {
    this.paused = false;
    this.stream?.resume();
  }

  private requestStop(): void {
    this.stopping = true;
    // no new transactions: the open one (if any) is dropped and re-delivered after a restart
    this.stream?.pause();
  }

  private async waitFor(lsn: Lsn): Promise<void> {
    if (this.confirmed >= lsn && this.stats.phase === 'streaming') return;
    await new Promise<void>((resolve, reject) => {
      this.waiters.push({ lsn, resolve });
      this.completion.done.then(() => reject(new LakehouseError(`capture ended before reaching ${formatLsn(lsn)}`)), reject);
    });
  }

  private notifyWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.confirmed >= this.waiters[i].lsn) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  private async cleanup(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.finished = true;
    await this.pipeline?.settle();
    if (this.stream) {
      this.sendStatus();
      await this.stream.close();
    }
    await endQuietly(this.replication);
    await endQuietly(this.lookupClient);
    await endQuietly(this.client);
    this.encoder?.close();
    this.encoder = undefined;
    if (this.scratchDir) fs.rmSync(this.scratchDir, { recursive: true, force: true });
    this.unlock?.();
    this.unlock = undefined;
  }
}

function describeDrift(drift: { added: string[]; missing: string[] }): string {
  return [drift.added.length > 0 ? `new: ${drift.added.join(', ')}` : '', drift.missing.length > 0 ? `missing: ${drift.missing.join(', ')}` : '']
    .filter((p) => p !== '').join('; ');
}

/** Fills an after-image's unchanged TOASTed values from the before-image where it has them. */
function fillUnchangedToast(after: DecodedValue[], before: readonly DecodedValue[]): void {
  for (let i = 0; i < after.length; i++) {
    if (after[i] === UNCHANGED_TOAST && before[i] !== null && before[i] !== UNCHANGED_TOAST) after[i] = before[i];
  }
}
