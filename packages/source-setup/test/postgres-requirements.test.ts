import { CheckResult, evaluateRequirements, POSTGRES_REQUIREMENTS, PostgresSnapshot, PostgresTableFacts } from '../src';

function table(name: string, overrides: Partial<PostgresTableFacts> = {}): PostgresTableFacts {
  return { schema: 'public', name, hasPrimaryKey: true, replicaIdentity: 'default', hasReplicaIdentityIndex: false, schemaUsage: true, select: true, ...overrides };
}

function snapshot(overrides: Partial<PostgresSnapshot> = {}, settings: Record<string, [string, string | null]> = {}): PostgresSnapshot {
  const base: Record<string, [string, string | null]> = {
    wal_level: ['logical', null],
    max_replication_slots: ['10', null],
    max_wal_senders: ['10', null],
    wal_sender_timeout: ['60000', 'ms'],
    ...settings,
  };
  return {
    settings: new Map(Object.entries(base).map(([name, [setting, unit]]) => [name, { setting, unit }])),
    replicationSlotsInUse: 0,
    activeWalSenders: 0,
    expectedTasks: 1,
    role: { name: 'dms', superuser: false, replication: true, rdsReplication: undefined },
    selection: 'explicit',
    tables: [table('orders')],
    unmatched: [],
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

const evaluate = (s: PostgresSnapshot): CheckResult[] => evaluateRequirements(POSTGRES_REQUIREMENTS, s);

describe('PostgreSQL requirements', () => {
  test('a well-configured server passes everything, one result per requirement in order', () => {
    const results = evaluate(snapshot());
    expect(results.map((r) => r.id)).toEqual([
      'wal_level',
      'replication_slots',
      'wal_senders',
      'wal_sender_timeout',
      'replication_privilege',
      'tables_exist',
      'table_select',
      'replica_identity',
    ]);
    expect(results.filter((r) => r.status !== 'pass')).toEqual([]);
  });

  test('wal_level = replica fails with ALTER SYSTEM and restart', () => {
    expect(check(evaluate(snapshot({}, { wal_level: ['replica', null] })), 'wal_level')).toEqual({
      id: 'wal_level',
      status: 'fail',
      detail: 'wal_level = replica; DMS needs logical',
      fix: 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
    });
  });

  test('on RDS rds.logical_replication decides, and the fix is the parameter group', () => {
    const rds = snapshot({}, { 'wal_level': ['replica', null], 'rds.logical_replication': ['off', null] });
    expect(check(evaluate(rds), 'wal_level')).toMatchObject({
      status: 'fail',
      detail: 'rds.logical_replication is off (wal_level = replica); DMS needs logical decoding',
      fix: expect.stringContaining('set rds.logical_replication = 1 in the DB parameter group'),
    });
    expect(check(evaluate(snapshot({}, { 'rds.logical_replication': ['on', null] })), 'wal_level').status).toBe('pass');
  });

  test('free slots and WAL senders must cover the expected tasks', () => {
    const busy = snapshot({ replicationSlotsInUse: 9, activeWalSenders: 8, expectedTasks: 2 });
    expect(check(evaluate(busy), 'replication_slots')).toEqual({
      id: 'replication_slots',
      status: 'fail',
      detail: 'max_replication_slots = 10, 9 in use: 1 free for 2 tasks (each task needs its own replication slot)',
      fix: 'ALTER SYSTEM SET max_replication_slots = 11; then restart PostgreSQL',
    });
    expect(check(evaluate(busy), 'wal_senders')).toMatchObject({ status: 'pass', detail: 'max_wal_senders = 10, 8 in use: 2 free for 2 tasks' });
    expect(check(evaluate(snapshot({ activeWalSenders: 10 })), 'wal_senders').status).toBe('fail');
  });

  test('no free slot while local-lakehouse slots sit inactive: the fix frees them first', () => {
    const full = snapshot({ replicationSlotsInUse: 10, inactiveLakehouseSlots: 3 });
    expect(check(evaluate(full), 'replication_slots')).toMatchObject({
      status: 'fail',
      fix: 'lakehouse local slots --source URL --drop-inactive   (frees the 3 inactive local-lakehouse slots)\n'
        + 'or ALTER SYSTEM SET max_replication_slots = 11; then restart PostgreSQL',
    });
    expect(check(evaluate(snapshot({ replicationSlotsInUse: 3, inactiveLakehouseSlots: 3 })), 'replication_slots').status).toBe('pass');
  });

  test.each([
    ['0', 'ms', 'pass', 'wal_sender_timeout = 0 (disabled)'],
    ['10000', 'ms', 'pass', 'wal_sender_timeout = 10 s'],
    ['9999', 'ms', 'fail', 'wal_sender_timeout = 10 s; DMS needs 0 or at least 10 s'],
    ['5', 's', 'fail', 'wal_sender_timeout = 5 s; DMS needs 0 or at least 10 s'],
  ])('wal_sender_timeout %s %s → %s', (setting, unit, status, detail) => {
    expect(check(evaluate(snapshot({}, { wal_sender_timeout: [setting, unit] })), 'wal_sender_timeout')).toMatchObject({ status, detail });
  });

  test('replication privilege: attribute, superuser, rds_replication', () => {
    const role = (r: Partial<PostgresSnapshot['role']>): PostgresSnapshot => snapshot({ role: { name: 'dms', superuser: false, replication: false, rdsReplication: undefined, ...r } });
    expect(check(evaluate(role({})), 'replication_privilege')).toEqual({
      id: 'replication_privilege',
      status: 'fail',
      detail: 'role "dms" has neither the REPLICATION attribute nor superuser',
      fix: 'ALTER ROLE "dms" REPLICATION; (as a superuser)',
    });
    expect(check(evaluate(role({ superuser: true })), 'replication_privilege').status).toBe('pass');
    expect(check(evaluate(role({ rdsReplication: true })), 'replication_privilege').detail).toBe('role "dms" is a member of rds_replication');
    expect(check(evaluate(role({ rdsReplication: false })), 'replication_privilege').fix).toBe(
      'GRANT rds_replication TO "dms"; (as the master user, a member of rds_superuser)',
    );
  });

  test('tables without a primary key fail by name until REPLICA IDENTITY FULL', () => {
    const tables = [
      table('orders'),
      table('events', { hasPrimaryKey: false }),
      table('audit', { hasPrimaryKey: false, replicaIdentity: 'full' }),
      table('log', { replicaIdentity: 'nothing' }),
      table('by_index', { hasPrimaryKey: false, replicaIdentity: 'index', hasReplicaIdentityIndex: true }),
    ];
    expect(check(evaluate(snapshot({ tables })), 'replica_identity')).toEqual({
      id: 'replica_identity',
      status: 'fail',
      detail: 'DMS would ignore UPDATEs and DELETEs of public.events (no primary key), public.log (REPLICA IDENTITY NOTHING)',
      fix: [
        'ALTER TABLE "public"."events" REPLICA IDENTITY FULL;',
        'ALTER TABLE "public"."log" REPLICA IDENTITY FULL;',
        'or add a primary key: ALTER TABLE <table> ADD PRIMARY KEY (<columns>);',
      ].join('\n'),
    });
  });

  test('missing SELECT or schema USAGE fails naming the tables, with the grants to run', () => {
    const tables = [table('orders', { select: false }), { ...table('items', { schemaUsage: false }), schema: 'Sales' }];
    expect(check(evaluate(snapshot({ tables })), 'table_select')).toEqual({
      id: 'table_select',
      status: 'fail',
      detail: 'role "dms" cannot read public.orders, Sales.items',
      fix: 'GRANT USAGE ON SCHEMA "Sales" TO "dms";\nGRANT SELECT ON TABLE "public"."orders" TO "dms";',
    });
  });

  test('a selector matching nothing fails; no tables at all only warns', () => {
    expect(check(evaluate(snapshot({ unmatched: ['public.missing'] })), 'tables_exist')).toMatchObject({ status: 'fail', detail: 'no table matches public.missing' });
    const empty = evaluate(snapshot({ selection: 'all', tables: [] }));
    expect(check(empty, 'tables_exist').status).toBe('warn');
    expect(check(empty, 'replica_identity').status).toBe('warn');
  });

  test('many failing tables: the detail names five, the fix lists ten', () => {
    const tables = Array.from({ length: 12 }, (_, i) => table(`t${i}`, { hasPrimaryKey: false }));
    const result = check(evaluate(snapshot({ tables })), 'replica_identity');
    expect(result.detail).toContain('and 7 more');
    expect(result.fix.split('\n')).toHaveLength(12);
    expect(result.fix).toContain('… and 2 more like these');
  });
});
