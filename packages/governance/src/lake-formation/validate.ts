import { Token } from 'aws-cdk-lib';
import type { LakeFormationGovernanceProps } from './lake-formation-governance-props';

/** LF-tag values: letters, digits, spaces and `_.:/=+-@%`, at most 256 characters. */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@%]{1,256}$/u;
/** Glue database names. */
const DATABASE_NAME = /^[a-z0-9_]{1,255}$/;

/** Validates the props at synth time; every message names the prop and what to do. @internal */
export function validateGovernanceProps(props: LakeFormationGovernanceProps): void {
  if (props.sources.length === 0) throw new Error('LakeFormationGovernance: `sources` is empty; pass at least one GovernedSource');
  const sourceNames = new Set<string>();
  const databases = new Set<string>();
  for (const source of props.sources) {
    const where = `LakeFormationGovernance source "${source.sourceName}"`;
    if (!TAG_VALUE.test(source.sourceName)) {
      throw new Error(`${where}: \`sourceName\` is its lakehouse:domain LF-tag value; use 1-256 letters, digits or _.:/=+-@%`);
    }
    if (sourceNames.has(source.sourceName.toLowerCase())) throw new Error(`${where}: \`sourceName\` is given twice (LF-tag values ignore case); name each source once`);
    sourceNames.add(source.sourceName.toLowerCase());
    for (const [prop, name] of [['curatedDatabaseName', source.curatedDatabaseName], ['rawDatabaseName', source.rawDatabaseName]] as const) {
      if (name === undefined || Token.isUnresolved(name)) continue;
      if (!DATABASE_NAME.test(name)) throw new Error(`${where}: \`${prop}\` "${name}" is no Glue database name; use lowercase letters, digits and _`);
      if (databases.has(name)) throw new Error(`${where}: database "${name}" belongs to two sources; give each source its own databases`);
      databases.add(name);
    }
    if (source.writers.length === 0) throw new Error(`${where}: \`writers\` is empty; pass the roles that curate the source (Glue job or Athena roles)`);
    for (const [table, columns] of Object.entries(source.piiColumns)) {
      if (table.trim() === '' || columns.some((c) => c.trim() === '')) {
        throw new Error(`${where}: \`piiColumns\` has an empty table or column name (table "${table}"); remove it or name it`);
      }
    }
  }
}
