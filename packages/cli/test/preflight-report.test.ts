import { CheckResult } from '@cdc-lakehouse/source-setup';
import { formatPreflightReport, formatSummary, preflightExitCode } from '../src/commands/preflight';

const MASKED = 'postgres://dms:***@db:5432/app';

describe('formatPreflightReport', () => {
  test('one line per requirement, an indented fix after failures and warnings, then the summary', () => {
    const results: CheckResult[] = [
      { id: 'wal_level', status: 'fail', detail: 'wal_level = replica; DMS needs logical', fix: 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL' },
      { id: 'replication_slots', status: 'pass', detail: 'max_replication_slots = 10, 0 in use: 10 free for 1 task', fix: 'ignored for a pass' },
      {
        id: 'replica_identity',
        status: 'fail',
        detail: 'DMS would ignore UPDATEs and DELETEs of public.events (no primary key), public.log (no primary key)',
        fix: 'ALTER TABLE "public"."events" REPLICA IDENTITY FULL;\nALTER TABLE "public"."log" REPLICA IDENTITY FULL;',
      },
      { id: 'tables_exist', status: 'warn', detail: 'the database has no user tables', fix: 'create the tables to replicate' },
    ];
    expect(formatPreflightReport(results, MASKED)).toEqual([
      'FAIL  wal_level  wal_level = replica; DMS needs logical',
      '      fix: ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
      'PASS  replication_slots  max_replication_slots = 10, 0 in use: 10 free for 1 task',
      'FAIL  replica_identity  DMS would ignore UPDATEs and DELETEs of public.events (no primary key), public.log (no primary key)',
      '      fix: ALTER TABLE "public"."events" REPLICA IDENTITY FULL;',
      '           ALTER TABLE "public"."log" REPLICA IDENTITY FULL;',
      'WARN  tables_exist  the database has no user tables',
      '      fix: create the tables to replicate',
      'FAILED: 1 passed, 2 failed, 1 warning (postgres://dms:***@db:5432/app)',
    ]);
    expect(preflightExitCode(results)).toBe(1);
  });

  test('all passing: OK summary, exit 0; warnings alone do not fail', () => {
    const pass: CheckResult = { id: 'log_bin', status: 'pass', detail: 'log_bin = ON', fix: '' };
    expect(formatSummary([pass, pass], 'mysql://root@h:3306/test')).toBe('OK: 2 passed, 0 failed, 0 warnings (mysql://root@h:3306/test)');
    expect(preflightExitCode([pass])).toBe(0);
    expect(preflightExitCode([pass, { ...pass, status: 'warn' }])).toBe(0);
  });
});
