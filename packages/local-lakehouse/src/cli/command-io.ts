import { HELP } from './help';

/** Where a command writes: results to stdout, progress and errors to stderr. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** Prints the command's help when `--help` was given; true then. */
export function helpRequested(command: string, values: Record<string, unknown>, io: CommandIo): boolean {
  if (values.help) io.stdout.write(`${HELP[command]}\n`);
  return values.help === true;
}

/** Calls `stop` on the first SIGINT/SIGTERM; a second one exits at once. Returns the uninstaller. */
export function onStopSignal(stop: () => void): () => void {
  let count = 0;
  const handler = (signal: NodeJS.Signals): void => {
    count++;
    if (count > 1) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.removeListener('SIGINT', handler);
    process.removeListener('SIGTERM', handler);
  };
}
