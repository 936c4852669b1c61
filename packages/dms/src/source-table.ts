/**
 * A schema and table name pattern, as DMS table mappings match them.
 *
 * `%` is DMS's wildcard (any run of characters); otherwise use letters, digits, `_` and `$`.
 * For MySQL, MariaDB and Aurora MySQL the "schema" is the database name.
 */
export interface TableSelector {
  /** Schema name or pattern, e.g. `public`, `sales_%`, `%`. */
  readonly schema: string;
  /** Table name or pattern, e.g. `orders`, `order_%`, `%`. */
  readonly table: string;
}

/** A source table (or a pattern of tables) to replicate into the raw zone. */
export interface SourceTable extends TableSelector {
  /**
   * Primary-key columns of the table, in key order.
   *
   * DMS itself does not use this for an S3 target (it writes every change as a row); it is carried so
   * that the curation of this table can be generated from the same declaration, and it is the place
   * to name a key for a table that has none at the source (DMS then needs `REPLICA IDENTITY FULL` on
   * PostgreSQL to see its UPDATEs and DELETEs). Only allowed on an exact table name, not a pattern.
   *
   * @default - the table's own primary key, looked up by whoever curates the table
   */
  readonly primaryKey?: string[];
}
