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
  /** Declared PII columns the table does not have (reported, not an error: the column may come later). */
  readonly missingPiiColumns: readonly string[];
  /** Whether the table was tagged `general` now (false: it already was). */
  readonly tableTagged: boolean;
}

/**
 * Classifies one curated table: its declared PII columns get sensitivity `pii` (column level) FIRST, then the table
 * gets `general`, so no moment exists in which a PII column is readable as `general`. Idempotent: tags already
 * assigned are read first and not written again. Columns are matched case-insensitively (the catalog lowercases).
 */
export async function classifyTable(lakeFormation: LakeFormationClient, table: Table, declaredPii: readonly string[]): Promise<Classification> {
  const databaseName = table.DatabaseName!;
  const name = table.Name!;
  const byLowerName = new Map(columnNames(table).map((c) => [c.toLowerCase(), c]));
  const present = declaredPii.flatMap((c) => (byLowerName.has(c.toLowerCase()) ? [byLowerName.get(c.toLowerCase())!] : []));
  const missing = declaredPii.filter((c) => !byLowerName.has(c.toLowerCase()));

  const assigned = await lakeFormation.send(new GetResourceLFTagsCommand({
    Resource: { Table: { DatabaseName: databaseName, Name: name } }, ShowAssignedLFTags: true,
  }));
  const alreadyPii = new Set((assigned.LFTagsOnColumns ?? [])
    .filter((c) => sensitivityOf(c.LFTags) === SENSITIVITIES.pii)
    .map((c) => (c.Name ?? '').toLowerCase()));
  const piiColumnsTagged = present.filter((c) => !alreadyPii.has(c.toLowerCase()));
  if (piiColumnsTagged.length > 0) {
    const columns = { DatabaseName: databaseName, Name: name, ColumnNames: piiColumnsTagged };
    await addSensitivity(lakeFormation, { TableWithColumns: columns }, SENSITIVITIES.pii);
  }
  const tableTagged = sensitivityOf(assigned.LFTagsOnTable) !== SENSITIVITIES.general;
  if (tableTagged) {
    await addSensitivity(lakeFormation, { Table: { DatabaseName: databaseName, Name: name } }, SENSITIVITIES.general);
  }
  return { table: `${databaseName}.${name}`, piiColumnsTagged, missingPiiColumns: missing, tableTagged };
}

function sensitivityOf(tags: readonly LFTagPair[] | undefined): string | undefined {
  return tags?.find((t) => t.TagKey === SENSITIVITY_TAG)?.TagValues?.[0];
}

/** AddLFTagsToResource reports per-tag failures in its answer, not as an error: those are turned into one. */
async function addSensitivity(lakeFormation: LakeFormationClient, resource: Resource, value: string): Promise<void> {
  const tags = [{ TagKey: SENSITIVITY_TAG, TagValues: [value] }];
  const answer = await lakeFormation.send(new AddLFTagsToResourceCommand({ Resource: resource, LFTags: tags }));
  const failures = answer.Failures ?? [];
  if (failures.length > 0) {
    const reasons = failures.map((f) => `${f.Error?.ErrorCode ?? 'error'}: ${f.Error?.ErrorMessage ?? 'no message'}`).join('; ');
    throw new Error(`tagging ${describe(resource)} ${SENSITIVITY_TAG}=${value} failed: ${reasons}`);
  }
}

function describe(resource: Resource): string {
  if (resource.TableWithColumns) {
    const t = resource.TableWithColumns;
    return `columns ${(t.ColumnNames ?? []).join(', ')} of ${t.DatabaseName}.${t.Name}`;
  }
  return `table ${resource.Table?.DatabaseName}.${resource.Table?.Name}`;
}
