import type { Connection } from 'mysql2/promise';
import { Client } from 'pg';
import { loadBillingData, runBillingWorkload } from './billing-schema';
import { SAMPLE_SCHEMA_SQL, WorkloadSummary, loadSampleData, runSampleWorkload } from './sample-schema';
import type { CaptureHandle } from '../capture/capture';
import { formatBinlogPosition } from '../capture/mysql/binlog-position';
import { showBinlogStatus } from '../capture/mysql/mysql-full-load';
import { formatCount } from '../cli/progress';
import { LocalMariadbServer } from '../embedded-mariadb';
import { LOGICAL_REPLICATION_SETTINGS, LocalPostgresServer } from '../embedded-postgres';
import { connectMysqlSource, endMysqlQuietly } from '../source/mysql/mysql-connection';

/*
 * The demo's two sources behind one shape: an embedded server, its sample schema, a workload, and where its log stands
 * (a PostgreSQL LSN, a MariaDB binlog position), which is what a capture's waitFor takes.
 */

/** One embedded source of the demo. */
export interface DemoSource {
  /** `PostgreSQL` or `MariaDB`. */
  readonly engine: string;
  /** Connection URL for capture and verify. */
  readonly url: string;
  /** The schema (PostgreSQL) or database (MariaDB) holding the sample tables, which verify selects as `<schema>.%`. */
  readonly schema: string;
  /** `embedded PostgreSQL 15.18 on 127.0.0.1:40721 (wal_level=logical)`. */
  readonly description: string;
  /** Its capture, while one runs. */
  capture?: CaptureHandle;
  /** Creates and fills the sample schema; returns what it made, for the output. */
  seed(rows: number): Promise<string>;
  /** The workload run while capturing. */
  workload(rows: number): Promise<WorkloadSummary>;
  /** Where the log stands now, as the capture's waitFor takes it. */
  position(): Promise<string>;
  /** Stops the capture (if running), the session and the server, and removes what the server made. Safe to call twice. */
  stop(): Promise<void>;
}

/** The embedded PostgreSQL with the `shop` schema. */
export async function startPostgresSource(): Promise<DemoSource> {
  const server = await LocalPostgresServer.start({
    settings: { ...LOGICAL_REPLICATION_SETTINGS, fsync: 'off', full_page_writes: 'off', synchronous_commit: 'on' },
    superuser: 'postgres',
    startupTimeoutMs: 60_000,
    tempDirPrefix: 'lakehouse-demo-pg-',
  });
  const url = `postgres://postgres@${server.host}:${server.port}/postgres`;
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  let version = '';
  try {
    await client.connect();
    version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v.split(' ')[0];
  } catch (err) {
    await client.end().catch(() => undefined);
    await server.stop();
    throw err;
  }
  const source: DemoSource = {
    engine: 'PostgreSQL',
    url,
    schema: 'shop',
    description: `embedded PostgreSQL ${version} on ${server.host}:${server.port} (wal_level=logical, PID ${server.pid})`,
    seed: async (rows) => {
      await client.query(SAMPLE_SCHEMA_SQL);
      await loadSampleData(client, rows);
      return `customers, products (TOASTed descriptions), orders, order_events (no primary key, REPLICA IDENTITY FULL); ${formatCount(rows)} orders`;
    },
    workload: async (rows) => runSampleWorkload(client, rows),
    position: async () => (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn,
    stop: async () => {
      await source.capture?.stop().catch(() => undefined);
      source.capture = undefined;
      await client.end().catch(() => undefined);
      await server.stop();
    },
  };
  return source;
}

/** The embedded MariaDB with the `billing` database. */
export async function startMariadbSource(): Promise<DemoSource> {
  const server = await LocalMariadbServer.start({ startupTimeoutMs: 60_000, tempDirPrefix: 'lakehouse-demo-mariadb-' });
  const url = `mariadb://root@${server.host}:${server.port}/billing`;
  let db: Connection | undefined;
  let version = '';
  try {
    db = await connectMysqlSource(`mariadb://root@${server.host}:${server.port}`);
    const [rows] = await db.query('SELECT VERSION() AS version');
    version = String((rows as Array<{ version: string }>)[0].version).split('-')[0];
  } catch (err) {
    await endMysqlQuietly(db);
    await server.stop();
    throw err;
  }
  const session = db;
  const source: DemoSource = {
    engine: 'MariaDB',
    url,
    schema: 'billing',
    description: `embedded MariaDB ${version} on ${server.host}:${server.port} (binlog ROW, row image FULL, PID ${server.pid})`,
    seed: async (rows) => {
      await loadBillingData(session, rows);
      const invoiced = rows - Math.floor(rows / 10);
      return `invoices (enum status, json notes), payments (bit(1) refunded); ${formatCount(invoiced)} invoices for shop's orders`;
    },
    workload: async (rows) => runBillingWorkload(session, rows),
    position: async () => formatBinlogPosition(await showBinlogStatus(session)),
    stop: async () => {
      await source.capture?.stop().catch(() => undefined);
      source.capture = undefined;
      await endMysqlQuietly(session);
      await server.stop();
    },
  };
  return source;
}
