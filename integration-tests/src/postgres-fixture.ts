import { Client, ClientConfig, QueryResult, QueryResultRow } from 'pg';
import { ContainerPostgresServer } from './container-postgres';
import { LocalPostgresServer } from './local-postgres';
import { RequestedServerMode, requestedServerMode, resolveServerMode, serverImage, ServerMode } from './server-mode';

/** How the fixture got its server. */
export type PostgresFixtureMode = ServerMode;

export type PostgresSettingValue = string | number | boolean;

/**
 * Server settings every fixture starts with unless overridden: logical
 * decoding enabled, room for slots and WAL senders, durability off (these are
 * throw-away servers, speed matters more).
 *
 * synchronous_commit stays on: logical decoding only reads WAL that has been
 * flushed, so with it off a change can be missing from
 * pg_logical_slot_get_changes() for up to wal_writer_delay after COMMIT.
 */
export const DEFAULT_POSTGRES_SETTINGS: Readonly<Record<string, PostgresSettingValue>> = {
  wal_level: 'logical',
  max_replication_slots: 10,
  max_wal_senders: 10,
  fsync: false,
  full_page_writes: false,
};

export interface PostgresFixtureOptions {
  /**
   * Server settings, merged over DEFAULT_POSTGRES_SETTINGS,
   * e.g. `{ wal_level: 'replica' }`. Booleans become on/off.
   */
  readonly settings?: Readonly<Record<string, PostgresSettingValue>>;
  /**
   * `auto` (default) uses testcontainers when a container runtime answers,
   * local server binaries otherwise. The env vars LAKEHOUSE_TEST_POSTGRES, then
   * LAKEHOUSE_TEST_SERVERS (`container`, `local` or `auto`) override the
   * default; this option overrides both.
   */
  readonly mode?: RequestedServerMode;
  /** Container image for the testcontainers mode. Default: LAKEHOUSE_TEST_POSTGRES_IMAGE, else `postgres:15`. */
  readonly image?: string;
  /** Superuser name. Default `postgres`. */
  readonly user?: string;
  /** Password (only checked in the container; local servers trust 127.0.0.1). Default `postgres`. */
  readonly password?: string;
  /** Database the helpers connect to by default. Default `postgres`. */
  readonly database?: string;
  /** Local mode: directory with initdb/pg_ctl/postgres; default from PG_BIN_DIR or discovery. */
  readonly binDir?: string;
  /** Upper bound for starting the server. Default 60 s. */
  readonly startupTimeoutMs?: number;
  /** Where the one-line "which mode ran" message goes. Default: stdout. */
  readonly log?: (line: string) => void;
}

interface StartedServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_.]*$/;

function renderSettings(settings: Readonly<Record<string, PostgresSettingValue>>): Record<string, string> {
  const rendered: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name)) {
      throw new Error(`invalid PostgreSQL setting name: ${JSON.stringify(name)}`);
    }
    rendered[name] = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
  }
  return rendered;
}

async function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A throw-away PostgreSQL server for tests: a testcontainers container when a
 * container runtime is available, otherwise a cluster made from the local
 * server binaries. Start it in beforeAll, stop it in afterAll.
 *
 * ```ts
 * const pg = await PostgresFixture.start();
 * const client = await pg.client();
 * await client.query('CREATE ROLE reader LOGIN');
 * await client.end();
 * await pg.stop();
 * ```
 */
export class PostgresFixture {
  /** Starts a server; see PostgresFixtureOptions. */
  public static async start(options: PostgresFixtureOptions = {}): Promise<PostgresFixture> {
    const settings = renderSettings({ ...DEFAULT_POSTGRES_SETTINGS, ...options.settings });
    const user = options.user ?? 'postgres';
    const password = options.password ?? 'postgres';
    const database = options.database ?? 'postgres';
    const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
    const image = options.image ?? serverImage('postgres');

    const requested = options.mode ?? requestedServerMode('postgres');
    const mode = await resolveServerMode('postgres', requested);

    let server: StartedServer;
    let details: string;
    if (mode === 'testcontainers') {
      const container = await ContainerPostgresServer.start({ image, settings, user, password, database, startupTimeoutMs });
      server = container;
      details = `testcontainers ${image}`;
    } else {
      let local: LocalPostgresServer;
      try {
        local = await LocalPostgresServer.start({
          settings, superuser: user, binDir: options.binDir, startupTimeoutMs, owner: 'the integration-tests postgres fixture',
        });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const prefix = requested === 'auto' ? 'postgres fixture: no container runtime answered and ' : 'postgres fixture: ';
        throw new Error(`${prefix}${reason}`);
      }
      server = local;
      details = 'local binaries';
    }

    const fixture = new PostgresFixture(mode, server, user, password, database, settings);
    try {
      fixture.serverVersion = await fixture.waitForServerVersion(startupTimeoutMs);
    } catch (err) {
      await fixture.stop();
      throw err;
    }
    const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
    log(`postgres fixture: ${details} (PostgreSQL ${fixture.serverVersion}) on ${fixture.host}:${fixture.port}`);
    return fixture;
  }

  /** Server version as reported by `SHOW server_version`, first word (e.g. `15.14`). */
  public serverVersion = '';
  private readonly openClients = new Set<Client>();
  private stopping: Promise<void> | undefined;

  private constructor(
    public readonly mode: PostgresFixtureMode,
    private readonly server: StartedServer,
    public readonly user: string,
    public readonly password: string,
    public readonly database: string,
    /** The settings the server was started with (rendered as strings). */
    public readonly settings: Readonly<Record<string, string>>,
  ) {}

  public get host(): string {
    return this.server.host;
  }

  public get port(): number {
    return this.server.port;
  }

  /** Local mode: the temp dir holding data dir, socket and log (removed by stop()). */
  public get tempDir(): string | undefined {
    return this.server instanceof LocalPostgresServer ? this.server.tempDir : undefined;
  }

  /** Local mode: the postmaster PID. */
  public get pid(): number | undefined {
    return this.server instanceof LocalPostgresServer ? this.server.pid : undefined;
  }

  /** testcontainers mode: the container id. */
  public get containerId(): string | undefined {
    return this.server instanceof ContainerPostgresServer ? this.server.containerId : undefined;
  }

  /** True once stop() has been called. */
  public get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** `postgresql://user:password@host:port/database` */
  public connectionString(database: string = this.database): string {
    const credentials = `${encodeURIComponent(this.user)}:${encodeURIComponent(this.password)}`;
    return `postgresql://${credentials}@${this.host}:${this.port}/${encodeURIComponent(database)}`;
  }

  /** Settings for `new pg.Client(...)` / `new pg.Pool(...)`; override e.g. user for another role. */
  public clientConfig(overrides: Partial<ClientConfig> = {}): ClientConfig {
    return {
      host: this.host,
      port: this.port,
      user: this.user,
      password: this.password,
      database: this.database,
      ...overrides,
    };
  }

  /**
   * A connected pg.Client (as the superuser unless overridden). End it when
   * done; stop() ends any that are still open.
   */
  public async client(overrides: Partial<ClientConfig> = {}): Promise<Client> {
    if (this.stopped) {
      throw new Error('postgres fixture: already stopped');
    }
    const client = new Client(this.clientConfig(overrides));
    await client.connect();
    this.openClients.add(client);
    client.once('end', () => this.openClients.delete(client));
    return client;
  }

  /** Runs one statement on a short-lived connection, e.g. `CREATE DATABASE other`. */
  public async query<R extends QueryResultRow = QueryResultRow>(
    sql: string,
    params: unknown[] = [],
    overrides: Partial<ClientConfig> = {},
  ): Promise<QueryResult<R>> {
    const client = await this.client(overrides);
    try {
      return await client.query<R>(sql, params);
    } finally {
      await client.end();
    }
  }

  /** Stops the server and removes what was created for it. Safe to call more than once. */
  public async stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    // A client still connected when the server goes away would emit an
    // unhandled 'error' event and crash the test process.
    await Promise.all([...this.openClients].map(async (client) => client.end().catch(() => undefined)));
    this.openClients.clear();
    await this.server.stop();
  }

  private async waitForServerVersion(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const client = new Client(this.clientConfig());
      client.on('error', () => undefined);
      try {
        await client.connect();
        const result = await client.query<{ server_version: string }>('SHOW server_version');
        return result.rows[0].server_version.split(' ')[0];
      } catch (err) {
        if (Date.now() > deadline) {
          throw new Error(`postgres fixture: server on ${this.host}:${this.port} did not accept connections: ${String(err)}`);
        }
        await sleep(200);
      } finally {
        await client.end().catch(() => undefined);
      }
    }
  }
}
