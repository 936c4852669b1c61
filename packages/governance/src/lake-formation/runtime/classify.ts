import { Table } from '@aws-sdk/client-glue';
import {
  AddLFTagsToResourceCommand, GetResourceLFTagsCommand, LakeFormationClient, LFTagPair, Resource,
} from '@aws-sdk/client-lakeformation';
import { columnNames } from './glue-tables';
import { SENSITIVITIES, SENSITIVITY_TAG } from '../tags';

/** What classifying one table did. */
export interface Classification {
  /** `database.table` */
  readonly table: string;
  /** Declared PII columns tagged `pii` now (not those tagged before). */
  readonly piiColumnsTagged: readonly string[];
  /** Other columns tagged `general` now (not those tagged before). */
  readonly generalColumnsTagged: readonly string[];
  /** Declared PII columns the table does not have (reported, not an error: the column may come later). */
  readonly missingPiiColumns: readonly string[];
}

/**
 * Classifies one curated table, column by column: its declared PII columns get sensitivity `pii` FIRST, then every
 * other column `general`. The table itself keeps the `unclassified` it inherits from its database, so a column the
 * engine adds later (schema evolution) is unclassified — invisible to readers — until the tagger has seen it; a PII
 * column is never readable as `general`, not even for a moment. Idempotent: tags already assigned are read first and
 * not written again; a column no longer declared PII becomes `general`. Columns are matched case-insensitively.
 */
export async function classifyTable(lakeFormation: LakeFormationClient, table: Table, declaredPii: readonly string[]): Promise<Classification> {
  const databaseName = table.DatabaseName!;
  const name = table.Name!;
  const columns = columnNames(table);
  const declared = new Set(declaredPii.map((c) => c.toLowerCase()));
  const present = new Set(columns.map((c) => c.toLowerCase()));
  const missing = declaredPii.filter((c) => !present.has(c.toLowerCase()));

  const assigned = await lakeFormation.send(new GetResourceLFTagsCommand({
    Resource: { Table: { DatabaseName: databaseName, Name: name } }, ShowAssignedLFTags: true,
  }));
  const current = new Map((assigned.LFTagsOnColumns ?? []).map((c) => [(c.Name ?? '').toLowerCase(), sensitivityOf(c.LFTags)]));
  const wanted = (column: string) => (declared.has(column.toLowerCase()) ? SENSITIVITIES.pii : SENSITIVITIES.general);
  const toTag = (value: string) => columns.filter((c) => wanted(c) === value && current.get(c.toLowerCase()) !== value);

  const piiColumnsTagged = toTag(SENSITIVITIES.pii);
  if (piiColumnsTagged.length > 0) await addSensitivity(lakeFormation, databaseName, name, piiColumnsTagged, SENSITIVITIES.pii);
  const generalColumnsTagged = toTag(SENSITIVITIES.general);
  if (generalColumnsTagged.length > 0) await addSensitivity(lakeFormation, databaseName, name, generalColumnsTagged, SENSITIVITIES.general);
  return { table: `${databaseName}.${name}`, piiColumnsTagged, generalColumnsTagged, missingPiiColumns: missing };
}

function sensitivityOf(tags: readonly LFTagPair[] | undefined): string | undefined {
  return tags?.find((t) => t.TagKey === SENSITIVITY_TAG)?.TagValues?.[0];
}

/** AddLFTagsToResource reports per-tag failures in its answer, not as an error: those are turned into one. */
async function addSensitivity(
  lakeFormation: LakeFormationClient, databaseName: string, name: string, columns: readonly string[], value: string,
): Promise<void> {
  const tags = [{ TagKey: SENSITIVITY_TAG, TagValues: [value] }];
  const resource: Resource = { TableWithColumns: { DatabaseName: databaseName, Name: name, ColumnNames: [...columns] } };
  const answer = await lakeFormation.send(new AddLFTagsToResourceCommand({ Resource: resource, LFTags: tags }));
  const failures = answer.Failures ?? [];
  if (failures.length > 0) {
    const reasons = failures.map((f) => `${f.Error?.ErrorCode ?? 'error'}: ${f.Error?.ErrorMessage ?? 'no message'}`).join('; ');
    throw new Error(`tagging columns ${columns.join(', ')} of ${databaseName}.${name} ${SENSITIVITY_TAG}=${value} failed: ${reasons}`);
  }
}
