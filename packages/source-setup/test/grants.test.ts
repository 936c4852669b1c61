import { canSelectTable, grantDatabaseMatches, hasGlobalPrivilege, parseGrants } from '../src';

describe('parseGrants', () => {
  test('MariaDB 10.11 output: BINLOG MONITOR counts as REPLICATION CLIENT, column grants kept apart', () => {
    // As SHOW GRANTS returned them on MariaDB 10.11 for a user made by mysqlReplicationUserSql plus extras.
    const grants = parseGrants([
      "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `u`@`%` IDENTIFIED BY PASSWORD '*7B9EBEED26AA52ED10C0F549FA863F13C39E0209'",
      'GRANT SELECT ON `a\\_b`.* TO `u`@`%`',
      'GRANT ALL PRIVILEGES ON `b%`.* TO `u`@`%`',
      'GRANT SELECT, SELECT (`id`) ON `x`.`y` TO `u`@`%`',
      'GRANT INSERT (`id`, `name`) ON `x`.`z` TO `u`@`%`',
      'GRANT `r1` TO `u`@`%`',
      "GRANT PROXY ON ''@'%' TO 'root'@'localhost' WITH GRANT OPTION",
    ]);
    expect(grants.grants).toEqual([
      { level: 'global', privileges: ['REPLICATION SLAVE', 'REPLICATION CLIENT'], columnPrivileges: [] },
      { level: 'database', privileges: ['SELECT'], columnPrivileges: [], database: 'a\\_b' },
      { level: 'database', privileges: ['ALL PRIVILEGES'], columnPrivileges: [], database: 'b%' },
      { level: 'table', privileges: ['SELECT'], columnPrivileges: ['SELECT'], database: 'x', table: 'y' },
      { level: 'table', privileges: [], columnPrivileges: ['INSERT'], database: 'x', table: 'z' },
      { level: 'proxy', privileges: ['PROXY'], columnPrivileges: [] },
    ]);
    expect(grants.roles).toEqual(['r1']);
    expect(grants.unparsed).toEqual([]);
  });

  test('MySQL 8 output: dynamic privileges without spaces, roles with hosts, routines, REVOKE kept unparsed', () => {
    const grants = parseGrants([
      'GRANT SELECT, RELOAD, REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO `dms`@`%`',
      'GRANT BACKUP_ADMIN,BINLOG_ADMIN ON *.* TO `dms`@`%`',
      'GRANT EXECUTE ON PROCEDURE `shop`.`refresh` TO `dms`@`%`',
      'GRANT `reader`@`%`,`other` TO `dms`@`%`',
      'REVOKE SELECT ON `mysql`.* FROM `dms`@`%`',
    ]);
    expect(grants.grants.map((grant) => grant.level)).toEqual(['global', 'global', 'routine']);
    expect(grants.grants[1].privileges).toEqual(['BACKUP_ADMIN', 'BINLOG_ADMIN']);
    expect(grants.roles).toEqual(['reader', 'other']);
    expect(grants.unparsed).toEqual(['REVOKE SELECT ON `mysql`.* FROM `dms`@`%`']);
    expect(hasGlobalPrivilege(grants, 'replication slave')).toBe(true);
    expect(hasGlobalPrivilege(grants, 'REPLICATION CLIENT')).toBe(true);
  });

  test('ALL PRIVILEGES ON *.* covers everything; USAGE covers nothing', () => {
    const root = parseGrants(['GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION']);
    expect(hasGlobalPrivilege(root, 'REPLICATION SLAVE')).toBe(true);
    expect(canSelectTable(root, { schema: 'any', name: 'table' })).toBe(true);
    const nobody = parseGrants(["GRANT USAGE ON *.* TO 'u'@'%' IDENTIFIED BY PASSWORD '*AB'"]);
    expect(hasGlobalPrivilege(nobody, 'REPLICATION SLAVE')).toBe(false);
    expect(canSelectTable(nobody, { schema: 'shop', name: 'orders' })).toBe(false);
  });

  test('a REPLICATION SLAVE on one database is not a global grant', () => {
    const grants = parseGrants(['GRANT REPLICATION CLIENT ON *.* TO `u`@`%`', 'GRANT ALL ON `shop`.* TO `u`@`%`']);
    expect(hasGlobalPrivilege(grants, 'REPLICATION CLIENT')).toBe(true);
    expect(hasGlobalPrivilege(grants, 'REPLICATION SLAVE')).toBe(false);
  });

  test('quoted names with dots, backticks and quotes inside', () => {
    const grants = parseGrants(["GRANT SELECT ON `we``ird`.`ta.ble` TO 'o''brien'@'%'"]);
    expect(grants.grants[0]).toMatchObject({ level: 'table', database: 'we`ird', table: 'ta.ble' });
  });
});

describe('canSelectTable', () => {
  const grants = parseGrants([
    'GRANT SELECT ON `a\\_b`.* TO `u`@`%`',
    'GRANT SELECT ON `tenant%`.* TO `u`@`%`',
    'GRANT SELECT (`id`) ON `x`.`only_columns` TO `u`@`%`',
    'GRANT SELECT ON `x`.`y` TO `u`@`%`',
  ]);

  test.each([
    ['a_b', 't', true],
    ['aXb', 't', false], // the underscore was escaped in the grant
    ['tenant_1', 'orders', true],
    ['x', 'y', true],
    ['x', 'Y', false],
    ['x', 'only_columns', false], // column privileges are not enough for DMS
    ['other', 'y', false],
  ])('%s.%s → %s', (schema, name, expected) => {
    expect(canSelectTable(grants, { schema, name })).toBe(expected);
  });

  test('case-insensitive names when lower_case_table_names is set', () => {
    expect(canSelectTable(grants, { schema: 'X', name: 'Y' }, true)).toBe(true);
  });
});

describe('grantDatabaseMatches', () => {
  test.each([
    ['shop', 'shop', true],
    ['shop', 'shopx', false],
    ['sh_p', 'shop', true],
    ['sh\\_p', 'shop', false],
    ['sh\\_p', 'sh_p', true],
    ['%', 'anything', true],
    ['a.b', 'aXb', false],
  ])('%s covers %s: %s', (pattern, database, expected) => {
    expect(grantDatabaseMatches(pattern, database)).toBe(expected);
  });
});
