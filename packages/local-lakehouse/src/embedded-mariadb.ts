import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { OsUser } from './embedded-postgres';
import { findFreePort, stopByPid } from './os-process';
import { connectMysqlSource } from './source/mysql/mysql-connection';

const execFileAsync = promisify(execFile);

/** How to get the server binaries on Debian/Ubuntu. */
export const MARIADB_INSTALL_HINT = 'apt-get install mariadb-server';

/** How many times to pick a new port when another process grabbed ours first. */
const START_ATTEMPTS = 3;

/** The two MariaDB programs the embedded server needs. */
export interface MariadbPrograms {
  /** `mariadbd`. */
  readonly server: string;
  /** `mariadb-install-db` (or its old name `mysql_install_db`). */
  readonly installDb: string;
}

/**
 * What a capture needs from the server (the binary log in ROW format with full row images and column names, a server id)
 * plus settings for a throw-away server: durability off, small buffers.
 */
export const MARIADB_CDC_ARGS: readonly string[] = Object.freeze([
  '--server-id=1',
  '--binlog-format=ROW',
  '--binlog-row-image=FULL',
  '--binlog-row-metadata=FULL',
  '--skip-name-resolve',
  '--skip-performance-schema',
  '--innodb-buffer-pool-size=64M',
  '--innodb-log-file-size=16M',
  '--innodb-flush-log-at-trx-commit=0',
  '--innodb-doublewrite=0',
  '--innodb-flush-method=nosync',
  '--sync-binlog=0',
]);

/** Options of {@link LocalMariadbServer.start}. */
export interface LocalMariadbOptions {
  /**
   * Directory holding mariadbd and mariadb-install-db.
   * @default MARIADB_BIN_DIR, else PATH, /usr/sbin, /usr/bin
   */
  readonly binDir?: string;
  /** Upper bound for mariadb-install-db plus the server start. */
  readonly startupTimeoutMs: number;
  /**
   * Prefix of the temp dir (under the OS temp dir) holding data dir, binary logs, socket and error log.
   * @default 'lakehouse-mariadb-'
   */
  readonly tempDirPrefix?: string;
  /**
   * OS user that runs the server when this process is root.
   * @default 'mysql'
   */
  readonly osUser?: string;
  /**
   * More mariadbd options, after {@link MARIADB_CDC_ARGS} (a later option wins), e.g. a bigger buffer pool for a benchmark.
   * @default none
   */
  readonly extraArgs?: readonly string[];
}

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Finds mariadbd and mariadb-install-db: in `binDir` (or MARIADB_BIN_DIR) alone when given, else on PATH, /usr/sbin
 * and /usr/bin. Throws one line naming what is missing and how to install it.
 */
export function findMariadbPrograms(binDir?: string, env: NodeJS.ProcessEnv = process.env): MariadbPrograms {
  const given = binDir ?? (env.MARIADB_BIN_DIR === '' ? undefined : env.MARIADB_BIN_DIR);
  const dirs = given !== undefined
    ? [given]
    : [...(env.PATH ?? '').split(path.delimiter).filter((dir) => dir !== ''), '/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];
  const find = (names: readonly string[]): string | undefined => {
    for (const dir of dirs) {
      for (const name of names) {
        if (executable(path.join(dir, name))) return path.join(dir, name);
      }
    }
    return undefined;
  };
  const server = find(['mariadbd']);
  const installDb = find(['mariadb-install-db', 'mysql_install_db']);
  if (server && installDb) return { server, installDb };
  const missing = [server ? undefined : 'mariadbd', installDb ? undefined : 'mariadb-install-db'].filter((m) => m !== undefined);
  const where = given === undefined ? 'PATH, /usr/sbin, /usr/bin' : binDir === undefined ? `MARIADB_BIN_DIR=${given}` : given;
  throw new Error(`no MariaDB server binaries found (${missing.join(', ')} not in ${where}); install them with \`${MARIADB_INSTALL_HINT}\``
    + `${given === undefined ? ' or set MARIADB_BIN_DIR' : ''}`);
}

async function lookupOsUser(name: string): Promise<OsUser> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { name, uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`running as root, but mariadbd refuses to run as root and the OS user '${name}' does not exist `
      + `(\`${MARIADB_INSTALL_HINT}\` creates it)`);
  }
}

async function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function stderrOf(err: unknown): string {
  const stderr = (err as { stderr?: unknown }).stderr;
  if (typeof stderr === 'string' && stderr.trim() !== '') return stderr.trim().split('\n').slice(-3).join(' | ');
  return err instanceof Error ? err.message : String(err);
}

/**
 * The watchdog: a detached node process reading a pipe from this one. When this process is gone (also after kill -9) the
 * pipe closes and the watchdog ends the server by its PID (SIGTERM, SIGKILL after 5 s) and removes the temp dir.
 */
const WATCHDOG_SCRIPT = `
process.title = 'mariadb-demo-watchdog';
const fs = require('fs');
const c = JSON.parse(process.env.LAKEHOUSE_MARIADB_WATCHDOG);
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

/**
 * A throw-away MariaDB server: mariadb-install-db into a fresh temp dir, then mariadbd on a free port of 127.0.0.1 with
 * {@link MARIADB_CDC_ARGS} and its binary log in the temp dir, as the `mysql` OS user when this process is root. `root`
 * logs in over TCP without a password. It always stops what it started: `stop()` (SIGTERM by PID, SIGKILL after 15 s),
 * an `exit` handler, and a detached watchdog for when this process dies without either.
 */
export class LocalMariadbServer {
  /** Makes the data dir and starts the server; on failure nothing is left running or on disk. */
  public static async start(options: LocalMariadbOptions): Promise<LocalMariadbServer> {
    const programs = findMariadbPrograms(options.binDir);
    const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
    const runAs = isRoot ? await lookupOsUser(options.osUser ?? 'mysql') : undefined;
    const tempDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), options.tempDirPrefix ?? 'lakehouse-mariadb-'));
    const server = new LocalMariadbServer(programs, runAs, tempDir, options.extraArgs ?? []);
    try {
      if (runAs !== undefined) await fs.promises.chown(tempDir, runAs.uid, runAs.gid);
      const deadline = Date.now() + options.startupTimeoutMs;
      await server.installDb(options.startupTimeoutMs);
      await server.startServer(deadline);
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
    private readonly programs: MariadbPrograms,
    private readonly runAs: OsUser | undefined,
    public readonly tempDir: string,
    private readonly extraArgs: readonly string[],
  ) {
    this.dataDir = path.join(tempDir, 'data');
    this.errorLog = path.join(tempDir, 'error.log');
  }

  private readonly exitHandler = (): void => this.stopSync();

  /** TCP port on 127.0.0.1, once started. */
  public get port(): number {
    return this.currentPort;
  }

  /** PID of mariadbd, once started. */
  public get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Stops the server by its PID and removes the temp dir. Safe to call more than once. */
  public async stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    process.removeListener('exit', this.exitHandler);
    this.endWatchdog();
    await stopByPid(this.child?.pid, this.exited);
    await fs.promises.rm(this.tempDir, { recursive: true, force: true });
  }

  /** Last resort for the `exit` event, which allows only synchronous work. */
  private stopSync(): void {
    this.endWatchdog();
    const pid = this.child?.pid;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    fs.rmSync(this.tempDir, { recursive: true, force: true });
  }

  private endWatchdog(): void {
    this.watchdog?.kill('SIGTERM');
    this.watchdog = undefined;
  }

  private async installDb(timeoutMs: number): Promise<void> {
    const user = this.runAs?.name ?? os.userInfo().username;
    try {
      await execFileAsync(this.programs.installDb, [
        '--no-defaults', '--auth-root-authentication-method=normal', `--datadir=${this.dataDir}`, `--user=${user}`,
        '--skip-test-db', '--skip-name-resolve', '--innodb-buffer-pool-size=64M', '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0',
      ], { cwd: this.tempDir, timeout: timeoutMs });
    } catch (err) {
      throw new Error(`mariadb-install-db failed: ${stderrOf(err)}`);
    }
  }

  private async startServer(deadline: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort(this.host);
      const child = spawn(this.programs.server, [
        '--no-defaults',
        `--datadir=${this.dataDir}`,
        `--socket=${path.join(this.tempDir, 'mysqld.sock')}`,
        `--pid-file=${path.join(this.tempDir, 'mysqld.pid')}`,
        `--log-error=${this.errorLog}`,
        `--log-bin=${path.join(this.tempDir, 'binlog')}`,
        `--tmpdir=${this.tempDir}`,
        `--port=${port}`,
        `--bind-address=${this.host}`,
        ...MARIADB_CDC_ARGS,
        ...this.extraArgs,
      ], {
        cwd: this.tempDir,
        stdio: 'ignore',
        detached: true,
        ...(this.runAs === undefined ? {} : { uid: this.runAs.uid, gid: this.runAs.gid }),
      });
      this.child = child;
      let exited = false;
      let spawnError: string | undefined;
      this.exited = new Promise<void>((resolve) => {
        child.once('exit', () => {
          exited = true;
          resolve();
        });
        child.once('error', (err) => {
          spawnError = `${this.programs.server} could not be run: ${err.message}`;
          exited = true;
          resolve();
        });
      });
      child.unref();
      this.currentPort = port;
      process.once('exit', this.exitHandler);
      this.startWatchdog();
      const notReady = await this.waitUntilReady(deadline, () => exited);
      const failure = notReady === undefined ? undefined : spawnError ?? notReady;
      if (failure === undefined) return;
      process.removeListener('exit', this.exitHandler);
      this.endWatchdog();
      if (!exited && child.pid !== undefined) {
        try {
          process.kill(child.pid, 'SIGKILL');
        } catch {
          // gone meanwhile
        }
        await this.exited;
      }
      if (attempt < START_ATTEMPTS && /address already in use|bind on tcp\/ip port/i.test(failure)) continue;
      throw new Error(`mariadbd did not start: ${failure}`);
    }
  }

  /** Undefined once root can log in; otherwise why not. */
  private async waitUntilReady(deadline: number, hasExited: () => boolean): Promise<string | undefined> {
    let lastError = '';
    for (;;) {
      if (hasExited()) return `it exited (${await this.errorLogTail()})`;
      try {
        const connection = await connectMysqlSource(`mysql://root@${this.host}:${this.currentPort}`);
        await connection.end();
        return undefined;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      if (Date.now() > deadline) return `no login within the startup timeout (${lastError}; ${await this.errorLogTail()})`;
      await sleep(100);
    }
  }

  private async errorLogTail(): Promise<string> {
    const log = await fs.promises.readFile(this.errorLog, 'utf8').catch(() => '');
    // the temp dir holding the log is removed when the start fails, so the message carries the lines that matter
    const all = log.split('\n').map((line) => line.trim()).filter((line) => line !== '');
    const errors = all.filter((line) => /\[ERROR\]|Aborting/.test(line));
    if (all.length === 0) return 'it wrote no error log';
    return `error log: ${(errors.length > 0 ? errors : all).slice(-3).join(' | ')}`;
  }

  private startWatchdog(): void {
    const watchdog = spawn(process.execPath, ['-e', WATCHDOG_SCRIPT], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
      env: { ...process.env, LAKEHOUSE_MARIADB_WATCHDOG: JSON.stringify({ pid: this.child?.pid, tempDir: this.tempDir }) },
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    this.watchdog = watchdog;
  }
}
