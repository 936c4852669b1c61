import { parsePreflightArgs } from '../src/commands/preflight';

const PG_URL = 'postgres://dms:s3cret@db.example.com:5432/app';

describe('parsePreflightArgs', () => {
  test('a full request', () => {
    expect(parsePreflightArgs(['--engine', 'postgres', '--url', PG_URL, '--tables', 'public.orders, sales.%', '--tasks', '3'])).toEqual({
      engine: 'postgres',
      url: PG_URL,
      maskedUrl: 'postgres://dms:***@db.example.com:5432/app',
      tables: ['public.orders', 'sales.%'],
      tasks: 3,
      json: false,
    });
  });

  test('--json asks for the JSON document', () => {
    expect(parsePreflightArgs(['--engine', 'postgres', '--url', PG_URL, '--json'])).toMatchObject({ json: true });
  });

  test('defaults: every table, one task; --opt=value works; engine aliases', () => {
    expect(parsePreflightArgs([`--url=${PG_URL}`, '--engine=postgresql'])).toMatchObject({ engine: 'postgres', tables: [], tasks: 1 });
    expect(parsePreflightArgs(['--engine', 'PostgreSQL', '--url', PG_URL])).toMatchObject({ engine: 'postgres' });
    expect(parsePreflightArgs(['--engine', 'mariadb', '--url', 'mysql://root@127.0.0.1:3306/shop', '--tables', 'orders'])).toMatchObject({
      engine: 'mysql',
      tables: ['orders'],
    });
  });

  test.each([['--help'], ['-h'], ['--engine', 'postgres', '--help']])('%s asks for help', (...args) => {
    expect(parsePreflightArgs(args)).toBe('help');
  });

  test.each([
    [[], 'missing --engine; choose postgres or mysql, e.g. --engine postgres'],
    [['--engine', 'oracle', '--url', PG_URL], 'unknown engine "oracle" for --engine; choose postgres or mysql'],
    [['--engine', 'constructor', '--url', PG_URL], 'unknown engine "constructor" for --engine; choose postgres or mysql'],
    [['--engine', 'postgres'], 'missing --url; give the connection URL, e.g. --url postgres://user:password@host:5432/database'],
    [['--engine', 'mysql', '--url', ''], 'missing --url; give the connection URL, e.g. --url mysql://user:password@host:3306/database'],
    [['--engine', 'postgres', '--url', 'postgres://u:s3cret@host:99999/db'], '--url: malformed connection URL "postgres://u:***@host:99999/db": expected postgres://user:password@host:5432/database'],
    [['--engine', 'mysql', '--url', PG_URL], '--url: connection URL postgres://dms:***@db.example.com:5432/app starts with postgres:// but the engine is mysql'],
    [['--engine', 'postgres', '--url', PG_URL, '--tasks', 'two'], '--tasks must be a whole number of at least 1, not "two"'],
    [['--engine', 'postgres', '--url', PG_URL, '--tasks', '0'], '--tasks must be a whole number of at least 1, not "0"'],
    [['--engine', 'postgres', '--url', PG_URL, '--tables', 'a.b.c'], '--tables: table selector "a.b.c" has more than one dot'],
    [['--engine', 'postgres', '--url', PG_URL, '--tables', ' , '], '--tables is empty'],
    [['--engine', 'mysql', '--url', 'mysql://root@h', '--tables', 'orders'], '--tables: table selector "orders" has no schema: write schema.table (or name a database in --url)'],
    [['--engine', 'postgres', '--url', PG_URL, '--verbose'], 'unknown option --verbose; options are --engine, --url, --tables, --tasks, --json, --help'],
    [['--engine', 'postgres', '--url'], '--url needs a value, e.g. --url postgres://user:password@host:5432/database'],
    [['--engine', 'postgres', PG_URL], 'unexpected argument "postgres://dms:***@db.example.com:5432/app"; every value needs its option'],
  ])('%j → %s', (args, message) => {
    expect(() => parsePreflightArgs(args)).toThrow(message);
  });

  test('no message ever contains the password', () => {
    const attempts = [
      ['--engine', 'postgres', PG_URL],
      ['--engine', 'mysql', '--url', PG_URL],
      ['--engine', 'postgres', '--url', 'postgres://dms:s3cret@host:99999/db'],
      ['--engine', 'postgres', `--bogus=${PG_URL}`],
      ['--engine', 'postgres', '--url', 'postgres://dms:s3cret@host/db', '--tables', 'x.y.z'],
    ];
    for (const args of attempts) {
      expect(() => parsePreflightArgs(args)).toThrow();
      try {
        parsePreflightArgs(args);
      } catch (err) {
        expect((err as Error).message).not.toContain('s3cret');
        expect((err as Error).message).not.toContain('\n');
      }
    }
  });
});
