import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The version of this package (`@cdc-lakehouse/cli`), which `lakehouse --version` prints. Read from the
 * package.json beside `lib/` (and `src/`), so it is the installed package's own.
 */
export function cliVersion(): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version?: unknown };
  if (typeof manifest.version !== 'string') throw new Error(`${path.join(__dirname, '..', 'package.json')} has no version`);
  return manifest.version;
}

/** `lakehouse 0.0.0`: the line `--version` prints. */
export function versionLine(): string {
  return `lakehouse ${cliVersion()}`;
}
