import { Column, EntityNotFoundException, GetTableCommand, GlueClient, Table, TableInput, UpdateTableCommand } from '@aws-sdk/client-glue';
import type { ColumnDefinition, ColumnType } from '@cdc-lakehouse/curation';
import { formatColumnType, parseColumnType } from './curation-core';

/** A catalog table, or `undefined` when it does not exist. */
export async function getTable(glue: GlueClient, database: string, table: string): Promise<Table | undefined> {
  try {
    return (await glue.send(new GetTableCommand({ DatabaseName: database, Name: table }))).Table;
  } catch (e) {
    if (e instanceof EntityNotFoundException || (e as Error).name === 'EntityNotFoundException') return undefined;
    throw e;
  }
}

/**
 * The data columns of a catalog table (bookkeeping columns left out) with plan types. A type no plan type spells
 * (a hand-edited table) is a one-line error naming the table and column.
 */
export function dataColumns(table: Table, bookkeeping: readonly string[]): ColumnDefinition[] {
  const skip = new Set(bookkeeping.map((n) => n.toLowerCase()));
  const name = `${table.DatabaseName}.${table.Name}`;
  return (table.StorageDescriptor?.Columns ?? [])
    .filter((c) => !skip.has((c.Name ?? '').toLowerCase()))
    .map((c) => {
      const parsed = parseColumnType(c.Type ?? '');
      if (!parsed) {
        throw new Error(`table ${name}: column ${c.Name} has catalog type '${c.Type}', which curation does not handle; `
          + 'set it to boolean, int, bigint, float, double, decimal(p,s), string, binary, date or timestamp');
      }
      return { name: c.Name!, type: formatColumnType(parsed) as ColumnType };
    });
}

/** The TableInput fields UpdateTable accepts, copied from a GetTable result. */
const TABLE_INPUT_FIELDS = [
  'Name', 'Description', 'Owner', 'LastAccessTime', 'LastAnalyzedTime', 'Retention', 'StorageDescriptor', 'PartitionKeys',
  'ViewOriginalText', 'ViewExpandedText', 'TableType', 'Parameters', 'TargetTable', 'ViewDefinition',
] as const;

/** The UpdateTable input that gives `table` these data columns, every other field kept as it is. */
export function withDataColumns(table: Table, bookkeeping: readonly string[], columns: readonly ColumnDefinition[]): TableInput {
  const input: Record<string, unknown> = {};
  for (const field of TABLE_INPUT_FIELDS) {
    if (table[field] !== undefined) input[field] = table[field];
  }
  const keep = new Set(bookkeeping.map((n) => n.toLowerCase()));
  const existing = table.StorageDescriptor?.Columns ?? [];
  const kept: Column[] = existing.filter((c) => keep.has((c.Name ?? '').toLowerCase()));
  const byName = new Map(existing.map((c) => [(c.Name ?? '').toLowerCase(), c]));
  const data: Column[] = columns.map((c) => ({ ...byName.get(c.name.toLowerCase()), Name: c.name.toLowerCase(), Type: c.type }));
  return { ...input, StorageDescriptor: { ...table.StorageDescriptor, Columns: [...kept, ...data] } } as TableInput;
}

/** Updates a table's data columns (optimistic: fails if someone else changed the table since `table` was read). */
export async function updateDataColumns(
  glue: GlueClient, table: Table, bookkeeping: readonly string[], columns: readonly ColumnDefinition[],
): Promise<void> {
  await glue.send(new UpdateTableCommand({
    CatalogId: table.CatalogId,
    DatabaseName: table.DatabaseName!,
    TableInput: withDataColumns(table, bookkeeping, columns),
    VersionId: table.VersionId,
  }));
}
