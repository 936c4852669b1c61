import { DEFAULT_DMS_RAW_FORMAT, DmsRawFormat } from '@cdc-lakehouse/curation';
import { TablePattern, parseTablePattern, selectTables } from '@cdc-lakehouse/source-setup';
import { Client } from 'pg';
import { excludeTables } from './table-exclusion';
import { DmsTypeMapping, ValueKind, dmsTypeMapping } from './type-mapping';
import { LakehouseError, errorMessage } from '../errors';

/** `pg_class.relreplident`, spelled out. */
export type ReplicaIdentity = 'default' | 'full' | 'index' | 'nothing';

/** One column of a source table, with the type DMS writes for it. */
export interface ColumnMetadata extends DmsTypeMapping {
  /** Column name. */
  readonly name: string;
  /** Position in the table (`pg_attribute.attnum`). */
  readonly ordinal: number;
  /** The source type as PostgreSQL spells it (`numeric(12,2)`, `timestamp with time zone`, …). */
  readonly sourceType: string;
  /** Whether the source column allows NULL (raw-file columns are always nullable, as in DMS files). */
  readonly nullable: boolean;
  /** How the value is converted (see ValueKind). */
  readonly kind: ValueKind;
}

/** The metadata capture writes beside a table's raw files as `_table.json` (documented in the README). */
export interface TableMetadata {
  /** Always `lakehouse-table-metadata`. */
  readonly format: 'lakehouse-table-metadata';
  /** Format version of this file. */
  readonly version: 1;
  /** Where the table comes from. */
  readonly source: {
    /** `postgres`, or `mysql` for MySQL and MariaDB (whose `schema` is the database, and `database` too). */
    readonly engine: 'postgres' | 'mysql';
    readonly database: string;
    readonly schema: string;
    readonly table: string;
  };
  /** When capture read the catalog (ISO 8601). */
  readonly capturedAt: string;
  /** Columns in table order. */
  readonly columns: readonly ColumnMetadata[];
  /** Primary-key columns, in key order; empty when the table has none. */
  readonly primaryKey: readonly string[];
  /** The table's replica identity. */
  readonly replicaIdentity: ReplicaIdentity;
  /**
   * The columns that identify a row in the lake: the replica-identity index (REPLICA IDENTITY
   * USING INDEX: what a DELETE carries), else the primary key, else (REPLICA IDENTITY FULL) every column.
   */
  readonly rowIdentity: readonly string[];
  /** Names of the DMS bookkeeping columns in the raw files. */
  readonly rawFormat: DmsRawFormat;
  /**
   * Columns dropped while capturing (older raw files still have them), so a change streamed again
   * after a restart is read with their old types. Absent when none was dropped.
   */
  readonly droppedColumns?: readonly ColumnMetadata[];
}

/** The DMS bookkeeping columns this capture writes. */
export const CAPTURE_RAW_FORMAT: DmsRawFormat = DEFAULT_DMS_RAW_FORMAT;

const REPLICA_IDENTITIES: Record<string, ReplicaIdentity> = { d: 'default', n: 'nothing', f: 'full', i: 'index' };

const TABLES_SQL = `
SELECT c.oid::int8::text AS oid, n.nspname AS schema, c.relname AS table, c.relreplident AS replident,
       has_table_privilege(c.oid, 'SELECT') AS can_select
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND NOT c.relispartition
   AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY n.nspname, c.relname`;

const COLUMNS_SQL = `
SELECT a.attrelid::int8::text AS oid, a.attnum AS ordinal, a.attname AS name, NOT a.attnotnull AS nullable,
       format_type(a.atttypid, a.atttypmod) AS source_type,
       bt.typname AS base_type,
       CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod,
       bt.typcategory AS category
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
  JOIN pg_catalog.pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
 WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attrelid, a.attnum`;

const KEYS_SQL = `
SELECT i.indrelid::int8::text AS oid, i.indisprimary AS is_primary, i.indisreplident AS is_replident,
       array_agg(a.attname::text ORDER BY k.ord) AS columns
  FROM pg_catalog.pg_index i
 CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
  JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
 WHERE i.indrelid = ANY($1::oid[]) AND (i.indisprimary OR i.indisreplident)
 GROUP BY i.indexrelid, i.indrelid, i.indisprimary, i.indisreplident`;

/** `schema.table`, quoted where PostgreSQL needs it. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

/** Quotes an identifier for PostgreSQL (always, doubling inner quotes). */
export function quoteIdent(name: string): string {
  return `"${name.split('"').join('""')}"`;
}

/** `schema.table` for messages. */
export function displayName(table: { schema: string; table: string }): string {
  return `${table.schema}.${table.table}`;
}

/**
 * Reads the metadata of the selected tables from the source catalog. `selectors` are DMS-style
 * `schema.table` patterns with `%` wildcards (a name without schema means `public`); none means
 * every table the database has outside the system schemas.
 *
 * @param options.requireRowIdentity false to accept tables without primary key or REPLICA IDENTITY FULL
 * (`verify` compares them all the same); default true, as capture needs
 * @param options.exclude selectors (`--exclude`) of tables left out after `selectors` picked them
 * @throws LakehouseError when a selector or exclusion matches nothing, no table is selected, the user cannot
 * read a table, or a table has neither a primary key nor a usable replica identity
 */
export async function readTableMetadata(
  client: Client,
  selectors: readonly string[] = [],
  options: { readonly requireRowIdentity?: boolean; readonly exclude?: readonly TablePattern[] } = {},
): Promise<TableMetadata[]> {
  let patterns;
  try {
    patterns = selectors.map((text) => parseTablePattern(text, { defaultSchema: 'public' }));
  } catch (err) {
    throw new LakehouseError(`--tables: ${errorMessage(err)}`, 2);
  }
  const database = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0].db;
  const all = (await client.query<{ oid: string; schema: string; table: string; replident: string; can_select: boolean }>(TABLES_SQL)).rows;
  let rows = all;
  if (patterns.length > 0) {
    const selection = selectTables(patterns, all.map((r) => ({ ...r, name: r.table })));
    if (selection.unmatched.length > 0) {
      throw new LakehouseError(`--tables: ${selection.unmatched.join(', ')} matched no table in database ${JSON.stringify(database)}; `
        + 'write schema.table (with % as a wildcard), e.g. public.orders or public.%');
    }
    rows = selection.selected;
  }
  if (options.exclude && options.exclude.length > 0) {
    const exclusion = excludeTables(rows.map((r) => ({ ...r, name: r.table })), options.exclude);
    if (exclusion.unmatched.length > 0) {
      throw new LakehouseError(`--exclude: ${exclusion.unmatched.join(', ')} matched no ${patterns.length > 0 ? 'table --tables selects' : 'table'} `
        + `in database ${JSON.stringify(database)}; write schema.table (with % as a wildcard), e.g. public.audit_log or staging.%`);
    }
    if (exclusion.kept.length === 0) {
      throw new LakehouseError(`--exclude leaves no table to capture in database ${JSON.stringify(database)}; exclude fewer tables`);
    }
    rows = exclusion.kept;
  }
  if (rows.length === 0) {
    throw new LakehouseError(`database ${JSON.stringify(database)} has no tables to capture; create some, or check the database name in the URL`);
  }
  const unreadable = rows.filter((r) => !r.can_select);
  if (unreadable.length > 0) {
    throw new LakehouseError(`the source user cannot read ${unreadable.map(displayName).join(', ')}; `
      + `GRANT SELECT ON ${unreadable.map((r) => qualifiedName(r.schema, r.table)).join(', ')} TO the capture user`);
  }
  const oids = rows.map((r) => r.oid);
  const columns = (await client.query<{
    oid: string; ordinal: number; name: string; nullable: boolean; source_type: string; base_type: string; typmod: number; category: string;
  }>(COLUMNS_SQL, [oids])).rows;
  const keys = (await client.query<{ oid: string; is_primary: boolean; is_replident: boolean; columns: string[] }>(KEYS_SQL, [oids])).rows;
  const capturedAt = new Date().toISOString();
  // money prints with the fraction digits of the session's lc_monetary (the database's unless overridden)
  const moneyFractionDigits = columns.some((c) => c.base_type === 'money')
    ? Number((await client.query<{ digits: number }>('SELECT scale(0::money::numeric) AS digits')).rows[0].digits)
    : undefined;
  const tables = rows.map((row): TableMetadata => {
    const tableColumns = columns.filter((c) => c.oid === row.oid).map((c): ColumnMetadata => ({
      name: c.name,
      ordinal: c.ordinal,
      sourceType: c.source_type,
      nullable: c.nullable,
      ...dmsTypeMapping(c.base_type, c.typmod, c.category),
      ...(c.base_type === 'money' ? { moneyFractionDigits } : {}),
    }));
    const primaryKey = keys.find((k) => k.oid === row.oid && k.is_primary)?.columns ?? [];
    const replicaIdentity = REPLICA_IDENTITIES[row.replident] ?? 'default';
    const identityIndex = keys.find((k) => k.oid === row.oid && k.is_replident)?.columns ?? [];
    let rowIdentity: readonly string[] = [];
    // REPLICA IDENTITY USING INDEX: a DELETE (and the old key of an UPDATE) carries only the index's columns,
    // so the lake is keyed by them even when a primary key exists (the index is unique on NOT NULL columns)
    if (replicaIdentity === 'index' && identityIndex.length > 0) rowIdentity = identityIndex;
    else if (primaryKey.length > 0) rowIdentity = primaryKey;
    else if (replicaIdentity === 'full') rowIdentity = tableColumns.map((c) => c.name);
    return {
      format: 'lakehouse-table-metadata',
      version: 1,
      source: { engine: 'postgres', database, schema: row.schema, table: row.table },
      capturedAt,
      columns: tableColumns,
      primaryKey,
      replicaIdentity,
      rowIdentity,
      rawFormat: CAPTURE_RAW_FORMAT,
    };
  });
  const unidentified = tables.filter((t) => t.rowIdentity.length === 0 || t.replicaIdentity === 'nothing');
  if (unidentified.length > 0 && options.requireRowIdentity !== false) {
    const names = unidentified.map((t) => displayName(t.source));
    const fix = unidentified.map((t) => `ALTER TABLE ${qualifiedName(t.source.schema, t.source.table)} REPLICA IDENTITY FULL;`).join(' ');
    throw new LakehouseError(`${names.length === 1 ? 'table' : 'tables'} ${names.join(', ')} `
      + `${names.length === 1 ? 'has' : 'have'} neither a primary key nor REPLICA IDENTITY FULL, so ${names.length === 1 ? 'its' : 'their'} updates and deletes cannot be captured; `
      + `add a primary key or run: ${fix} (or leave them out with --exclude)`);
  }
  const empty = tables.filter((t) => t.columns.length === 0);
  if (empty.length > 0) {
    throw new LakehouseError(`${empty.map((t) => displayName(t.source)).join(', ')} has no columns; add columns or leave it out with --tables`);
  }
  return tables;
}

/** Checks a table metadata file read from disk; throws a one-line error naming the file. */
export function validateTableMetadata(value: unknown, file: string): TableMetadata {
  const meta = value as Partial<TableMetadata> | undefined;
  const ok = meta !== null && typeof meta === 'object'
    && meta.format === 'lakehouse-table-metadata'
    && meta.version === 1
    && typeof meta.source?.schema === 'string'
    && typeof meta.source?.table === 'string'
    && Array.isArray(meta.columns) && meta.columns.length > 0
    && meta.columns.every((c) => typeof c?.name === 'string' && typeof c?.type === 'string' && typeof c?.kind === 'string')
    && Array.isArray(meta.rowIdentity) && Array.isArray(meta.primaryKey);
  if (!ok) {
    throw new LakehouseError(`${file}: not a table metadata file of version 1 (format "lakehouse-table-metadata"); `
      + 'it is written by `lakehouse local capture`; remove it or capture again');
  }
  return meta as TableMetadata;
}
