import { Token } from 'aws-cdk-lib';

/** Longest accepted source name: derived identifiers (replication config, subnet group) stay short. */
export const MAX_SOURCE_NAME_LENGTH = 48;

const SOURCE_NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Throws unless `sourceName` can name DMS resources, S3 folders and metrics: a literal string of
 * lowercase letters, digits and single hyphens, starting with a letter, at most 48 characters.
 *
 * @param sourceName the value to check
 * @param owner who is asking, for the error message (e.g. `PostgresSource`)
 */
export function validateSourceName(sourceName: string, owner: string): void {
  if (Token.isUnresolved(sourceName)) {
    throw new Error(`${owner}: sourceName must be a literal string, not a token: it names the replication, its S3 folder and its metrics`);
  }
  if (!SOURCE_NAME_PATTERN.test(sourceName) || sourceName.length > MAX_SOURCE_NAME_LENGTH) {
    throw new Error(
      `${owner}: sourceName "${sourceName}" is invalid; use 1-${MAX_SOURCE_NAME_LENGTH} lowercase letters, digits and single hyphens, `
      + 'starting with a letter and not ending with a hyphen (e.g. "billing-db")',
    );
  }
}
