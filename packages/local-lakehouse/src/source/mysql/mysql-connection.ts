import { ConnectionUrlError, ConnectionTarget, maskConnectionUrl, mysqlConnectionOptions, parseConnectionUrl, toSourceConnectionError } from '@cdc-lakehouse/source-setup';
import type { ConnectionOptions } from 'mysql2';
import { Connection, createConnection } from 'mysql2/promise';
import { LakehouseError } from '../../errors';

/** True for a `mysql://` or `mariadb://` URL (the capture for MySQL and MariaDB), false for anything else. */
export function isMysqlUrl(url: string): boolean {
  return /^\s*(mysql|mariadb):\/\//i.test(url);
}

/** Parses a `mysql://` / `mariadb://` URL; a malformed one is a one-line LakehouseError. */
export function parseMysqlUrl(url: string): ConnectionTarget {
  try {
    return parseConnectionUrl('mysql', url);
  } catch (err) {
    if (err instanceof ConnectionUrlError) throw new LakehouseError(err.message);
    throw err;
  }
}

/**
 * The mysql2 options every capture connection uses, so that query rows and binlog row images come in one form: dates and times
 * as the server's text (`dateStrings`, the session in UTC so TIMESTAMP prints in UTC), 64-bit integers and decimals as exact
 * strings, JSON as text.
 */
export function mysqlCaptureOptions(url: string): ConnectionOptions {
  let base: ConnectionOptions;
  try {
    base = mysqlConnectionOptions(url);
  } catch (err) {
    if (err instanceof ConnectionUrlError) throw new LakehouseError(err.message);
    throw err;
  }
  return {
    ...base,
    dateStrings: true,
    timezone: 'Z',
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    charset: 'utf8mb4',
  };
}

/** Opens a connection with {@link mysqlCaptureOptions}, the session in UTC; connection failures are one-line LakehouseErrors. */
export async function connectMysqlSource(url: string): Promise<Connection> {
  const target = parseMysqlUrl(url);
  const options = mysqlCaptureOptions(url);
  let connection: Connection;
  try {
    connection = await createConnection(options);
  } catch (err) {
    const mapped = toSourceConnectionError(err, { engine: 'mysql', host: target.host, port: target.port, user: target.user, database: target.database });
    throw new LakehouseError(mapped.message);
  }
  // an error on an idle connection is reported by the next query; unhandled it would crash the process
  connection.on('error', () => undefined);
  await connection.query("SET time_zone = '+00:00'");
  return connection;
}

/** Ends a connection, ignoring errors (one that is already gone). */
export async function endMysqlQuietly(connection: Connection | undefined): Promise<void> {
  if (connection) await connection.end().catch(() => undefined);
}

/** The URL with its password masked, for messages and the capture state. */
export function maskedMysqlUrl(url: string): string {
  return maskConnectionUrl(url);
}
