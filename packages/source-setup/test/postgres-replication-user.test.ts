import { postgresReplicationUserSql } from '../src';

describe('postgresReplicationUserSql', () => {
  test('self-managed, selected tables: REPLICATION role, USAGE per schema, SELECT per table', () => {
    expect(postgresReplicationUserSql({ user: 'dms', password: 's3cret', tables: ['public.orders', 'sales.items', 'public.customers'] })).toEqual([
      [
        'DO $setup$',
        'BEGIN',
        "  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'dms') THEN",
        "    CREATE ROLE \"dms\" LOGIN REPLICATION PASSWORD 's3cret';",
        '  ELSE',
        "    ALTER ROLE \"dms\" LOGIN REPLICATION PASSWORD 's3cret';",
        '  END IF;',
        'END',
        '$setup$;',
      ].join('\n'),
      'GRANT USAGE ON SCHEMA "public" TO "dms";',
      'GRANT USAGE ON SCHEMA "sales" TO "dms";',
      'GRANT SELECT ON TABLE "public"."orders" TO "dms";',
      'GRANT SELECT ON TABLE "sales"."items" TO "dms";',
      'GRANT SELECT ON TABLE "public"."customers" TO "dms";',
    ]);
  });

  test('schemas (default public): all tables plus default privileges, optionally for the owning role', () => {
    const statements = postgresReplicationUserSql({ user: 'dms', password: 'pw', schemas: ['app'], tableOwner: 'app_owner' });
    expect(statements.slice(1)).toEqual([
      'GRANT USAGE ON SCHEMA "app" TO "dms";',
      'GRANT SELECT ON ALL TABLES IN SCHEMA "app" TO "dms";',
      'ALTER DEFAULT PRIVILEGES FOR ROLE "app_owner" IN SCHEMA "app" GRANT SELECT ON TABLES TO "dms";',
    ]);
    expect(postgresReplicationUserSql({ user: 'dms', password: 'pw' }).slice(1)).toEqual([
      'GRANT USAGE ON SCHEMA "public" TO "dms";',
      'GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "dms";',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT ON TABLES TO "dms";',
    ]);
  });

  test('rds: no REPLICATION attribute, GRANT rds_replication instead', () => {
    const statements = postgresReplicationUserSql({ user: 'dms', password: 'pw', flavor: 'rds', tables: ['public.t'] });
    expect(statements[0]).toContain('CREATE ROLE "dms" LOGIN PASSWORD \'pw\';');
    expect(statements[0]).not.toContain('REPLICATION');
    expect(statements[1]).toBe('GRANT rds_replication TO "dms";');
  });

  test('awkward names and passwords are quoted, never break out of the statement', () => {
    const [role, ...grants] = postgresReplicationUserSql({
      user: 'dms"; DROP TABLE x; --',
      password: "it's $setup$ \\ and $$",
      tables: [{ schema: 'Mixed.Case', name: 'order items' }, '"we""ird".t'],
    });
    expect(role).toContain("WHERE rolname = 'dms\"; DROP TABLE x; --'");
    expect(role).toContain('CREATE ROLE "dms""; DROP TABLE x; --" LOGIN REPLICATION PASSWORD E\'it\'\'s $setup$ \\\\ and $$\';');
    // The password contains $setup$, so the DO block uses another tag.
    expect(role.startsWith('DO $setup1$\n')).toBe(true);
    expect(role.endsWith('\n$setup1$;')).toBe(true);
    expect(grants).toEqual([
      'GRANT USAGE ON SCHEMA "Mixed.Case" TO "dms""; DROP TABLE x; --";',
      'GRANT USAGE ON SCHEMA "we""ird" TO "dms""; DROP TABLE x; --";',
      'GRANT SELECT ON TABLE "Mixed.Case"."order items" TO "dms""; DROP TABLE x; --";',
      'GRANT SELECT ON TABLE "we""ird"."t" TO "dms""; DROP TABLE x; --";',
    ]);
  });

  test('a table name without schema means public', () => {
    expect(postgresReplicationUserSql({ user: 'u', password: 'p', tables: ['orders'] })).toContain('GRANT SELECT ON TABLE "public"."orders" TO "u";');
  });

  test('bad options are refused with a message naming the option', () => {
    expect(() => postgresReplicationUserSql({ user: '', password: 'p' })).toThrow('`user` must not be empty');
    expect(() => postgresReplicationUserSql({ user: 'u', password: '' })).toThrow('`password` must not be empty');
    expect(() => postgresReplicationUserSql({ user: 'u', password: 'p', tables: ['a.b'], schemas: ['a'] })).toThrow('either `tables` or `schemas`');
    expect(() => postgresReplicationUserSql({ user: 'u', password: 'p', tables: ['public.%'] })).toThrow('% wildcard');
    expect(() => postgresReplicationUserSql({ user: 'u', password: 'p', tables: [] })).toThrow('`tables` is empty');
    expect(() => postgresReplicationUserSql({ user: 'u', password: 'p', flavor: 'aurora' as never })).toThrow("'self-managed' or 'rds'");
  });
});
