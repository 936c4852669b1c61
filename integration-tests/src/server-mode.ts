/**
 * Which kind of server the fixtures start: a container through testcontainers,
 * or a server made from the machine's own binaries. Chosen per engine by an
 * environment variable, then by one variable for both, then by probing for a
 * container engine.
 */

/** How a fixture got its server. */
export type ServerMode = 'testcontainers' | 'local-binaries';

/** What a fixture was asked for: one of the modes, or `auto` (probe for a container engine). */
export type RequestedServerMode = ServerMode | 'auto';

/** The switch for both fixtures: `container`, `local` or `auto` (the default). */
export const SERVERS_ENV = 'LAKEHOUSE_TEST_SERVERS';

/** The engines that have a fixture, with their own switch and image variables. */
export const ENGINE_ENV = {
  postgres: { mode: 'LAKEHOUSE_TEST_POSTGRES', image: 'LAKEHOUSE_TEST_POSTGRES_IMAGE', defaultImage: 'postgres:15' },
  mariadb: { mode: 'LAKEHOUSE_TEST_MARIADB', image: 'LAKEHOUSE_TEST_MARIADB_IMAGE', defaultImage: 'mariadb:10.11' },
} as const;

export type FixtureEngine = keyof typeof ENGINE_ENV;

const VALUES: Readonly<Record<string, RequestedServerMode>> = {
  auto: 'auto',
  container: 'testcontainers',
  local: 'local-binaries',
};

/**
 * The mode asked for through the environment: `LAKEHOUSE_TEST_POSTGRES` /
 * `LAKEHOUSE_TEST_MARIADB` first, then `LAKEHOUSE_TEST_SERVERS`; `auto` when
 * neither is set. Anything else is refused in one line.
 */
export function requestedServerMode(engine: FixtureEngine, env: NodeJS.ProcessEnv = process.env): RequestedServerMode {
  for (const name of [ENGINE_ENV[engine].mode, SERVERS_ENV]) {
    const value = env[name];
    if (value === undefined || value === '') {
      continue;
    }
    const mode = VALUES[value];
    if (mode === undefined) {
      throw new Error(`${name} must be container, local or auto, not ${JSON.stringify(value)}`);
    }
    return mode;
  }
  return 'auto';
}

/** The image the container mode starts: `LAKEHOUSE_TEST_<ENGINE>_IMAGE`, else the official image. */
export function serverImage(engine: FixtureEngine, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[ENGINE_ENV[engine].image];
  return fromEnv === undefined || fromEnv === '' ? ENGINE_ENV[engine].defaultImage : fromEnv;
}

/**
 * True when testcontainers finds a working container runtime (Docker,
 * Podman, ...). Without one it rejects within milliseconds, so this is a
 * cheap up-front probe. testcontainers is loaded lazily, only here.
 */
export async function containerRuntimeAvailable(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

/**
 * Resolves `auto` by probing, and refuses the container mode in one line when
 * it was asked for but no engine answers.
 */
export async function resolveServerMode(engine: FixtureEngine, requested: RequestedServerMode): Promise<ServerMode> {
  if (requested === 'local-binaries') {
    return requested;
  }
  const available = await containerRuntimeAvailable();
  if (requested === 'testcontainers' && !available) {
    throw new Error(
      `${engine} fixture: the container mode was asked for but no container engine answers: ` +
        'run the suites through integration-tests/containers/engine.sh, set DOCKER_HOST, or use LAKEHOUSE_TEST_SERVERS=local',
    );
  }
  return available ? 'testcontainers' : 'local-binaries';
}

/** Whether a container with this id still exists, running or not, on the engine the fixtures use (for stop() checks). */
export async function containerExists(id: string): Promise<boolean> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  const client = await getContainerRuntimeClient();
  const found = await client.container.dockerode.listContainers({ all: true });
  return found.some((container) => container.Id === id);
}
