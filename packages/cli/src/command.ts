/** Where a command writes. Tests pass their own. */
export interface CliIo {
  /** Writes one line (no trailing newline) to standard output. */
  out(line: string): void;
  /** Writes one line (no trailing newline) to standard error. */
  err(line: string): void;
}

/** Exit codes shared by every command. */
export const ExitCode = {
  /** Everything ran and nothing failed. */
  OK: 0,
  /** The command ran and found failures (e.g. a preflight requirement failed). */
  FAILED: 1,
  /** Bad usage, or a database that could not be reached: nothing was checked. */
  ERROR: 2,
} as const;

/** A `lakehouse` subcommand. Command groups (e.g. `local capture|curate|…`) are commands that dispatch to their own table. */
export interface CliCommand {
  /** The word after `lakehouse`. */
  readonly name: string;
  /** One line for `lakehouse --help`. */
  readonly summary: string;
  /** The full text for `lakehouse <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * Bad input from the user. The message is one line saying what is wrong and
 * how to fix it; it is printed as `lakehouse <command>: <message>` with exit code 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
