import { CheckResult, evaluateRequirements, isRdsMysql, looksLikeRds, MYSQL_REQUIREMENTS, MysqlSnapshot, parseGrants } from '../src';

const GOOD_VARIABLES = {
  log_bin: 'ON',
  binlog_format: 'ROW',
  binlog_row_image: 'FULL',
  binlog_checksum: 'NONE',
  binlog_expire_logs_seconds: '172800',
  expire_logs_days: '2.000000',
  server_id: '1',
  lower_case_table_names: '0',
  basedir: '/usr',
};

function snapshot(variables: Record<string, string> = {}, overrides: Partial<MysqlSnapshot> = {}): MysqlSnapshot {
  return {
    version: '10.11.19-MariaDB-log',
    variables: new Map(Object.entries({ ...GOOD_VARIABLES, ...variables })),
    account: { user: 'dms', host: '%' },
    grants: parseGrants([
      "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `dms`@`%` IDENTIFIED BY PASSWORD '*AB'",
      'GRANT SELECT ON `shop`.* TO `dms`@`%`',
    ]),
    selection: 'explicit',
    tables: [{ schema: 'shop', name: 'orders' }],
    unmatched: [],
    caseInsensitiveNames: false,
    ...overrides,
  };
}

function check(results: CheckResult[], id: string): CheckResult {
  const result = results.find((r) => r.id === id);
  if (result === undefined) {
    throw new Error(`no result ${id}`);
  }
  return result;
}

const evaluate = (s: MysqlSnapshot): CheckResult[] => evaluateRequirements(MYSQL_REQUIREMENTS, s);

describe('MySQL requirements', () => {
  test('a well-configured server passes everything', () => {
    const results = evaluate(snapshot());
    expect(results.map((r) => r.id)).toEqual([
      'log_bin',
      'binlog_format',
      'binlog_row_image',
      'binlog_checksum',
      'binlog_retention',
      'server_id',
      'replication_grants',
      'tables_exist',
      'table_select',
    ]);
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
  });

  test('STATEMENT format and CRC32 checksums fail with SET GLOBAL and my.cnf fixes', () => {
    const results = evaluate(snapshot({ binlog_format: 'STATEMENT', binlog_checksum: 'CRC32' }));
    expect(check(results, 'binlog_format')).toEqual({
      id: 'binlog_format',
      status: 'fail',
      detail: 'binlog_format = STATEMENT; DMS needs ROW',
      fix: "SET GLOBAL binlog_format = 'ROW'; and binlog_format = ROW under [mysqld] in my.cnf so it survives a restart",
    });
    expect(check(results, 'binlog_checksum')).toMatchObject({ status: 'fail', detail: 'binlog_checksum = CRC32; DMS needs NONE' });
  });

  test('on RDS the fix is the parameter group, and retention comes from rds_configuration', () => {
    const rds = snapshot({ binlog_row_image: 'MINIMAL', basedir: '/rdsdbbin/mysql-8.0.36.R2/' }, { rdsBinlogRetention: { kind: 'hours', hours: null } });
    const results = evaluate(rds);
    expect(check(results, 'binlog_row_image').fix).toBe('set binlog_row_image = FULL in the DB parameter group (the DB cluster parameter group for Aurora)');
    expect(check(results, 'binlog_retention')).toMatchObject({ status: 'fail', fix: "CALL mysql.rds_set_configuration('binlog retention hours', 24);" });
  });

  test('binary log off, server_id 0', () => {
    const results = evaluate(snapshot({ log_bin: 'OFF', server_id: '0' }));
    expect(check(results, 'log_bin')).toMatchObject({ status: 'fail', fix: 'add log-bin = mysql-bin under [mysqld] in my.cnf and restart the server' });
    expect(check(results, 'server_id')).toMatchObject({ status: 'fail', detail: 'server_id = 0; DMS needs 1 or more' });
  });

  test('a user missing REPLICATION SLAVE fails naming the grant', () => {
    const grants = parseGrants(['GRANT BINLOG MONITOR ON *.* TO `dms`@`10.0.%`', 'GRANT SELECT ON `shop`.* TO `dms`@`10.0.%`']);
    expect(check(evaluate(snapshot({}, { grants, account: { user: 'dms', host: '10.0.%' } })), 'replication_grants')).toEqual({
      id: 'replication_grants',
      status: 'fail',
      detail: 'dms@10.0.% is missing REPLICATION SLAVE on *.* (has REPLICATION CLIENT)',
      fix: "GRANT REPLICATION SLAVE ON *.* TO 'dms'@'10.0.%';",
    });
  });

  test('privileges held only through a role are not counted, and the detail says so', () => {
    const grants = parseGrants(['GRANT USAGE ON *.* TO `dms`@`%`', 'GRANT `replicator` TO `dms`@`%`']);
    const result = check(evaluate(snapshot({}, { grants })), 'replication_grants');
    expect(result.detail).toBe(
      'dms@% is missing REPLICATION CLIENT and REPLICATION SLAVE on *.*; privileges of roles (replicator) are not counted: DMS does not activate roles',
    );
    expect(result.fix).toBe("GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms'@'%';");
  });

  test('SELECT per table, database or globally', () => {
    const tables = [{ schema: 'shop', name: 'orders' }, { schema: 'billing', name: 'invoices' }];
    expect(check(evaluate(snapshot({}, { tables })), 'table_select')).toEqual({
      id: 'table_select',
      status: 'fail',
      detail: 'dms@% has no SELECT on billing.invoices',
      fix: "GRANT SELECT ON `billing`.`invoices` TO 'dms'@'%';",
    });
    const all = parseGrants(['GRANT ALL PRIVILEGES ON *.* TO `root`@`%`']);
    expect(check(evaluate(snapshot({}, { tables, grants: all })), 'table_select').status).toBe('pass');
    expect(check(evaluate(snapshot({}, { tables, grants: all })), 'replication_grants').status).toBe('pass');
  });

  test('selectors that match nothing fail', () => {
    expect(check(evaluate(snapshot({}, { unmatched: ['shop.nope'] })), 'tables_exist')).toMatchObject({
      status: 'fail',
      detail: 'no table matches shop.nope (or the user has no privilege on it)',
    });
  });

  test('RDS is recognised by its install directory or Aurora\'s version variable, not by an access-denied error alone', () => {
    expect(looksLikeRds(new Map([['basedir', '/rdsdbbin/mysql-8.0.36.R2/']]))).toBe(true);
    expect(looksLikeRds(new Map([['basedir', '/usr/'], ['aurora_version', '3.05.2']]))).toBe(true);
    expect(looksLikeRds(new Map([['basedir', '/usr/']]))).toBe(false);
    expect(isRdsMysql(snapshot({ basedir: '/usr/' }))).toBe(false);
    expect(isRdsMysql(snapshot({ aurora_version: '3.05.2' }))).toBe(true);
  });
});
