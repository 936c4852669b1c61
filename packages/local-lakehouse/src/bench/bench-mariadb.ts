import { ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { Connection, createConnection } from 'mysql2/promise';
import { findFreePort, processRunning } from '../os-process';

const execFileAsync = promisify(execFile);

/** Where the benchmark looks for MariaDB's programs. */
const DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

function findProgram(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== ''), ...DIRS]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found on PATH or in ${DIRS.join(', ')}; install MariaDB (the mariadb-server and mariadb-client packages)`);
}

/** Finds a MariaDB client program (mariadb-binlog, mariadb-dump) the same way the server is found. */
export function mariadbProgram(name: string): string {
  return findProgram(name);
}

/**
 * A throw-away MariaDB server for the benchmark (a private starter; the demo has its own): mariadb-install-db into a fresh
 * temp dir, mariadbd on a free port of 127.0.0.1 with a ROW/FULL binary log in that dir, durability off. `stop()` ends it
 * by its PID (SIGTERM, SIGKILL after 30 s) and removes the temp dir. Runs as the `mysql` OS user when started as root.
 */
export class BenchMariadb {
  static async start(options: { bufferPool: string }): Promise<BenchMariadb> {
    const installDb = findProgram('mariadb-install-db');
    const mariadbd = findProgram('mariadbd');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-bench-mariadb-'));
    const runAs = process.getuid?.() === 0 ? await osUser('mysql') : undefined;
    if (runAs) fs.chownSync(dir, runAs.uid, runAs.gid);
    const server = new BenchMariadb(dir);
    try {
      const user = runAs ? 'mysql' : os.userInfo().username;
      await execFileAsync(installDb, ['--no-defaults', '--auth-root-authentication-method=normal', '--skip-test-db', '--skip-name-resolve',
        `--datadir=${server.dataDir}`, `--user=${user}`], { cwd: dir, timeout: 120_000 });
      server.port = await findFreePort();
      const child = spawn(mariadbd, [
        '--no-defaults', `--datadir=${server.dataDir}`, `--socket=${path.join(dir, 'mysqld.sock')}`, `--pid-file=${path.join(dir, 'mysqld.pid')}`,
        `--log-error=${path.join(dir, 'error.log')}`, `--tmpdir=${dir}`, `--secure-file-priv=${dir}`, `--port=${server.port}`, '--bind-address=127.0.0.1',
        `--log-bin=${path.join(dir, 'binlog')}`, '--server-id=1', '--binlog-format=ROW', '--binlog-row-image=FULL', '--max-binlog-size=256M',
        '--skip-name-resolve', '--performance-schema=OFF', `--innodb-buffer-pool-size=${options.bufferPool}`, '--innodb-log-file-size=512M',
        '--innodb-flush-log-at-trx-commit=0', '--innodb-doublewrite=0', '--sync-binlog=0', '--max-allowed-packet=256M',
      ], { cwd: dir, stdio: 'ignore', ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) });
      server.child = child;
      child.once('exit', () => (server.exited = true));
      await server.waitUntilReady();
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  readonly dataDir: string;
  readonly host = '127.0.0.1';
  port = 0;
  private child: ChildProcess | undefined;
  private exited = false;

  private constructor(readonly dir: string) {
    this.dataDir = path.join(dir, 'data');
  }

  /** `mysql://root@127.0.0.1:<port>/<database>` (root has no password; the server listens on loopback only). */
  url(database: string): string {
    return `mysql://root@${this.host}:${this.port}/${database}`;
  }

  async connect(database?: string): Promise<Connection> {
    return createConnection({ host: this.host, port: this.port, user: 'root', database, multipleStatements: true });
  }

  /** The binary log files of the server, oldest first, as named in its index. */
  binlogFiles(): string[] {
    const index = fs.readFileSync(path.join(this.dir, 'binlog.index'), 'utf8');
    return index.split('\n').filter((l) => l.trim() !== '').map((l) => path.resolve(this.dataDir, l.trim()));
  }

  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid !== undefined && !this.exited) {
      for (const [signal, waitMs] of [['SIGTERM', 30_000], ['SIGKILL', 5_000]] as const) {
        try {
          process.kill(pid, signal);
        } catch {
          break;
        }
        const deadline = Date.now() + waitMs;
        while (!this.exited && processRunning(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
        if (this.exited || !processRunning(pid)) break;
      }
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilReady(): Promise<void> {
    const deadline = Date.now() + 120_000;
    let last = '';
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`mariadbd exited at start: ${this.errorLogTail()}`);
      try {
        const c = await this.connect();
        await c.end();
        return;
      } catch (err) {
        last = err instanceof Error ? err.message : String(err);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`mariadbd accepted no login within 120 s (${last}; ${this.errorLogTail()})`);
  }

  private errorLogTail(): string {
    const log = fs.existsSync(path.join(this.dir, 'error.log')) ? fs.readFileSync(path.join(this.dir, 'error.log'), 'utf8') : '';
    return log.split('\n').filter((l) => /ERROR|Aborting/.test(l)).slice(-3).join(' | ') || 'no error in its log';
  }
}

async function osUser(name: string): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', name]), execFileAsync('id', ['-g', name])]);
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  } catch {
    throw new Error(`running as root, but the OS user '${name}' to run mariadbd as does not exist; install the mariadb-server package`);
  }
}
