#!/usr/bin/env node
import { runCli } from './cli';
import { ExitCode } from './command';

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
