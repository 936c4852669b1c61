import * as fs from 'node:fs';
import * as path from 'node:path';
import { DMS_FACTS_TO_VERIFY, rawTableDirectory } from '@cdc-lakehouse/curation';
import { Client } from 'pg';
import { CAPTURE_STATE_FILE, CaptureState, captureLockHolder, readCaptureState } from './capture-state';
import type { StoredBinlogStatus } from './mysql/mysql-capture-status';
import { systemIdentifier } from './slots';
import { LakehouseError } from '../errors';
import { displayName } from '../source/catalog';
import { parseLsn } from '../source/lsn';

/** Files and rows one table of the raw zone holds. */
export interface TableCaptureStatus {
  /** `schema.table`. */
  readonly table: string;
  /** LOAD files in the table's folder. */
  readonly loadFiles: number;
  /** Rows the full load wrote (null while the table is not loaded yet). */
  readonly loadRows: number | null;
  /** CDC files in the table's folder. */
  readonly cdcFiles: number;
  /** CDC rows written (null for a state written by a capture that did not count them per table). */
  readonly cdcRows: number | null;
}

/** The replication slot as the server sees it. */
export interface ServerSlotStatus {
  /** False when the slot is gone: the raw zone cannot continue its change stream. */
  readonly exists: boolean;
  /** True while a capture streams from it. */
  readonly active: boolean;
  /** Bytes of WAL the server keeps for it. */
  readonly retainedWalBytes: number | null;
}

/** What `lakehouse local status` shows. */
export interface CaptureStatus {
  /** Absolute raw directory. */
  readonly rawDir: string;
  /** The captured source (password masked) and database, as the state records them. */
  readonly source: { readonly url: string; readonly database: string };
  /** The source engine: `postgres`, or `mysql` for MySQL and MariaDB (positions are binlog `file:offset` then, and there is no slot). */
  readonly engine: 'postgres' | 'mysql';
  /** `full-load` or `cdc` while a capture runs, `stopped` when none does. */
  readonly phase: 'full-load' | 'cdc' | 'stopped';
  /** Where the raw zone stands: `full-load` (unfinished: the next capture redoes it) or `streaming` (CDC). */
  readonly capturePhase: CaptureState['phase'];
  /** PID of the running capture. */
  readonly capturePid: number | null;
  /** Replication slot (`''` for MySQL, which has none). */
  readonly slot: string;
  /** Everything committed before this position is in durable raw files (from the state); MySQL: a binlog `file:offset`. */
  readonly confirmedLsn: string | null;
  /** MySQL: the GTID position stored with it (null when the server has no GTIDs, and for PostgreSQL). */
  readonly gtidPosition: string | null;
  /** Where the change stream starts after the full load (the slot's consistent point). */
  readonly consistentPoint: string | null;
  /** When the state was last written. */
  readonly stateUpdatedAt: string;
  /**
   * Commit timestamp of the newest change written (UTC): the task start time while only the full load is
   * (being) written; null for a stopped unfinished full load, which the next capture redoes.
   */
  readonly newestCommitTimestamp: string | null;
  /** With --source: the server's current WAL position (MySQL: binlog `file:offset`). */
  readonly currentLsn: string | null;
  /**
   * With --source: current WAL position minus the confirmed one (during a running full load: minus the
   * consistent point), bytes; null for a stopped unfinished full load. MySQL: binlog bytes from the stored position to the
   * current one (summed over the files between, SHOW BINARY LOGS); null when the stored position's binlog was purged.
   */
  readonly lagBytes: number | null;
  /** With --source: seconds from the newest commit written to now (0 when nothing is behind). */
  readonly lagSeconds: number | null;
  /** With --source: the slot on the server (PostgreSQL). */
  readonly serverSlot: ServerSlotStatus | null;
  /** With --source: whether a MySQL server still has the binlog of the stored position. */
  readonly serverBinlog: StoredBinlogStatus | null;
  /** Per table. */
  readonly tables: TableCaptureStatus[];
}

/** The status of the raw zone in `rawDir` from its files and capture state (no server needed). */
export function readCaptureStatus(rawDir: string): CaptureStatus {
  const dir = path.resolve(rawDir);
  if (!fs.existsSync(dir)) throw new LakehouseError(`--raw ${dir} does not exist; give the directory \`lakehouse local capture\` writes to`);
  const state = readCaptureState(dir);
  if (!state) {
    throw new LakehouseError(`--raw ${dir} holds no capture state (${CAPTURE_STATE_FILE}); give a directory \`lakehouse local capture\` wrote to`);
  }
  const capturePid = captureLockHolder(dir) ?? null;
  const phase = capturePid === null ? 'stopped' : state.phase === 'full-load' ? 'full-load' : 'cdc';
  const tables = state.tables.map((t): TableCaptureStatus => {
    const name = displayName(t);
    const files = listNames(rawTableDirectory({ rootDir: dir }, t));
    return {
      table: name,
      loadFiles: files.filter((f) => DMS_FACTS_TO_VERIFY.loadFileName.test(f)).length,
      loadRows: state.fullLoadRows[name] ?? null,
      cdcFiles: files.filter((f) => DMS_FACTS_TO_VERIFY.cdcFileName.test(f)).length,
      cdcRows: state.cdcRowsByTable ? state.cdcRowsByTable[name] ?? 0 : null,
    };
  });
  return {
    rawDir: dir,
    source: { url: state.source.url, database: state.source.database },
    engine: state.engine ?? 'postgres',
    phase,
    capturePhase: state.phase,
    capturePid,
    slot: state.slot,
    confirmedLsn: state.confirmedLsn,
    gtidPosition: state.gtidPosition ?? null,
    consistentPoint: state.consistentPoint,
    stateUpdatedAt: state.updatedAt,
    newestCommitTimestamp: state.lastCommitTimestamp
      ?? (state.phase === 'streaming' || (capturePid !== null && state.consistentPoint !== null) ? state.taskStartTime : null),
    currentLsn: null,
    lagBytes: null,
    lagSeconds: null,
    serverSlot: null,
    serverBinlog: null,
    tables,
  };
}

/**
 * Adds what the source knows: the lag (current WAL position minus the confirmed one; seconds since
 * the newest commit written) and the slot. The source must be the server the raw zone captures.
 */
export async function withSourceLag(status: CaptureStatus, client: Client, maskedSource: string, nowMs = Date.now()): Promise<CaptureStatus> {
  const state = readCaptureState(status.rawDir)!;
  const systemId = await systemIdentifier(client);
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
  if (systemId !== state.source.systemIdentifier || database !== state.source.database) {
    throw new LakehouseError(`${status.rawDir} holds a capture of database ${JSON.stringify(state.source.database)} on server ${state.source.systemIdentifier} `
      + `(${state.source.url}), not of ${maskedSource}; give --source the server the raw zone captures`);
  }
  const row = (await client.query<{ current: string; exists: boolean; active: boolean | null; retained: string | null }>(
    `SELECT w.lsn::text AS current, s.slot_name IS NOT NULL AS exists, s.active,
            pg_catalog.pg_wal_lsn_diff(w.lsn, s.restart_lsn)::text AS retained
       FROM (SELECT CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn() ELSE pg_catalog.pg_current_wal_lsn() END AS lsn) w
       LEFT JOIN pg_catalog.pg_replication_slots s ON s.slot_name = $1`, [status.slot])).rows[0];
  // a stopped unfinished load has nothing to lag behind: the next capture redoes it from a new slot
  const unfinished = status.capturePhase === 'full-load' && status.phase === 'stopped';
  const confirmed = unfinished ? null : status.confirmedLsn ?? state.consistentPoint;
  const lagBytes = confirmed === null ? null : Math.max(0, Number(parseLsn(row.current) - parseLsn(confirmed)));
  const newestMs = status.newestCommitTimestamp === null ? null : dmsTimestampMs(status.newestCommitTimestamp);
  const lagSeconds = lagBytes === null || newestMs === null ? null : lagBytes === 0 ? 0 : Math.max(0, Math.round((nowMs - newestMs) / 1000));
  return {
    ...status,
    currentLsn: row.current,
    lagBytes,
    lagSeconds,
    serverSlot: { exists: row.exists, active: row.active === true, retainedWalBytes: row.retained === null ? null : Number(row.retained) },
  };
}

/** Milliseconds since the epoch of a DMS timestamp (`yyyy-MM-dd HH:mm:ss.SSSSSS`, UTC). */
export function dmsTimestampMs(text: string): number {
  const m = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?)\d*$/.exec(text);
  if (!m) throw new LakehouseError(`the capture state holds a commit timestamp ${JSON.stringify(text)} that is not yyyy-MM-dd HH:mm:ss.SSSSSS`);
  return Date.parse(`${m[1]}T${m[2]}Z`);
}

function listNames(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}
