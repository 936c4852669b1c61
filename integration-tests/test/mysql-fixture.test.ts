import * as fs from 'node:fs';
import * as net from 'node:net';
import { preflightMysql, SourceConnectionError } from '@cdc-lakehouse/source-setup';
import { findMariadbBinaries, MYSQL_INSTALL_HINT, MysqlFixture, renderMysqlSettings } from '../src/mysql-fixture';
import { processRunning } from '../src/process-state';

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
    const mode = mysql.mode === 'testcontainers' ? 'testcontainers mariadb:10.11' : 'local binaries';
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

  test('stop() stops the server, removes the temp dir, and is safe to repeat', async () => {
    const other = await MysqlFixture.start({ settings: { binlog_format: 'STATEMENT' }, log: () => undefined });
    const { host, port, pid, tempDir } = other;
    const results = await preflightMysql({ connectionString: other.connectionString() });
    expect(results.find((r) => r.id === 'binlog_format')?.status).toBe('fail');
    const open = await other.connection();
    await Promise.all([other.stop(), other.stop()]);
    expect(other.stopped).toBe(true);
    expect(await portAcceptsConnections(host, port)).toBe(false);
    if (other.mode === 'local-binaries') {
      expect(processRunning(pid!)).toBe(false);
      expect(fs.existsSync(tempDir!)).toBe(false);
    }
    await expect(open.query('SELECT 1')).rejects.toThrow();
    await expect(other.query('SELECT 1')).rejects.toThrow('already stopped');
  });
});

describe('local binaries', () => {
  test('are found on this machine, or the error names what to install', () => {
    try {
      const binaries = findMariadbBinaries();
      expect(binaries.server).toMatch(/mariadbd$/);
    } catch (err) {
      expect((err as Error).message).toContain(MYSQL_INSTALL_HINT);
    }
  });

  test('a directory without them gives one line naming the package', async () => {
    const start = MysqlFixture.start({ mode: 'local-binaries', binDir: '/nonexistent', log: () => undefined });
    await expect(start).rejects.toThrow(
      'mysql fixture: no MariaDB server binaries found (mariadbd, mariadb-install-db not in /nonexistent); install them with `apt-get install mariadb-server`',
    );
  });
});
