import { CaptureHandle, CaptureOptions, startCapture } from './capture';
import { LakehouseError } from '../errors';
import { startMysqlCapture } from './mysql/mysql-capture';
import { maskedUrl } from '../source/connection';
import { isMysqlUrl } from '../source/mysql/mysql-connection';

/**
 * Starts the capture for the source URL's engine: `mysql://` and `mariadb://` the MySQL/MariaDB capture (binlog), anything else
 * the PostgreSQL one (logical replication). Both write the same raw zone.
 */
export async function startSourceCapture(options: CaptureOptions): Promise<CaptureHandle> {
  const scheme = /^\s*([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(options.source)?.[1].toLowerCase();
  if (scheme !== undefined && !['postgres', 'postgresql', 'mysql', 'mariadb'].includes(scheme)) {
    throw new LakehouseError(`--source ${maskedUrl(options.source)} starts with ${scheme}://; capture reads PostgreSQL `
      + '(postgres://user:password@host:5432/database) or MySQL/MariaDB (mysql:// or mariadb://user:password@host:3306/database)');
  }
  return isMysqlUrl(options.source) ? startMysqlCapture(options) : startCapture(options);
}
