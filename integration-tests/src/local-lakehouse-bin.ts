import { execFile } from 'node:child_process';
import * as path from 'node:path';

/** The compiled local-lakehouse command line (`lakehouse demo|local …`), built before the suites by Nx's `^build`. */
export const LOCAL_LAKEHOUSE_BIN = path.resolve(__dirname, '../../packages/local-lakehouse/lib/bin.js');

/** How a `lakehouse` run ended: its exit code and everything it printed. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Options of {@link runLocalLakehouse}. */
export interface RunLocalLakehouseOptions {
  /** Killed after this long (then its code is 1). @default 120000 */
  readonly timeoutMs?: number;
  /** The environment. @default this process's, with CI=true (plain progress lines, as in CI) */
  readonly env?: NodeJS.ProcessEnv;
}

/** Runs `lakehouse <args>` from the compiled package as a user would, to completion; output up to 64 MiB is kept. */
export async function runLocalLakehouse(args: readonly string[], options: RunLocalLakehouseOptions = {}): Promise<CliResult> {
  const env = options.env ?? { ...process.env, CI: 'true' };
  const execOptions = { timeout: options.timeoutMs ?? 120_000, env, maxBuffer: 64 * 1024 * 1024 };
  return new Promise((resolve) => {
    execFile(process.execPath, [LOCAL_LAKEHOUSE_BIN, ...args], execOptions, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
