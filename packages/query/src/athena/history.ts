/** A table named on the command line (`table` or `db.table`) that is not a plain Glue name. */
export class TableNameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableNameError';
  }
}

const GLUE_NAME = /^[A-Za-z0-9_]+$/;

/** `"db"."table"` from `db.table`, or from `table` and the default database; Glue names are lower case. */
export function qualifiedTable(table: string, database?: string): { readonly database: string; readonly table: string } {
  const parts = table.trim().split('.');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw new TableNameError(`${JSON.stringify(table)} is not a table name; give TABLE or DATABASE.TABLE, e.g. curated_orders.items`);
  }
  const [db, name] = parts.length === 2 ? parts : [database, parts[0]];
  if (db === undefined || db.trim() === '') {
    throw new TableNameError(`no database for ${JSON.stringify(table)}; give it as DATABASE.TABLE or add --database DATABASE`);
  }
  for (const part of [db, name]) {
    if (!GLUE_NAME.test(part)) {
      throw new TableNameError(`${JSON.stringify(part)} is not a Glue name (letters, digits and _ only); check the table name`);
    }
  }
  return { database: db.toLowerCase(), table: name.toLowerCase() };
}

/** The snapshots of an Iceberg table, oldest first, from its `$snapshots` metadata table. */
export function snapshotHistorySql(table: string, database?: string): string {
  const target = qualifiedTable(table, database);
  return `SELECT committed_at, snapshot_id, parent_id, operation, summary FROM "${target.database}"."${target.table}$snapshots" ORDER BY committed_at`;
}
