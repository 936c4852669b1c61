import { Token } from 'aws-cdk-lib';
import type { GovernedSource } from './governed-source';

/** LF-tag values: letters, digits, spaces and `_.:/=+-@%`, at most 256 characters. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]{1,256}$/u;
/** Glue database names. */
const DATABASE_NAME = /^[a-z0-9_]{1,255}$/;

/**
 * Validates the settings' source names (the `lakehouse:domain` values) at synth time.
 *
 * @param sourceNames the names
 * @param owner what takes them, first in every message
 * @param prop the prop that holds them
 * @internal
 */
export function validateSourceNames(sourceNames: readonly string[], owner = 'LakeFormationSettings', prop = 'sourceNames'): void {
  if (Token.isUnresolved(sourceNames)) {
    throw new Error(`${owner}: \`${prop}\` is a token; pass the literal source names (each source is checked against them at synth time)`);
  }
  if (sourceNames.length === 0) throw new Error(`${owner}: \`${prop}\` is empty; pass the name of every governed source`);
  const seen = new Set<string>();
  for (const name of sourceNames) {
    const where = `${owner} source "${name}"`;
    if (!TAG_VALUE.test(name)) throw new Error(`${where}: \`${prop}\` are lakehouse:domain LF-tag values; use 1-256 letters, digits or _.:/=+-@%`);
    if (seen.has(name.toLowerCase())) throw new Error(`${where}: given twice in \`${prop}\` (LF-tag values ignore case); name each source once`);
    seen.add(name.toLowerCase());
  }
}

/** Validates one source against the settings' domain values at synth time; every message names the prop and what to do. @internal */
export function validateSource(source: GovernedSource, domains: readonly string[]): void {
  const where = `SourceGovernance source "${source.sourceName}"`;
  if (!TAG_VALUE.test(source.sourceName)) {
    throw new Error(`${where}: \`sourceName\` is its lakehouse:domain LF-tag value; use 1-256 letters, digits or _.:/=+-@%`);
  }
  if (!domains.includes(source.sourceName)) {
    throw new Error(`${where}: not among the settings' lakehouse:domain values (${domains.join(', ')}); add it to LakeFormationSettings \`sourceNames\``);
  }
  const databases = new Set<string>();
  for (const [prop, name] of [['curatedDatabaseName', source.curatedDatabaseName], ['rawDatabaseName', source.rawDatabaseName]] as const) {
    if (name === undefined || Token.isUnresolved(name)) continue;
    if (!DATABASE_NAME.test(name)) throw new Error(`${where}: \`${prop}\` "${name}" is no Glue database name; use lowercase letters, digits and _`);
    if (databases.has(name)) throw new Error(`${where}: database "${name}" is both its curated and raw database; give each zone its own database`);
    databases.add(name);
  }
  if (source.writers.length === 0) throw new Error(`${where}: \`writers\` is empty; pass the roles that curate the source (Glue job or Athena roles)`);
  for (const [table, columns] of Object.entries(source.piiColumns)) {
    if (table.trim() === '' || columns.some((c) => c.trim() === '')) {
      throw new Error(`${where}: \`piiColumns\` has an empty table or column name (table "${table}"); remove it or name it`);
    }
  }
}
