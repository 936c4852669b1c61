import { DmsSourceProps } from '@cdc-lakehouse/dms';

/** The MySQL-compatible engine of the source. */
export type MysqlEngine = 'mysql' | 'mariadb' | 'aurora-mysql';

/**
 * Properties of {@link MysqlSource}.
 *
 * In MySQL, MariaDB and Aurora MySQL a "schema" is a database: the `schema` of each entry of
 * `tables` and `exclude` is the database name (`{ schema: 'shop', table: 'orders' }` is
 * `shop.orders`), and the endpoint is not tied to one database.
 */
export interface MysqlSourceProps extends DmsSourceProps {
  /**
   * The engine: MySQL (self-managed or RDS), MariaDB (self-managed or RDS), or Aurora MySQL.
   *
   * @default 'mysql'
   */
  readonly engine?: MysqlEngine;

  /**
   * Time zone of the source server (`Area/Location` or `UTC`), when it is not UTC: DMS needs it to
   * read TIMESTAMP values correctly.
   *
   * @default - the server's time zone is UTC
   */
  readonly serverTimezone?: string;
}
