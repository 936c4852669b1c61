import { CaptureHandle, CaptureOptions, startCapture } from './capture';
import { startMysqlCapture } from './mysql/mysql-capture';
import { isMysqlUrl } from '../source/mysql/mysql-connection';

/**
 * Starts the capture for the source URL's engine: `mysql://` and `mariadb://` the MySQL/MariaDB capture (binlog), anything else
 * the PostgreSQL one (logical replication). Both write the same raw zone.
 */
export async function startSourceCapture(options: CaptureOptions): Promise<CaptureHandle> {
  return isMysqlUrl(options.source) ? startMysqlCapture(options) : startCapture(options);
}
