import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import {
  acceptsConnections,
  containerExists,
  containerRuntimeAvailable,
  findPgBinDir,
  PostgresFixture,
  PostgresFixtureMode,
  processRunning,
  requestedServerMode,
  serverImage,
} from '../src';

/** The mode the fixture must pick: LAKEHOUSE_TEST_POSTGRES / LAKEHOUSE_TEST_SERVERS if set, else what the runtime probe says. */
async function expectedMode(): Promise<PostgresFixtureMode> {
  const forced = requestedServerMode('postgres');
  if (forced !== 'auto') {
    return forced;
  }
  return (await containerRuntimeAvailable()) ? 'testcontainers' : 'local-binaries';
}

describe('PostgresFixture', () => {
  let pg: PostgresFixture;
  let mode: PostgresFixtureMode;
  const logLines: string[] = [];

  beforeAll(async () => {
    mode = await expectedMode();
    pg = await PostgresFixture.start({
      log: (line) => {
        logLines.push(line);
        process.stdout.write(`${line}\n`);
      },
    });
  });

  afterAll(async () => {
    await pg?.stop();
  });

  test('reports the mode chosen by the container runtime probe, in one log line', () => {
    expect(pg.mode).toBe(mode);
    expect(pg.serverVersion).toMatch(/^\d+\.\d+/);
    const where = mode === 'local-binaries' ? 'local binaries' : `testcontainers ${serverImage('postgres')}`;
    expect(logLines).toEqual([`postgres fixture: ${where} (PostgreSQL ${pg.serverVersion}) on ${pg.host}:${pg.port}`]);
    if (mode === 'local-binaries') {
      expect(pg.host).toBe('127.0.0.1');
      expect(fs.existsSync(path.join(pg.tempDir!, 'data', 'PG_VERSION'))).toBe(true);
    } else {
      expect(pg.containerId).toEqual(expect.any(String));
    }
  });

  test('runs with wal_level=logical, replication slots and senders, and fsync off', async () => {
    const client = await pg.client();
    try {
      const show = async (name: string): Promise<string> => {
        const result = await client.query<Record<string, string>>(`SHOW ${name}`);
        return result.rows[0][name];
      };
      expect(await show('wal_level')).toBe('logical');
      expect(await show('max_replication_slots')).toBe('10');
      expect(await show('max_wal_senders')).toBe('10');
      expect(await show('fsync')).toBe('off');
    } finally {
      await client.end();
    }
  });

  test('connectionString() and client() reach the server as the superuser', async () => {
    expect(pg.connectionString()).toBe(`postgresql://postgres:postgres@${pg.host}:${pg.port}/postgres`);
    const viaUrl = new Client({ connectionString: pg.connectionString() });
    await viaUrl.connect();
    try {
      const result = await viaUrl.query<{ user: string; db: string; superuser: string }>(
        "SELECT current_user AS user, current_database() AS db, current_setting('is_superuser') AS superuser",
      );
      expect(result.rows).toEqual([{ user: 'postgres', db: 'postgres', superuser: 'on' }]);
    } finally {
      await viaUrl.end();
    }
  });

  test('extra roles and databases can be created with plain SQL', async () => {
    await pg.query("CREATE ROLE app_reader LOGIN PASSWORD 'secret'");
    await pg.query('CREATE DATABASE app_db OWNER app_reader');

    const asReader = await pg.client({ user: 'app_reader', password: 'secret', database: 'app_db' });
    try {
      const result = await asReader.query<{ user: string; db: string }>('SELECT current_user AS user, current_database() AS db');
      expect(result.rows).toEqual([{ user: 'app_reader', db: 'app_db' }]);
    } finally {
      await asReader.end();
    }
    expect(pg.connectionString('app_db')).toMatch(/\/app_db$/);
  });

  test('a fixture started with { wal_level: replica } reports replica and cannot decode logically', async () => {
    const lines: string[] = [];
    const replica = await PostgresFixture.start({ settings: { wal_level: 'replica' }, log: (line) => lines.push(line) });
    try {
      expect(replica.port).not.toBe(pg.port);
      expect(lines).toHaveLength(1);
      const client = await replica.client();
      try {
        const result = await client.query<{ wal_level: string }>('SHOW wal_level');
        expect(result.rows[0].wal_level).toBe('replica');
        await expect(
          client.query("SELECT pg_create_logical_replication_slot('never', 'test_decoding')"),
        ).rejects.toThrow('logical decoding requires wal_level >= logical');
      } finally {
        await client.end();
      }
    } finally {
      await replica.stop();
    }
  });

  test('stop() ends open clients, closes the port, ends the server and removes the temp dir or the container', async () => {
    const { host, port, tempDir, pid, containerId } = pg;
    const forgotten = await pg.client();
    let ended = false;
    forgotten.on('end', () => {
      ended = true;
    });
    expect(await acceptsConnections(host, port)).toBe(true);

    await pg.stop();

    expect(ended).toBe(true);
    expect(pg.stopped).toBe(true);
    expect(await acceptsConnections(host, port)).toBe(false);
    await expect(pg.client()).rejects.toThrow('already stopped');
    if (pg.mode === 'local-binaries') {
      expect(fs.existsSync(tempDir!)).toBe(false);
      expect(processRunning(pid!)).toBe(false);
    } else {
      expect(await containerExists(containerId!)).toBe(false);
    }
    await expect(pg.stop()).resolves.toBeUndefined();
  });
});

describe('findPgBinDir', () => {
  let scratch: string;

  beforeEach(() => {
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'no-pg-bin-'));
  });

  afterEach(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
  });

  test('rejects a PG_BIN_DIR without the server programs', () => {
    expect(() => findPgBinDir({ PG_BIN_DIR: scratch })).toThrow(`PG_BIN_DIR=${scratch} does not contain initdb, pg_ctl, postgres`);
  });

  test('picks the newest /usr/lib/postgresql/<major>/bin that has the server programs', () => {
    for (const [major, complete] of [['9.6', true], ['13', true], ['16', false]] as const) {
      const bin = path.join(scratch, major, 'bin');
      fs.mkdirSync(bin, { recursive: true });
      for (const program of complete ? ['initdb', 'pg_ctl', 'postgres'] : ['pg_ctl']) {
        fs.writeFileSync(path.join(bin, program), '');
      }
    }
    expect(findPgBinDir({ PATH: scratch }, scratch)).toEqual({ binDir: path.join(scratch, '13', 'bin'), source: '/usr/lib/postgresql' });
    // PG_BIN_DIR wins over discovery.
    const chosen = path.join(scratch, '9.6', 'bin');
    expect(findPgBinDir({ PG_BIN_DIR: chosen, PATH: scratch }, scratch)).toEqual({ binDir: chosen, source: 'PG_BIN_DIR' });
  });

  test('falls back to pg_config --bindir, but only when that directory has the server programs', () => {
    const bin = path.join(scratch, 'server-bin');
    fs.mkdirSync(bin);
    const pgConfig = path.join(scratch, 'pg_config');
    fs.writeFileSync(pgConfig, `#!/bin/sh\necho ${bin}\n`, { mode: 0o755 });
    const noDebianTree = path.join(scratch, 'missing');

    // e.g. the pg_config of libpq-dev: a bindir without initdb.
    expect(() => findPgBinDir({ PATH: scratch }, noDebianTree)).toThrow('no PostgreSQL server binaries found');
    for (const program of ['initdb', 'pg_ctl', 'postgres']) {
      fs.writeFileSync(path.join(bin, program), '');
    }
    expect(findPgBinDir({ PATH: scratch }, noDebianTree)).toEqual({ binDir: bin, source: 'pg_config --bindir' });
  });

  test('says in one line what to install when nothing is found', () => {
    let message = '';
    try {
      findPgBinDir({ PATH: scratch }, path.join(scratch, 'missing'));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('no PostgreSQL server binaries found');
    expect(message).toContain('apt-get install postgresql');
    expect(message).not.toContain('\n');
  });
});
