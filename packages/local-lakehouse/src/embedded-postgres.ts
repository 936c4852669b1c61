import { execFile, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { findFreePort, processRunning } from './os-process';

const execFileAsync = promisify(execFile);

/** The server programs the local mode needs in one directory. */
const REQUIRED_PROGRAMS = ['initdb', 'pg_ctl', 'postgres'] as const;

/** Debian/Ubuntu install every major version side by side under this directory. */
const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** How many times to pick a new port when another process grabbed ours first. */
const START_ATTEMPTS = 3;

/** How to get the server binaries on Debian/Ubuntu. */
export const INSTALL_HINT = 'apt-get install postgresql';

/** Where the server binaries were found, and by which rule. */
export interface PgBinDir {
  readonly binDir: string;
  readonly source: 'PG_BIN_DIR' | '/usr/lib/postgresql' | 'pg_config --bindir';
}

/** An OS account to run the server as (PostgreSQL refuses to run as root). */
export interface OsUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** Options of {@link LocalPostgresServer.start}. */
export interface LocalPostgresOptions {
  /** Server settings written to postgresql.conf, already rendered as strings. */
  readonly settings: Readonly<Record<string, string>>;
  /** Name of the bootstrap superuser created by initdb. */
  readonly superuser: string;
  /**
   * Directory holding initdb, pg_ctl and postgres.
   * @default discovered by {@link findPgBinDir}
   */
  readonly binDir?: string;
  /**
   * OS user that runs the server when this process is root.
   * @default 'postgres'
   */
  readonly osUser?: string;
  /** Upper bound for initdb plus server start. */
  readonly startupTimeoutMs: number;
  /**
   * Prefix of the temp dir (under the OS temp dir) holding data dir, socket and log.
   * @default 'pg-fixture-'
   */
  readonly tempDirPrefix?: string;
  /**
   * Who wrote the settings, as a comment in postgresql.conf.
   * @default 'the local-lakehouse embedded PostgreSQL launcher'
   */
  readonly owner?: string;
}

/** The settings a server needs for CDC: logical decoding, slots and WAL senders. */
export const LOGICAL_REPLICATION_SETTINGS: Readonly<Record<string, string>> = Object.freeze({
  wal_level: 'logical',
  max_replication_slots: '10',
  max_wal_senders: '10',
});

function hasServerPrograms(dir: string): boolean {
  return REQUIRED_PROGRAMS.every((program) => fs.existsSync(path.join(dir, program)));
}

/**
 * Finds a directory holding initdb, pg_ctl and postgres:
 * `PG_BIN_DIR`, else the newest /usr/lib/postgresql/<major>/bin, else `pg_config --bindir`
 * (pg_config looked up on env.PATH). Throws a one-line error naming what to
 * install when none is found.
 */
export function findPgBinDir(env: NodeJS.ProcessEnv = process.env, debianRoot: string = DEBIAN_PG_ROOT): PgBinDir {
  const fromEnv = env.PG_BIN_DIR;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (!hasServerPrograms(fromEnv)) {
      throw new Error(`PG_BIN_DIR=${fromEnv} does not contain ${REQUIRED_PROGRAMS.join(', ')}; point it at a PostgreSQL server bin directory`);
    }
    return { binDir: fromEnv, source: 'PG_BIN_DIR' };
  }

  let majors: string[] = [];
  try {
    majors = fs.readdirSync(debianRoot).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    // no Debian-style installation
  }
  majors.sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const dir = path.join(debianRoot, major, 'bin');
    if (hasServerPrograms(dir)) {
      return { binDir: dir, source: '/usr/lib/postgresql' };
    }
  }

  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env }).trim();
    // pg_config also ships with the client library (libpq-dev), whose bindir has no server.
    if (dir !== '' && hasServerPrograms(dir)) {
      return { binDir: dir, source: 'pg_config --bindir' };
    }
  } catch {
    // pg_config not installed
  }

  throw new Error(
    `no PostgreSQL server binaries found (looked at PG_BIN_DIR, ${debianRoot}/<version>/bin, pg_config --bindir); install them with \`${INSTALL_HINT}\` or set PG_BIN_DIR`,
  );
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

async function lookupOsUser(name: string): Promise<OsUser> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync('id', ['-u', name]),
      execFileAsync('id', ['-g', name]),
    ]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(
      `running as root, but PostgreSQL refuses to run as root and the OS user '${name}' does not exist (\`${INSTALL_HINT}\` creates it)`,
    );
  }
}

/** Quotes a value for postgresql.conf. */
function confValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

async function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function errorText(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') {
    return stderr.trim();
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Leak guard for test runners that never emit `exit` on the real process
 * (jest gives each test file its own `process` object): a tiny detached
 * node process that waits for its parent to go away, then stops the server
 * and deletes the temp dir. It quits by itself once the data dir is gone.
 */
const WATCHDOG_SCRIPT = `
process.title = 'pg-fixture-watchdog';
const { execFileSync } = require('child_process');
const fs = require('fs');
const c = JSON.parse(process.env.PG_FIXTURE_WATCHDOG);
function parentGone() {
  if (process.ppid !== c.parentPid) return true;
  try { process.kill(c.parentPid, 0); return false; } catch (e) { return e.code === 'ESRCH'; }
}
setInterval(() => {
  if (!fs.existsSync(c.dataDir)) process.exit(0);
  if (!parentGone()) return;
  try {
    execFileSync(c.stop[0], c.stop.slice(1), { cwd: c.tempDir, stdio: 'ignore', timeout: 15000 });
  } catch (e) {
    try { process.kill(c.pid, 'SIGKILL'); } catch (e2) {}
  }
  try { fs.rmSync(c.tempDir, { recursive: true, force: true }); } catch (e) {}
  process.exit(0);
}, 500);
`;

/**
 * An ephemeral PostgreSQL cluster made with initdb in a fresh temp dir and
 * started with pg_ctl on a free port of 127.0.0.1, as the `postgres` OS user
 * when this process is root. It always stops what it started: `stop()`, an
 * `exit` handler, and a detached watchdog that stops the server and removes
 * the temp dir once this process is gone (also after SIGKILL).
 */
export class LocalPostgresServer {
  /** Runs initdb, writes the settings and starts the server. */
  public static async start(options: LocalPostgresOptions): Promise<LocalPostgresServer> {
    const binDir = options.binDir ?? findPgBinDir().binDir;
    const runAs = isRoot() ? await lookupOsUser(options.osUser ?? 'postgres') : undefined;

    const tempDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), options.tempDirPrefix ?? 'pg-fixture-'));
    const server = new LocalPostgresServer(binDir, runAs, tempDir);
    try {
      if (runAs !== undefined) {
        await fs.promises.chown(tempDir, runAs.uid, runAs.gid);
      }
      await server.initdb(options);
      await server.startServer(options.startupTimeoutMs);
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  public readonly host = '127.0.0.1';
  public readonly dataDir: string;
  public readonly logFile: string;
  private currentPort = 0;
  private currentPid: number | undefined;
  private watchdogPid: number | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    public readonly binDir: string,
    public readonly runAs: OsUser | undefined,
    public readonly tempDir: string,
  ) {
    this.dataDir = path.join(tempDir, 'data');
    this.logFile = path.join(tempDir, 'server.log');
  }

  /** Registered for the `exit` event while the server runs. */
  private readonly exitHandler = (): void => this.stopSync();

  /** TCP port on 127.0.0.1, once started. */
  public get port(): number {
    return this.currentPort;
  }

  /** PID of the postmaster, once started. */
  public get pid(): number | undefined {
    return this.currentPid;
  }

  /**
   * Stops the server (pg_ctl stop -m fast; signals as a fallback) and removes
   * the temp dir. Safe to call more than once.
   */
  public async stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    process.removeListener('exit', this.exitHandler);
    this.killWatchdog();
    if (fs.existsSync(path.join(this.dataDir, 'postmaster.pid')) || this.currentPid !== undefined) {
      try {
        await this.pgTool('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'fast', '-w', '-t', '20'], 30_000);
      } catch {
        // fall through to signals
      }
      const pid = this.currentPid;
      if (pid !== undefined && processRunning(pid)) {
        await this.killPostmaster(pid);
      }
    }
    await fs.promises.rm(this.tempDir, { recursive: true, force: true });
  }

  /** Synchronous last-resort cleanup for the `exit` event. */
  private stopSync(): void {
    this.killWatchdog();
    try {
      const [file, args] = this.command('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w', '-t', '10']);
      execFileSync(file, args, { cwd: this.tempDir, stdio: 'ignore', timeout: 15_000 });
    } catch {
      if (this.currentPid !== undefined) {
        try {
          process.kill(this.currentPid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    try {
      fs.rmSync(this.tempDir, { recursive: true, force: true });
    } catch {
      // nothing more we can do while exiting
    }
  }

  /** SIGQUIT is PostgreSQL's immediate shutdown; SIGKILL if that does not work within 5 s. */
  private async killPostmaster(pid: number): Promise<void> {
    for (const signal of ['SIGQUIT', 'SIGKILL'] as const) {
      try {
        process.kill(pid, signal);
      } catch {
        return;
      }
      for (let waited = 0; waited < 5000; waited += 100) {
        if (!processRunning(pid)) {
          return;
        }
        await sleep(100);
      }
    }
  }

  private killWatchdog(): void {
    if (this.watchdogPid !== undefined) {
      try {
        process.kill(this.watchdogPid, 'SIGTERM');
      } catch {
        // already gone
      }
      this.watchdogPid = undefined;
    }
  }

  private async initdb(options: LocalPostgresOptions): Promise<void> {
    await this.pgTool(
      'initdb',
      ['-D', this.dataDir, '--auth=trust', '--no-sync', '-U', options.superuser, '--encoding=UTF8', '--locale=C'],
      options.startupTimeoutMs,
    );
    const lines = [
      '',
      `# written by ${options.owner ?? 'the local-lakehouse embedded PostgreSQL launcher'}`,
      `listen_addresses = ${confValue(this.host)}`,
      `unix_socket_directories = ${confValue(this.tempDir)}`,
      ...Object.entries(options.settings).map(([name, value]) => `${name} = ${confValue(value)}`),
      '',
    ];
    await fs.promises.appendFile(path.join(this.dataDir, 'postgresql.conf'), lines.join('\n'));
  }

  private async startServer(timeoutMs: number): Promise<void> {
    const timeoutSeconds = String(Math.max(1, Math.ceil(timeoutMs / 1000)));
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort(this.host);
      try {
        await this.pgTool(
          'pg_ctl',
          ['start', '-D', this.dataDir, '-l', this.logFile, '-w', '-t', timeoutSeconds, '-o', `-p ${port}`],
          timeoutMs + 5000,
        );
      } catch (err) {
        const log = await fs.promises.readFile(this.logFile, 'utf8').catch(() => '');
        if (attempt < START_ATTEMPTS && /could not bind|address already in use/i.test(log)) {
          continue;
        }
        const tail = log.trim().split('\n').slice(-5).join(' | ');
        throw new Error(`pg_ctl start failed: ${errorText(err)}${tail === '' ? '' : ` (server log: ${tail})`}`);
      }
      this.currentPort = port;
      break;
    }
    const pidFile = await fs.promises.readFile(path.join(this.dataDir, 'postmaster.pid'), 'utf8');
    this.currentPid = Number(pidFile.split('\n')[0]);
    process.once('exit', this.exitHandler);
    this.startWatchdog();
  }

  private startWatchdog(): void {
    const [file, args] = this.command('pg_ctl', ['stop', '-D', this.dataDir, '-m', 'immediate', '-w', '-t', '10']);
    const config = { parentPid: process.pid, pid: this.currentPid, dataDir: this.dataDir, tempDir: this.tempDir, stop: [file, ...args] };
    const child = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT], {
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, PG_FIXTURE_WATCHDOG: JSON.stringify(config) },
    });
    child.on('error', () => undefined);
    child.unref();
    this.watchdogPid = child.pid;
  }

  /** The argv that runs one of the server programs, as the server's OS user when we are root. */
  private command(program: string, args: string[]): [string, string[]] {
    const exe = path.join(this.binDir, program);
    return this.runAs === undefined ? [exe, args] : ['runuser', ['-u', this.runAs.name, '--', exe, ...args]];
  }

  private async pgTool(program: string, args: string[], timeoutMs: number): Promise<string> {
    const [file, argv] = this.command(program, args);
    try {
      const { stdout } = await execFileAsync(file, argv, {
        cwd: this.tempDir,
        timeout: timeoutMs,
        env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
      });
      return stdout;
    } catch (err) {
      throw new Error(`${program} failed: ${errorText(err)}`);
    }
  }
}
