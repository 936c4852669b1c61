import { spawn } from 'node:child_process';
import * as path from 'node:path';
import type { CheckResult } from '@cdc-lakehouse/source-setup';

/** Root of the repository. */
export const REPO = path.resolve(__dirname, '../..');

/** The compiled `lakehouse` command (built before this suite by Nx's `^build`). */
export const LAKEHOUSE_CLI = require.resolve('@cdc-lakehouse/cli/lib/main.js');

/** What a finished child process printed and how it exited. */
export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program to completion, collecting its output. */
export async function run(file: string, args: string[], cwd = REPO, env: NodeJS.ProcessEnv = process.env): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs `lakehouse <args>` as a user would. */
export async function lakehouse(...args: string[]): Promise<RunResult> {
  return run(process.execPath, [LAKEHOUSE_CLI, ...args]);
}

/** Preflight results by requirement id. */
export function byId(results: CheckResult[]): Record<string, CheckResult> {
  return Object.fromEntries(results.map((result) => [result.id, result]));
}

/** Preflight statuses by requirement id. */
export function statuses(results: CheckResult[]): Record<string, string> {
  return Object.fromEntries(results.map((result) => [result.id, result.status]));
}
