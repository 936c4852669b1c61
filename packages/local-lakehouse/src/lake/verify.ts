import { SOFT_DELETE_COLUMNS } from '@cdc-lakehouse/curation';
import { TablePattern, parseTablePattern, selectTables, splitTableList } from '@cdc-lakehouse/source-setup';
import { DuckDBConnection, LIST, VARCHAR, listValue } from '@duckdb/node-api';
import { Client } from 'pg';
import { RegisteredTable, lakeRows, openLake, registeredTables } from './lake-database';
import {
  COLUMN_SEPARATOR, RowTally, describeCopies, describeKey, differingColumnsByKey, differingColumnsOfRows, rowCount,
} from './verify-diff';
import { duckIdent, duckString } from '../capture/parquet-encoder';
import { ProgressReporter, SILENT_PROGRESS } from '../cli/progress';
import { LakehouseError, UsageError, errorMessage } from '../errors';
import { ColumnMetadata, TableMetadata, qualifiedName, quoteIdent, readTableMetadata } from '../source/catalog';
import { connectSource, endQuietly } from '../source/connection';
import { excludeTables, parseExcludeList } from '../source/table-exclusion';
import { ValueKind, duckDbConversion, lakeChecksumText, rowText, sourceChecksumText } from '../source/type-mapping';

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
   * (a name without schema means `public`).
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

/**
 * The outcome for one table: `match`; `differs` (rows, values or copies differ, or the table or a column
 * is missing on one side); `error` (it could not be compared, e.g. the source user cannot read it).
 */
export type VerifyStatus = 'match' | 'differs' | 'error';

/** A key (or, for a table without key, a whole row) with another number of rows on each side. */
export interface DuplicateDifference {
  /** `id=5`, or every column of the row for a table without key (values cut at 40 characters). */
  readonly key: string;
  /** Rows with that key in the source. */
  readonly source: number;
  /** Rows with that key in the lake. */
  readonly lake: number;
}

/** The comparison of one table. */
export interface TableVerification {
  /** `schema.table` of the source. */
  readonly table: string;
  /** `database.table` in the lake (`null` for a selected source table the lake does not hold). */
  readonly curated: string | null;
  /** The outcome. */
  readonly status: VerifyStatus;
  /** Rows in the source (`null` when the table could not be read). */
  readonly sourceRows: number | null;
  /** Rows in the lake. */
  readonly lakeRows: number | null;
  /** Order-independent checksums (sum of 60-bit row hashes). */
  readonly sourceChecksum: string | null;
  readonly lakeChecksum: string | null;
  /** True when rows and checksums are equal (`status` is `match`). */
  readonly match: boolean;
  /** Columns whose values differ in rows present on both sides (table order). */
  readonly differingColumns: readonly string[];
  /** Rows present on both sides (same key) with other values. */
  readonly changedRows: number;
  /** Rows whose key only the source has. */
  readonly rowsOnlyInSource: number;
  /** Rows whose key only the lake has. */
  readonly rowsOnlyInLake: number;
  /** Keys (whole rows without key) with another number of copies on each side, at most `maxDifferingKeys`. */
  readonly duplicates: readonly DuplicateDifference[];
  /** True when the table has no key, so keys are whole rows (a changed row is one only the source has plus one only the lake has). */
  readonly keyIsWholeRow: boolean;
  /** When columns were told from a sample of the changed rows: how many rows the sample held. */
  readonly columnsFromRows?: number;
  /** Keys of rows that differ (present on one side only, or with other values), at most `maxDifferingKeys`. */
  readonly differingKeys: readonly string[];
  /** Why the table differs without a row comparison (missing table or column), or why it could not be compared. */
  readonly problem?: string;
}

/** Changed rows whose columns are compared one by one, at most. */
const COLUMN_SAMPLE_KEYS = 10_000;

/**
 * Compares every table the lake holds with the source: row count and an order-independent
 * checksum over all columns, each value rendered the same way on both sides under the DMS type
 * mapping (decimals at their scale, timestamps in UTC to the microsecond, bytea as hex, json as
 * PostgreSQL prints it, booleans as true/false, ±infinity and NaN as capture converts them). The
 * source is read in one REPEATABLE READ transaction. For a table that differs, the differing columns,
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
 * Parses `--tables` for verify: comma-separated `schema.table` selectors, `%` as a wildcard, quoted names
 * for dots and commas (a name without schema means `public`).
 * @throws UsageError naming the selector that cannot be parsed, or an empty list
 */
export function parseVerifySelectors(list: string): TablePattern[] {
  const items = splitTableList(list);
  if (items.length === 0) throw new UsageError('local verify: --tables is empty; give schema.table selectors, e.g. --tables public.orders,public.%');
  try {
    return items.map((item) => parseTablePattern(item, { defaultSchema: 'public' }));
  } catch (err) {
    throw new UsageError(`local verify: --tables: ${errorMessage(err)}`);
  }
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
  source: string, view: CuratedTablesView, options: number | VerifyTablesOptions = {},
): Promise<TableVerification[]> {
  const { maxDifferingKeys = 5, tables: selectors, exclude, progress = SILENT_PROGRESS }: VerifyTablesOptions = typeof options === 'number'
    ? { maxDifferingKeys: options } : options;
  let client: Client | undefined;
  try {
    const patterns = selectors === undefined ? undefined : parseVerifySelectors(selectors.join(','));
    const selected = patterns ? selectTables(patterns, view.tables.map((t) => ({ ...t, schema: t.sourceSchema, name: t.sourceTable }))) : undefined;
    const excludePatterns = exclude === undefined || exclude.length === 0 ? [] : parseExcludeList('local verify', exclude.join(','));
    const tables = excludeTables((selected ? selected.selected : view.tables).map((t) => ({ ...t, schema: t.sourceSchema, name: t.sourceTable })),
      excludePatterns).kept;
    client = await connectSource({ url: source, applicationName: 'lakehouse-verify' });
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const results: TableVerification[] = [];
    if (patterns && selected && selected.unmatched.length > 0) {
      results.push(...await notCurated(client, patterns.filter((p) => selected.unmatched.includes(p.text)), view.tables));
    }
    const specials = new SpecialValues(view.connection);
    // DuckDB names a lake file's catalog after the file: lake.duckdb's is "lake". A schema of the same name (shop.duckdb
    // holding shop.orders) makes `shop.orders` ambiguous, so the lake's tables are named with their catalog.
    const catalog = String((await lakeRows(view.connection, 'SELECT current_database() AS catalog'))[0].catalog);
    for (const [index, table] of tables.entries()) {
      progress.status(`verify: ${index + 1}/${tables.length} tables, ${table.sourceSchema}.${table.sourceTable}`);
      await client.query('SAVEPOINT verify_table');
      try {
        results.push(await verifyTable(client, view.connection, table, maxDifferingKeys, specials, catalog));
        await client.query('RELEASE SAVEPOINT verify_table');
      } catch (err) {
        // the table could not be compared; a lost connection fails the rollback and ends the run
        await client.query('ROLLBACK TO SAVEPOINT verify_table');
        results.push(failed(table, 'error', `cannot compare it: ${errorMessage(err)}`));
      }
    }
    await client.query('COMMIT');
    return results.sort((a, b) => a.table.localeCompare(b.table));
  } finally {
    progress.done();
    await endQuietly(client);
    view.close();
  }
}

/** Selectors that match no curated table: source tables they match are `differs` (not in the lake); matching nothing at all cannot run. */
async function notCurated(client: Client, patterns: readonly TablePattern[], curated: readonly RegisteredTable[]): Promise<TableVerification[]> {
  const inSource = (await client.query<{ schema: string; name: string }>(`
SELECT n.nspname AS schema, c.relname AS name
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_(toast|temp_)'
 ORDER BY 1, 2`)).rows;
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

/** A table compared without rows: missing on one side (`differs`), or not comparable (`error`). */
/** The difference fields of a table without differences (or with none found). */
const NO_DIFFERENCES = {
  differingColumns: [],
  changedRows: 0,
  rowsOnlyInSource: 0,
  rowsOnlyInLake: 0,
  duplicates: [],
  keyIsWholeRow: false,
  differingKeys: [],
} as const satisfies Partial<TableVerification>;

function failed(table: RegisteredTable, status: VerifyStatus, problem: string): TableVerification {
  return unrowed(`${table.sourceSchema}.${table.sourceTable}`, `${table.curatedDatabase}.${table.curatedTable}`, status, problem);
}

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
  readonly relation: string;
  readonly lakeTable: string;
  /** Condition on lake rows (soft-deleted rows left out). */
  readonly lakeWhere: string;
  readonly sourceTexts: readonly string[];
  readonly lakeTexts: readonly string[];
}

async function verifyTable(
  client: Client, lake: DuckDBConnection, table: RegisteredTable, maxKeys: number, specials: SpecialValues, catalog: string,
): Promise<TableVerification> {
  const name = `${table.sourceSchema}.${table.sourceTable}`;
  const curated = `${table.curatedDatabase}.${table.curatedTable}`;
  const exists = await client.query<{ readable: boolean; columns: number }>(`
SELECT has_table_privilege(c.oid, 'SELECT') AS readable,
       (SELECT count(*)::int FROM pg_catalog.pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')`, [table.sourceSchema, table.sourceTable]);
  if (exists.rows.length === 0) return failed(table, 'differs', `the source has no table ${name} (dropped or renamed since it was captured?)`);
  if (!exists.rows[0].readable) {
    return failed(table, 'error', `the source user cannot read it; GRANT SELECT ON ${qualifiedName(table.sourceSchema, table.sourceTable)} TO the user in --source`);
  }
  if (exists.rows[0].columns === 0) return failed(table, 'differs', `the source table ${name} has no columns (all dropped since it was captured?)`);
  const selector = qualifiedName(table.sourceSchema, table.sourceTable);
  const [meta]: TableMetadata[] = await readTableMetadata(client, [selector], { requireRowIdentity: false });
  const lakeTable = `${duckIdent(catalog)}.${duckIdent(table.curatedDatabase)}.${duckIdent(table.curatedTable)}`;
  let described: Record<string, unknown>[];
  try {
    described = await lakeRows(lake, `DESCRIBE ${lakeTable}`);
  } catch (err) {
    return failed(table, 'differs', `the lake has no table ${curated} (${errorMessage(err)})`);
  }
  const lakeTypes = new Map(described.map((r) => [String(r.column_name), String(r.column_type)]));
  const missing = meta.columns.filter((c) => !lakeTypes.has(c.name)).map((c) => c.name);
  if (missing.length > 0) {
    return failed(table, 'differs', `the lake table ${curated} lacks source column${missing.length === 1 ? '' : 's'} ${missing.join(', ')}`);
  }
  // soft deletes keep tombstones, which the source no longer has
  const deleted = SOFT_DELETE_COLUMNS.deleted;
  const sourceTexts: string[] = [];
  const lakeTexts: string[] = [];
  for (const c of meta.columns) {
    const lakeType = lakeTypes.get(c.name)!;
    sourceTexts.push(await specials.sourceText(c, lakeType));
    lakeTexts.push(lakeChecksumText(lakeType, duckIdent(c.name)));
  }
  const sql: TableSql = {
    relation: qualifiedName(meta.source.schema, meta.source.table),
    lakeTable,
    lakeWhere: lakeTypes.has(deleted) ? `NOT COALESCE(${duckIdent(deleted)}, false)` : 'true',
    sourceTexts,
    lakeTexts,
  };
  const source = (await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*)::text AS rows, COALESCE(sum(('x' || substr(${sourceMd5(wideRowText(sourceTexts))}, 1, 15))::bit(60)::int8), 0)::text AS checksum `
    + `FROM ${sql.relation}`)).rows[0];
  const inLake = (await lakeRows(lake,
    `SELECT count(*) AS rows, CAST(COALESCE(sum(CAST('0x' || substr(md5(${wideRowText(lakeTexts)}), 1, 15) AS BIGINT)), 0) AS VARCHAR) AS checksum `
    + `FROM ${lakeTable} WHERE ${sql.lakeWhere}`))[0];
  const counts = {
    table: name,
    curated,
    sourceRows: Number(source.rows),
    lakeRows: Number(inLake.rows),
    sourceChecksum: source.checksum,
    lakeChecksum: String(inLake.checksum),
  };
  const match = counts.sourceRows === counts.lakeRows && counts.sourceChecksum === counts.lakeChecksum;
  if (match) {
    return {
      ...counts,
      status: 'match',
      match,
      ...NO_DIFFERENCES,
    };
  }
  return { ...counts, status: 'differs', match, ...await explainDifference(client, lake, table, meta, sql, maxKeys) };
}

type Explanation = Pick<TableVerification,
'differingColumns' | 'changedRows' | 'rowsOnlyInSource' | 'rowsOnlyInLake' | 'duplicates' | 'keyIsWholeRow' | 'columnsFromRows' | 'differingKeys'>;

/**
 * Reads every row's key and hash on both sides and tells the rows apart: present on one side only,
 * changed (then which columns), or with another number of copies.
 */
async function explainDifference(
  client: Client, lake: DuckDBConnection, table: RegisteredTable, meta: TableMetadata, sql: TableSql, maxKeys: number,
): Promise<Explanation> {
  const identity = table.rowIdentity.length > 0 ? table.rowIdentity : meta.columns.map((c) => c.name);
  const keyIndexes = identity.map((n) => meta.columns.findIndex((c) => c.name === n)).filter((i) => i >= 0);
  const keyIsWholeRow = meta.columns.every((_, i) => keyIndexes.includes(i));
  const keyNames = keyIndexes.map((i) => meta.columns[i].name);
  const sourceKey = wideRowText(keyIndexes.map((i) => sql.sourceTexts[i]));
  const lakeKey = wideRowText(keyIndexes.map((i) => sql.lakeTexts[i]));
  // without a key the key is the row: its hash adds nothing
  const sourceHash = keyIsWholeRow ? "''" : sourceMd5(wideRowText(sql.sourceTexts));
  const lakeHash = keyIsWholeRow ? "''" : `md5(${wideRowText(sql.lakeTexts)})`;
  const tally = new RowTally();
  const fromSource = await client.query<{ k: string; h: string }>(`SELECT ${sourceKey} AS k, ${sourceHash} AS h FROM ${sql.relation}`);
  for (const row of fromSource.rows) tally.addSource(row.k, row.h);
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
    const sourceHashes = sql.sourceTexts.map((t) => sourceMd5(`COALESCE(${t}, chr(2))`)).join(', ');
    const sourceRows = await client.query<{ k: string; c: string[] }>(
      `SELECT ${sourceKey} AS k, ARRAY[${sourceHashes}] AS c FROM ${sql.relation} WHERE ${sourceKey} = ANY($1::text[])`, [sample]);
    const lakeResult = await lake.runAndReadAll(
      `SELECT ${lakeKey} AS k, [${hashes(sql.lakeTexts)}] AS c FROM ${sql.lakeTable} WHERE ${sql.lakeWhere} AND ${lakeKey} IN (SELECT unnest($1))`,
      [listValue(sample)], [LIST(VARCHAR)]);
    const byKey = (rows: readonly { k: unknown; c: unknown }[]): Map<string, string[][]> => {
      const map = new Map<string, string[][]>();
      for (const row of rows) map.set(String(row.k), [...(map.get(String(row.k)) ?? []), (row.c as unknown[]).map(String)]);
      return map;
    };
    differingColumns = differingColumnsByKey(columnNames, byKey(sourceRows.rows),
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

/** PostgreSQL takes at most 100 arguments in a function call; wider rows are joined in groups. */
const ROW_TEXT_GROUP = 90;

/** {@link rowText} for any number of columns: groups joined by the same separator give the same text. */
function wideRowText(texts: readonly string[]): string {
  if (texts.length <= ROW_TEXT_GROUP) return rowText(texts);
  const groups: string[] = [];
  for (let i = 0; i < texts.length; i += ROW_TEXT_GROUP) groups.push(rowText(texts.slice(i, i + ROW_TEXT_GROUP)));
  return `concat_ws(chr(1), ${groups.join(', ')})`;
}

/** A key text in identity order, rearranged into table column order. */
function reorder(key: string, keyIndexes: readonly number[], columnCount: number): string {
  const parts = key.split(COLUMN_SEPARATOR);
  const ordered = new Array<string>(columnCount).fill('');
  keyIndexes.forEach((columnIndex, i) => (ordered[columnIndex] = parts[i] ?? ''));
  return ordered.join(COLUMN_SEPARATOR);
}

/** The source values that are not numbers or dates (NaN, ±Infinity, ±infinity), by value kind. */
const SPECIAL_VALUES: Partial<Record<ValueKind, readonly string[]>> = {
  float: ['NaN', 'Infinity', '-Infinity'],
  decimal: ['NaN', 'Infinity', '-Infinity'],
  numeric: ['NaN', 'Infinity', '-Infinity'],
  date: ['infinity', '-infinity'],
  timestamp: ['infinity', '-infinity'],
};

/**
 * Renders NaN and ±infinity on the source side as the lake holds them after capture: each value's
 * text is run through capture's own conversion ({@link duckDbConversion}) and the lake's rendering
 * in DuckDB, so verify follows whatever capture does with them (NULL, a DuckDB infinity, …).
 */
class SpecialValues {
  private readonly cache = new Map<string, Promise<{ value: string; text: string | null }[]>>();

  constructor(private readonly lake: DuckDBConnection) {}

  /** The source column's checksum text, with its special values as the lake renders them. */
  public async sourceText(column: ColumnMetadata, lakeType: string): Promise<string> {
    const name = quoteIdent(column.name);
    const plain = sourceChecksumText(column, name);
    const values = SPECIAL_VALUES[column.kind];
    if (!values) return plain;
    const id = `${column.kind}\u0000${column.rawType}\u0000${lakeType}`;
    let rendered = this.cache.get(id);
    if (!rendered) {
      rendered = this.render(column, lakeType, values);
      this.cache.set(id, rendered);
    }
    const cases = (await rendered).map((s) => `WHEN ${name} = ${pgString(s.value)} THEN ${s.text === null ? 'NULL' : pgString(s.text)}`);
    return cases.length === 0 ? plain : `CASE ${cases.join(' ')} ELSE ${plain} END`;
  }

  private async render(column: ColumnMetadata, lakeType: string, values: readonly string[]): Promise<{ value: string; text: string | null }[]> {
    const out: { value: string; text: string | null }[] = [];
    for (const value of values) {
      const converted = `CAST(${duckDbConversion(column, duckString(value))} AS ${lakeType})`;
      let rows: Record<string, unknown>[];
      try {
        rows = await lakeRows(this.lake, `SELECT ${lakeChecksumText(lakeType, converted)} AS t`);
      } catch {
        // capture's conversion rejects the value, so no lake row can hold it: it is compared as any other value
        continue;
      }
      const text = rows[0].t;
      out.push({ value, text: text === null || text === undefined ? null : String(text) });
    }
    return out;
  }
}

function pgString(value: string): string {
  return `'${value.split("'").join("''")}'`;
}

/** The label in the checksum column of {@link formatVerification}. */
function statusLabel(r: TableVerification): string {
  if (r.status === 'match') return 'match';
  return r.status === 'error' ? 'ERROR' : 'MISMATCH';
}

/** Renders results as the verification table the CLI prints. */
export function formatVerification(results: readonly TableVerification[]): string {
  const header = ['table', 'source rows', 'lake rows', 'checksum'];
  const rows = results.map((r) => [
    r.table,
    r.sourceRows === null ? '-' : String(r.sourceRows),
    r.lakeRows === null ? '-' : String(r.lakeRows),
    statusLabel(r),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 || i === 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * What differs in one table, e.g. `table app.t: differs in columns a, b (2 rows); first differing keys: id=6; id=8`,
 * or undefined when it matches.
 */
export function describeTableDifference(r: TableVerification): string | undefined {
  if (r.status === 'match') return undefined;
  if (r.problem) return `table ${r.table}: ${r.problem}`;
  const parts: string[] = [];
  if (r.sourceRows !== r.lakeRows) parts.push(`${rowCount(r.sourceRows ?? 0)} in the source, ${r.lakeRows} in the lake`);
  if (r.changedRows > 0) {
    const sampled = r.columnsFromRows === undefined ? '' : `; columns from the first ${r.columnsFromRows}`;
    const columns = r.differingColumns.length > 0 ? `columns ${r.differingColumns.join(', ')}` : 'values';
    parts.push(`differs in ${columns} (${rowCount(r.changedRows)}${sampled})`);
  }
  if (r.rowsOnlyInSource > 0) parts.push(`${rowCount(r.rowsOnlyInSource)} only in the source`);
  if (r.rowsOnlyInLake > 0) parts.push(`${rowCount(r.rowsOnlyInLake)} only in the lake`);
  parts.push(...r.duplicates.map((d) => describeCopies(d, r.keyIsWholeRow)));
  if (r.differingKeys.length > 0) parts.push(`first differing ${r.keyIsWholeRow ? 'rows' : 'keys'}: ${r.differingKeys.join('; ')}`);
  if (parts.length === 0) parts.push('the checksums differ');
  return `table ${r.table}: ${parts.join('; ')}`;
}

/** One line naming what differs or could not be compared, or undefined when every table matches. */
export function verificationFailure(results: readonly TableVerification[]): string | undefined {
  const differ = results.filter((r) => r.status === 'differs').length;
  const errors = results.filter((r) => r.status === 'error').length;
  if (differ + errors === 0) return undefined;
  const of = `of ${results.length} table${results.length === 1 ? '' : 's'}`;
  const counts = differ > 0
    ? `${differ} ${of} differ${errors > 0 ? `, ${errors} could not be compared` : ''}`
    : `${errors} ${of} could not be compared`;
  return `verify: ${counts}: ${results.map(describeTableDifference).filter((d) => d !== undefined).join(' | ')}`;
}

/**
 * The exit code of `local verify` for these results: 0 every table matches, 1 a table differs (also when
 * others could not be compared), 2 a table could not be compared and none differs.
 */
export function verificationExitCode(results: readonly TableVerification[]): 0 | 1 | 2 {
  if (results.some((r) => r.status === 'differs')) return 1;
  return results.some((r) => r.status === 'error') ? 2 : 0;
}

/** The document `local verify --json` prints (see the README). */
export interface VerificationReport {
  readonly format: 'lakehouse-verify';
  readonly version: 1;
  /** `match`, `differs` or `error` (also when verify could not run: see `error`). */
  readonly status: VerifyStatus;
  /** The exit code verify returns. */
  readonly exitCode: 0 | 1 | 2;
  /** Why verify could not run (exit code 2), when it could not. */
  readonly error?: string;
  readonly tables: readonly Omit<TableVerification, 'match'>[];
}

/** The results as the `--json` document; `error` when verify could not run at all. */
export function verificationReport(results: readonly TableVerification[], error?: string): VerificationReport {
  const exitCode = error === undefined ? verificationExitCode(results) : 2;
  const status: VerifyStatus = exitCode === 0 ? 'match' : exitCode === 1 ? 'differs' : 'error';
  return {
    format: 'lakehouse-verify',
    version: 1,
    status,
    exitCode,
    ...(error === undefined ? {} : { error }),
    tables: results.map(({ match: _match, ...rest }) => rest),
  };
}

/** Throws when `results` has a mismatch (one line naming the tables and what differs). */
export function assertVerified(results: readonly TableVerification[]): void {
  const failure = verificationFailure(results);
  if (failure) throw new LakehouseError(failure);
}

/**
 * PostgreSQL's md5 of a text, taken over its UTF-8 bytes as DuckDB's md5 is: md5(text) hashes the database's encoding,
 * so every non-ASCII value of a LATIN1 (or other non-UTF-8) database would differ.
 */
function sourceMd5(text: string): string {
  return `md5(convert_to(${text}, 'UTF8'))`;
}
