import type { StartedTestContainer } from 'testcontainers';

const POSTGRES_PORT = 5432;

/**
 * An init script for the official image's /docker-entrypoint-initdb.d: its
 * pg_hba.conf lets password logins reach every database from anywhere, but not
 * the replication protocol, which logical capture uses. This adds that line,
 * with the same password method.
 */
const REPLICATION_HBA_SCRIPT = [
  '#!/bin/sh',
  'set -e',
  'echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"',
  '',
].join('\n');

export interface ContainerPostgresOptions {
  readonly image: string;
  /** Server settings passed as `-c name=value` on the postgres command line. */
  readonly settings: Readonly<Record<string, string>>;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  readonly startupTimeoutMs: number;
}

/** A PostgreSQL server in a container started by testcontainers. */
export class ContainerPostgresServer {
  public static async start(options: ContainerPostgresOptions): Promise<ContainerPostgresServer> {
    const { GenericContainer, Wait } = await import('testcontainers');
    const command = ['postgres', ...Object.entries(options.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])];
    const container = await new GenericContainer(options.image)
      .withEnvironment({
        POSTGRES_USER: options.user,
        POSTGRES_PASSWORD: options.password,
        POSTGRES_DB: options.database,
      })
      .withCommand(command)
      .withExposedPorts(POSTGRES_PORT)
      .withCopyContentToContainer([
        { content: REPLICATION_HBA_SCRIPT, target: '/docker-entrypoint-initdb.d/10-replication-hba.sh', mode: 0o755 },
      ])
      // The data dir lives in memory: faster, and nothing to clean up on the host.
      .withTmpFs({ '/var/lib/postgresql/data': 'rw' })
      // The entrypoint runs a temporary server for initialisation first, so the
      // message appears twice; the second one is the real server.
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
      .withStartupTimeout(options.startupTimeoutMs)
      .start();
    return new ContainerPostgresServer(container);
  }

  private stopping: Promise<void> | undefined;

  private constructor(private readonly container: StartedTestContainer) {}

  public get host(): string {
    return this.container.getHost();
  }

  public get port(): number {
    return this.container.getMappedPort(POSTGRES_PORT);
  }

  public get containerId(): string {
    return this.container.getId();
  }

  /**
   * Stops and removes the container. Safe to call more than once. If the
   * process dies first, testcontainers' reaper (Ryuk) removes it, or, where
   * Ryuk is off, integration-tests/containers/engine.sh at the end of its run.
   */
  public async stop(): Promise<void> {
    this.stopping ??= this.container.stop().then(() => undefined);
    return this.stopping;
  }
}
