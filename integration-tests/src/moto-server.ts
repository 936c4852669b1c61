import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { findFreePort } from './free-port';

/** A moto_server started for a suite; stop it with {@link MotoServer.stop}. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: the AWS_ENDPOINT_URL of the SDK clients under test. */
  readonly endpoint: string;
  /** Stops the server by its PID (SIGTERM), if it still runs. */
  stop(): void;
}

/** Starts moto_server (on the machine image) on a free local port and waits until it answers, within 30 s. */
export async function startMotoServer(): Promise<MotoServer> {
  if (spawnSync('moto_server', ['--help']).status !== 0) {
    throw new Error('moto_server is not on PATH: it comes with the machine image\'s Python (pip install "moto[server]")');
  }
  const port = await findFreePort();
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const server: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stdout!.on('data', (chunk) => { output = (output + chunk).slice(-2000); });
  server.stderr!.on('data', (chunk) => { output = (output + chunk).slice(-2000); });
  const stop = () => {
    if (server.pid !== undefined && server.exitCode === null) process.kill(server.pid, 'SIGTERM');
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (server.exitCode !== null) {
      throw new Error(`moto_server exited with ${server.exitCode}: ${output}`);
    }
    try {
      await fetch(`${endpoint}/moto-api/`);
      return { endpoint, stop };
    } catch {
      if (Date.now() > deadline) {
        stop();
        throw new Error(`moto_server did not answer on ${endpoint} within 30 s: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
