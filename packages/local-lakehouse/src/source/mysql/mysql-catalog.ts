import { TablePattern, parseTablePattern, selectTables } from '@cdc-lakehouse/source-setup';
import type { Connection, RowDataPacket } from 'mysql2/promise';
import { MysqlTypeMapping, mysqlTypeMapping } from './mysql-type-mapping';
import { LakehouseError, errorMessage } from '../../errors';
import { CAPTURE_RAW_FORMAT, ColumnMetadata, TableMetadata, displayName } from '../catalog';
import { excludeTables } from '../table-exclusion';

/** A column of a MySQL table: the DMS mapping plus how its values are rendered (see MysqlTypeMapping). */
export type MysqlColumnMetadata = ColumnMetadata & Pick<MysqlTypeMapping, 'render' | 'scale'>;

/** `_table.json` of a MySQL/MariaDB table: `source.schema` (and `source.database`) is the MySQL database. */
export interface MysqlTableMetadata extends TableMetadata {
  readonly columns: readonly MysqlColumnMetadata[];
  readonly droppedColumns?: readonly MysqlColumnMetadata[];
}

const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'];

/** Quotes a MySQL identifier. */
export function quoteMysqlIdent(name: string): string {
  return `\`${name.split('`').join('``')}\``;
}

/** `db`.`table`. */
export function mysqlQualifiedName(schema: string, table: string): string {
  return `${quoteMysqlIdent(schema)}.${quoteMysqlIdent(table)}`;
}

/** Parses `--tables`/`--exclude` selectors for MySQL: a name without a database means the URL's database. */
export function parseMysqlSelectors(option: string, selectors: readonly string[], database: string | undefined): TablePattern[] {
  try {
    return selectors.map((text) => parseTablePattern(text, { defaultSchema: database }));
  } catch (err) {
    throw new LakehouseError(`${option}: ${errorMessage(err)}`, 2);
  }
}

/**
 * Reads the metadata of the selected tables of a MySQL/MariaDB server from information_schema. Without selectors, every table
 * of the URL's database (of every non-system database when the URL names none).
 * @throws LakehouseError when a selector matches nothing, no table is selected, or a table has no primary key (capture needs one
 * to apply updates and deletes: a one-line error with the fix)
 */
export async function readMysqlTableMetadata(
  db: Connection,
  selectors: readonly string[],
  options: { readonly exclude?: readonly string[]; readonly database?: string; readonly requirePrimaryKey?: boolean } = {},
): Promise<MysqlTableMetadata[]> {
  const patterns = parseMysqlSelectors('--tables', selectors, options.database);
  const [tableRows] = await db.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t FROM information_schema.TABLES
      WHERE TABLE_TYPE = 'BASE TABLE' AND TABLE_SCHEMA NOT IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME`, [SYSTEM_DATABASES]);
  const all = tableRows.map((r) => ({ schema: String(r.s), name: String(r.t) }));
  let rows = patterns.length > 0 ? [] : all.filter((r) => options.database === undefined || r.schema === options.database);
  const where = options.database === undefined ? 'the server' : `database ${JSON.stringify(options.database)}`;
  if (patterns.length > 0) {
    const selection = selectTables(patterns, all);
    if (selection.unmatched.length > 0) {
      throw new LakehouseError(`--tables: ${selection.unmatched.join(', ')} matched no table on the server; `
        + 'write database.table (with % as a wildcard), e.g. shop.orders or shop.%');
    }
    rows = selection.selected;
  }
  const exclude = parseMysqlSelectors('--exclude', options.exclude ?? [], options.database);
  if (exclude.length > 0) {
    const exclusion = excludeTables(rows, exclude);
    if (exclusion.unmatched.length > 0) {
      throw new LakehouseError(`--exclude: ${exclusion.unmatched.join(', ')} matched no table to capture; write database.table, e.g. shop.audit_log`);
    }
    rows = exclusion.kept;
  }
  if (rows.length === 0) {
    throw new LakehouseError(`${where} has no tables to capture; create some, or check the database name in the URL`);
  }
  const wanted = new Set(rows.map((r) => `${r.schema}\u0000${r.name}`));
  const schemas = [...new Set(rows.map((r) => r.schema))];
  const [columnRows] = await db.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS name, ORDINAL_POSITION AS ordinal, IS_NULLABLE AS nullable,
            LOWER(DATA_TYPE) AS data_type, LOWER(COLUMN_TYPE) AS column_type, NUMERIC_PRECISION AS prec, NUMERIC_SCALE AS scale
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN (?) ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`, [schemas]);
  const [keyRows] = await db.query<RowDataPacket[]>(
    `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS name FROM information_schema.KEY_COLUMN_USAGE
      WHERE TABLE_SCHEMA IN (?) AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`, [schemas]);
  const capturedAt = new Date().toISOString();
  const tables = rows.filter((r) => wanted.has(`${r.schema}\u0000${r.name}`)).map((row): MysqlTableMetadata => {
    const columns = columnRows.filter((c) => c.s === row.schema && c.t === row.name).map((c): MysqlColumnMetadata => ({
      name: String(c.name),
      ordinal: Number(c.ordinal),
      sourceType: String(c.column_type),
      nullable: c.nullable === 'YES',
      ...mysqlTypeMapping({
        dataType: String(c.data_type),
        columnType: String(c.column_type),
        precision: c.prec === null ? null : Number(c.prec),
        scale: c.scale === null ? null : Number(c.scale),
      }),
    }));
    const primaryKey = keyRows.filter((k) => k.s === row.schema && k.t === row.name).map((k) => String(k.name));
    return {
      format: 'lakehouse-table-metadata',
      version: 1,
      source: { engine: 'mysql', database: row.schema, schema: row.schema, table: row.name },
      capturedAt,
      columns,
      primaryKey,
      replicaIdentity: 'default',
      rowIdentity: primaryKey,
      rawFormat: CAPTURE_RAW_FORMAT,
    };
  });
  const keyless = tables.filter((t) => t.primaryKey.length === 0);
  if (keyless.length > 0 && options.requirePrimaryKey !== false) {
    const names = keyless.map((t) => displayName(t.source));
    throw new LakehouseError(`${names.length === 1 ? 'table' : 'tables'} ${names.join(', ')} ${names.length === 1 ? 'has' : 'have'} no primary key, `
      + `so ${names.length === 1 ? 'its' : 'their'} updates and deletes cannot be applied in the lake; add one `
      + `(ALTER TABLE ${mysqlQualifiedName(keyless[0].source.schema, keyless[0].source.table)} ADD PRIMARY KEY (…)) or leave `
      + `${names.length === 1 ? 'it' : 'them'} out with --exclude`);
  }
  return tables;
}
