#!/usr/bin/env node
import { runCli } from './cli';
import { ExitCode } from './command';

/**
 * The AWS SDK warns on every run under Node 20 that its releases after early January 2027 need Node 22. The lockfile
 * pins the SDK, so the notice changes nothing for a run; it would only bury a query's summary line. The README's
 * toolchain notes carry it once (move to Node 22). Every other warning still prints.
 */
const emitWarning = process.emitWarning.bind(process) as (...args: unknown[]) => void;
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (!text.startsWith('NodeVersionSupportWarning')) emitWarning(warning, ...rest);
}) as typeof process.emitWarning;

const io = {
  out: (line: string): void => {
    process.stdout.write(`${line}\n`);
  },
  err: (line: string): void => {
    process.stderr.write(`${line}\n`);
  },
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    // A bug, not bad input: one line, the stack only when asked for.
    io.err(`lakehouse: unexpected error: ${err instanceof Error ? err.message : String(err)}`);
    if (process.env.LAKEHOUSE_DEBUG === '1' && err instanceof Error && err.stack !== undefined) {
      io.err(err.stack);
    }
    process.exitCode = ExitCode.ERROR;
  },
);
