import { CommandIo } from './command-io';
import { formatCount } from './progress';
import { CaptureStatus } from '../capture/capture-status';
import { readServerBinlogs, storedBinlogSentence, withMysqlSourceLag } from '../capture/mysql/mysql-capture-status';
import { formatBytes } from '../capture/slots';
import { LakehouseError, UsageError } from '../errors';
import { connectMysqlSource, endMysqlQuietly, maskedMysqlUrl } from '../source/mysql/mysql-connection';

/*
 * `lakehouse local slots` and `status` for MySQL/MariaDB sources. MySQL has no replication slots: a capture keeps its binlog
 * position in its raw directory, and the server purges binlogs by its retention whether or not a stopped capture still needs them.
 */

/** `local slots --source mysql://…`: says that there are no slots, and which binlogs the server keeps for how long. */
export async function mysqlSlotsCommand(source: string, values: Record<string, unknown>, io: CommandIo): Promise<number> {
  if (values.drop !== undefined || values['drop-inactive'] === true) {
    throw new UsageError('local slots: a MySQL/MariaDB server has no replication slots to drop; a capture keeps its binlog position '
      + 'in its raw directory (delete the directory to forget a capture)');
  }
  const db = await connectMysqlSource(source);
  try {
    const server = await readServerBinlogs(db);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({
        engine: 'mysql',
        slots: [],
        currentPosition: `${server.current.file}:${server.current.position}`,
        binlogs: server.logs,
        retentionSeconds: server.retentionSeconds,
      }, null, 2)}\n`);
      return 0;
    }
    const total = server.logs.reduce((sum, l) => sum + l.bytes, 0);
    const range = server.logs.length === 0 ? 'no binlogs' : `${server.logs.length} binlog${server.logs.length === 1 ? '' : 's'}, `
      + `${server.logs[0].file} to ${server.logs[server.logs.length - 1].file} (${formatBytes(total)})`;
    const retention = server.retentionSeconds === null ? 'retention unknown'
      : server.retentionSeconds === 0 ? 'kept until purged by hand (binlog_expire_logs_seconds = 0)'
        : `purged after ${formatCount(server.retentionSeconds)} s (binlog_expire_logs_seconds)`;
    io.stdout.write([
      'no replication slots: a MySQL/MariaDB capture keeps its binlog position in its raw directory, and nothing on the server holds '
      + 'binlogs back for a stopped capture',
      `the server has ${range}, ${retention}; it writes at ${server.current.file}:${server.current.position}`,
      `whether a raw directory's position is still there: lakehouse local status --raw DIR --source ${maskedMysqlUrl(source)}`,
    ].join('\n') + '\n');
    return 0;
  } finally {
    await endMysqlQuietly(db);
  }
}

/** `local status --source mysql://…` of a MySQL raw zone: the server's side of the status. */
export async function withMysqlSource(status: CaptureStatus, source: string): Promise<CaptureStatus> {
  if (status.engine !== 'mysql') {
    throw new LakehouseError(`${status.rawDir} holds a capture of a PostgreSQL source (${status.source.url}); give --source its postgres:// URL`);
  }
  const db = await connectMysqlSource(source);
  try {
    return await withMysqlSourceLag(status, db, maskedMysqlUrl(source));
  } finally {
    await endMysqlQuietly(db);
  }
}

/** The `binlog` line of a MySQL raw zone's status. */
export function binlogStatusLine(s: CaptureStatus): string {
  const stored = s.confirmedLsn ?? s.consistentPoint;
  const gtid = s.gtidPosition === null ? '' : ` (GTID ${s.gtidPosition})`;
  if (stored === null) return `- (no position stored yet)${gtid}; MySQL has no replication slot`;
  const server = s.serverBinlog === null ? 'give --source URL to check the server still has it' : storedBinlogSentence(stored, s.serverBinlog);
  return `stored ${stored}${gtid}, ${server}; MySQL has no replication slot`;
}
