/**
 * An error a user can hit and fix: its message is one line saying what is wrong, where, and
 * what to do. The CLI prints the message alone (no stack trace) and exits with `exitCode`.
 */
export class LakehouseError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'LakehouseError';
  }
}

/** Wrong command-line usage: exit code 2. */
export class UsageError extends LakehouseError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

/** The message of anything thrown, on one line. */
export function errorMessage(err: unknown): string {
  const message = (err as { message?: unknown } | undefined)?.message;
  const text = typeof message === 'string' ? message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
