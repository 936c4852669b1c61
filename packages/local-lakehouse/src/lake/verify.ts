import { DEFAULT_DMS_RAW_FORMAT, SOFT_DELETE_COLUMNS } from '@cdc-lakehouse/curation';
import { TablePattern, selectTables } from '@cdc-lakehouse/source-setup';
import { DuckDBConnection, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { RegisteredTable, lakeRows, openLake, registeredTables } from './lake-database';
import {
  COLUMN_SEPARATOR, RowTally, describeKey, differingColumnsByKey, differingColumnsOfRows,
} from './verify-diff';
import { TableVerification, VerifyStatus, droppedColumnsSentence } from './verify-report';
import { wideRowText } from './verify-row-text';
import { selectCuratedTables } from './verify-selection';
import { openVerifySource } from './verify-source/open-verify-source';
import { VerifySource } from './verify-source/verify-source';
import { duckIdent } from '../capture/parquet-encoder';
import { ProgressReporter, SILENT_PROGRESS } from '../cli/progress';
import { LakehouseError, errorMessage } from '../errors';
import { TableMetadata } from '../source/catalog';
import { lakeChecksumText } from '../source/type-mapping';

export * from './verify-report';
export * from './verify-selection';

/** Options of {@link verifyLake}. */
export interface VerifyOptions extends VerifyTablesOptions {
  /** Source database URL. */
  readonly source: string;
  /** The lake file. */
  readonly lakeFile: string;
}

/** What to compare and how much to report, for {@link verifyCuratedTables}. */
export interface VerifyTablesOptions {
  /**
   * How many differing keys (and duplicated rows) to name per table.
   * @default 5
   */
  readonly maxDifferingKeys?: number;
  /**
   * `schema.table` selectors of the source tables to compare, `%` as a wildcard, as capture's `--tables` takes them
   * (a name without schema means `public`, or the database a MySQL URL names).
   * @default every curated table
   */
  readonly tables?: readonly string[];
  /**
   * `schema.table` selectors of source tables left out after `tables` selected them (`--exclude`); a selector
   * that matches no curated table excludes nothing.
   * @default none
   */
  readonly exclude?: readonly string[];
  /**
   * Told which table is being compared (`verify: 3/12 tables, shop.orders`).
   * @default silent
   */
  readonly progress?: ProgressReporter;
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

/** Changed rows whose columns are compared one by one, at most. */
const COLUMN_SAMPLE_KEYS = 10_000;

/**
 * Compares every table the lake holds with the source: row count and an order-independent
 * checksum over all columns, each value rendered the same way on both sides under the DMS type
 * mapping (decimals at their scale, timestamps in UTC to the microsecond, bytea as hex, json as
 * PostgreSQL prints it, booleans as true/false, ±infinity and NaN as capture converts them; for a MySQL/MariaDB source
 * under the MySQL capture's mapping). The source is read in one snapshot (PostgreSQL: REPEATABLE READ; MySQL: START
 * TRANSACTION WITH CONSISTENT SNAPSHOT), by the engine's VerifySource. For a table that differs, the differing columns,
 * the rows on one side only, the duplicated rows and the first differing keys are named.
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
  return verifyCuratedTables(options.source, { connection: lake.connection, tables, close: () => lake.close() }, options);
}

/**
 * Compares the tables of `view` with the source (see {@link verifyLake}); closes the view.
 * One implementation serves every curation engine: each engine only provides the view.
 *
 * @param options `maxDifferingKeys` alone (a number), or the options
 * @throws LakehouseError when it cannot run: the source is unreachable, or a `tables` selector matches
 * neither a curated table nor a source table (exit code 2)
 */
export async function verifyCuratedTables(
  sourceUrl: string, view: CuratedTablesView, options: number | VerifyTablesOptions = {},
): Promise<TableVerification[]> {
  const { maxDifferingKeys = 5, tables: selectors, exclude, progress = SILENT_PROGRESS }: VerifyTablesOptions = typeof options === 'number'
    ? { maxDifferingKeys: options } : options;
  let source: VerifySource | undefined;
  try {
    source = await openVerifySource(sourceUrl, view.connection);
    const { tables, unmatched } = selectCuratedTables(view.tables, selectors, exclude, source.defaultSchema);
    await source.begin();
    const results: TableVerification[] = [];
    if (unmatched.length > 0) results.push(...await notCurated(source, unmatched, view.tables));
    // DuckDB names a lake file's catalog after the file: lake.duckdb's is "lake". A schema of the same name (shop.duckdb
    // holding shop.orders) makes `shop.orders` ambiguous, so the lake's tables are named with their catalog.
    const catalog = String((await lakeRows(view.connection, 'SELECT current_database() AS catalog'))[0].catalog);
    for (const [index, table] of tables.entries()) {
      progress.status(`verify: ${index + 1}/${tables.length} tables, ${table.sourceSchema}.${table.sourceTable}`);
      try {
        results.push(await source.perTable(() => verifyTable(source!, view.connection, table, maxDifferingKeys, catalog)));
      } catch (err) {
        results.push(failed(table, 'error', `cannot compare it: ${errorMessage(err)}`));
      }
    }
    await source.commit();
    return results.sort((a, b) => a.table.localeCompare(b.table));
  } finally {
    progress.done();
    await source?.close();
    view.close();
  }
}

/** Selectors that match no curated table: source tables they match are `differs` (not in the lake); matching nothing at all cannot run. */
async function notCurated(
  source: VerifySource, patterns: readonly TablePattern[], curated: readonly RegisteredTable[],
): Promise<TableVerification[]> {
  const inSource = await source.listTables();
  const selection = selectTables(patterns, inSource);
  if (selection.unmatched.length > 0) {
    const held = curated.map((t) => `${t.sourceSchema}.${t.sourceTable}`);
    const list = held.length > 10 ? `${held.slice(0, 10).join(', ')}, … (${held.length} in all)` : held.join(', ');
    throw new LakehouseError(`local verify: --tables: ${selection.unmatched.join(', ')} matched neither a curated table nor a source table; `
      + `the lake holds ${list || 'no tables'} (schema.table, % as a wildcard, names are case-sensitive)`, 2);
  }
  return selection.selected.map((t) => unrowed(`${t.schema}.${t.name}`, null, 'differs',
    'the lake has no curated table for it; capture and curate it, or leave it out of --tables'));
}

/** The difference fields of a table without differences (or with none found). */
const NO_DIFFERENCES = {
  differingColumns: [],
  changedRows: 0,
  rowsOnlyInSource: 0,
  rowsOnlyInLake: 0,
  duplicates: [],
  keyIsWholeRow: false,
  differingKeys: [],
  lakeOnlyColumns: [],
} as const satisfies Partial<TableVerification>;

function failed(table: RegisteredTable, status: VerifyStatus, problem: string, lakeOnlyColumns: readonly string[] = []): TableVerification {
  return { ...unrowed(`${table.sourceSchema}.${table.sourceTable}`, `${table.curatedDatabase}.${table.curatedTable}`, status, problem), lakeOnlyColumns };
}

/** A table compared without rows: missing on one side (`differs`), or not comparable (`error`). */
function unrowed(table: string, curated: string | null, status: VerifyStatus, problem: string): TableVerification {
  return {
    table,
    curated,
    status,
    sourceRows: null,
    lakeRows: null,
    sourceChecksum: null,
    lakeChecksum: null,
    match: false,
    ...NO_DIFFERENCES,
    problem,
  };
}

/** Both sides' SQL for one table. */
interface TableSql {
  readonly meta: TableMetadata;
  readonly lakeTable: string;
  /** Condition on lake rows (soft-deleted rows left out). */
  readonly lakeWhere: string;
  readonly sourceTexts: readonly string[];
  readonly lakeTexts: readonly string[];
}

async function verifyTable(
  source: VerifySource, lake: DuckDBConnection, table: RegisteredTable, maxKeys: number, catalog: string,
): Promise<TableVerification> {
  const name = `${table.sourceSchema}.${table.sourceTable}`;
  const curated = `${table.curatedDatabase}.${table.curatedTable}`;
  const found = await source.lookUp(table);
  if (!('meta' in found)) return failed(table, found.status, found.problem);
  const meta = found.meta;
  const lakeTable = `${duckIdent(catalog)}.${duckIdent(table.curatedDatabase)}.${duckIdent(table.curatedTable)}`;
  let described: Record<string, unknown>[];
  try {
    described = await lakeRows(lake, `DESCRIBE ${lakeTable}`);
  } catch (err) {
    return failed(table, 'differs', `the lake has no table ${curated} (${errorMessage(err)})`);
  }
  const lakeTypes = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const missing = meta.columns.filter((c) => !lakeTypes.has(c.name)).map((c) => c.name);
  const lakeOnlyColumns = columnsTheSourceLacks(table, meta, [...lakeTypes.keys()]);
  if (missing.length > 0) {
    const extra = lakeOnlyColumns.length === 0 ? '' : `; ${droppedColumnsSentence(curated, lakeOnlyColumns)}`;
    return failed(table, 'differs', `the lake table ${curated} lacks source column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}${extra}`,
      lakeOnlyColumns);
  }
  // soft deletes keep tombstones, which the source no longer has
  const deleted = SOFT_DELETE_COLUMNS.deleted;
  const columnLakeTypes = meta.columns.map((c) => lakeTypes.get(c.name)!);
  const sourceTexts = await source.columnTexts(meta, columnLakeTypes);
  const lakeTexts = meta.columns.map((c, i) => lakeChecksumText(columnLakeTypes[i], duckIdent(c.name)));
  const sql: TableSql = {
    meta,
    lakeTable,
    lakeWhere: lakeTypes.has(deleted) ? `NOT COALESCE(${duckIdent(deleted)}, false)` : 'true',
    sourceTexts,
    lakeTexts,
  };
  const inSource = await source.countAndChecksum(meta, sourceTexts);
  const inLake = (await lakeRows(lake,
    `SELECT count(*) AS rows, CAST(COALESCE(sum(CAST('0x' || substr(md5(${wideRowText(lakeTexts)}), 1, 15) AS BIGINT)), 0) AS VARCHAR) AS checksum `
    + `FROM ${lakeTable} WHERE ${sql.lakeWhere}`))[0];
  const counts = {
    table: name,
    curated,
    sourceRows: inSource.rows,
    lakeRows: Number(inLake.rows),
    sourceChecksum: inSource.checksum,
    lakeChecksum: String(inLake.checksum),
  };
  const rowsMatch = counts.sourceRows === counts.lakeRows && counts.sourceChecksum === counts.lakeChecksum;
  // a column the source dropped is compared like none: the rows still compare on the source's columns
  if (rowsMatch) {
    const match = lakeOnlyColumns.length === 0;
    return { ...counts, status: match ? 'match' : 'differs', match, ...NO_DIFFERENCES, lakeOnlyColumns };
  }
  return { ...counts, status: 'differs', match: false, ...await explainDifference(source, lake, table, sql, maxKeys), lakeOnlyColumns };
}

/** Curation's own columns when the registry does not list them (lakes curated before it did). */
const DEFAULT_BOOKKEEPING_COLUMNS = [
  DEFAULT_DMS_RAW_FORMAT.commitTimestampColumn, DEFAULT_DMS_RAW_FORMAT.changeSequenceColumn ?? '', SOFT_DELETE_COLUMNS.deleted, SOFT_DELETE_COLUMNS.deletedAt,
];

/**
 * The lake table's columns that are neither the source table's nor curation's own: columns dropped in the source
 * since capture followed them (capture stops writing them; curation keeps them, NULL for rows changed since).
 * Compared without case, as Trino folds curated column names to lower case.
 */
function columnsTheSourceLacks(table: RegisteredTable, meta: TableMetadata, lakeColumns: readonly string[]): string[] {
  const own = table.bookkeepingColumns ?? DEFAULT_BOOKKEEPING_COLUMNS;
  const known = new Set([...meta.columns.map((c) => c.name), ...own].map((n) => n.toLowerCase()));
  return lakeColumns.filter((c) => !known.has(c.toLowerCase()));
}

type Explanation = Pick<TableVerification,
'differingColumns' | 'changedRows' | 'rowsOnlyInSource' | 'rowsOnlyInLake' | 'duplicates' | 'keyIsWholeRow' | 'columnsFromRows' | 'differingKeys'>;

/**
 * Reads every row's key and hash on both sides and tells the rows apart: present on one side only,
 * changed (then which columns), or with another number of copies.
 */
async function explainDifference(
  source: VerifySource, lake: DuckDBConnection, table: RegisteredTable, sql: TableSql, maxKeys: number,
): Promise<Explanation> {
  const meta = sql.meta;
  const identity = table.rowIdentity.length > 0 ? table.rowIdentity : meta.columns.map((c) => c.name);
  const keyIndexes = identity.map((n) => meta.columns.findIndex((c) => c.name === n)).filter((i) => i >= 0);
  const keyIsWholeRow = meta.columns.every((_, i) => keyIndexes.includes(i));
  const keyNames = keyIndexes.map((i) => meta.columns[i].name);
  const sourceKeyTexts = keyIndexes.map((i) => sql.sourceTexts[i]);
  const lakeKey = wideRowText(keyIndexes.map((i) => sql.lakeTexts[i]));
  // without a key the key is the row: its hash adds nothing
  const lakeHash = keyIsWholeRow ? "''" : `md5(${wideRowText(sql.lakeTexts)})`;
  const tally = new RowTally();
  for (const row of await source.keysAndHashes(meta, sourceKeyTexts, sql.sourceTexts, keyIsWholeRow)) tally.addSource(row.k, row.h);
  const fromLake = await lakeRows(lake, `SELECT ${lakeKey} AS k, ${lakeHash} AS h FROM ${sql.lakeTable} WHERE ${sql.lakeWhere}`);
  for (const row of fromLake) tally.addLake(String(row.k), String(row.h));
  const diff = tally.differences();

  let differingColumns: string[] = [];
  let changedRows = diff.changedRows;
  let rowsOnlyInSource = diff.onlyInSource;
  let rowsOnlyInLake = diff.onlyInLake;
  let columnsFromRows: number | undefined;
  const columnNames = meta.columns.map((c) => c.name);
  if (!keyIsWholeRow && diff.changedKeys.length > 0) {
    const sample = diff.changedKeys.slice(0, COLUMN_SAMPLE_KEYS);
    if (sample.length < diff.changedKeys.length) columnsFromRows = sample.length;
    const hashes = (texts: readonly string[]): string => texts.map((t) => `md5(COALESCE(${t}, chr(2)))`).join(', ');
    const sourceRows = await source.columnHashes(meta, sourceKeyTexts, sql.sourceTexts, sample);
    const lakeResult = await lake.runAndReadAll(
      `SELECT ${lakeKey} AS k, [${hashes(sql.lakeTexts)}] AS c FROM ${sql.lakeTable} WHERE ${sql.lakeWhere} AND ${lakeKey} IN (SELECT unnest($1))`,
      [listValue(sample)], [LIST(VARCHAR)]);
    const byKey = (rows: readonly { k: unknown; c: unknown }[]): Map<string, string[][]> => {
      const map = new Map<string, string[][]>();
      for (const row of rows) map.set(String(row.k), [...(map.get(String(row.k)) ?? []), (row.c as unknown[]).map(String)]);
      return map;
    };
    differingColumns = differingColumnsByKey(columnNames, byKey(sourceRows),
      byKey(lakeResult.getRowObjectsJson() as unknown as { k: unknown; c: unknown }[]));
  } else if (keyIsWholeRow && diff.sourceOnly.length > 0 && diff.lakeOnly.length > 0) {
    // rows without key cannot be told apart: as many rows only in the source as only in the lake count as changed
    const keyed = (rows: typeof diff.sourceOnly): typeof diff.sourceOnly =>
      rows.map((r) => ({ ...r, key: reorder(r.key, keyIndexes, meta.columns.length) }));
    differingColumns = differingColumnsOfRows(columnNames, keyed(diff.sourceOnly), keyed(diff.lakeOnly));
    changedRows = Math.min(rowsOnlyInSource, rowsOnlyInLake);
    rowsOnlyInSource -= changedRows;
    rowsOnlyInLake -= changedRows;
  }
  const duplicates = diff.copies.slice(0, maxKeys).map((c) => ({ key: describeKey(keyNames, c.key), source: c.source, lake: c.lake }));
  return {
    differingColumns,
    changedRows,
    rowsOnlyInSource,
    rowsOnlyInLake,
    duplicates,
    keyIsWholeRow,
    ...(columnsFromRows === undefined ? {} : { columnsFromRows }),
    differingKeys: diff.keys.slice(0, maxKeys).map((k) => describeKey(keyNames, k)),
  };
}

/** A key text in identity order, rearranged into table column order. */
function reorder(key: string, keyIndexes: readonly number[], columnCount: number): string {
  const parts = key.split(COLUMN_SEPARATOR);
  const ordered = new Array<string>(columnCount).fill('');
  keyIndexes.forEach((columnIndex, i) => (ordered[columnIndex] = parts[i] ?? ''));
  return ordered.join(COLUMN_SEPARATOR);
}

