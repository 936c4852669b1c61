import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from './helpers/run-cli';
import { parseDuration, parseList, parseSize } from '../src/cli/args';

describe('argument parsing', () => {
  test('durations: ms, s, m, bare seconds', () => {
    expect(parseDuration('interval', '500ms')).toBe(500);
    expect(parseDuration('interval', '1s')).toBe(1000);
    expect(parseDuration('interval', '2m')).toBe(120_000);
    expect(parseDuration('interval', '3')).toBe(3000);
    expect(() => parseDuration('interval', 'soon')).toThrow('--interval "soon" is not a duration');
  });

  test('sizes in binary units', () => {
    expect(parseSize('max-file-size', '32MB')).toBe(32 * 1024 * 1024);
    expect(parseSize('max-file-size', '512KiB')).toBe(512 * 1024);
    expect(parseSize('max-file-size', '1000')).toBe(1000);
    expect(() => parseSize('max-file-size', 'big')).toThrow('not a size');
  });

  test('lists', () => {
    expect(parseList(' public.a, public.b ,,')).toEqual(['public.a', 'public.b']);
    expect(parseList(undefined)).toEqual([]);
  });
});

describe('main', () => {
  test('--help prints the commands; no command is a usage error', async () => {
    expect(await run(['--help'])).toMatchObject({ code: 0, stdout: expect.stringContaining('lakehouse local capture --source URL --raw DIR') });
    expect((await run([])).code).toBe(2);
  });

  test.each(['demo', 'local capture', 'local curate', 'local query', 'local verify'])('%s --help', async (command) => {
    const result = await run([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: lakehouse ${command}`);
  });

  test('usage errors exit 2 with one line naming the problem', async () => {
    const missing = await run(['local', 'capture', '--raw', '/tmp/x']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('lakehouse: local capture: --source is required, e.g. --source postgres://user:password@localhost:5432/app; see `lakehouse local capture --help`\n');
    const unknown = await run(['local', 'capture', '--sauce', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^lakehouse: local capture: Unknown option '--sauce'.*\n$/);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['local', 'query', '--lake', 'x.duckdb'])).stderr).toContain('give exactly one SQL statement');
  });

  test('a malformed source URL is a one-line error, exit 1', async () => {
    const result = await run(['local', 'capture', '--source', 'oracle://u@h/db', '--raw', '/tmp/never-created']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('starts with oracle://; capture reads PostgreSQL (postgres://');
    expect(fs.existsSync('/tmp/never-created')).toBe(false);
    // mysql:// and mariadb:// go to the MySQL capture
    const mysql = await run(['local', 'capture', '--source', 'mariadb://u@h.invalid/db', '--raw', '/tmp/never-created']);
    expect(mysql.stderr).toMatch(/^lakehouse: cannot connect to MySQL at h\.invalid:3306: .*\n$/);
    expect(mysql.code).toBe(1);
    expect(fs.existsSync('/tmp/never-created')).toBe(false);
  });

  test('curate of a directory that is not a DMS raw zone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-cli-test-'));
    try {
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'hello');
      const lake = path.join(dir, 'lake.duckdb');
      const result = await run(['local', 'curate', '--raw', dir, '--lake', lake]);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('is not a DMS raw zone');
      expect(fs.existsSync(lake)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('query of a missing lake file', async () => {
    const result = await run(['local', 'query', '--lake', '/tmp/no-such-lake.duckdb', 'SELECT 1']);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringContaining('does not exist') });
  });
});
