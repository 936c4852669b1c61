import { containerRuntimeAvailable, requestedServerMode, resolveServerMode, serverImage } from '../src';

describe('requestedServerMode', () => {
  test('auto when nothing is set', () => {
    expect(requestedServerMode('postgres', {})).toBe('auto');
    expect(requestedServerMode('mariadb', { LAKEHOUSE_TEST_SERVERS: '' })).toBe('auto');
  });

  test('LAKEHOUSE_TEST_SERVERS sets both fixtures; the engine variable wins over it', () => {
    const env = { LAKEHOUSE_TEST_SERVERS: 'container', LAKEHOUSE_TEST_MARIADB: 'local' };
    expect(requestedServerMode('postgres', env)).toBe('testcontainers');
    expect(requestedServerMode('mariadb', env)).toBe('local-binaries');
    expect(requestedServerMode('postgres', { LAKEHOUSE_TEST_POSTGRES: 'auto', LAKEHOUSE_TEST_SERVERS: 'local' })).toBe('auto');
  });

  test('anything else is refused in one line naming the variable and the values', () => {
    expect(() => requestedServerMode('postgres', { LAKEHOUSE_TEST_POSTGRES: 'docker' })).toThrow(
      'LAKEHOUSE_TEST_POSTGRES must be container, local or auto, not "docker"',
    );
    expect(() => requestedServerMode('mariadb', { LAKEHOUSE_TEST_SERVERS: 'testcontainers' })).toThrow(
      'LAKEHOUSE_TEST_SERVERS must be container, local or auto, not "testcontainers"',
    );
  });
});

describe('serverImage', () => {
  test('the official images unless an image variable names another', () => {
    expect(serverImage('postgres', {})).toBe('postgres:15');
    expect(serverImage('mariadb', {})).toBe('mariadb:10.11');
    expect(serverImage('postgres', { LAKEHOUSE_TEST_POSTGRES_IMAGE: 'localhost/lakehouse-test/postgres:15' })).toBe('localhost/lakehouse-test/postgres:15');
  });
});

describe('resolveServerMode', () => {
  test('local stays local without probing', async () => {
    await expect(resolveServerMode('postgres', 'local-binaries')).resolves.toBe('local-binaries');
  });

  test('the container mode needs an engine that answers; auto follows the probe', async () => {
    const available = await containerRuntimeAvailable();
    process.stdout.write(`server-mode: a container engine ${available ? 'answers' : 'does not answer'} here\n`);
    if (available) {
      await expect(resolveServerMode('mariadb', 'testcontainers')).resolves.toBe('testcontainers');
      await expect(resolveServerMode('mariadb', 'auto')).resolves.toBe('testcontainers');
    } else {
      await expect(resolveServerMode('mariadb', 'testcontainers')).rejects.toThrow(
        /^mariadb fixture: the container mode was asked for but no container engine answers: .*LAKEHOUSE_TEST_SERVERS=local$/,
      );
      await expect(resolveServerMode('mariadb', 'auto')).resolves.toBe('local-binaries');
    }
  });
});
