import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { stopByPid, type OsUser } from '@cdc-lakehouse/local-lakehouse';
import { connectMysql } from '@cdc-lakehouse/source-setup';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import type { StartedTestContainer } from 'testcontainers';
import { findFreePort } from './free-port';
import { RequestedServerMode, requestedServerMode, resolveServerMode, serverImage, ServerMode } from './server-mode';

const execFileAsync = promisify(execFile);

/** How the fixture got its server. */
export type MysqlFixtureMode = ServerMode;

export type MysqlSettingValue = string | number | boolean;

export const MYSQL_INSTALL_HINT = 'apt-get install mariadb-server';

/**
 * Server options every fixture starts with unless overridden: a binary log in
 * ROW format with server_id 1, and durability off with small buffers (these
 * are throw-away servers, speed matters more). binlog_row_image, the checksum
 * and retention stay at the server's defaults, so a test sees what a stock
 * server reports.
 */
export const DEFAULT_MYSQL_SETTINGS: Readonly<Record<string, MysqlSettingValue>> = {
  server_id: 1,
  binlog_format: 'ROW',
  skip_name_resolve: true,
  performance_schema: false,
  innodb_buffer_pool_size: '32M',
  innodb_log_file_size: '8M',
  innodb_flush_log_at_trx_commit: 0,
  innodb_doublewrite: false,
  innodb_flush_method: 'nosync',
  sync_binlog: 0,
};

/** mariadb-install-db options; part of the template cache key, so keep them independent of the per-server settings. */
const INSTALL_OPTIONS = [
  '--skip-test-db',
  '--skip-name-resolve',
  '--innodb-buffer-pool-size=32M',
  '--innodb-log-file-size=8M',
  '--innodb-flush-log-at-trx-commit=0',
  '--innodb-doublewrite=0',
  '--innodb-flush-method=nosync',
];

export interface MysqlFixtureOptions {
  /**
   * Server options, merged over DEFAULT_MYSQL_SETTINGS, e.g.
   * `{ binlog_format: 'STATEMENT' }`. Each becomes `--name=value` on the
   * mariadbd command line; `true` becomes `--name`, `false` `--skip-name`.
   * `log_bin: false` turns the binary log off.
   */
  readonly settings?: Readonly<Record<string, MysqlSettingValue>>;
  /**
   * `auto` (default) uses testcontainers when a container runtime answers,
   * local MariaDB binaries otherwise. The env vars LAKEHOUSE_TEST_MARIADB, then
   * LAKEHOUSE_TEST_SERVERS (`container`, `local` or `auto`) override the
   * default; this option overrides both.
   */
  readonly mode?: RequestedServerMode;
  /** Container image for the testcontainers mode. Default: LAKEHOUSE_TEST_MARIADB_IMAGE, else `mariadb:10.11`. */
  readonly image?: string;
  /** Password given to root. Default `fixture-root`. */
  readonly password?: string;
  /** Database created at start; the connection string names it. Default `test`. */
  readonly database?: string;
  /** Local mode: directory holding mariadbd and mariadb-install-db. Default: PATH, /usr/sbin, /usr/bin. */
  readonly binDir?: string;
  /** Upper bound for starting the server. Default 60 s. */
  readonly startupTimeoutMs?: number;
  /** Where the one-line "which mode ran" message goes. Default: stdout. */
  readonly log?: (line: string) => void;
}

/** Overrides for connectionString() and connection(). */
export interface MysqlLogin {
  readonly user?: string;
  readonly password?: string;
  /** A database name, or null for none. */
  readonly database?: string | null;
}

interface StartedServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

const SETTING_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/** Renders settings as mariadbd command-line options (log_bin is handled by the caller). */
export function renderMysqlSettings(settings: Readonly<Record<string, MysqlSettingValue>>): string[] {
  const args: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (!SETTING_NAME.test(name)) {
      throw new Error(`invalid MySQL setting name: ${JSON.stringify(name)}`);
    }
    const option = name.replace(/_/g, '-');
    if (name === 'log_bin' || name === 'log-bin') {
      continue;
    }
    if (value === true) {
      args.push(`--${option}`);
    } else if (value === false) {
      args.push(`--skip-${option}`);
    } else {
      args.push(`--${option}=${value}`);
    }
  }
  return args;
}

async function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') {
    return stderr.trim().split('\n').slice(-3).join(' | ');
  }
  return err instanceof Error ? err.message : String(err);
}

/** The MariaDB programs the local mode runs. */
export interface MariadbBinaries {
  readonly server: string;
  readonly installDb: string;
}

function findProgram(names: readonly string[], dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        fs.accessSync(candidate, fs.constants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

/**
 * Finds mariadbd and mariadb-install-db in `binDir`, else on PATH, /usr/sbin
 * and /usr/bin. Throws one line naming what to install when they are missing.
 */
export function findMariadbBinaries(binDir?: string): MariadbBinaries {
  const dirs = binDir !== undefined
    ? [binDir]
    : [...(process.env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== ''), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  const server = findProgram(['mariadbd'], dirs);
  const installDb = findProgram(['mariadb-install-db', 'mysql_install_db'], dirs);
  if (server === undefined || installDb === undefined) {
    const missing = [server === undefined ? 'mariadbd' : undefined, installDb === undefined ? 'mariadb-install-db' : undefined].filter(Boolean);
    throw new Error(`no MariaDB server binaries found (${missing.join(', ')} not in ${binDir ?? 'PATH, /usr/sbin, /usr/bin'}); install them with \`${MYSQL_INSTALL_HINT}\``);
  }
  return { server, installDb };
}

async function lookupOsUser(name: string): Promise<OsUser> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`running as root, but the OS user '${name}' to run mariadbd as does not exist (\`${MYSQL_INSTALL_HINT}\` creates it)`);
  }
}

/**
 * Guards against a test process that dies without calling stop(): a detached
 * node process whose stdin is a pipe from this process. When this process
 * goes away the pipe closes, and the watchdog stops the server and removes
 * the temp dir. stop() ends the watchdog first.
 */
const WATCHDOG_SCRIPT = `
const fs = require('fs');
const c = JSON.parse(process.env.MYSQL_FIXTURE_WATCHDOG);
const alive = () => { try { process.kill(c.pid, 0); return true; } catch (e) { return e.code === 'EPERM'; } };
function cleanup() {
  try { process.kill(c.pid, 'SIGTERM'); } catch (e) {}
  const deadline = Date.now() + 5000;
  const poll = setInterval(() => {
    if (alive() && Date.now() < deadline) return;
    clearInterval(poll);
    try { process.kill(c.pid, 'SIGKILL'); } catch (e) {}
    try { fs.rmSync(c.tempDir, { recursive: true, force: true }); } catch (e) {}
    process.exit(0);
  }, 100);
}
process.stdin.on('data', () => {});
process.stdin.on('end', cleanup);
process.stdin.on('error', cleanup);
process.on('SIGTERM', () => process.exit(0));
`;

/** How many times to pick a new port when another process grabbed ours first. */
const START_ATTEMPTS = 3;

/** A MariaDB server made with mariadb-install-db in a fresh temp dir, listening on a free port of 127.0.0.1. */
class LocalMariadbServer {
  public static async start(
    binaries: MariadbBinaries,
    args: string[],
    logBin: MysqlSettingValue | undefined,
    timeoutMs: number,
  ): Promise<LocalMariadbServer> {
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const runAs = isRoot ? await lookupOsUser('mysql') : undefined;
    const tempDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'mysql-fixture-'));
    const server = new LocalMariadbServer(binaries, runAs, tempDir);
    try {
      if (runAs !== undefined) {
        await fs.promises.chown(tempDir, runAs.uid, runAs.gid);
      }
      await server.makeDataDir(timeoutMs);
      const binlog = logBin === false ? ['--skip-log-bin'] : [`--log-bin=${typeof logBin === 'string' ? logBin : path.join(tempDir, 'binlog')}`];
      await server.startServer([...binlog, ...args], timeoutMs);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  public readonly host = '127.0.0.1';
  public readonly dataDir: string;
  public readonly errorLog: string;
  private currentPort = 0;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private watchdog: ChildProcess | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    private readonly binaries: MariadbBinaries,
    private readonly runAs: OsUser | undefined,
    public readonly tempDir: string,
  ) {
    this.dataDir = path.join(tempDir, 'data');
    this.errorLog = path.join(tempDir, 'error.log');
  }

  private readonly exitHandler = (): void => this.stopSync();

  public get port(): number {
    return this.currentPort;
  }

  public get pid(): number | undefined {
    return this.child?.pid;
  }

  /** SIGTERM by PID (a clean shutdown), SIGKILL if it has not exited within 15 s, then removes the temp dir. Safe to call more than once. */
  public async stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    process.removeListener('exit', this.exitHandler);
    this.watchdog?.kill('SIGTERM');
    this.watchdog = undefined;
    await stopByPid(this.child?.pid, this.exited);
    await fs.promises.rm(this.tempDir, { recursive: true, force: true });
  }

  /** Last-resort cleanup for the `exit` event, which allows only synchronous work. */
  private stopSync(): void {
    this.watchdog?.kill('SIGTERM');
    const pid = this.child?.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    try {
      fs.rmSync(this.tempDir, { recursive: true, force: true });
    } catch {
      // nothing more to do while exiting
    }
  }

  /**
   * Runs mariadb-install-db once per MariaDB build and options into a cached
   * template (it takes 3-5 s, mostly loading help tables and the sys schema),
   * and copies the template for every server after that. MYSQL_FIXTURE_TEMPLATE=off
   * runs mariadb-install-db every time.
   */
  private async makeDataDir(timeoutMs: number): Promise<void> {
    const stat = await fs.promises.stat(this.binaries.server);
    const key = createHash('sha256')
      .update(JSON.stringify([this.binaries.server, stat.size, stat.mtimeMs, this.binaries.installDb, INSTALL_OPTIONS, this.runAs?.name ?? '']))
      .digest('hex')
      .slice(0, 16);
    const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
    const template = path.join(os.tmpdir(), `mysql-fixture-template-${uid}-${key}`);
    const useTemplate = process.env.MYSQL_FIXTURE_TEMPLATE !== 'off';
    if (useTemplate && fs.existsSync(path.join(template, '.complete'))) {
      await execFileAsync('cp', ['-a', path.join(template, 'data'), this.dataDir], { timeout: timeoutMs });
      return;
    }
    await this.installDb(timeoutMs);
    if (useTemplate) {
      // Build the template beside its final name and rename it into place, so parallel runs never see half a copy.
      const partial = `${template}.partial-${process.pid}`;
      try {
        await fs.promises.mkdir(partial, { recursive: true });
        await execFileAsync('cp', ['-a', this.dataDir, path.join(partial, 'data')], { timeout: timeoutMs });
        await fs.promises.writeFile(path.join(partial, '.complete'), '');
        await fs.promises.rename(partial, template);
      } catch {
        // another process won the race, or the cache is not writable: the server still has its data dir
      } finally {
        await fs.promises.rm(partial, { recursive: true, force: true });
      }
    }
  }

  private async installDb(timeoutMs: number): Promise<void> {
    const user = this.runAs?.name ?? os.userInfo().username;
    try {
      await execFileAsync(
        this.binaries.installDb,
        ['--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${this.dataDir}`, `--user=${user}`, ...INSTALL_OPTIONS],
        { cwd: this.tempDir, timeout: timeoutMs },
      );
    } catch (err) {
      throw new Error(`mariadb-install-db failed: ${errorText(err)}`);
    }
  }

  private async startServer(args: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort(this.host);
      const argv = [
        '--no-defaults',
        `--datadir=${this.dataDir}`,
        `--socket=${path.join(this.tempDir, 'mysqld.sock')}`,
        `--pid-file=${path.join(this.tempDir, 'mysqld.pid')}`,
        `--log-error=${this.errorLog}`,
        `--tmpdir=${this.tempDir}`,
        `--port=${port}`,
        `--bind-address=${this.host}`,
        ...args,
      ];
      const child = spawn(this.binaries.server, argv, {
        cwd: this.tempDir,
        stdio: 'ignore',
        detached: true,
        ...(this.runAs === undefined ? {} : { uid: this.runAs.uid, gid: this.runAs.gid }),
      });
      this.child = child;
      let exitCode: number | null | undefined;
      this.exited = new Promise<void>((resolve) => {
        child.once('exit', (code, signal) => {
          exitCode = code ?? (signal === null ? -1 : null);
          resolve();
        });
        child.once('error', () => {
          exitCode = -1;
          resolve();
        });
      });
      child.unref();
      this.currentPort = port;
      this.startWatchdog();
      process.once('exit', this.exitHandler);

      const failure = await this.waitUntilReady(deadline, () => exitCode !== undefined);
      if (failure === undefined) {
        return;
      }
      process.removeListener('exit', this.exitHandler);
      this.watchdog?.kill('SIGTERM');
      if (exitCode === undefined) {
        try {
          process.kill(child.pid!, 'SIGKILL');
        } catch {
          // gone
        }
        await this.exited;
      }
      if (attempt < START_ATTEMPTS && /address already in use|bind on tcp\/ip port/i.test(failure)) {
        continue;
      }
      throw new Error(`mariadbd did not start: ${failure}`);
    }
  }

  /** Undefined once the server accepts a login; otherwise why it did not. */
  private async waitUntilReady(deadline: number, hasExited: () => boolean): Promise<string | undefined> {
    let lastError = '';
    for (;;) {
      if (hasExited()) {
        return `it exited (${await this.errorLogTail()})`;
      }
      try {
        const connection = await connectMysql(`mysql://root@${this.host}:${this.currentPort}`, { connectTimeoutMs: 2000 });
        await connection.end();
        return undefined;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) {
        return `no login within the startup timeout (${lastError}; ${await this.errorLogTail()})`;
      }
      await sleep(50);
    }
  }

  private async errorLogTail(): Promise<string> {
    const log = await fs.promises.readFile(this.errorLog, 'utf8').catch(() => '');
    const lines = log.split('\n').filter((line) => /\[ERROR\]|Aborting/.test(line));
    return lines.length === 0 ? 'see the error log' : lines.slice(-3).join(' | ');
  }

  private startWatchdog(): void {
    const config = { pid: this.child?.pid, tempDir: this.tempDir };
    const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, MYSQL_FIXTURE_WATCHDOG: JSON.stringify(config) },
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.watchdog = watchdog;
  }
}

const MYSQL_PORT = 3306;

/** A MariaDB/MySQL server in a container started by testcontainers. */
class ContainerMysqlServer {
  public static async start(image: string, args: string[], password: string, timeoutMs: number): Promise<ContainerMysqlServer> {
    const { GenericContainer, Wait } = await import('testcontainers');
    const container = await new GenericContainer(image)
      // MARIADB_* for the mariadb image, MYSQL_* for mysql (mariadb accepts both).
      .withEnvironment({ MARIADB_ROOT_PASSWORD: password, MYSQL_ROOT_PASSWORD: password })
      .withCommand(args)
      .withExposedPorts(MYSQL_PORT)
      .withTmpFs({ '/var/lib/mysql': 'rw' })
      // The entrypoint runs a temporary server for initialisation first; the second message is the real server.
      .withWaitStrategy(Wait.forLogMessage(/ready for connections/i, 2))
      .withStartupTimeout(timeoutMs)
      .start();
    return new ContainerMysqlServer(container);
  }

  private constructor(private readonly container: StartedTestContainer) {}

  public get host(): string {
    return this.container.getHost();
  }

  public get port(): number {
    return this.container.getMappedPort(MYSQL_PORT);
  }

  public get containerId(): string {
    return this.container.getId();
  }

  public async stop(): Promise<void> {
    await this.container.stop();
  }
}

/**
 * A throw-away MariaDB (or MySQL) server for tests: a testcontainers
 * container when a container runtime is available, otherwise mariadbd from
 * the local binaries. Start it in beforeAll, stop it in afterAll.
 *
 * ```ts
 * const mysql = await MysqlFixture.start({ settings: { binlog_format: 'STATEMENT' } });
 * await mysql.query('CREATE TABLE test.t (id INT PRIMARY KEY)');
 * const url = mysql.connectionString(); // mysql://root:…@127.0.0.1:<port>/test
 * await mysql.stop();
 * ```
 */
export class MysqlFixture {
  /** Starts a server; see MysqlFixtureOptions. */
  public static async start(options: MysqlFixtureOptions = {}): Promise<MysqlFixture> {
    const merged = { ...DEFAULT_MYSQL_SETTINGS, ...options.settings };
    const args = renderMysqlSettings(merged);
    const logBin = merged.log_bin ?? merged['log-bin'];
    const password = options.password ?? 'fixture-root';
    const database = options.database ?? 'test';
    const startupTimeoutMs = options.startupTimeoutMs ?? 60_000;
    const image = options.image ?? serverImage('mariadb');

    const requested = options.mode ?? requestedServerMode('mariadb');
    const mode = await resolveServerMode('mariadb', requested);

    let server: StartedServer;
    let details: string;
    const startedAt = Date.now();
    if (mode === 'testcontainers') {
      const binlog = logBin === false ? ['--skip-log-bin'] : [`--log-bin=${typeof logBin === 'string' ? logBin : 'binlog'}`];
      server = await ContainerMysqlServer.start(image, [...binlog, ...args], password, startupTimeoutMs);
      details = `testcontainers ${image}`;
    } else {
      try {
        const binaries = findMariadbBinaries(options.binDir);
        server = await LocalMariadbServer.start(binaries, args, logBin, startupTimeoutMs);
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        const prefix = requested === 'auto' ? 'mysql fixture: no container runtime answered and ' : 'mysql fixture: ';
        throw new Error(`${prefix}${reason}`);
      }
      details = 'local binaries';
    }

    const fixture = new MysqlFixture(mode, server, 'root', password, database, args);
    try {
      await fixture.initialize(server instanceof LocalMariadbServer);
    } catch (err) {
      await fixture.stop();
      throw err;
    }
    const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
    log(`mysql fixture: ${details} (${fixture.serverVersion}) on ${fixture.host}:${fixture.port}, ready in ${Date.now() - startedAt} ms`);
    return fixture;
  }

  /** `SELECT VERSION()`, e.g. `10.11.19-MariaDB-0+deb12u1-log`. */
  public serverVersion = '';
  private readonly openConnections = new Set<Connection>();
  private stopping: Promise<void> | undefined;

  private constructor(
    public readonly mode: MysqlFixtureMode,
    private readonly server: StartedServer,
    public readonly user: string,
    public readonly password: string,
    public readonly database: string,
    /** The mariadbd options the server was started with (besides data dir, port and binary log path). */
    public readonly serverArgs: readonly string[],
  ) {}

  public get host(): string {
    return this.server.host;
  }

  public get port(): number {
    return this.server.port;
  }

  /** Local mode: the temp dir holding data dir, socket, binary logs and error log (removed by stop()). */
  public get tempDir(): string | undefined {
    return this.server instanceof LocalMariadbServer ? this.server.tempDir : undefined;
  }

  /** Local mode: the mariadbd PID. */
  public get pid(): number | undefined {
    return this.server instanceof LocalMariadbServer ? this.server.pid : undefined;
  }

  /** testcontainers mode: the container id. */
  public get containerId(): string | undefined {
    return this.server instanceof ContainerMysqlServer ? this.server.containerId : undefined;
  }

  /** True once stop() has been called. */
  public get stopped(): boolean {
    return this.stopping !== undefined;
  }

  /** `mysql://user:password@host:port/database`, as root on the fixture's database unless overridden. */
  public connectionString(login: MysqlLogin = {}): string {
    const user = login.user ?? this.user;
    const password = login.password ?? (login.user === undefined ? this.password : '');
    const database = login.database === undefined ? this.database : login.database;
    const credentials = password === '' ? encodeURIComponent(user) : `${encodeURIComponent(user)}:${encodeURIComponent(password)}`;
    return `mysql://${credentials}@${this.host}:${this.port}${database === null ? '' : `/${encodeURIComponent(database)}`}`;
  }

  /** An open mysql2/promise connection (as root unless overridden). End it when done; stop() ends any still open. */
  public async connection(login: MysqlLogin = {}): Promise<Connection> {
    if (this.stopped) {
      throw new Error('mysql fixture: already stopped');
    }
    const connection = await connectMysql(this.connectionString(login));
    this.openConnections.add(connection);
    connection.once('end', () => this.openConnections.delete(connection));
    return connection;
  }

  /** Runs one statement as root on a short-lived connection; returns the rows (empty for statements without rows). */
  public async query<T = Record<string, unknown>>(sql: string, params: unknown[] = [], login: MysqlLogin = {}): Promise<T[]> {
    const connection = await this.connection(login);
    try {
      const [rows] = await connection.query(sql, params);
      return Array.isArray(rows) ? (rows as T[]) : [];
    } finally {
      await this.endConnection(connection);
    }
  }

  /** Stops the server and removes what was created for it. Safe to call more than once. */
  public async stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async endConnection(connection: Connection): Promise<void> {
    this.openConnections.delete(connection);
    await connection.end().catch(() => undefined);
  }

  private async doStop(): Promise<void> {
    await Promise.all([...this.openConnections].map(async (connection) => this.endConnection(connection)));
    await this.server.stop();
  }

  /** Sets root's password (local mode starts without one), creates the database, reads the version. */
  private async initialize(local: boolean): Promise<void> {
    const url = local ? this.connectionString({ user: 'root', database: null }) : this.connectionString({ database: null });
    const connection = await connectMysql(url);
    try {
      if (local) {
        // Only the account used over TCP; the other root accounts are reachable only through the socket in the private temp dir.
        // Named explicitly: MariaDB 10.11 accepts ALTER USER CURRENT_USER() IDENTIFIED BY … but leaves the password empty.
        const [account] = await connection.query<RowDataPacket[]>("SELECT SUBSTRING_INDEX(CURRENT_USER(), '@', 1) AS user, SUBSTRING_INDEX(CURRENT_USER(), '@', -1) AS host");
        await connection.query('ALTER USER ?@? IDENTIFIED BY ?', [account[0].user, account[0].host, this.password]);
      }
      await connection.query(`CREATE DATABASE IF NOT EXISTS \`${this.database.replace(/`/g, '``')}\``);
      const [version] = await connection.query<RowDataPacket[]>('SELECT VERSION() AS version');
      this.serverVersion = String(version[0].version);
    } finally {
      await connection.end().catch(() => undefined);
    }
  }
}
