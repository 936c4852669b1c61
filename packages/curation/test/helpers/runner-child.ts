import { ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

/** How a runner child process ended. */
export interface ChildResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The runner CLI (`src/runner-cli.ts`) as a child process, for tests that kill it: bundled once with esbuild
 * into `dir` (it starts in a fraction of the time ts-node needs; DuckDB's native binding stays external).
 */
export class RunnerChild {
  private readonly children = new Set<ChildProcess>();
  private readonly cli: string;
  private readonly nodePath: string;

  constructor(dir: string) {
    this.cli = path.join(dir, 'runner-cli.js');
    buildSync({
      entryPoints: [path.join(__dirname, '..', '..', 'src', 'runner-cli.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: this.cli,
      external: ['@duckdb/node-api'],
      logLevel: 'error',
    });
    const duckdb = createRequire(__filename).resolve('@duckdb/node-api');
    this.nodePath = duckdb.slice(0, duckdb.lastIndexOf(`${path.sep}node_modules${path.sep}`) + '/node_modules'.length);
  }

  /** Runs the CLI with `args`; sends SIGKILL after `killAfterMs` if given. */
  run(args: readonly string[], killAfterMs?: number): Promise<ChildResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [this.cli, ...args], { env: { ...process.env, NODE_PATH: this.nodePath }, stdio: ['ignore', 'pipe', 'pipe'] });
      this.children.add(child);
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      child.on('error', reject);
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        resolve({ code, signal, stdout, stderr });
      });
    });
  }

  /** Kills every child still running (after a failed test). */
  killAll(): void {
    this.children.forEach((child) => child.kill('SIGKILL'));
  }
}
