import { GetTablesCommand, GlueClient, Table } from '@aws-sdk/client-glue';

/** Every table of `databaseName`, page by page (GetTables returns at most one page per call). */
export async function* tablesOf(glue: GlueClient, databaseName: string): AsyncIterable<Table> {
  let nextToken: string | undefined;
  do {
    const page = await glue.send(new GetTablesCommand({ DatabaseName: databaseName, NextToken: nextToken }));
    yield* page.TableList ?? [];
    nextToken = page.NextToken;
  } while (nextToken);
}

/** The names of a table's columns and partition keys, as the catalog spells them. */
export function columnNames(table: Table): string[] {
  return [...(table.StorageDescriptor?.Columns ?? []), ...(table.PartitionKeys ?? [])].flatMap((c) => (c.Name ? [c.Name] : []));
}
