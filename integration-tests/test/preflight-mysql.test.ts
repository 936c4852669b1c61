import { mysqlReplicationUserSql, preflightMysql } from '@cdc-lakehouse/source-setup';
import { findFreePort } from '../src/free-port';
import { byId, lakehouse, statuses } from '../src/lakehouse-cli';
import { MysqlFixture } from '../src/mysql-fixture';

/**
 * The MySQL/MariaDB preflight against real servers: one with
 * binlog_format=STATEMENT and the default CRC32 checksum (fails), one
 * configured for DMS with a user made by the prerequisite SQL (passes), and
 * the `lakehouse preflight` CLI end to end.
 */

const DMS_USER = 'dms';
/** Awkward on purpose: quotes, a backslash, dollar signs and a space must survive the generated SQL and the URL. */
const DMS_PASSWORD = "dms 'pa$$\\word\"";

describe('MariaDB with binlog_format=STATEMENT and the default checksum', () => {
  let mysql: MysqlFixture;

  beforeAll(async () => {
    mysql = await MysqlFixture.start({ settings: { binlog_format: 'STATEMENT' } });
  });

  afterAll(async () => {
    await mysql?.stop();
  });

  test('preflight fails naming binlog_format and binlog_checksum', async () => {
    const results = await preflightMysql({ connectionString: mysql.connectionString() });
    expect(statuses(results)).toEqual({
      log_bin: 'pass',
      binlog_format: 'fail',
      binlog_row_image: 'pass',
      binlog_checksum: 'fail',
      binlog_retention: 'pass',
      server_id: 'pass',
      replication_grants: 'pass',
      tables_exist: 'warn',
      table_select: 'warn',
    });
    expect(byId(results).binlog_format).toEqual({
      id: 'binlog_format',
      status: 'fail',
      detail: 'binlog_format = STATEMENT; DMS needs ROW',
      fix: "SET GLOBAL binlog_format = 'ROW'; and binlog_format = ROW under [mysqld] in my.cnf so it survives a restart",
    });
    expect(byId(results).binlog_checksum.detail).toBe('binlog_checksum = CRC32; DMS needs NONE');
    // MariaDB keeps binary logs forever unless told otherwise.
    expect(byId(results).binlog_retention.detail).toMatch(/^binary logs never expire/);
  });

  test('lakehouse preflight exits 1 with the FAIL lines and their fixes', async () => {
    const result = await lakehouse('preflight', '--engine', 'mysql', '--url', mysql.connectionString());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const lines = result.stdout.trimEnd().split('\n');
    const format = lines.indexOf('FAIL  binlog_format  binlog_format = STATEMENT; DMS needs ROW');
    expect(lines[format + 1]).toBe("      fix: SET GLOBAL binlog_format = 'ROW'; and binlog_format = ROW under [mysqld] in my.cnf so it survives a restart");
    const checksum = lines.indexOf('FAIL  binlog_checksum  binlog_checksum = CRC32; DMS needs NONE');
    expect(lines[checksum + 1]).toBe("      fix: SET GLOBAL binlog_checksum = 'NONE'; and binlog_checksum = NONE under [mysqld] in my.cnf so it survives a restart");
    expect(lines[lines.length - 1]).toBe(`FAILED: 5 passed, 2 failed, 2 warnings (mysql://root:***@${mysql.host}:${mysql.port}/test)`);
    expect(result.stdout).not.toContain(mysql.password);
  });
});

describe('MariaDB configured for DMS (ROW, FULL, NONE, two days of binary logs)', () => {
  let mysql: MysqlFixture;
  let dmsUrl: string;

  beforeAll(async () => {
    mysql = await MysqlFixture.start({
      settings: { binlog_format: 'ROW', binlog_row_image: 'FULL', binlog_checksum: 'NONE', binlog_expire_logs_seconds: 172800 },
    });
    await mysql.query('CREATE DATABASE shop');
    await mysql.query('CREATE TABLE shop.orders (id INT PRIMARY KEY, status VARCHAR(20) NOT NULL)');
    await mysql.query('CREATE TABLE shop.order_items (order_id INT, line INT, sku VARCHAR(20), PRIMARY KEY (order_id, line))');
    await mysql.query('CREATE DATABASE hr');
    await mysql.query('CREATE TABLE hr.salaries (id INT PRIMARY KEY, amount INT)');
    // The prerequisite SQL, exactly as generated, run by root.
    for (const statement of mysqlReplicationUserSql({ user: DMS_USER, password: DMS_PASSWORD, databases: ['shop'] })) {
      await mysql.query(statement);
    }
    dmsUrl = mysql.connectionString({ user: DMS_USER, password: DMS_PASSWORD, database: 'shop' });
  });

  afterAll(async () => {
    await mysql?.stop();
  });

  test('preflight passes for the user made by the prerequisite SQL', async () => {
    const results = await preflightMysql({ connectionString: dmsUrl, tables: ['shop.%'] });
    expect(results.filter((result) => result.status !== 'pass')).toEqual([]);
    const checks = byId(results);
    expect(checks.replication_grants.detail).toBe('dms@% has REPLICATION CLIENT and REPLICATION SLAVE');
    expect(checks.binlog_retention.detail).toBe('binary logs kept 2 d (binlog_expire_logs_seconds = 172800)');
    expect(checks.tables_exist.detail).toBe('2 tables (selected): shop.order_items, shop.orders');
  });

  test('running the prerequisite SQL again is harmless', async () => {
    for (const statement of mysqlReplicationUserSql({ user: DMS_USER, password: DMS_PASSWORD, databases: ['shop'] })) {
      await mysql.query(statement);
    }
    const results = await preflightMysql({ connectionString: dmsUrl, tables: ['orders'] });
    expect(results.filter((result) => result.status !== 'pass')).toEqual([]);
  });

  test('the user reads the binary log: row events for a change', async () => {
    const dms = await mysql.connection({ user: DMS_USER, password: DMS_PASSWORD, database: 'shop' });
    try {
      await mysql.query("INSERT INTO shop.orders VALUES (1, 'new')");
      const [status] = await dms.query('SHOW MASTER STATUS');
      const file = (status as Array<{ File: string }>)[0].File;
      const [events] = await dms.query(`SHOW BINLOG EVENTS IN '${file}'`);
      const types = (events as Array<{ Event_type: string }>).map((event) => event.Event_type);
      expect(types).toEqual(expect.arrayContaining(['Table_map', 'Write_rows_v1']));
    } finally {
      await dms.end();
    }
  });

  test('a table outside the granted database is invisible to the user: the selector fails', async () => {
    const results = byId(await preflightMysql({ connectionString: dmsUrl, tables: ['shop.orders', 'hr.salaries'] }));
    expect(results.tables_exist).toMatchObject({ status: 'fail', detail: 'no table matches hr.salaries (or the user has no privilege on it)' });
  });

  test('a user missing REPLICATION SLAVE fails naming the grant, and the printed fix repairs it', async () => {
    await mysql.query("CREATE USER 'half'@'%' IDENTIFIED BY 'half-pw'");
    await mysql.query("GRANT REPLICATION CLIENT ON *.* TO 'half'@'%'");
    await mysql.query("GRANT SELECT ON shop.* TO 'half'@'%'");
    const url = mysql.connectionString({ user: 'half', password: 'half-pw', database: 'shop' });
    const before = byId(await preflightMysql({ connectionString: url, tables: ['shop.%'] }));
    expect(before.replication_grants).toEqual({
      id: 'replication_grants',
      status: 'fail',
      detail: 'half@% is missing REPLICATION SLAVE on *.* (has REPLICATION CLIENT)',
      fix: "GRANT REPLICATION SLAVE ON *.* TO 'half'@'%';",
    });
    expect(before.table_select.status).toBe('pass');
    await mysql.query(before.replication_grants.fix);
    const after = byId(await preflightMysql({ connectionString: url, tables: ['shop.%'] }));
    expect(after.replication_grants.status).toBe('pass');
  });

  test('SELECT on one table only: the other selected table fails by name', async () => {
    await mysql.query("CREATE USER 'narrow'@'%' IDENTIFIED BY 'narrow-pw'");
    await mysql.query("GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'narrow'@'%'");
    await mysql.query("GRANT SELECT ON shop.orders TO 'narrow'@'%'");
    await mysql.query("GRANT INSERT ON shop.order_items TO 'narrow'@'%'");
    const url = mysql.connectionString({ user: 'narrow', password: 'narrow-pw', database: 'shop' });
    const results = byId(await preflightMysql({ connectionString: url, tables: ['shop.%'] }));
    expect(results.table_select).toEqual({
      id: 'table_select',
      status: 'fail',
      detail: 'narrow@% has no SELECT on shop.order_items',
      fix: "GRANT SELECT ON `shop`.`order_items` TO 'narrow'@'%';",
    });
  });

  test('binary logs kept less than a day fail with the retention fix', async () => {
    await mysql.query('SET GLOBAL binlog_expire_logs_seconds = 3600');
    try {
      const results = byId(await preflightMysql({ connectionString: dmsUrl, tables: ['shop.orders'] }));
      expect(results.binlog_retention).toMatchObject({
        status: 'fail',
        detail: 'binary logs kept only 1 h (binlog_expire_logs_seconds = 3600); DMS needs at least 24 h',
      });
    } finally {
      await mysql.query('SET GLOBAL binlog_expire_logs_seconds = 172800');
    }
  });

  test('lakehouse preflight exits 0 for the DMS user, never printing the password', async () => {
    const result = await lakehouse('preflight', '--engine', 'mysql', '--url', dmsUrl, '--tables', 'shop.orders,shop.order_items');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines.slice(0, -1).every((line) => line.startsWith('PASS  '))).toBe(true);
    expect(lines).toContain('PASS  binlog_checksum  binlog_checksum = NONE');
    expect(lines[lines.length - 1]).toBe(`OK: 9 passed, 0 failed, 0 warnings (mysql://${DMS_USER}:***@${mysql.host}:${mysql.port}/shop)`);
    expect(result.stdout).not.toContain('pa$$');
  });

  test('lakehouse preflight with a wrong password exits 2 with one line', async () => {
    const url = mysql.connectionString({ user: DMS_USER, password: 'wrong-password', database: 'shop' });
    const result = await lakehouse('preflight', '--engine', 'mysql', '--url', url);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    // The server names the address it sees: the fixture's host locally, the bridge's gateway behind a container's port mapping.
    const literal = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const seenFrom = mysql.mode === 'local-binaries' ? literal(mysql.host) : "[^']+";
    expect(result.stderr).toMatch(new RegExp(
      `^${literal(`lakehouse preflight: authentication failed for user "dms" on MySQL at ${mysql.host}:${mysql.port} (Access denied for user 'dms'@'`)}` +
        `${seenFrom}${literal("' (using password: YES)); check the user name and password in the URL")}\n$`,
    ));
    expect(result.stderr).not.toContain('wrong-password');
  });
});

describe('lakehouse preflight against an unreachable MySQL', () => {
  test('exits 2 with one line naming host:port', async () => {
    const port = await findFreePort();
    const result = await lakehouse('preflight', '--engine', 'mysql', '--url', `mysql://dms:secret@127.0.0.1:${port}/shop`);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      `lakehouse preflight: cannot connect to MySQL at 127.0.0.1:${port}: connection refused; check that the server is running and listening on that host and port\n`,
    );
  });
});
