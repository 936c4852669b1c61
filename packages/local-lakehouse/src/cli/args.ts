import { parseArgs, ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors';

/** Option specs as node:util parseArgs takes them. */
export type OptionSpecs = NonNullable<ParseArgsConfig['options']>;

/** Parsed options and positionals. */
export interface ParsedArgs {
  readonly values: Record<string, string | boolean | undefined>;
  readonly positionals: string[];
}

/** parseArgs with errors turned into UsageErrors that name the command. */
export function parseCommandArgs(command: string, argv: readonly string[], options: OptionSpecs, allowPositionals = false): ParsedArgs {
  try {
    const parsed = parseArgs({ args: [...argv], options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (err) {
    // (not instanceof Error: jest runs tests in another realm)
    const raw = typeof (err as { message?: unknown }).message === 'string' ? (err as { message: string }).message : String(err);
    const message = raw.replace(/\. To specify.*$/s, '');
    throw new UsageError(`${command}: ${message}; see \`lakehouse ${command} --help\``);
  }
}

/** A required string option. */
export function requireOption(command: string, values: ParsedArgs['values'], name: string, example: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') {
    throw new UsageError(`${command}: --${name} is required, e.g. --${name} ${example}; see \`lakehouse ${command} --help\``);
  }
  return value;
}

/** Parses a duration: `500ms`, `1s`, `2m`, or a bare number of seconds. Returns milliseconds. */
export function parseDuration(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`--${option} ${JSON.stringify(text)} is not a duration; write e.g. 500ms, 1s or 2m`);
  const factor = m[2] === 'ms' ? 1 : m[2] === 'm' ? 60_000 : 1000;
  const ms = Number(m[1]) * factor;
  if (ms <= 0) throw new UsageError(`--${option} must be more than 0`);
  return ms;
}

/** Parses a size: `32MB`, `512KiB`, `1000000`. Returns bytes (MB = MiB, as DMS's cdcMinFileSize counts). */
export function parseSize(option: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--${option} ${JSON.stringify(text)} is not a size; write e.g. 32MB or 1048576`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 ** 2 : unit.startsWith('g') ? 1024 ** 3 : 1;
  const bytes = Math.round(Number(m[1]) * factor);
  if (bytes <= 0) throw new UsageError(`--${option} must be more than 0`);
  return bytes;
}

/** Parses a positive whole number. */
export function parseCount(option: string, text: string): number {
  const n = Number(text.replace(/_/g, ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${option} ${JSON.stringify(text)} must be a positive whole number`);
  return n;
}

/** Splits a comma-separated list, dropping empty entries. */
export function parseList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '');
}
