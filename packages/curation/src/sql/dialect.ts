import { ColumnDefinition, ColumnType, CurationPlan, PartitionField, TableRef } from '../plan';

/** The engines SQL is generated for. */
export type DialectName = 'athena' | 'spark' | 'duckdb';

/**
 * Where the raw changes of one MERGE come from. The relation is aliased `c` in the generated
 * SQL, so expressions may refer to `c.<column>`.
 */
export interface ChangeSource {
  /** A table name or a parenthesised query holding raw DMS rows. */
  readonly relation: string;
  /**
   * Expressions that order the files (and rows within a file, where the engine knows them):
   * larger is later. Each is compared descending after change sequence and commit timestamp.
   */
  readonly fileOrder: readonly string[];
  /**
   * A predicate restricting the rows read, e.g. to files after a watermark (Athena `"$path"`).
   * @default none: every row of the relation
   */
  readonly filter?: string;
}

/**
 * What differs between engines: quoting, type names, DDL, partition transforms, table names,
 * maintenance, and where a MERGE reads its changes from by default. Everything else (the dedup
 * SELECT and the MERGE itself) is generated once, in {@link CurationSql}.
 */
export interface SqlDialect {
  /** Engine name. */
  readonly name: DialectName;
  /** Quotes an identifier for DML (SELECT / MERGE / INSERT). */
  quote(identifier: string): string;
  /** The curated table's name in DML and maintenance statements. */
  curatedTableName(table: TableRef): string;
  /** A raw (non-Iceberg) catalog table's name in DML. */
  rawTableName(table: TableRef): string;
  /** Casts a `yyyy-MM-dd HH:mm:ss.SSSSSS` string expression to a microsecond timestamp. */
  castToTimestamp(expression: string): string;
  /** Creates the curated table's database / namespace / schema if missing. */
  createDatabase(database: string): string;
  /** CREATE TABLE for the curated table, with partition spec and table properties where the engine has them. */
  createTable(plan: CurationPlan): string;
  /** Adds a nullable column to the curated table. */
  addColumn(plan: CurationPlan, column: ColumnDefinition): string;
  /** Changes a column to a wider type (int→bigint, float→double, decimal precision up). */
  widenColumn(plan: CurationPlan, column: ColumnDefinition): string;
  /**
   * Compaction and snapshot expiry, in the order to run them. Where the engine computes the
   * expiry cut-off itself at run time (Athena VACUUM, Iceberg's expire_snapshots) `now` is unused.
   */
  maintenance(plan: CurationPlan, now: Date): string[];
  /** Where the MERGE reads changes when the caller does not say. */
  defaultChangeSource(plan: CurationPlan): ChangeSource;
}

/** Wraps an identifier in `quote`, doubling the quote character inside it. */
export function quoteWith(quote: string, identifier: string): string {
  return `${quote}${identifier.split(quote).join(quote + quote)}${quote}`;
}

/** `database.table` with both parts quoted by `quote` (names such as `order` or `group` are reserved words). */
export function qualifiedName(table: TableRef, quote: (identifier: string) => string): string {
  return `${quote(table.database)}.${quote(table.table)}`;
}

/** A single-quoted SQL string literal. */
export function stringLiteral(value: string): string {
  return `'${value.split('\'').join('\'\'')}'`;
}

/** `name type` lines of a CREATE TABLE column list. */
export function columnList(plan: CurationPlan, quote: (name: string) => string, type: (t: ColumnType) => string): string {
  return plan.curatedColumns.map((c) => `  ${quote(c.name)} ${type(c.type)}`).join(',\n');
}

/** `'key' = 'value'` lines of a TBLPROPERTIES clause. */
export function propertyList(properties: Readonly<Record<string, string>>): string {
  return Object.entries(properties).map(([k, v]) => `  ${stringLiteral(k)} = ${stringLiteral(v)}`).join(',\n');
}

/** Renders a partition field with per-engine names for the time transforms. */
export function partitionTransform(
  field: PartitionField, quote: (name: string) => string, timeNames: Record<'year' | 'month' | 'day' | 'hour', string>,
): string {
  const column = quote(field.column);
  switch (field.transform) {
    case 'identity':
      return column;
    case 'bucket':
      return `bucket(${field.buckets}, ${column})`;
    case 'truncate':
      return `truncate(${field.width}, ${column})`;
    default:
      return `${timeNames[field.transform]}(${column})`;
  }
}

/**
 * File order derived from a file path expression: LOAD files before CDC files, then by file
 * name (CDC names carry the time they were written, so date folders need not be parsed).
 */
export function fileOrderFromPath(pathExpression: string): string[] {
  const name = `element_at(split(${pathExpression}, '/'), -1)`;
  return [`CASE WHEN ${name} LIKE 'LOAD%' THEN 0 ELSE 1 END`, name];
}

/** Throws when a plan has no raw table to read from. */
export function requireRawTable(plan: CurationPlan, dialect: DialectName): TableRef {
  if (!plan.source.rawTable) {
    throw new Error(`curation plan ${plan.description}: source.rawTable is not set, so the ${dialect} MERGE has nothing to read; `
      + 'set source.rawTable to the catalog table over the raw files, or pass a ChangeSource to the generator');
  }
  return plan.source.rawTable;
}
