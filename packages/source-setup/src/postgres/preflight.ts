import { Client, ClientBase } from 'pg';
import { toSourceConnectionError } from '../connection-error';
import { parseConnectionUrl } from '../connection-url';
import { CheckResult, evaluateRequirements, validateExpectedTasks } from '../requirement';
import { parseTablePattern, selectTables } from '../table-selection';
import {
  POSTGRES_REQUIREMENTS,
  POSTGRES_SETTING_NAMES,
  PostgresSetting,
  PostgresSnapshot,
  PostgresTableFacts,
  ReplicaIdentity,
} from './requirements';

/** Anything with pg's `query`: a Client, a PoolClient or a Pool. */
export type PostgresQueryable = Pick<ClientBase, 'query'>;

export interface PostgresConnectOptions {
  /**
   * Give up connecting after this long.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
}

export interface PostgresPreflightOptions extends PostgresConnectOptions {
  /**
   * `postgres://user:password@host:5432/database`; preflight connects, checks
   * and disconnects. Give this or `client`.
   */
  readonly connectionString?: string;
  /** An open connection to check with (left open). Give this or `connectionString`. */
  readonly client?: PostgresQueryable;
  /**
   * The tables DMS will replicate, `schema.table` with `%` wildcards
   * (`public.%`); a name without a schema means `public`.
   * @default every user table in the database
   */
  readonly tables?: readonly string[];
  /**
   * How many DMS tasks will read this database (each needs a replication
   * slot and a WAL sender).
   * @default 1
   */
  readonly expectedTasks?: number;
}

export interface PostgresSnapshotOptions {
  /** Table selectors; see PostgresPreflightOptions.tables. */
  readonly tables?: readonly string[];
  /** @default 1 */
  readonly expectedTasks?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

const REPLICA_IDENTITIES: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

const TABLES_SQL = `
SELECT n.nspname AS schema,
       c.relname AS name,
       c.relreplident AS replident,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisprimary) AS has_pk,
       EXISTS (SELECT 1 FROM pg_catalog.pg_index i WHERE i.indrelid = c.oid AND i.indisreplident) AS has_replident_index,
       pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
       pg_catalog.has_table_privilege(c.oid, 'SELECT') AS can_select
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p')
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY n.nspname, c.relname`;

const ROLE_SQL = `
SELECT r.rolname AS name,
       r.rolsuper AS superuser,
       r.rolreplication AS replication,
       (SELECT pg_catalog.pg_has_role(current_user, m.oid, 'MEMBER')
          FROM pg_catalog.pg_roles m
         WHERE m.rolname = 'rds_replication') AS rds_replication
  FROM pg_catalog.pg_roles r
 WHERE r.rolname = current_user`;

const USAGE_SQL = `
SELECT (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS slots,
       (SELECT count(*) FROM pg_catalog.pg_replication_slots WHERE NOT active AND left(slot_name, 10) = 'lakehouse_')::int AS lakehouse_inactive,
       (SELECT count(*) FROM pg_catalog.pg_stat_replication)::int AS senders`;

/**
 * Opens a pg.Client for a `postgres://` URL.
 * @throws ConnectionUrlError for a malformed URL, SourceConnectionError when the server cannot be reached or refuses the login
 */
export async function connectPostgres(connectionString: string, options: PostgresConnectOptions = {}): Promise<Client> {
  const target = parseConnectionUrl('postgres', connectionString);
  const client = new Client({
    connectionString: target.url,
    connectionTimeoutMillis: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
    application_name: 'lakehouse-preflight',
  });
  // A connection lost while idle is reported by the next query; without a listener it would crash the process.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw toSourceConnectionError(err, { engine: 'postgres', host: target.host, port: target.port, user: target.user, database: target.database ?? target.user });
  }
  return client;
}

/** Reads what the PostgreSQL requirements need from a live database (read-only). */
export async function readPostgresSnapshot(db: PostgresQueryable, options: PostgresSnapshotOptions = {}): Promise<PostgresSnapshot> {
  const expectedTasks = validateExpectedTasks(options.expectedTasks);
  const patterns = (options.tables ?? []).map((text) => parseTablePattern(text, { defaultSchema: 'public' }));

  const settingsResult = await db.query<{ name: string; setting: string; unit: string | null }>(
    'SELECT name, setting, unit FROM pg_catalog.pg_settings WHERE name = ANY($1)',
    [[...POSTGRES_SETTING_NAMES]],
  );
  const settings = new Map<string, PostgresSetting>(settingsResult.rows.map((row) => [row.name, { setting: row.setting, unit: row.unit }]));

  const usage = (await db.query<{ slots: number; lakehouse_inactive: number; senders: number }>(USAGE_SQL)).rows[0];
  const role = (await db.query<{ name: string; superuser: boolean; replication: boolean; rds_replication: boolean | null }>(ROLE_SQL)).rows[0];

  const tableRows = (await db.query<{
    schema: string;
    name: string;
    replident: string;
    has_pk: boolean;
    has_replident_index: boolean;
    schema_usage: boolean;
    can_select: boolean;
  }>(TABLES_SQL)).rows;
  const tables: PostgresTableFacts[] = tableRows.map((row) => ({
    schema: row.schema,
    name: row.name,
    hasPrimaryKey: row.has_pk,
    replicaIdentity: REPLICA_IDENTITIES[row.replident] ?? 'default',
    hasReplicaIdentityIndex: row.has_replident_index,
    schemaUsage: row.schema_usage,
    select: row.can_select,
  }));
  const selection = patterns.length === 0 ? { selected: tables, unmatched: [] } : selectTables(patterns, tables);

  return {
    settings,
    replicationSlotsInUse: usage.slots,
    inactiveLakehouseSlots: usage.lakehouse_inactive,
    activeWalSenders: usage.senders,
    expectedTasks,
    role: {
      name: role.name,
      superuser: role.superuser,
      replication: role.replication,
      rdsReplication: role.rds_replication ?? undefined,
    },
    selection: patterns.length === 0 ? 'all' : 'explicit',
    tables: selection.selected,
    unmatched: selection.unmatched,
  };
}

/**
 * Checks a live PostgreSQL database against the DMS source requirements
 * (POSTGRES_REQUIREMENTS) and returns one result per requirement.
 *
 * @throws ConnectionUrlError / SourceConnectionError when `connectionString` is malformed or the server cannot be reached
 */
export async function preflightPostgres(options: PostgresPreflightOptions): Promise<CheckResult[]> {
  if ((options.connectionString === undefined) === (options.client === undefined)) {
    throw new Error('preflightPostgres: give exactly one of `connectionString` and `client`');
  }
  const snapshotOptions = { tables: options.tables, expectedTasks: validateExpectedTasks(options.expectedTasks) };
  // Reject malformed selectors before connecting.
  (options.tables ?? []).forEach((text) => parseTablePattern(text, { defaultSchema: 'public' }));
  if (options.client !== undefined) {
    return evaluateRequirements(POSTGRES_REQUIREMENTS, await readPostgresSnapshot(options.client, snapshotOptions));
  }
  const client = await connectPostgres(options.connectionString!, options);
  try {
    return evaluateRequirements(POSTGRES_REQUIREMENTS, await readPostgresSnapshot(client, snapshotOptions));
  } finally {
    await client.end().catch(() => undefined);
  }
}
