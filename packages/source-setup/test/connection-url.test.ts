import { ConnectionUrlError, maskConnectionUrl, parseConnectionUrl, SourceConnectionError, toSourceConnectionError } from '../src';

describe('maskConnectionUrl', () => {
  test.each([
    ['postgres://dms:s3cret@db:5432/app', 'postgres://dms:***@db:5432/app'],
    ['postgres://dms:p@ss@w0rd@db/app', 'postgres://dms:***@db/app'],
    ['mysql://dms@db/app', 'mysql://dms@db/app'],
    ['postgres://db/app?user=dms&password=s3cret&sslmode=require', 'postgres://db/app?user=dms&password=***&sslmode=require'],
    ['not a url :secret@', 'not a url :secret@'],
    ['postgres://u:secret@host:notaport/db', 'postgres://u:***@host:notaport/db'],
  ])('%s → %s', (raw, masked) => {
    expect(maskConnectionUrl(raw)).toBe(masked);
  });
});

describe('parseConnectionUrl', () => {
  test('decodes user, password and database; default ports', () => {
    const target = parseConnectionUrl('postgres', 'postgresql://dms%40corp:p%3Ass@db.example.com/app%20db?sslmode=require');
    expect(target).toMatchObject({ host: 'db.example.com', port: 5432, user: 'dms@corp', password: 'p:ss', database: 'app db', masked: 'postgresql://dms%40corp:***@db.example.com/app%20db?sslmode=require' });
    expect(target.params.get('sslmode')).toBe('require');
    expect(parseConnectionUrl('mysql', 'mariadb://root@[::1]:3307')).toMatchObject({ host: '::1', port: 3307, password: undefined, database: undefined });
  });

  test.each([
    ['postgres', 'db:5432', 'starts with db://'],
    ['postgres', 'postgres://u:secret@host:99999/db', 'malformed connection URL "postgres://u:***@host:99999/db": expected postgres://user:password@host:5432/database'],
    ['mysql', 'postgres://u:secret@host/db', 'starts with postgres:// but the engine is mysql: use mysql:// or mariadb://'],
    ['postgres', 'postgres://host/db', 'has no user'],
    ['postgres', 'postgres://u:%zz@host/db', 'invalid %-escape'],
    ['mysql', 'mysql://u@host/a/b', 'single database name'],
  ] as const)('%s %s is refused', (engine, raw, message) => {
    expect(() => parseConnectionUrl(engine, raw)).toThrow(ConnectionUrlError);
    expect(() => parseConnectionUrl(engine, raw)).toThrow(message);
  });

  test('error messages never contain the password', () => {
    for (const raw of ['postgres://u:topsecret@host:99999/db', 'mysql://u:topsecret@host/db', 'postgres://u:topsecret@/db']) {
      try {
        parseConnectionUrl('postgres', raw);
      } catch (err) {
        expect((err as Error).message).not.toContain('topsecret');
      }
    }
  });
});

describe('toSourceConnectionError', () => {
  const endpoint = { engine: 'postgres', host: '127.0.0.1', port: 5999, user: 'dms', database: 'app' } as const;

  test('connection refused names host:port, also inside an AggregateError', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5999'), { code: 'ECONNREFUSED' });
    const error = toSourceConnectionError(refused, endpoint);
    expect(error).toBeInstanceOf(SourceConnectionError);
    expect(error.failure).toBe('refused');
    expect(error.message).toBe('cannot connect to PostgreSQL at 127.0.0.1:5999: connection refused; check that the server is running and listening on that host and port');
    const aggregate = new AggregateError([refused, Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], '');
    expect(toSourceConnectionError(aggregate, endpoint).failure).toBe('refused');
  });

  test('authentication failures of both drivers', () => {
    const pg = Object.assign(new Error('password authentication failed for user "dms"'), { code: '28P01' });
    expect(toSourceConnectionError(pg, endpoint).message).toBe(
      'authentication failed for user "dms" on PostgreSQL at 127.0.0.1:5999 (password authentication failed for user "dms"); check the user name and password in the URL',
    );
    const mysql = Object.assign(new Error("Access denied for user 'dms'@'localhost' (using password: YES)"), { code: 'ER_ACCESS_DENIED_ERROR', errno: 1045 });
    expect(toSourceConnectionError(mysql, { ...endpoint, engine: 'mysql', port: 3306 }).failure).toBe('authentication');
  });

  test('missing database, unknown host, timeout, anything else', () => {
    expect(toSourceConnectionError(Object.assign(new Error('database "app" does not exist'), { code: '3D000' }), endpoint).message).toBe(
      'database "app" does not exist on PostgreSQL at 127.0.0.1:5999; check the database name in the URL',
    );
    expect(toSourceConnectionError(Object.assign(new Error('getaddrinfo ENOTFOUND nohost'), { code: 'ENOTFOUND' }), endpoint).failure).toBe('host-not-found');
    expect(toSourceConnectionError(new Error('Connection terminated due to connection timeout'), endpoint).failure).toBe('timeout');
    expect(toSourceConnectionError(new Error('something\nodd'), endpoint).message).toBe('cannot connect to PostgreSQL at 127.0.0.1:5999: something odd');
  });
});
