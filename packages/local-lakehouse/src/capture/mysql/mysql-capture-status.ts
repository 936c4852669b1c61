import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BinlogPosition, formatBinlogPosition, parseBinlogPosition } from './binlog-position';
import { showBinlogStatus } from './mysql-full-load';
import { LakehouseError } from '../../errors';
import { readCaptureState } from '../capture-state';
import { CaptureStatus, dmsTimestampMs } from '../capture-status';

/*
 * What `lakehouse local status` and `slots` learn from a MySQL/MariaDB server: its binary logs, how long it keeps them, and
 * where a raw zone's stored binlog position stands in them. MySQL has no replication slots: nothing on the server keeps the
 * binlogs a stopped capture still needs, so retention can purge them.
 */

/** One binary log the server still has (`SHOW BINARY LOGS`). */
export interface ServerBinlog {
  readonly file: string;
  readonly bytes: number;
}

/** The server's binary logs and their retention. */
export interface ServerBinlogs {
  /** Oldest first. */
  readonly logs: readonly ServerBinlog[];
  /** Where the server writes now. */
  readonly current: BinlogPosition;
  /** binlog_expire_logs_seconds (or expire_logs_days in seconds); 0 when binlogs are never purged by age; null when unknown. */
  readonly retentionSeconds: number | null;
}

/** Where a raw zone's stored position stands in the server's binlogs (`status --source` of a MySQL raw zone). */
export interface StoredBinlogStatus {
  /** True while the server still has the binlog file of the stored position (a capture can continue from it). */
  readonly kept: boolean;
  /** The oldest and newest binlog the server has. */
  readonly first: string | null;
  readonly last: string | null;
  /** The server's binlog retention in seconds (0: not purged by age). */
  readonly retentionSeconds: number | null;
}

/** The identity a MySQL capture records for its server: MySQL's server_uuid; MariaDB has none: host, port and server_id. */
export async function mysqlServerIdentity(db: Connection): Promise<string> {
  const [info] = await db.query<RowDataPacket[]>('SELECT VERSION() AS version, @@hostname AS host, @@port AS port, @@server_id AS id');
  if (!/mariadb/i.test(String(info[0].version))) {
    const [uuid] = await db.query<RowDataPacket[]>('SELECT @@server_uuid AS uuid');
    return `mysql:${String(uuid[0].uuid)}`;
  }
  return `mariadb:${String(info[0].host)}:${String(info[0].port)}:server_id=${String(info[0].id)}`;
}

/** The server's binary logs, current position and retention. */
export async function readServerBinlogs(db: Connection): Promise<ServerBinlogs> {
  const [rows] = await db.query<RowDataPacket[]>('SHOW BINARY LOGS');
  const logs = rows.map((r) => ({ file: String(r.Log_name), bytes: Number(r.File_size) }));
  const current = await showBinlogStatus(db);
  const [vars] = await db.query<RowDataPacket[]>(
    "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('binlog_expire_logs_seconds', 'expire_logs_days')");
  const value = (name: string): number | undefined => {
    const row = vars.find((v) => String(v.Variable_name) === name);
    return row === undefined ? undefined : Number(row.Value);
  };
  const seconds = value('binlog_expire_logs_seconds');
  const days = value('expire_logs_days');
  // MariaDB keeps both in step; a server with only one of them set reports the other as 0
  const retentionSeconds = seconds !== undefined && seconds > 0 ? seconds
    : days !== undefined && days > 0 ? Math.round(days * 86_400) : seconds ?? days ?? null;
  return { logs, current, retentionSeconds };
}

/**
 * Bytes of binlog from `from` to `to`: the offset difference in one file; across files the rest of `from`'s file, the files
 * between and `to`'s offset (sizes from SHOW BINARY LOGS). Null when the server no longer has `from`'s file.
 */
export function binlogLagBytes(from: BinlogPosition, to: BinlogPosition, logs: readonly ServerBinlog[]): number | null {
  if (from.file === to.file) return Math.max(0, to.position - from.position);
  const start = logs.findIndex((l) => l.file === from.file);
  const end = logs.findIndex((l) => l.file === to.file);
  if (start < 0) return null;
  if (end < 0 || end < start) return 0;
  let bytes = Math.max(0, logs[start].bytes - from.position);
  for (let i = start + 1; i < end; i++) bytes += logs[i].bytes;
  return bytes + to.position;
}

/** One line on whether the server still has a stored position's binlog, with the fix when it does not. */
export function storedBinlogSentence(position: string, binlog: StoredBinlogStatus): string {
  const range = binlog.first === null ? 'no binlogs' : `${binlog.first} to ${binlog.last}`;
  const retention = binlog.retentionSeconds === null ? '' : binlog.retentionSeconds === 0 ? ', kept until purged by hand'
    : `, kept ${binlog.retentionSeconds} s`;
  if (binlog.kept) return `still on the server (it has ${range}${retention})`;
  return `purged from the server (it has ${range}${retention}): the changes after ${position} are lost; `
    + 'capture again into a new --raw directory (and lake)';
}

/**
 * Adds what a MySQL/MariaDB source knows to a raw zone's status: its current binlog position, the lag in bytes (within a file the
 * offset difference, across files the sum via SHOW BINARY LOGS) and seconds, and whether the server still has the binlog of the
 * stored position. The source must be the server the raw zone captures.
 */
export async function withMysqlSourceLag(status: CaptureStatus, db: Connection, maskedSource: string, nowMs = Date.now()): Promise<CaptureStatus> {
  const state = readCaptureState(status.rawDir)!;
  const identity = await mysqlServerIdentity(db);
  if (identity !== state.source.systemIdentifier) {
    throw new LakehouseError(`${status.rawDir} holds a capture of server ${state.source.systemIdentifier} (${state.source.url}), not of `
      + `${maskedSource} (${identity}); give --source the server the raw zone captures`);
  }
  const server = await readServerBinlogs(db);
  // a stopped unfinished load has nothing to lag behind: the next capture redoes it from a new snapshot
  const unfinished = status.capturePhase === 'full-load' && status.phase === 'stopped';
  const stored = unfinished ? null : status.confirmedLsn ?? state.consistentPoint;
  const from = stored === null ? null : parseBinlogPosition(stored);
  const kept = from === null ? true : server.logs.some((l) => l.file === from.file);
  const lagBytes = from === null || !kept ? null : binlogLagBytes(from, server.current, server.logs);
  const newestMs = status.newestCommitTimestamp === null ? null : dmsTimestampMs(status.newestCommitTimestamp);
  const lagSeconds = lagBytes === null || newestMs === null ? null : lagBytes === 0 ? 0 : Math.max(0, Math.round((nowMs - newestMs) / 1000));
  return {
    ...status,
    currentLsn: formatBinlogPosition(server.current),
    lagBytes,
    lagSeconds,
    serverBinlog: {
      kept,
      first: server.logs[0]?.file ?? null,
      last: server.logs[server.logs.length - 1]?.file ?? null,
      retentionSeconds: server.retentionSeconds,
    },
  };
}
