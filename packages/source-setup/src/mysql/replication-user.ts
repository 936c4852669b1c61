import { MIN_BINLOG_RETENTION_HOURS } from './binlog-retention';
import { quoteAccount, quoteGrantDatabase, quoteIdent, quoteLiteral } from './quote';
import { parseTableName, TableRef } from '../table-selection';

/**
 * Where the MySQL/MariaDB server runs. `rds` covers Amazon RDS for MySQL and
 * MariaDB and Aurora MySQL: binary log retention is set with
 * mysql.rds_set_configuration there.
 */
export type MysqlFlavor = 'self-managed' | 'rds';

export interface MysqlReplicationUserOptions {
  /** User name DMS connects as, e.g. `dms_replication`. */
  readonly user: string;
  /**
   * Its password. It ends up inside the returned statements, so never log
   * them; pass it from a secret store.
   */
  readonly password: string;
  /**
   * Host part of the account.
   * @default '%' (any host; narrow it to the replication instance's subnet where you can)
   */
  readonly host?: string;
  /**
   * `rds` adds `CALL mysql.rds_set_configuration('binlog retention hours', …)`.
   * @default 'self-managed'
   */
  readonly flavor?: MysqlFlavor;
  /** Grant SELECT on every table of these databases. Give this, `tables`, or both. */
  readonly databases?: readonly string[];
  /** Grant SELECT on exactly these tables (`database.table`, or objects). */
  readonly tables?: readonly (string | TableRef)[];
  /**
   * RDS only: hours of binary logs to keep.
   * @default 24
   */
  readonly binlogRetentionHours?: number;
}

/**
 * The statements that create (or update) a least-privilege MySQL/MariaDB
 * user for DMS change data capture: REPLICATION CLIENT and REPLICATION SLAVE
 * on `*.*`, SELECT on the databases or tables. Comment-free and safe to run
 * again. Run them as a user with CREATE USER and GRANT OPTION (the RDS master
 * user). Assumes the default SQL mode (backslash escapes in string literals).
 *
 * The statements contain the password: do not log them.
 */
export function mysqlReplicationUserSql(options: MysqlReplicationUserOptions): string[] {
  if (options.user === '') {
    throw new Error('mysqlReplicationUserSql: `user` must not be empty');
  }
  if (options.password === '') {
    throw new Error('mysqlReplicationUserSql: `password` must not be empty');
  }
  const flavor = options.flavor ?? 'self-managed';
  if (flavor !== 'self-managed' && flavor !== 'rds') {
    throw new Error(`mysqlReplicationUserSql: \`flavor\` must be 'self-managed' or 'rds', not ${JSON.stringify(flavor)}`);
  }
  const databases = [...new Set(options.databases ?? [])];
  const tables = (options.tables ?? []).map((table) => (typeof table === 'string' ? parseTableName(table) : table));
  if (databases.length === 0 && tables.length === 0) {
    throw new Error('mysqlReplicationUserSql: name the `databases` or `tables` DMS reads');
  }
  const hours = options.binlogRetentionHours ?? MIN_BINLOG_RETENTION_HOURS;
  if (!Number.isInteger(hours) || hours < 1) {
    throw new Error(`mysqlReplicationUserSql: \`binlogRetentionHours\` must be a whole number of at least 1, not ${hours}`);
  }

  const account = quoteAccount(options.user, options.host ?? '%');
  const password = quoteLiteral(options.password);
  const statements = [
    `CREATE USER IF NOT EXISTS ${account} IDENTIFIED BY ${password};`,
    `ALTER USER ${account} IDENTIFIED BY ${password};`,
    `GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO ${account};`,
    ...databases.map((database) => `GRANT SELECT ON ${quoteGrantDatabase(database)}.* TO ${account};`),
    ...tables.map((table) => `GRANT SELECT ON ${quoteIdent(table.schema)}.${quoteIdent(table.name)} TO ${account};`),
  ];
  if (flavor === 'rds') {
    statements.push(`CALL mysql.rds_set_configuration(${quoteLiteral('binlog retention hours')}, ${hours});`);
  }
  return statements;
}
