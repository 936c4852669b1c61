import { findFreePort } from '../src/free-port';
import { lakehouse } from '../src/lakehouse-cli';
import { PostgresFixture } from '../src/postgres-fixture';

interface PreflightJson {
  ok: boolean;
  url: string;
  summary: { passed: number; failed: number; warned: number };
  checks: { id: string; status: string; detail: string; fix: string }[];
  error?: string;
}

describe('lakehouse preflight --json on a real PostgreSQL', () => {
  let pg: PostgresFixture;

  beforeAll(async () => {
    pg = await PostgresFixture.start({ settings: { wal_level: 'replica' } });
  });

  afterAll(async () => {
    await pg?.stop();
  });

  test('one JSON document on stdout with every check; exit 1 as without --json', async () => {
    const result = await lakehouse('preflight', '--engine', 'postgres', '--url', pg.connectionString(), '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as PreflightJson;
    expect(report.ok).toBe(false);
    expect(report.url).toBe(`postgresql://${pg.user}:***@${pg.host}:${pg.port}/${pg.database}`);
    expect(report.summary).toEqual({ passed: 4, failed: 1, warned: 3 });
    expect(report.checks.find((c) => c.id === 'wal_level')).toEqual({
      id: 'wal_level', status: 'fail', detail: 'wal_level = replica; DMS needs logical', fix: 'ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL',
    });
    expect(report.checks.map((c) => c.id)).toEqual([
      'wal_level', 'replication_slots', 'wal_senders', 'wal_sender_timeout', 'replication_privilege', 'tables_exist', 'table_select', 'replica_identity',
    ]);
    expect(result.stdout).not.toContain(`:${pg.password}@`);
  });

  test('an unreachable server: exit 2, the JSON document says why', async () => {
    const port = await findFreePort();
    const result = await lakehouse('preflight', '--engine', 'postgres', '--url', `postgres://dms:secret@127.0.0.1:${port}/app`, '--json');
    expect(result.code).toBe(2);
    const report = JSON.parse(result.stdout) as PreflightJson;
    expect(report).toMatchObject({ ok: false, checks: [], summary: { passed: 0, failed: 0, warned: 0 } });
    expect(report.error).toContain(`127.0.0.1:${port}`);
    expect(result.stdout).not.toContain('secret');
  });
});
