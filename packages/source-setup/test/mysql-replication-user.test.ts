import { mysqlReplicationUserSql } from '../src';

describe('mysqlReplicationUserSql', () => {
  test('self-managed, databases and tables', () => {
    expect(mysqlReplicationUserSql({ user: 'dms', password: 's3cret', databases: ['shop'], tables: ['billing.invoices'] })).toEqual([
      "CREATE USER IF NOT EXISTS 'dms'@'%' IDENTIFIED BY 's3cret';",
      "ALTER USER 'dms'@'%' IDENTIFIED BY 's3cret';",
      "GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'dms'@'%';",
      "GRANT SELECT ON `shop`.* TO 'dms'@'%';",
      "GRANT SELECT ON `billing`.`invoices` TO 'dms'@'%';",
    ]);
  });

  test('rds adds the binlog retention call', () => {
    const statements = mysqlReplicationUserSql({ user: 'dms', password: 'p', host: '10.0.%', databases: ['shop'], flavor: 'rds', binlogRetentionHours: 48 });
    expect(statements[0]).toBe("CREATE USER IF NOT EXISTS 'dms'@'10.0.%' IDENTIFIED BY 'p';");
    expect(statements[statements.length - 1]).toBe("CALL mysql.rds_set_configuration('binlog retention hours', 48);");
    expect(mysqlReplicationUserSql({ user: 'dms', password: 'p', databases: ['shop'] }).join('\n')).not.toContain('rds_set_configuration');
  });

  test('awkward names: backticks doubled, quotes and backslashes escaped, _ and % literal in database grants', () => {
    const statements = mysqlReplicationUserSql({
      user: "o'brien",
      password: "p'w\\d\n",
      databases: ['my_db%'],
      tables: [{ schema: 'we`ird', name: 'ta.ble' }],
    });
    expect(statements).toEqual([
      "CREATE USER IF NOT EXISTS 'o''brien'@'%' IDENTIFIED BY 'p''w\\\\d\\n';",
      "ALTER USER 'o''brien'@'%' IDENTIFIED BY 'p''w\\\\d\\n';",
      "GRANT REPLICATION CLIENT, REPLICATION SLAVE ON *.* TO 'o''brien'@'%';",
      "GRANT SELECT ON `my\\_db\\%`.* TO 'o''brien'@'%';",
      "GRANT SELECT ON `we``ird`.`ta.ble` TO 'o''brien'@'%';",
    ]);
  });

  test('bad options are refused', () => {
    expect(() => mysqlReplicationUserSql({ user: 'u', password: 'p' })).toThrow('name the `databases` or `tables`');
    expect(() => mysqlReplicationUserSql({ user: '', password: 'p', databases: ['d'] })).toThrow('`user` must not be empty');
    expect(() => mysqlReplicationUserSql({ user: 'u', password: 'p', tables: ['orders'] })).toThrow('has no schema');
    expect(() => mysqlReplicationUserSql({ user: 'u', password: 'p', databases: ['d'], binlogRetentionHours: 0 })).toThrow('binlogRetentionHours');
  });
});
