import { postgresReplicationUserSql, preflightPostgres } from '@cdc-lakehouse/source-setup';
import { Client } from 'pg';
import { findFreePort } from '../src/free-port';
import { byId, lakehouse, statuses } from '../src/lakehouse-cli';
import { PostgresFixture } from '../src/postgres-fixture';

/**
 * The PostgreSQL preflight against real servers: one with wal_level=replica
 * (fails), one with wal_level=logical and a replication user made by the
 * prerequisite SQL (passes), and the `lakehouse preflight` CLI end to end.
 */

const REPLICATION_USER = 'dms_replication';
/** Awkward on purpose: quotes, dollar signs and a space must survive the generated SQL and the URL. */
const REPLICATION_PASSWORD = "dms 'pa$$word\"";

describe('PostgreSQL started with wal_level=replica', () => {
  let pg: PostgresFixture;

  beforeAll(async () => {
    pg = await PostgresFixture.start({ settings: { wal_level: 'replica' } });
  });

  afterAll(async () => {
    await pg?.stop();
  });

  test('preflight fails on wal_level and gives the fix', async () => {
    const results = await preflightPostgres({ connectionString: pg.connectionString() });
    expect(byId(results).wal_level).toEqual({
      id: 'wal_level',
      status: 'fail',
      detail: 'wal_level = replica; DMS needs logical',
      fix: 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
    });
    // Nothing else is wrong with this server (the superuser has every right; there are no tables, which only warns).
    expect(statuses(results)).toEqual({
      wal_level: 'fail',
      replication_slots: 'pass',
      wal_senders: 'pass',
      wal_sender_timeout: 'pass',
      replication_privilege: 'pass',
      tables_exist: 'warn',
      table_select: 'warn',
      replica_identity: 'warn',
    });
  });

  test('lakehouse preflight exits 1, prints the FAIL line, its fix and the summary, never the password', async () => {
    const url = pg.connectionString();
    const result = await lakehouse('preflight', '--engine', 'postgres', '--url', url);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    const failAt = lines.indexOf('FAIL  wal_level  wal_level = replica; DMS needs logical');
    expect(failAt).toBeGreaterThanOrEqual(0);
    expect(lines[failAt + 1]).toBe('      fix: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL');
    expect(lines).toContain('PASS  wal_sender_timeout  wal_sender_timeout = 60 s');
    expect(lines[lines.length - 1]).toBe(`FAILED: 4 passed, 1 failed, 3 warnings (postgresql://${pg.user}:***@${pg.host}:${pg.port}/${pg.database})`);
    expect(result.stdout).not.toContain(`:${pg.password}@`);
  });
});

describe('PostgreSQL started with wal_level=logical', () => {
  const SLOT = 'dms_preflight_it';
  let pg: PostgresFixture;
  let replicationUrl: string;

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    await pg.query(`
      CREATE SCHEMA app;
      CREATE TABLE app.orders (id integer PRIMARY KEY, status text NOT NULL);
      CREATE TABLE app.order_items (order_id integer, line integer, sku text, PRIMARY KEY (order_id, line));
      CREATE TABLE app.events (id integer, payload text);
      CREATE TABLE public.unrelated (id integer);
    `);
    // The prerequisite SQL, exactly as generated, run by the superuser.
    for (const statement of postgresReplicationUserSql({
      user: REPLICATION_USER,
      password: REPLICATION_PASSWORD,
      tables: ['app.orders', 'app.order_items', 'app.events'],
    })) {
      await pg.query(statement);
    }
    replicationUrl = `postgresql://${REPLICATION_USER}:${encodeURIComponent(REPLICATION_PASSWORD)}@${pg.host}:${pg.port}/${pg.database}`;
  });

  afterAll(async () => {
    if (pg !== undefined && !pg.stopped) {
      await pg.query('SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots');
    }
    await pg?.stop();
  });

  test('the prerequisite SQL is idempotent: running it again changes nothing', async () => {
    for (const statement of postgresReplicationUserSql({ user: REPLICATION_USER, password: REPLICATION_PASSWORD, tables: ['app.orders'] })) {
      await pg.query(statement);
    }
    const role = await pg.query('SELECT rolcanlogin, rolreplication, rolsuper FROM pg_roles WHERE rolname = $1', [REPLICATION_USER]);
    expect(role.rows).toEqual([{ rolcanlogin: true, rolreplication: true, rolsuper: false }]);
  });

  test('preflight passes for the replication user with the tables that have keys', async () => {
    const results = await preflightPostgres({ connectionString: replicationUrl, tables: ['app.orders', 'app.order_%'] });
    expect(results.filter((result) => result.status !== 'pass')).toEqual([]);
    expect(byId(results).replication_privilege.detail).toBe(`role "${REPLICATION_USER}" has the REPLICATION attribute`);
    expect(byId(results).tables_exist.detail).toBe('2 tables (selected): app.order_items, app.orders');
  });

  test('a table without a primary key fails by name until REPLICA IDENTITY FULL, using the printed fix', async () => {
    const before = byId(await preflightPostgres({ connectionString: replicationUrl, tables: ['app.%'] }));
    expect(before.replica_identity).toEqual({
      id: 'replica_identity',
      status: 'fail',
      detail: 'DMS would ignore UPDATEs and DELETEs of app.events (no primary key)',
      fix: 'ALTER TABLE "app"."events" REPLICA IDENTITY FULL;\nor add a primary key: ALTER TABLE <table> ADD PRIMARY KEY (<columns>);',
    });
    await pg.query(before.replica_identity.fix.split('\n')[0]);
    const after = byId(await preflightPostgres({ connectionString: replicationUrl, tables: ['app.%'] }));
    expect(after.replica_identity).toMatchObject({ status: 'pass', detail: 'all 3 selected tables have a primary key or REPLICA IDENTITY FULL' });
  });

  test('selectors that match nothing, and tables the user cannot read, fail by name', async () => {
    const results = byId(await preflightPostgres({ connectionString: replicationUrl, tables: ['app.orders', 'app.missing%', 'public.unrelated'] }));
    expect(results.tables_exist).toMatchObject({ status: 'fail', detail: 'no table matches app.missing%' });
    expect(results.table_select).toEqual({
      id: 'table_select',
      status: 'fail',
      detail: `role "${REPLICATION_USER}" cannot read public.unrelated`,
      fix: `GRANT SELECT ON TABLE "public"."unrelated" TO "${REPLICATION_USER}";`,
    });
  });

  test('a login without the replication right fails with ALTER ROLE … REPLICATION', async () => {
    await pg.query('CREATE ROLE "plain reader" LOGIN PASSWORD \'reader-secret\'');
    await pg.query('GRANT USAGE ON SCHEMA app TO "plain reader"; GRANT SELECT ON app.orders TO "plain reader"');
    const client = await pg.client({ user: 'plain reader', password: 'reader-secret' });
    try {
      const results = byId(await preflightPostgres({ client, tables: ['app.orders'] }));
      expect(results.replication_privilege).toEqual({
        id: 'replication_privilege',
        status: 'fail',
        detail: 'role "plain reader" has neither the REPLICATION attribute nor superuser',
        fix: 'ALTER ROLE "plain reader" REPLICATION; (as a superuser)',
      });
      expect(results.table_select.status).toBe('pass');
    } finally {
      await client.end();
    }
  });

  test('the replication user creates a test_decoding slot and reads inserts, updates and deletes', async () => {
    const dms = new Client({ connectionString: replicationUrl });
    await dms.connect();
    try {
      await dms.query("SELECT pg_create_logical_replication_slot($1, 'test_decoding')", [SLOT]);

      await pg.query("INSERT INTO app.orders VALUES (1, 'new')");
      await pg.query("UPDATE app.orders SET status = 'paid' WHERE id = 1");
      await pg.query('DELETE FROM app.orders WHERE id = 1');
      await pg.query("INSERT INTO app.events VALUES (7, 'created')");
      await pg.query("UPDATE app.events SET payload = 'shipped' WHERE id = 7");
      await pg.query('DELETE FROM app.events WHERE id = 7');

      const changes = await dms.query<{ data: string }>(
        "SELECT data FROM pg_logical_slot_get_changes($1, NULL, NULL, 'include-xids', '0', 'skip-empty-xacts', '1')",
        [SLOT],
      );
      expect(changes.rows.map((row) => row.data).filter((line) => line !== 'BEGIN' && line !== 'COMMIT')).toEqual([
        "table app.orders: INSERT: id[integer]:1 status[text]:'new'",
        "table app.orders: UPDATE: id[integer]:1 status[text]:'paid'",
        'table app.orders: DELETE: id[integer]:1',
        "table app.events: INSERT: id[integer]:7 payload[text]:'created'",
        // REPLICA IDENTITY FULL (set by the previous test): the whole old row travels with UPDATE and DELETE.
        "table app.events: UPDATE: old-key: id[integer]:7 payload[text]:'created' new-tuple: id[integer]:7 payload[text]:'shipped'",
        "table app.events: DELETE: id[integer]:7 payload[text]:'shipped'",
      ]);
    } finally {
      await dms.end();
    }
  });

  test('each task needs a free slot: with the slot taken, ten tasks do not fit', async () => {
    const results = byId(await preflightPostgres({ connectionString: replicationUrl, tables: ['app.orders'], expectedTasks: 10 }));
    expect(results.replication_slots).toEqual({
      id: 'replication_slots',
      status: 'fail',
      detail: 'max_replication_slots = 10, 1 in use: 9 free for 10 tasks (each task needs its own replication slot)',
      fix: 'ALTER SYSTEM SET max_replication_slots = 11; then restart PostgreSQL',
    });
    expect(results.wal_senders.status).toBe('pass');
  });

  test('lakehouse preflight exits 0 for the replication user and prints only PASS lines', async () => {
    const result = await lakehouse('preflight', '--engine', 'postgres', '--url', replicationUrl, '--tables', 'app.orders,app.order_items', '--tasks', '2');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).map((line) => line.split('  ').slice(0, 2).join('  '))).toEqual([
      'PASS  wal_level',
      'PASS  replication_slots',
      'PASS  wal_senders',
      'PASS  wal_sender_timeout',
      'PASS  replication_privilege',
      'PASS  tables_exist',
      'PASS  table_select',
      'PASS  replica_identity',
    ]);
    expect(lines[lines.length - 1]).toBe(`OK: 8 passed, 0 failed, 0 warnings (postgresql://${REPLICATION_USER}:***@${pg.host}:${pg.port}/${pg.database})`);
    expect(result.stdout).not.toContain('pa$$word');
  });

  test('the slot is dropped at the end', async () => {
    await pg.query('SELECT pg_drop_replication_slot($1)', [SLOT]);
    expect((await pg.query('SELECT count(*)::int AS n FROM pg_replication_slots')).rows).toEqual([{ n: 0 }]);
  });
});

describe('lakehouse preflight against an unreachable PostgreSQL', () => {
  test('exits 2 with one line naming host:port', async () => {
    const port = await findFreePort();
    const result = await lakehouse('preflight', '--engine', 'postgres', '--url', `postgres://dms:secret@127.0.0.1:${port}/app`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `lakehouse preflight: cannot connect to PostgreSQL at 127.0.0.1:${port}: connection refused; check that the server is running and listening on that host and port\n`,
    );
  });

  test('bad usage exits 2 with one line', async () => {
    const result = await lakehouse('preflight', '--engine', 'postgres', '--url', 'postgres://dms:secret@127.0.0.1:99999/app');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'lakehouse preflight: --url: malformed connection URL "postgres://dms:***@127.0.0.1:99999/app": expected postgres://user:password@host:5432/database\n',
    );
  });
});
