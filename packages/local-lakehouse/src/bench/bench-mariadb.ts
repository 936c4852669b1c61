import * as fs from 'node:fs';
import * as path from 'node:path';
import { Connection, createConnection } from 'mysql2/promise';
import { LocalMariadbServer } from '../embedded-mariadb';

/** Where the benchmark looks for MariaDB's client programs (mariadb-binlog, mariadb-dump) after PATH. */
const DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** Finds a MariaDB client program on PATH or in the usual directories; throws one line naming the package otherwise. */
export function mariadbProgram(name: string): string {
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== ''), ...DIRS]) {
    const candidate = path.join(dir, name);
    if (fs.existsSync(candidate)) return candidate;
  }
  throw new Error(`${name} not found on PATH or in ${DIRS.join(', ')}; install MariaDB (the mariadb-server and mariadb-client packages)`);
}

/**
 * The benchmark's throw-away MariaDB: the demo's {@link LocalMariadbServer} (ROW/FULL binary log in its temp dir, durability
 * off, stopped by its PID) with room for a million-row table, and `INTO OUTFILE` allowed anywhere (it listens on loopback only).
 */
export class BenchMariadb {
  static async start(options: { bufferPool: string }): Promise<BenchMariadb> {
    const server = await LocalMariadbServer.start({
      startupTimeoutMs: 120_000,
      tempDirPrefix: 'lakehouse-bench-mariadb-',
      extraArgs: [`--innodb-buffer-pool-size=${options.bufferPool}`, '--innodb-log-file-size=512M', '--max-binlog-size=256M',
        '--max-allowed-packet=256M', '--secure-file-priv='],
    });
    return new BenchMariadb(server);
  }

  private constructor(private readonly server: LocalMariadbServer) {}

  get host(): string {
    return this.server.host;
  }

  get port(): number {
    return this.server.port;
  }

  /** The server's temp dir (data dir, binary logs; where the benchmark writes its OUTFILE). */
  get dir(): string {
    return this.server.tempDir;
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
    return index.split('\n').filter((l) => l.trim() !== '').map((l) => path.resolve(this.server.dataDir, l.trim()));
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }
}
