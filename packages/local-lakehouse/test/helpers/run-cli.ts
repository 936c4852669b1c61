import { PassThrough } from 'node:stream';
import { main } from '../../src/main';

/** Runs the `lakehouse local` entry point in process and collects what it printed. */
export async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await main(argv, { stdout, stderr });
  return { code, stdout: out, stderr: err };
}
