import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrinoClient } from './trino-client';
import { ProgressReporter, SILENT_PROGRESS } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';

/** The Trino release `scripts/install-trino.sh` installs: the newest served here that has MERGE (393+). */
export const TRINO_VERSION = '476';

/** Set to the URL of a running server (`startTrinoServer`'s) to curate, query and verify through it instead of starting one. */
export const TRINO_URL_ENV = 'LAKEHOUSE_TRINO_URL';

/** What it takes to start the local Trino. */
export interface TrinoEnvironment {
  /** The install home: `trino-server-476/` and `java-home`. */
  readonly home: string;
  /** `<home>/trino-server-476`. */
  readonly serverDir: string;
  /** The JDK (24+) that runs it. */
  readonly javaHome: string;
}

/** The default home, as the installer uses it: `$HOME/.cache/cdc-lakehouse/trino-476`. */
export function defaultTrinoHome(): string {
  return path.join(os.homedir(), '.cache', 'cdc-lakehouse', `trino-${TRINO_VERSION}`);
}

/**
 * Finds the installed Trino and its JDK (`LAKEHOUSE_TRINO_HOME`, `LAKEHOUSE_TRINO_JAVA_HOME` override them).
 * @throws LakehouseError saying to run `bash scripts/install-trino.sh` when Trino is not installed
 */
export function trinoEnvironment(env: NodeJS.ProcessEnv = process.env): TrinoEnvironment {
  const home = path.resolve(env.LAKEHOUSE_TRINO_HOME || defaultTrinoHome());
  const serverDir = path.join(home, `trino-server-${TRINO_VERSION}`);
  const javaHomeFile = path.join(home, 'java-home');
  const install = 'run `bash scripts/install-trino.sh` from the repository root (LAKEHOUSE_TRINO_HOME chooses another home)';
  if (!fs.existsSync(path.join(serverDir, 'bin', 'launcher')) || !fs.existsSync(javaHomeFile)) {
    throw new LakehouseError(`Trino ${TRINO_VERSION} is not installed in ${home}; ${install}`);
  }
  const javaHome = env.LAKEHOUSE_TRINO_JAVA_HOME || fs.readFileSync(javaHomeFile, 'utf8').trim();
  if (!fs.existsSync(path.join(javaHome, 'bin', 'java'))) {
    throw new LakehouseError(`Trino ${TRINO_VERSION} needs Java 24 or newer and ${javaHome}/bin/java is missing; ${install}, or set LAKEHOUSE_TRINO_JAVA_HOME`);
  }
  return { home, serverDir, javaHome };
}

/** Options of {@link startTrinoServer}. */
export interface TrinoServerOptions {
  /** @default trinoEnvironment() */
  readonly environment?: TrinoEnvironment;
  /** JVM heap, e.g. `2G`. @default 2G */
  readonly heap?: string;
  /** Start-up lines. @default silent */
  readonly progress?: ProgressReporter;
  /**
   * Stop the server and exit the process on SIGINT / SIGTERM (for commands that do not handle signals themselves).
   * @default false
   */
  readonly exitOnSignal?: boolean;
  /** @default 240 s */
  readonly startTimeoutMs?: number;
  /** Stops a start under way (Ctrl-C): the server is stopped and the start rejects. @default never */
  readonly signal?: AbortSignal;
}

/** A running local Trino: a coordinator that is also its only worker, on a random loopback port. */
export interface TrinoServer {
  readonly url: string;
  readonly client: TrinoClient;
  /** The server's process id (its process group, too). */
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s) and removes its temp directory. Safe to call twice. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The etc/ files of a one-node server with dynamic catalogs (the engine creates them per warehouse). */
export function serverConfigFiles(dir: string, port: number, heap: string): Record<string, string> {
  return {
    'node.properties': [
      'node.environment=lakehouse',
      `node.id=${randomUUID()}`,
      `node.data-dir=${path.join(dir, 'data')}`,
      // loopback only, and no lookup of the machine's own address
      'node.internal-address=127.0.0.1',
      'node.binding-ip=127.0.0.1',
    ].join('\n'),
    'jvm.config': [
      '-server',
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-XX:+ExitOnOutOfMemoryError',
      '-Djdk.attach.allowAttachSelf=true',
      // JOL otherwise spends seconds probing the serviceability agent at every start
      '-Djol.skipHotspotSAAttach=true',
      '-Duser.timezone=UTC',
      // a short-lived server: C1 compiles sooner (faster start, slower long scans; the rehearsal's scans are small)
      '-XX:TieredStopAtLevel=1',
    ].join('\n'),
    'config.properties': [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${port}`,
      `discovery.uri=http://127.0.0.1:${port}`,
      'query.max-memory=1GB',
      'query.max-memory-per-node=1GB',
      'catalog.management=dynamic',
      'catalog.store=memory',
    ].join('\n'),
    'log.properties': 'io.trino=WARN\n',
  };
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // whatever ends this process (an error, process.exit), no server outlives it
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
}

/**
 * Starts Trino (`bin/launcher run`, in its own process group, with etc/ files written to a temp directory) and
 * waits until it accepts queries. Callers stop it with `stop()` in a `finally`; a process exit kills it too.
 */
export async function startTrinoServer(options: TrinoServerOptions = {}): Promise<TrinoServer> {
  const environment = options.environment ?? trinoEnvironment();
  const progress = options.progress ?? SILENT_PROGRESS;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-trino-'));
  const etc = path.join(dir, 'etc');
  fs.mkdirSync(path.join(etc, 'catalog'), { recursive: true });
  const port = await freePort();
  for (const [name, content] of Object.entries(serverConfigFiles(dir, port, options.heap ?? '2G'))) {
    fs.writeFileSync(path.join(etc, name), `${content}\n`);
  }
  const logFile = path.join(dir, 'server.log');
  const log = fs.openSync(logFile, 'w');
  const started = Date.now();
  const child = spawn(path.join(environment.serverDir, 'bin', 'launcher'), ['run', `--etc-dir=${etc}`, `--data-dir=${path.join(dir, 'data')}`], {
    env: { ...process.env, JAVA_HOME: environment.javaHome, PATH: `${path.join(environment.javaHome, 'bin')}:${process.env.PATH ?? ''}` },
    stdio: ['ignore', log, log],
    detached: true,
  });
  fs.closeSync(log);
  progress.line(`trino: starting Trino ${TRINO_VERSION} (pid ${child.pid}) on 127.0.0.1:${port} (about 30 s)`);
  installExitHook();
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => running.delete(child));

  const onSignal = (signal: NodeJS.Signals): void => {
    killGroup(child, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  if (options.exitOnSignal) {
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  }

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = started + (options.startTimeoutMs ?? 240_000);
  try {
    for (;;) {
      if (options.signal?.aborted) throw new LakehouseError('Trino was stopped by a signal while starting');
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new LakehouseError(`Trino exited while starting (${child.exitCode ?? child.signalCode}): ${lastLines(logFile)}`);
      }
      if (Date.now() > deadline) throw new LakehouseError(`Trino did not start within ${Math.round((deadline - started) / 1000)} s: ${lastLines(logFile)}`);
      try {
        const res = await fetch(`${url}/v1/info`);
        if (res.ok && (await res.json() as { starting?: boolean }).starting === false) break;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  progress.line(`trino: started in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return { url, client: new TrinoClient(url), pid: child.pid!, stop };
}

function lastLines(file: string): string {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n').filter((l) => /ERROR|Exception|Error:|error/.test(l));
    return (lines.slice(-3).join(' | ') || 'no error in its log').slice(0, 600);
  } catch (err) {
    return `its log is unreadable (${errorMessage(err)})`;
  }
}

/**
 * Runs `work` against a Trino server: the one `LAKEHOUSE_TRINO_URL` names, else one started for the call and
 * stopped afterwards, whatever happens.
 */
export async function withTrino<T>(
  work: (client: TrinoClient, server: TrinoServer | undefined) => Promise<T>,
  options: TrinoServerOptions & { readonly env?: NodeJS.ProcessEnv; readonly signal?: AbortSignal } = {},
): Promise<T> {
  const shared = (options.env ?? process.env)[TRINO_URL_ENV];
  if (shared) return work(new TrinoClient(shared.replace(/\/+$/, '')), undefined);
  const server = await startTrinoServer(options);
  const abort = (): void => void server.stop();
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    return await work(server.client, server);
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await server.stop();
  }
}
