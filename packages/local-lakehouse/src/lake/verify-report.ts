import { LakehouseError } from '../errors';
import { describeCopies, rowCount } from './verify-diff';

/*
 * What verify found, and how it is shown: the result types, the table the CLI prints, the one-line failure, the
 * exit code and the `--json` document. The comparison itself (SQL on both sides) lives in verify.ts.
 */

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
  /**
   * Columns the lake table has and the source table no longer has (dropped in the source while capture followed it:
   * the lake keeps them, NULL for rows changed since); the table differs while there are any.
   */
  readonly lakeOnlyColumns: readonly string[];
  /** Why the table differs without a row comparison (missing table or column), or why it could not be compared. */
  readonly problem?: string;
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
  if (r.lakeOnlyColumns.length > 0) parts.push(droppedColumnsSentence(r.curated ?? r.table, r.lakeOnlyColumns));
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

/**
 * What to say about lake columns the source no longer has, with what to do: expected history of a dropped column, or
 * drop it from the lake too (`curated` is `database.table`).
 */
export function droppedColumnsSentence(curated: string, columns: readonly string[]): string {
  const [database, ...rest] = curated.split('.');
  const table = `${sqlName(database)}.${sqlName(rest.join('.'))}`;
  const drops = columns.map((c) => `ALTER TABLE ${table} DROP COLUMN ${sqlName(c)}`).join('; ');
  const one = columns.length === 1;
  return `the lake keeps column${one ? '' : 's'} ${columns.join(', ')}, which the source no longer has (dropped in the source: the lake holds `
    + `${one ? 'its' : 'their'} values from before the drop, NULL for rows changed since); that is expected history if the drop was meant, `
    + `or drop ${one ? 'it' : 'them'} from the lake as well: ${drops} (in the engine's SQL${drops.includes('"') ? ', backquotes for Spark' : ''}, `
    + 'while no curate runs)';
}

/** A name as DuckDB, Spark and Trino SQL all read it: plain when lower-case letters, digits and underscores, else in double quotes. */
function sqlName(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.split('"').join('""')}"`;
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
