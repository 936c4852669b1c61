import { ConnectionUrlError, ConnectionTarget, maskConnectionUrl, parseConnectionUrl, toSourceConnectionError } from '@cdc-lakehouse/source-setup';
import { Client, ClientConfig } from 'pg';
import { SOURCE_SESSION_OPTIONS } from './type-mapping';
import { LakehouseError, errorMessage } from '../errors';

/** How to reach the source database. */
export interface SourceConnectionProps {
  /** `postgres://user:password@host:5432/database` */
  readonly url: string;
  /**
   * Open a logical replication connection (`replication=database`) instead of a normal one.
   * @default false
   */
  readonly replication?: boolean;
  /**
   * Shown in pg_stat_activity.
   * @default 'lakehouse'
   */
  readonly applicationName?: string;
  /**
   * Give up connecting after this long.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
}

/** Parses a source URL; a malformed one is a one-line LakehouseError. */
export function parseSourceUrl(url: string): ConnectionTarget {
  try {
    return parseConnectionUrl('postgres', url);
  } catch (err) {
    if (err instanceof ConnectionUrlError) throw new LakehouseError(err.message);
    throw err;
  }
}

/** The URL with its password masked, for messages. */
export function maskedUrl(url: string): string {
  return maskConnectionUrl(url);
}

/**
 * Opens a connection to the source with the session settings every part of the local lakehouse
 * relies on (UTC, ISO dates, hex bytea). Connection failures become one-line LakehouseErrors that
 * say what to check.
 */
export async function connectSource(props: SourceConnectionProps): Promise<Client> {
  const target = parseSourceUrl(props.url);
  const config: ClientConfig = {
    connectionString: target.url,
    connectionTimeoutMillis: props.connectTimeoutMs ?? 10_000,
    application_name: props.applicationName ?? 'lakehouse',
    options: SOURCE_SESSION_OPTIONS,
    ...(props.replication ? { replication: 'database' } : {}),
  };
  const client = new Client(config);
  // an error on an idle connection is reported by the next query; unhandled it would crash the process
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    const message = errorMessage(err);
    if (props.replication && /replication|pg_hba/i.test(message) && !/password/i.test(message)) {
      throw new LakehouseError(`source ${target.masked}: the server refused a replication connection (${message}); `
        + `allow it in pg_hba.conf (a "host replication" line for user ${JSON.stringify(target.user)}) and make sure max_wal_senders > 0`);
    }
    const mapped = toSourceConnectionError(err, {
      engine: 'postgres', host: target.host, port: target.port, user: target.user, database: target.database ?? target.user,
    });
    throw new LakehouseError(mapped.message);
  }
  return client;
}

/** Runs `sql` and returns its rows with every value as PostgreSQL's text (no JS type parsing). */
export async function queryText(client: Client, sql: string, values: unknown[] = []): Promise<(string | null)[][]> {
  const result = await client.query({ text: sql, values, rowMode: 'array', types: { getTypeParser: () => (v: string) => v } });
  return result.rows as (string | null)[][];
}

/** Ends a client, ignoring errors (a connection that is already gone). */
export async function endQuietly(client: Client | undefined): Promise<void> {
  if (client) await client.end().catch(() => undefined);
}
