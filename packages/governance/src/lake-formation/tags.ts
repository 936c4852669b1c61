/**
 * The LF-tags of the lakehouse. Plain constants (no CDK import): the construct and the runtime Lambdas share them.
 */

/** The source a database belongs to; one value per source name. */
export const DOMAIN_TAG = 'lakehouse:domain';
/** Which zone a database belongs to. */
export const ZONE_TAG = 'lakehouse:zone';
/** How sensitive a table or column is. */
export const SENSITIVITY_TAG = 'lakehouse:sensitivity';

/** Values of {@link ZONE_TAG}. */
export const ZONES = { raw: 'raw', curated: 'curated' } as const;

/**
 * Values of {@link SENSITIVITY_TAG}. Databases (and so their tables) are `unclassified`, so a column nobody has
 * classified yet is invisible to readers; the PII tagger tags each curated column: declared PII columns `pii`, the
 * others `general`.
 */
export const SENSITIVITIES = { unclassified: 'unclassified', general: 'general', pii: 'pii' } as const;

/** The sensitivity values analysts may read. */
export const ANALYST_SENSITIVITIES: readonly string[] = [SENSITIVITIES.general];
/** The sensitivity values PII readers may read. */
export const PII_READER_SENSITIVITIES: readonly string[] = [SENSITIVITIES.general, SENSITIVITIES.pii];
