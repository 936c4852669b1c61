import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { preflightMysql, SourceConnectionError } from '@cdc-lakehouse/source-setup';
import { findMariadbBinaries, MYSQL_INSTALL_HINT, MysqlFixture, renderMysqlSettings } from '../src/mysql-fixture';
import { processRunning } from '../src/process-state';
import { containerExists, requestedServerMode, serverImage } from '../src/server-mode';

/**
 * The suites about the local binaries themselves run unless the container mode
 * was asked for: a machine running the suites in containers need not have them
 * (CI runs both modes, so they always run there).
 */
const describeLocalBinaries = requestedServerMode('mariadb') === 'testcontainers' ? describe.skip : describe;

async function portAcceptsConnections(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('renderMysqlSettings', () => {
  test('name=value, true as a flag, false as --skip-, log_bin left to the fixture', () => {
    expect(renderMysqlSettings({ binlog_format: 'STATEMENT', server_id: 2, skip_name_resolve: true, performance_schema: false, log_bin: false })).toEqual([
      '--binlog-format=STATEMENT',
      '--server-id=2',
      '--skip-name-resolve',
      '--skip-performance-schema',
    ]);
    expect(() => renderMysqlSettings({ 'bad name; rm -rf': 1 })).toThrow('invalid MySQL setting name');
  });
});

describe('MysqlFixture', () => {
  let mysql: MysqlFixture;
  const lines: string[] = [];
  let startMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    mysql = await MysqlFixture.start({ log: (line) => lines.push(line) });
    startMs = Date.now() - started;
  });

  afterAll(async () => {
    await mysql?.stop();
  });

  test('prints one line naming the mode, version and address', () => {
    expect(lines).toHaveLength(1);
    const mode = mysql.mode === 'testcontainers' ? `testcontainers ${serverImage('mariadb')}` : 'local binaries';
    const [prefix, readyIn] = lines[0].split(', ready in ');
    expect(prefix).toBe(`mysql fixture: ${mode} (${mysql.serverVersion}) on ${mysql.host}:${mysql.port}`);
    expect(readyIn).toMatch(/^\d+ ms$/);
    process.stdout.write(`${lines[0]} (${startMs} ms with the container-runtime probe)\n`);
  });

  test('runs with the binary log on in ROW format, server_id 1, stock checksum', async () => {
    const rows = await mysql.query<{ Variable_name: string; Value: string }>(
      "SHOW GLOBAL VARIABLES WHERE Variable_name IN ('log_bin', 'binlog_format', 'server_id', 'binlog_checksum')",
    );
    expect(Object.fromEntries(rows.map((row) => [row.Variable_name, row.Value]))).toEqual({
      log_bin: 'ON',
      binlog_format: 'ROW',
      server_id: '1',
      binlog_checksum: 'CRC32',
    });
  });

  test('root needs the password; the fixture database exists', async () => {
    await expect(mysql.query('SELECT 1', [], { user: 'root', password: 'wrong' })).rejects.toThrow(SourceConnectionError);
    await expect(mysql.query('SELECT 1', [], { user: 'root', password: 'wrong' })).rejects.toThrow(/authentication failed for user "root"/);
    expect(await mysql.query('SELECT DATABASE() AS db')).toEqual([{ db: 'test' }]);
    expect(mysql.connectionString()).toBe(`mysql://root:fixture-root@${mysql.host}:${mysql.port}/test`);
    expect(mysql.connectionString({ user: 'dms', password: 'p w', database: null })).toBe(`mysql://dms:p%20w@${mysql.host}:${mysql.port}`);
  });

  test('the binary log records row changes', async () => {
    await mysql.query('CREATE TABLE test.fixture_probe (id INT PRIMARY KEY, note VARCHAR(20))');
    await mysql.query("INSERT INTO test.fixture_probe VALUES (1, 'a')");
    const logs = await mysql.query<{ Log_name: string }>('SHOW BINARY LOGS');
    const events = await mysql.query<{ Event_type: string }>(`SHOW BINLOG EVENTS IN '${logs[logs.length - 1].Log_name}'`);
    expect(events.map((event) => event.Event_type)).toContain('Write_rows_v1');
  });

  test('stop() stops the server, removes the temp dir or the container, and is safe to repeat', async () => {
    const other = await MysqlFixture.start({ settings: { binlog_format: 'STATEMENT' }, log: () => undefined });
    const { host, port, pid, tempDir, containerId } = other;
    const results = await preflightMysql({ connectionString: other.connectionString() });
    expect(results.find((r) => r.id === 'binlog_format')?.status).toBe('fail');
    const open = await other.connection();
    await Promise.all([other.stop(), other.stop()]);
    expect(other.stopped).toBe(true);
    expect(await portAcceptsConnections(host, port)).toBe(false);
    if (other.mode === 'local-binaries') {
      expect(processRunning(pid!)).toBe(false);
      expect(fs.existsSync(tempDir!)).toBe(false);
    } else {
      expect(await containerExists(containerId!)).toBe(false);
    }
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await expect(other.query('SELECT 1')).rejects.toThrow('already stopped');
  });
});

describeLocalBinaries('local binaries', () => {
  test('are found on this machine (scripts/install-system-deps.sh installs them)', () => {
    expect(findMariadbBinaries().server).toMatch(/mariadbd$/);
    expect(MYSQL_INSTALL_HINT).toBe('apt-get install mariadb-server');
  });

  test('a directory without them gives one line naming the package', async () => {
    const start = MysqlFixture.start({ mode: 'local-binaries', binDir: '/nonexistent', log: () => undefined });
    await expect(start).rejects.toThrow(
      'mysql fixture: no MariaDB server binaries found (mariadbd, mariadb-install-db not in /nonexistent); install them with `apt-get install mariadb-server`',
    );
  });
});

/**
 * Runs a fixture in a separate node process (the .ts sources compiled on
 * the fly with the TypeScript compiler), which prints the server's PID and
 * temp dir, then ends the way `ending` says without calling stop().
 */
async function fixtureInChildProcess(ending: 'process.exit' | 'SIGKILL'): Promise<{ pid: number; tempDir: string }> {
  const script = `
    const fs = require('fs');
    const ts = require(${JSON.stringify(require.resolve('typescript'))});
    require.extensions['.ts'] = (module, file) => {
      const { outputText } = ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        fileName: file,
      });
      module._compile(outputText, file);
    };
    const { MysqlFixture } = require(${JSON.stringify(path.join(__dirname, '../src/mysql-fixture.ts'))});
    MysqlFixture.start({ mode: 'local-binaries', log: () => undefined }).then((mysql) => {
      process.stdout.write(JSON.stringify({ pid: mysql.pid, tempDir: mysql.tempDir }) + '\\n');
      // exit only once the parent has seen the server running
      if (${JSON.stringify(ending)} === 'process.exit') process.stdin.once('data', () => process.exit(0));
      setInterval(() => undefined, 1000);
    }, (err) => { process.stderr.write(String(err) + '\\n'); process.exit(3); });
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const started = await new Promise<{ pid: number; tempDir: string }>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) {
        resolve(JSON.parse(stdout.split('\n')[0]) as { pid: number; tempDir: string });
      }
    });
    child.once('exit', (code) => reject(new Error(`child exited with ${code} before starting a server: ${stderr}`)));
  });
  expect(processRunning(started.pid)).toBe(true);
  if (ending === 'SIGKILL') {
    child.kill('SIGKILL');
  } else {
    child.stdin.end('exit\n');
  }
  await new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  return started;
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) {
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

describeLocalBinaries('a test process that ends without stop()', () => {
  test.each(['process.exit', 'SIGKILL'] as const)('%s: the server is stopped and the temp dir removed anyway', async (ending) => {
    const { pid, tempDir } = await fixtureInChildProcess(ending);
    expect(await waitUntil(() => !processRunning(pid) && !fs.existsSync(tempDir), 20_000)).toBe(true);
  });
});

