import { DuckDBConnection } from '@duckdb/node-api';
import { MysqlVerifySource } from './mysql/mysql-verify-source';
import { PostgresVerifySource } from './postgres/postgres-verify-source';
import { VerifySource } from './verify-source';
import { isMysqlUrl } from '../../source/mysql/mysql-connection';

/** The source side for `url`: MySQL/MariaDB for `mysql://` and `mariadb://`, PostgreSQL otherwise. */
export async function openVerifySource(url: string, lake: DuckDBConnection): Promise<VerifySource> {
  return isMysqlUrl(url) ? MysqlVerifySource.connect(url) : PostgresVerifySource.connect(url, lake);
}
