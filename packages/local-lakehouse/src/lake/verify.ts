import { SOFT_DELETE_COLUMNS } from '@cdc-lakehouse/curation';
import { DuckDBConnection } from '@duckdb/node-api';
import { Client } from 'pg';
import { RegisteredTable, lakeRows, openLake, registeredTables } from './lake-database';
import { duckIdent } from '../capture/parquet-encoder';
import { LakehouseError, errorMessage } from '../errors';
import { ColumnMetadata, TableMetadata, qualifiedName, quoteIdent, readTableMetadata } from '../source/catalog';
import { connectSource, endQuietly } from '../source/connection';
import { lakeChecksumText, rowText, sourceChecksumText } from '../source/type-mapping';

/** Options of {@link verifyLake}. */
export interface VerifyOptions {
  /** Source database URL. */
  readonly source: string;
  /** The lake file. */
  readonly lakeFile: string;
  /**
   * How many differing keys to name per table.
   * @default 5
   */
  readonly maxDifferingKeys?: number;
}

/**
 * What verify compares with the source, whichever engine curated it: a DuckDB connection in which
 * every curated table is the relation `<database>.<table>` (the DuckDB lake itself, or views over
 * Parquet files an Iceberg warehouse exported), and the registry of curated tables.
 */
export interface CuratedTablesView {
  /** DuckDB connection that can read the curated tables. */
  readonly connection: DuckDBConnection;
  /** The curated tables and the source tables they come from. */
  readonly tables: readonly RegisteredTable[];
  /** Releases the connection (and whatever the view holds). */
  close(): void;
}

/** The comparison of one table. */
export interface TableVerification {
  /** `schema.table` of the source. */
  readonly table: string;
  /** `database.table` in the lake. */
  readonly curated: string;
  /** Rows in the source (`null` when the table could not be read). */
  readonly sourceRows: number | null;
  /** Rows in the lake. */
  readonly lakeRows: number | null;
  /** Order-independent checksums (sum of 60-bit row hashes). */
  readonly sourceChecksum: string | null;
  readonly lakeChecksum: string | null;
  /** True when rows and checksums are equal. */
  readonly match: boolean;
  /** Keys of rows that differ (present on one side only, or with other values), at most `maxDifferingKeys`. */
  readonly differingKeys: readonly string[];
  /** Why the table could not be compared. */
  readonly problem?: string;
}

/**
 * Compares every table the lake holds with the source: row count and an order-independent
 * checksum over all columns, each value rendered the same way on both sides under the DMS type
 * mapping (decimals at their scale, timestamps in UTC to the microsecond, bytea as hex, json as
 * PostgreSQL prints it, booleans as true/false). The source is read in one REPEATABLE READ
 * transaction. For a table that differs, the first differing keys are named.
 */
export async function verifyLake(options: VerifyOptions): Promise<TableVerification[]> {
  const lake = await openLake(options.lakeFile, { readOnly: true });
  let tables: RegisteredTable[];
  try {
    tables = await registeredTables(lake.connection, options.lakeFile);
  } catch (err) {
    lake.close();
    throw err;
  }
  return verifyCuratedTables(options.source, { connection: lake.connection, tables, close: () => lake.close() }, options.maxDifferingKeys);
}

/**
 * Compares every table of `view` with the source (see {@link verifyLake}); closes the view.
 * One implementation serves every curation engine: each engine only provides the view.
 */
export async function verifyCuratedTables(source: string, view: CuratedTablesView, maxDifferingKeys = 5): Promise<TableVerification[]> {
  let client: Client | undefined;
  try {
    client = await connectSource({ url: source, applicationName: 'lakehouse-verify' });
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const results: TableVerification[] = [];
    for (const table of view.tables) {
      results.push(await verifyTable(client, view.connection, table, maxDifferingKeys));
    }
    await client.query('COMMIT');
    return results;
  } finally {
    await endQuietly(client);
    view.close();
  }
}

async function verifyTable(client: Client, lake: DuckDBConnection, table: RegisteredTable, maxKeys: number): Promise<TableVerification> {
  const name = `${table.sourceSchema}.${table.sourceTable}`;
  const curated = `${table.curatedDatabase}.${table.curatedTable}`;
  const failed = (problem: string): TableVerification => ({
    table: name, curated, sourceRows: null, lakeRows: null, sourceChecksum: null, lakeChecksum: null, match: false, differingKeys: [], problem,
  });
  let meta: TableMetadata;
  try {
    await client.query('SAVEPOINT catalog');
    [meta] = await readTableMetadata(client, [`${quoteIdent(table.sourceSchema)}.${quoteIdent(table.sourceTable)}`]);
    await client.query('RELEASE SAVEPOINT catalog');
  } catch (err) {
    await client.query('ROLLBACK TO SAVEPOINT catalog');
    return failed(`cannot read the source table: ${errorMessage(err)}`);
  }
  const lakeTable = `${duckIdent(table.curatedDatabase)}.${duckIdent(table.curatedTable)}`;
  const described = await lakeRows(lake, `DESCRIBE ${lakeTable}`).catch(() => undefined);
  if (!described) return failed(`the lake has no table ${curated}`);
  const lakeTypes = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const missing = meta.columns.filter((c) => !lakeTypes.has(c.name)).map((c) => c.name);
  if (missing.length > 0) return failed(`the lake table ${curated} lacks source column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
  // soft deletes keep tombstones, which the source no longer has
  const deleted = SOFT_DELETE_COLUMNS.deleted;
  const lakeFilter = lakeTypes.has(deleted) ? ` WHERE NOT COALESCE(${duckIdent(deleted)}, false)` : '';
  const relation = qualifiedName(meta.source.schema, meta.source.table);
  const sourceRow = rowText(meta.columns.map((c) => sourceChecksumText(c, quoteIdent(c.name))));
  const lakeRow = rowText(meta.columns.map((c) => lakeChecksumText(lakeTypes.get(c.name)!, duckIdent(c.name))));
  const source = (await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*)::text AS rows, COALESCE(sum(('x' || substr(md5(${sourceRow}), 1, 15))::bit(60)::int8), 0)::text AS checksum FROM ${relation}`)).rows[0];
  const inLake = (await lakeRows(lake,
    `SELECT count(*) AS rows, CAST(COALESCE(sum(CAST('0x' || substr(md5(${lakeRow}), 1, 15) AS BIGINT)), 0) AS VARCHAR) AS checksum FROM ${lakeTable}${lakeFilter}`))[0];
  const result = {
    table: name,
    curated,
    sourceRows: Number(source.rows),
    lakeRows: Number(inLake.rows),
    sourceChecksum: source.checksum,
    lakeChecksum: String(inLake.checksum),
  };
  const match = result.sourceRows === result.lakeRows && result.sourceChecksum === result.lakeChecksum;
  if (match) return { ...result, match, differingKeys: [] };
  const identity = table.rowIdentity.length > 0 ? table.rowIdentity : meta.columns.map((c) => c.name);
  const keyColumns = identity.map((n) => meta.columns.find((c) => c.name === n)).filter((c): c is ColumnMetadata => c !== undefined);
  const differingKeys = await firstDifferingKeys(client, lake, {
    relation, lakeTable, lakeFilter, keyColumns, lakeTypes, sourceRow, lakeRow, maxKeys,
  });
  return { ...result, match, differingKeys };
}

interface KeyDiffProps {
  readonly relation: string;
  readonly lakeTable: string;
  readonly lakeFilter: string;
  readonly keyColumns: readonly ColumnMetadata[];
  readonly lakeTypes: Map<string, string>;
  readonly sourceRow: string;
  readonly lakeRow: string;
  readonly maxKeys: number;
}

/** Hashes every row per key on both sides and names the first keys whose rows differ. */
async function firstDifferingKeys(client: Client, lake: DuckDBConnection, props: KeyDiffProps): Promise<string[]> {
  const sourceKey = rowText(props.keyColumns.map((c) => sourceChecksumText(c, quoteIdent(c.name))));
  const lakeKey = rowText(props.keyColumns.map((c) => lakeChecksumText(props.lakeTypes.get(c.name)!, duckIdent(c.name))));
  const fromSource = await client.query<{ k: string; h: string }>(`SELECT ${sourceKey} AS k, md5(${props.sourceRow}) AS h FROM ${props.relation}`);
  const fromLake = await lakeRows(lake, `SELECT ${lakeKey} AS k, md5(${props.lakeRow}) AS h FROM ${props.lakeTable}${props.lakeFilter}`);
  const counts = new Map<string, number>();
  for (const row of fromSource.rows) counts.set(`${row.k}\u0003${row.h}`, (counts.get(`${row.k}\u0003${row.h}`) ?? 0) + 1);
  for (const row of fromLake) {
    const id = `${String(row.k)}\u0003${String(row.h)}`;
    counts.set(id, (counts.get(id) ?? 0) - 1);
  }
  const keys = new Set<string>();
  for (const [id, count] of counts) {
    if (count !== 0) keys.add(id.slice(0, id.indexOf('\u0003')));
  }
  const names = props.keyColumns.map((c) => c.name);
  return [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).slice(0, props.maxKeys).map((key) => {
    const parts = key.split('\u0001');
    return names.map((n, i) => `${n}=${parts[i] === '\u0002' ? 'NULL' : truncate(parts[i] ?? '')}`).join(', ');
  });
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Renders results as the verification table the CLI prints. */
export function formatVerification(results: readonly TableVerification[]): string {
  const header = ['table', 'source rows', 'lake rows', 'checksum'];
  const rows = results.map((r) => [
    r.table,
    r.sourceRows === null ? '-' : String(r.sourceRows),
    r.lakeRows === null ? '-' : String(r.lakeRows),
    r.problem ? 'ERROR' : r.match ? 'match' : 'MISMATCH',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** One line naming what differs, or undefined when every table matches. */
export function verificationFailure(results: readonly TableVerification[]): string | undefined {
  const bad = results.filter((r) => !r.match);
  if (bad.length === 0) return undefined;
  const parts = bad.map((r) => {
    if (r.problem) return `${r.table}: ${r.problem}`;
    const counts = r.sourceRows === r.lakeRows ? `${r.sourceRows} rows on both sides but different values` : `${r.sourceRows} rows in the source, ${r.lakeRows} in the lake`;
    return `${r.table}: ${counts}${r.differingKeys.length > 0 ? `; first differing keys: ${r.differingKeys.join('; ')}` : ''}`;
  });
  return `verify: ${bad.length} of ${results.length} table${results.length === 1 ? '' : 's'} differ: ${parts.join(' | ')}`;
}

/** Throws when `results` has a mismatch (one line naming the tables and first differing keys). */
export function assertVerified(results: readonly TableVerification[]): void {
  const failure = verificationFailure(results);
  if (failure) throw new LakehouseError(failure);
}
