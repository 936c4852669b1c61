import { Connection, ConnectionOptions, createConnection, RowDataPacket } from 'mysql2/promise';
import { toSourceConnectionError } from '../connection-error';
import { ConnectionUrlError, parseConnectionUrl } from '../connection-url';
import { CheckResult, evaluateRequirements, validateExpectedTasks } from '../requirement';
import { parseTablePattern, selectTables, TablePattern, TableRef } from '../table-selection';
import { RdsBinlogRetention } from './binlog-retention';
import { parseGrants } from './grants';
import { MYSQL_REQUIREMENTS, MYSQL_VARIABLE_NAMES, MysqlSnapshot } from './requirements';

/** Anything with mysql2/promise's `query`: a Connection, a PoolConnection or a Pool. */
export type MysqlQueryable = Pick<Connection, 'query'>;

export interface MysqlConnectOptions {
  /**
   * Give up connecting after this long.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
}

export interface MysqlPreflightOptions extends MysqlConnectOptions {
  /**
   * `mysql://user:password@host:3306/database`; preflight connects, checks
   * and disconnects. Give this or `connection`.
   */
  readonly connectionString?: string;
  /** An open mysql2/promise connection to check with (left open). Give this or `connectionString`. */
  readonly connection?: MysqlQueryable;
  /**
   * The tables DMS will replicate, `database.table` with `%` wildcards
   * (`shop.%`); a name without a database means the connection's database.
   * @default every table the user can see outside the system databases
   */
  readonly tables?: readonly string[];
  /**
   * How many DMS tasks will read this server. Accepted for symmetry with
   * PostgreSQL; binlog readers need no per-task server resources.
   * @default 1
   */
  readonly expectedTasks?: number;
}

export interface MysqlSnapshotOptions {
  /** Table selectors; see MysqlPreflightOptions.tables. */
  readonly tables?: readonly string[];
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** mysql2 connection options for a `mysql://` URL; `?ssl=true` verifies TLS with the system CAs, `?ssl=no-verify` does not verify. */
export function mysqlConnectionOptions(connectionString: string, options: MysqlConnectOptions = {}): ConnectionOptions {
  const target = parseConnectionUrl('mysql', connectionString);
  const ssl = target.params.get('ssl');
  let tls: ConnectionOptions['ssl'];
  if (ssl === undefined || ssl === 'false' || ssl === '0') {
    tls = undefined;
  } else if (ssl === 'true' || ssl === '1' || ssl === 'required') {
    tls = { rejectUnauthorized: true };
  } else if (ssl === 'no-verify') {
    tls = { rejectUnauthorized: false };
  } else {
    throw new ConnectionUrlError(`connection URL ${target.masked}: ssl must be true, no-verify or false, not ${JSON.stringify(ssl)}`);
  }
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
    ssl: tls,
    connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
  };
}

/**
 * Opens a mysql2/promise connection for a `mysql://` (or `mariadb://`) URL.
 * @throws ConnectionUrlError for a malformed URL, SourceConnectionError when the server cannot be reached or refuses the login
 */
export async function connectMysql(connectionString: string, options: MysqlConnectOptions = {}): Promise<Connection> {
  const config = mysqlConnectionOptions(connectionString, options);
  let connection: Connection;
  try {
    connection = await createConnection(config);
  } catch (err) {
    throw toSourceConnectionError(err, { engine: 'mysql', host: config.host!, port: config.port!, user: config.user, database: config.database });
  }
  // A connection lost while idle is reported by the next query; without a listener it would crash the process.
  connection.on('error', () => undefined);
  return connection;
}

interface VariableRow extends RowDataPacket {
  Variable_name: string;
  Value: string;
}

/** RDS and Aurora install under /rdsdbbin; Aurora MySQL also has aurora_version. */
export function looksLikeRds(variables: ReadonlyMap<string, string>): boolean {
  return (variables.get('basedir') ?? '').startsWith('/rdsdbbin') || variables.has('aurora_version');
}

/**
 * RDS/Aurora keep binary log retention in mysql.rds_configuration. A user
 * without privileges on the mysql schema gets "access denied" whether or not
 * the table exists, so a denial only counts as RDS when the server variables
 * say RDS too.
 */
async function readRdsBinlogRetention(db: MysqlQueryable, variables: ReadonlyMap<string, string>): Promise<RdsBinlogRetention | undefined> {
  try {
    const [rows] = await db.query<RowDataPacket[]>("SELECT value FROM mysql.rds_configuration WHERE name = 'binlog retention hours'");
    const value = rows.length === 0 ? null : (rows[0].value as string | number | null);
    return { kind: 'hours', hours: value === null || value === '' ? null : Number(value) };
  } catch (err) {
    if (!looksLikeRds(variables)) {
      return undefined;
    }
    return { kind: 'unreadable', reason: err instanceof Error ? err.message : String(err) };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Splits CURRENT_USER() (`user@host`; the user part may itself contain @). */
export function parseAccount(currentUser: string): { user: string; host: string } {
  const at = currentUser.lastIndexOf('@');
  return at < 0 ? { user: currentUser, host: '%' } : { user: currentUser.slice(0, at), host: currentUser.slice(at + 1) };
}

function parsePatterns(tables: readonly string[], defaultDatabase: string | undefined, caseInsensitive: boolean): TablePattern[] {
  return tables.map((text) => parseTablePattern(text, { defaultSchema: defaultDatabase, caseInsensitive }));
}

/** Reads what the MySQL requirements need from a live server (read-only). */
export async function readMysqlSnapshot(db: MysqlQueryable, options: MysqlSnapshotOptions = {}): Promise<MysqlSnapshot> {
  const [variableRows] = await db.query<VariableRow[]>('SHOW GLOBAL VARIABLES WHERE Variable_name IN (?)', [[...MYSQL_VARIABLE_NAMES]]);
  const variables = new Map<string, string>(variableRows.map((row) => [row.Variable_name.toLowerCase(), String(row.Value)]));

  const [infoRows] = await db.query<RowDataPacket[]>('SELECT VERSION() AS version, CURRENT_USER() AS account, DATABASE() AS db');
  const info = infoRows[0] as { version: string; account: string; db: string | null };

  const [grantRows] = await db.query<RowDataPacket[]>('SHOW GRANTS');
  const grants = parseGrants(grantRows.map((row) => String(Object.values(row)[0])));

  const caseInsensitiveNames = (variables.get('lower_case_table_names') ?? '0') !== '0';
  const patterns = parsePatterns(options.tables ?? [], info.db ?? undefined, caseInsensitiveNames);

  const [tableRows] = await db.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS table_schema, TABLE_NAME AS table_name
       FROM information_schema.TABLES
      WHERE TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')
        AND TABLE_SCHEMA NOT IN (?)`,
    [SYSTEM_DATABASES],
  );
  // Sorted here, by code point: information_schema orders by the server's collation.
  const tables: TableRef[] = tableRows
    .map((row) => ({ schema: String(row.table_schema), name: String(row.table_name) }))
    .sort((a, b) => (a.schema === b.schema ? compare(a.name, b.name) : compare(a.schema, b.schema)));
  const selection = patterns.length === 0 ? { selected: tables, unmatched: [] } : selectTables(patterns, tables);

  return {
    version: info.version,
    variables,
    rdsBinlogRetention: await readRdsBinlogRetention(db, variables),
    account: parseAccount(info.account),
    grants,
    selection: patterns.length === 0 ? 'all' : 'explicit',
    tables: selection.selected,
    unmatched: selection.unmatched,
    caseInsensitiveNames,
  };
}

/**
 * Checks a live MySQL/MariaDB server against the DMS source requirements
 * (MYSQL_REQUIREMENTS) and returns one result per requirement.
 *
 * @throws ConnectionUrlError / SourceConnectionError when `connectionString` is malformed or the server cannot be reached
 */
export async function preflightMysql(options: MysqlPreflightOptions): Promise<CheckResult[]> {
  if ((options.connectionString === undefined) === (options.connection === undefined)) {
    throw new Error('preflightMysql: give exactly one of `connectionString` and `connection`');
  }
  validateExpectedTasks(options.expectedTasks);
  const snapshotOptions = { tables: options.tables };
  if (options.connection !== undefined) {
    return evaluateRequirements(MYSQL_REQUIREMENTS, await readMysqlSnapshot(options.connection, snapshotOptions));
  }
  // Reject malformed selectors before connecting.
  const target = parseConnectionUrl('mysql', options.connectionString!);
  parsePatterns(options.tables ?? [], target.database, false);
  const connection = await connectMysql(options.connectionString!, options);
  try {
    return evaluateRequirements(MYSQL_REQUIREMENTS, await readMysqlSnapshot(connection, snapshotOptions));
  } finally {
    await connection.end().catch(() => undefined);
  }
}
