import { ChangeSource, SqlDialect, columnList, qualifiedName, quoteWith } from './dialect';
import { ColumnDefinition, ColumnType, CurationPlan, INTERNAL_COLUMNS, ParsedColumnType, TableRef, columnTypeOf } from '../plan';

/** The view the local runner stages a batch's raw changes in (with file and row order columns). */
export const STAGED_CHANGES_VIEW = '_curation_changes';

/** Options of the DuckDB dialect. */
export interface DuckDbDialectProps {
  /**
   * The DuckDB database (catalog) holding the curated schemas. Set it when a schema could be
   * confused with a catalog: DuckDB names a database file's catalog after the file.
   * @default the connection's current database
   */
  readonly catalog?: string;
}

/**
 * DuckDB, for the local engine: the curated table is a plain DuckDB table in the curated
 * database's schema. Iceberg partitioning and table properties do not apply locally.
 */
export class DuckDbDialect implements SqlDialect {
  readonly name = 'duckdb' as const;
  /** The attached database the curated schemas live in; undefined: the current one. */
  readonly catalog?: string;

  constructor(props: DuckDbDialectProps = {}) {
    this.catalog = props.catalog;
  }

  quote(identifier: string): string {
    return quoteWith('"', identifier);
  }

  curatedTableName(table: TableRef): string {
    const name = qualifiedName(table, (n) => this.quote(n));
    return this.catalog === undefined ? name : `${this.quote(this.catalog)}.${name}`;
  }

  rawTableName(table: TableRef): string {
    return qualifiedName(table, (n) => this.quote(n));
  }

  castToTimestamp(expression: string): string {
    return `CAST(${expression} AS TIMESTAMP)`;
  }

  createDatabase(database: string): string {
    return `CREATE SCHEMA IF NOT EXISTS ${this.catalog === undefined ? '' : `${this.quote(this.catalog)}.`}${this.quote(database)}`;
  }

  createTable(plan: CurationPlan): string {
    return [`CREATE TABLE IF NOT EXISTS ${this.curatedTableName(plan.curated)} (`, columnList(plan, (n) => this.quote(n), duckDbType), ')'].join('\n');
  }

  addColumn(plan: CurationPlan, column: ColumnDefinition): string {
    return `ALTER TABLE ${this.curatedTableName(plan.curated)} ADD COLUMN ${this.quote(column.name)} ${duckDbType(column.type)}`;
  }

  widenColumn(plan: CurationPlan, column: ColumnDefinition): string {
    return `ALTER TABLE ${this.curatedTableName(plan.curated)} ALTER COLUMN ${this.quote(column.name)} TYPE ${duckDbType(column.type)}`;
  }

  maintenance(): string[] {
    return ['CHECKPOINT'];
  }

  /** The runner's staged view: file order and row-in-file columns computed from the apply order. */
  defaultChangeSource(): ChangeSource {
    return {
      relation: STAGED_CHANGES_VIEW,
      fileOrder: [`c.${this.quote(INTERNAL_COLUMNS.fileOrder)}`, `c.${this.quote(INTERNAL_COLUMNS.rowInFile)}`],
    };
  }
}

/** DuckDB type names. */
export function duckDbType(type: ColumnType): string {
  const parsed = columnTypeOf(type);
  const names: Record<Exclude<ParsedColumnType['kind'], 'decimal'>, string> = {
    boolean: 'BOOLEAN',
    int: 'INTEGER',
    bigint: 'BIGINT',
    float: 'FLOAT',
    double: 'DOUBLE',
    string: 'VARCHAR',
    binary: 'BLOB',
    date: 'DATE',
    timestamp: 'TIMESTAMP',
  };
  return parsed.kind === 'decimal' ? `DECIMAL(${parsed.precision},${parsed.scale})` : names[parsed.kind];
}

/**
 * The plan type of a DuckDB type as DESCRIBE reports it (Parquet physical types included:
 * SMALLINT→int, TIMESTAMP_MS→timestamp); `undefined` for types the curated table cannot hold.
 */
export function columnTypeFromDuckDb(duckDbTypeName: string): ColumnType | undefined {
  const t = duckDbTypeName.trim().toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
  if (decimal) return `decimal(${Number(decimal[1])},${Number(decimal[2])})`;
  const map: Record<string, ColumnType> = {
    'BOOLEAN': 'boolean',
    'TINYINT': 'int',
    'SMALLINT': 'int',
    'INTEGER': 'int',
    'UTINYINT': 'int',
    'USMALLINT': 'int',
    'BIGINT': 'bigint',
    'UINTEGER': 'bigint',
    // Parquet UINT_64 (DMS's UINT8, a MySQL bigint unsigned): only a decimal holds all of it
    'UBIGINT': 'decimal(20,0)',
    'FLOAT': 'float',
    'DOUBLE': 'double',
    'VARCHAR': 'string',
    'BLOB': 'binary',
    'DATE': 'date',
    'TIMESTAMP': 'timestamp',
    'TIMESTAMP_MS': 'timestamp',
    'TIMESTAMP_NS': 'timestamp',
    'TIMESTAMP_S': 'timestamp',
    'TIMESTAMP WITH TIME ZONE': 'timestamp',
  };
  return map[t];
}
