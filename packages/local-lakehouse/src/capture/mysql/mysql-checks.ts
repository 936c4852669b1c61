import { MYSQL_REQUIREMENTS, evaluateRequirements, readMysqlSnapshot } from '@cdc-lakehouse/source-setup';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { BinlogPosition, formatBinlogPosition } from './binlog-position';
import { LakehouseError } from '../../errors';

/**
 * Requirements of `lakehouse preflight` the local capture does not need: its binlog reader verifies nothing but reads CRC32
 * checksums (DMS wants NONE); tables are checked by the catalog read (a selector that matches nothing, a missing primary key).
 */
const NOT_NEEDED_BY_CAPTURE = new Set(['binlog_checksum', 'tables_exist', 'table_select']);

/**
 * Checks a MySQL/MariaDB source before anything is written, with the requirements of `lakehouse preflight` (binary log on,
 * ROW format, FULL row image, server_id, REPLICATION CLIENT and REPLICATION SLAVE, binlog retention): every failing one is a
 * part of the message naming what was found and its fix (`id: detail; fix: …`, parts separated by ` | `).
 * @throws LakehouseError listing the failures
 */
export async function checkMysqlSource(db: Connection, masked: string, tables: readonly string[]): Promise<void> {
  const snapshot = await readMysqlSnapshot(db, { tables: tables.length > 0 ? tables : undefined });
  const failures = evaluateRequirements(MYSQL_REQUIREMENTS, snapshot)
    .filter((r) => r.status === 'fail' && !NOT_NEEDED_BY_CAPTURE.has(r.id));
  if (failures.length === 0) return;
  const lines = failures.map((f) => `${f.id}: ${f.detail}; fix: ${f.fix.split('\n').join(' ')}`);
  throw new LakehouseError(`source ${masked} is not ready for capture: ${lines.join(' | ')}`);
}

/**
 * Without binlog_row_metadata = FULL a row image names no columns: the decoder takes them from information_schema when it first
 * meets a table, which is right while the capture keeps up, but misreads rows written before an ALTER TABLE that it reads after.
 * @returns the warning line, or undefined when the server logs FULL metadata (or has no such setting)
 */
export async function rowMetadataWarning(db: Connection): Promise<string | undefined> {
  const [rows] = await db.query<RowDataPacket[]>("SHOW GLOBAL VARIABLES LIKE 'binlog_row_metadata'");
  const value = rows.length > 0 ? String(rows[0].Value).toUpperCase() : undefined;
  if (value === undefined || value === 'FULL') return undefined;
  return `capture: warning: binlog_row_metadata = ${value}: the binlog does not name the columns of a row, so a capture that `
    + 'reads rows written before an ALTER TABLE of their table (stopped or behind at the time) decodes them with the new columns; '
    + "SET GLOBAL binlog_row_metadata = 'FULL' (and binlog_row_metadata = FULL under [mysqld] in my.cnf)";
}

/** Who the server is, for the capture state: MySQL's server_uuid; MariaDB has none: host, port and server_id. */
export async function readServerIdentity(db: Connection, mariadb: boolean, info: RowDataPacket): Promise<string> {
  if (!mariadb) {
    const [uuid] = await db.query<RowDataPacket[]>('SELECT @@server_uuid AS uuid');
    return `mysql:${String(uuid[0].uuid)}`;
  }
  return `mariadb:${String(info.host)}:${String(info.port)}:server_id=${String(info.id)}`;
}

/** A restart needs the binlog file it stopped in: a purged one means lost changes (a one-line error). */
export async function checkBinlogKept(db: Connection, from: BinlogPosition): Promise<void> {
  const [logs] = await db.query<RowDataPacket[]>('SHOW BINARY LOGS');
  const names = logs.map((l) => String(l.Log_name));
  if (!names.includes(from.file)) {
    throw new LakehouseError(`the server no longer has binlog ${from.file} (it has ${names[0] ?? 'none'} to ${names[names.length - 1] ?? 'none'}), `
      + `so the changes after ${formatBinlogPosition(from)} are lost; raise the binlog retention and start over with an empty --raw directory (and lake)`);
  }
}
