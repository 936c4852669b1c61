import { MYSQL_REQUIREMENTS, evaluateRequirements, readMysqlSnapshot } from '@cdc-lakehouse/source-setup';
import type { Connection } from 'mysql2/promise';
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
