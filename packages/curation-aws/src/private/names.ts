import { Token } from 'aws-cdk-lib';

const SOURCE_NAME = /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/;
const MAX_SOURCE_NAME = 32;

/**
 * Throws unless `sourceName` is a source name as `.projenrc.ts` allows it: lowercase letters,
 * digits and hyphens, starting with a letter, at most 32 characters.
 *
 * @internal
 */
export function validateSourceName(prop: string, sourceName: string): void {
  if (Token.isUnresolved(sourceName)) throw new Error(`${prop}: must be a literal source name, not a token`);
  if (!SOURCE_NAME.test(sourceName) || sourceName.length > MAX_SOURCE_NAME) {
    throw new Error(
      `${prop}: '${sourceName}' is not allowed; use lowercase letters (a-z), digits (0-9) and hyphens (-), `
      + `starting with a letter and ending with a letter or digit, at most ${MAX_SOURCE_NAME} characters`,
    );
  }
}

/** The Glue database holding a source's curated tables: `curated_<source>`, hyphens as underscores. */
export function curatedDatabaseName(sourceName: string): string {
  validateSourceName('sourceName', sourceName);
  return `curated_${sourceName.replace(/-/g, '_')}`;
}
