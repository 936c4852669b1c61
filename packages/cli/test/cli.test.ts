import { CheckResult, SourceConnectionError } from '@cdc-lakehouse/source-setup';
import { COMMANDS, runCli, runCommandTable } from '../src/cli';
import { CliIo } from '../src/command';
import { makePreflightCommand, PreflightRunner } from '../src/commands/preflight';

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

async function runWith(runner: PreflightRunner, args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const io = captureIo();
  const code = await runCommandTable('lakehouse', [makePreflightCommand(runner)], args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const URL_ARGS = ['preflight', '--engine', 'postgres', '--url', 'postgres://dms:s3cret@db:5432/app'];

describe('lakehouse', () => {
  test('--help lists the commands; no command is a usage error', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(io.stdout[0]).toBe('Usage: lakehouse <command> [options]');
    expect(io.stdout).toContain('  preflight  check a source database against the DMS change-data-capture requirements');
    const empty = captureIo();
    expect(await runCli([], empty)).toBe(2);
    expect(empty.stderr[0]).toBe('Usage: lakehouse <command> [options]');
    expect(COMMANDS.map((command) => command.name)).toEqual(['demo', 'history', 'local', 'preflight', 'query']);
    expect(io.stdout).toContain('  local      the local lakehouse step by step: capture | curate (--engine duckdb|spark|trino) | query | verify | status | slots');
  });

  test('unknown commands and options: one line, exit 2', async () => {
    const io = captureIo();
    expect(await runCli(['deploy'], io)).toBe(2);
    expect(io.stderr).toEqual(['lakehouse: unknown command "deploy"; commands: demo, history, local, preflight, query (see `lakehouse --help`)']);
    const option = captureIo();
    expect(await runCli(['--verbose'], option)).toBe(2);
    expect(option.stderr).toEqual(['lakehouse: unknown option --verbose; commands: demo, history, local, preflight, query (see `lakehouse --help`)']);
  });

  test('preflight --help prints the usage, exit 0', async () => {
    const io = captureIo();
    expect(await runCli(['preflight', '--help'], io)).toBe(0);
    expect(io.stdout[0]).toBe('Usage: lakehouse preflight --engine postgres|mysql --url <connection url> [--tables schema.t1,schema.t2] [--tasks N] [--json]');
    expect(io.stdout.join('\n')).toContain('Exit codes: 0 nothing failed, 1 a requirement failed');
  });
});

describe('lakehouse preflight', () => {
  const pass: CheckResult = { id: 'wal_level', status: 'pass', detail: 'wal_level = logical', fix: '' };
  const fail: CheckResult = { id: 'wal_sender_timeout', status: 'fail', detail: 'wal_sender_timeout = 5 s', fix: "ALTER SYSTEM SET wal_sender_timeout = '60s';" };

  test('--json prints one JSON document with every check; exit codes unchanged, the password masked', async () => {
    const failed = await runWith(async () => [pass, fail], [...URL_ARGS, '--json']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toEqual([]);
    expect(JSON.parse(failed.stdout.join('\n'))).toEqual({
      ok: false,
      url: 'postgres://dms:***@db:5432/app',
      summary: { passed: 1, failed: 1, warned: 0 },
      checks: [pass, fail],
    });
    const ok = await runWith(async () => [pass], [...URL_ARGS, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout.join('\n'))).toMatchObject({ ok: true, summary: { passed: 1, failed: 0, warned: 0 } });
    const unreachable = await runWith(async () => {
      throw new SourceConnectionError('refused', { engine: 'postgres', host: 'db', port: 5432 }, 'cannot connect to db:5432: connection refused');
    }, [...URL_ARGS, '--json']);
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.stdout.join('\n'))).toMatchObject({ ok: false, checks: [], error: 'cannot connect to db:5432: connection refused' });
    expect(unreachable.stdout.join('\n')).not.toContain('s3cret');
  });

  test('passes the request to the runner and prints the report; exit 0 or 1', async () => {
    const calls: unknown[] = [];
    const ok = await runWith(async (options) => {
      calls.push(options);
      return [pass];
    }, [...URL_ARGS, '--tables', 'public.orders', '--tasks', '2']);
    expect(calls).toEqual([{ engine: 'postgres', connectionString: 'postgres://dms:s3cret@db:5432/app', tables: ['public.orders'], expectedTasks: 2 }]);
    expect(ok).toEqual({ code: 0, stdout: ['PASS  wal_level  wal_level = logical', 'OK: 1 passed, 0 failed, 0 warnings (postgres://dms:***@db:5432/app)'], stderr: [] });

    const failed = await runWith(async () => [pass, fail], URL_ARGS);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toEqual([
      'PASS  wal_level  wal_level = logical',
      'FAIL  wal_sender_timeout  wal_sender_timeout = 5 s',
      "      fix: ALTER SYSTEM SET wal_sender_timeout = '60s';",
      'FAILED: 1 passed, 1 failed, 0 warnings (postgres://dms:***@db:5432/app)',
    ]);
  });

  test('an unreachable database: one line on stderr, exit 2, nothing on stdout', async () => {
    const refused = new SourceConnectionError('refused', { engine: 'postgres', host: 'db', port: 5432 }, 'cannot connect to PostgreSQL at db:5432: connection refused');
    const result = await runWith(async () => {
      throw refused;
    }, URL_ARGS);
    expect(result).toEqual({ code: 2, stdout: [], stderr: ['lakehouse preflight: cannot connect to PostgreSQL at db:5432: connection refused'] });
  });

  test('bad usage never reaches the runner', async () => {
    const result = await runWith(async () => {
      throw new Error('must not run');
    }, ['preflight', '--engine', 'postgres']);
    expect(result).toEqual({
      code: 2,
      stdout: [],
      stderr: ['lakehouse preflight: missing --url; give the connection URL, e.g. --url postgres://user:password@host:5432/database'],
    });
  });
});
