/**
 * The pure part of `verify`'s explanation of a difference: which rows differ (by key), which
 * columns, and which rows are duplicated on one side. The SQL that reads both sides lives in
 * `verify.ts`; this file only works on what it read, so it is unit-tested without databases.
 */

/** Separates the columns of a key or row text (as `rowText` writes it). */
export const COLUMN_SEPARATOR = '\u0001';
/** Stands for NULL in a key or row text (as `rowText` writes it). */
export const NULL_MARK = '\u0002';
const ID_SEPARATOR = '\u0003';
/** Lake rows are counted in the high part of a tally, source rows in the low part. */
const LAKE_UNIT = 2 ** 26;

/** A key seen on both sides with a different number of rows (duplicates on one side). */
export interface CopiesDifference {
  /** The key text (the whole row for a table without key). */
  readonly key: string;
  /** Rows with that key in the source. */
  readonly source: number;
  /** Rows with that key in the lake. */
  readonly lake: number;
}

/** A key and how many rows it has on one side. */
export interface KeyRows {
  readonly key: string;
  readonly rows: number;
}

/** How the rows of a table differ, from the key pass. */
export interface RowDifferences {
  /** Keys on both sides, as many rows each, with other values. */
  readonly changedKeys: readonly string[];
  /** Rows under {@link changedKeys} (one per key unless the key repeats on both sides). */
  readonly changedRows: number;
  /** Keys the lake lacks, each with its number of source rows. */
  readonly sourceOnly: readonly KeyRows[];
  /** Rows under {@link sourceOnly}. */
  readonly onlyInSource: number;
  /** Keys the source lacks, each with its number of lake rows. */
  readonly lakeOnly: readonly KeyRows[];
  /** Rows under {@link lakeOnly}. */
  readonly onlyInLake: number;
  /** Keys on both sides with a different number of rows. */
  readonly copies: readonly CopiesDifference[];
  /** Every differing key, sorted (numbers in numeric order). */
  readonly keys: readonly string[];
}

/**
 * Counts rows by (key, row hash) on both sides and tells which keys differ and how. Memory: one
 * map entry per distinct (key, hash), as a number holding both sides' counts.
 */
export class RowTally {
  private readonly counts = new Map<string, number>();

  /** Counts one source row. */
  public addSource(key: string, hash: string): void {
    const id = `${key}${ID_SEPARATOR}${hash}`;
    this.counts.set(id, (this.counts.get(id) ?? 0) + 1);
  }

  /** Counts one lake row. */
  public addLake(key: string, hash: string): void {
    const id = `${key}${ID_SEPARATOR}${hash}`;
    this.counts.set(id, (this.counts.get(id) ?? 0) + LAKE_UNIT);
  }

  /** Classifies the keys whose rows differ. */
  public differences(): RowDifferences {
    const differing = new Set<string>();
    for (const [id, count] of this.counts) {
      if (count % LAKE_UNIT !== Math.floor(count / LAKE_UNIT)) differing.add(id.slice(0, id.lastIndexOf(ID_SEPARATOR)));
    }
    const totals = new Map<string, { source: number; lake: number }>();
    for (const [id, count] of this.counts) {
      const key = id.slice(0, id.lastIndexOf(ID_SEPARATOR));
      if (!differing.has(key)) continue;
      const total = totals.get(key) ?? { source: 0, lake: 0 };
      total.source += count % LAKE_UNIT;
      total.lake += Math.floor(count / LAKE_UNIT);
      totals.set(key, total);
    }
    const changedKeys: string[] = [];
    const sourceOnly: KeyRows[] = [];
    const lakeOnly: KeyRows[] = [];
    const copies: CopiesDifference[] = [];
    let changedRows = 0;
    let onlyInSource = 0;
    let onlyInLake = 0;
    const keys = sortKeys([...differing]);
    for (const key of keys) {
      const { source, lake } = totals.get(key)!;
      if (lake === 0) {
        sourceOnly.push({ key, rows: source });
        onlyInSource += source;
      } else if (source === 0) {
        lakeOnly.push({ key, rows: lake });
        onlyInLake += lake;
      } else if (source !== lake) {
        copies.push({ key, source, lake });
      } else {
        changedKeys.push(key);
        changedRows += source;
      }
    }
    return { changedKeys, changedRows, sourceOnly, onlyInSource, lakeOnly, onlyInLake, copies, keys };
  }
}

/** Sorts key texts, numbers in numeric order (id=9 before id=10). */
export function sortKeys(keys: readonly string[]): string[] {
  return [...keys].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

/**
 * The columns whose values differ between rows of the same key: `source` and `lake` map each key
 * to its rows, each row a list of per-column hashes in `columns` order. A column differs for a key
 * when the multisets of its values under that key differ (one row per key: the values differ).
 */
export function differingColumnsByKey(
  columns: readonly string[],
  source: ReadonlyMap<string, readonly (readonly string[])[]>,
  lake: ReadonlyMap<string, readonly (readonly string[])[]>,
): string[] {
  const found = new Set<number>();
  for (const [key, sourceRows] of source) {
    const lakeRows = lake.get(key);
    if (!lakeRows) continue;
    columns.forEach((_, i) => {
      if (!found.has(i) && !sameMultiset(sourceRows.map((r) => r[i]), lakeRows.map((r) => r[i]))) found.add(i);
    });
  }
  return columns.filter((_, i) => found.has(i));
}

/**
 * For a table without key (the key is the whole row): the columns whose values differ between the
 * rows only the source has and the rows only the lake has (counted with their copies).
 */
export function differingColumnsOfRows(
  columns: readonly string[],
  sourceRows: readonly KeyRows[],
  lakeRows: readonly KeyRows[],
): string[] {
  const values = (rows: readonly KeyRows[], i: number): string[] =>
    rows.flatMap((r) => Array<string>(r.rows).fill(r.key.split(COLUMN_SEPARATOR)[i] ?? ''));
  return columns.filter((_, i) => !sameMultiset(values(sourceRows, i), values(lakeRows, i)));
}

function sameMultiset(a: readonly (string | undefined)[], b: readonly (string | undefined)[]): boolean {
  if (a.length !== b.length) return false;
  const counts = new Map<string | undefined, number>();
  for (const v of a) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const v of b) {
    const n = counts.get(v);
    if (!n) return false;
    counts.set(v, n - 1);
  }
  return true;
}

/** `id=6, name=NULL`: a key text with its column names, each value cut at 40 characters. */
export function describeKey(names: readonly string[], key: string): string {
  const parts = key.split(COLUMN_SEPARATOR);
  return names.map((n, i) => `${n}=${parts[i] === NULL_MARK ? 'NULL' : truncate(parts[i] ?? '')}`).join(', ');
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** `1 row` / `2 rows`. */
export function rowCount(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

/** `1 copy` / `2 copies`. */
function copyCount(n: number): string {
  return `${n} ${n === 1 ? 'copy' : 'copies'}`;
}

/**
 * One sentence for a key whose row count differs between the sides (`copies.key` as {@link describeKey} wrote it):
 * for a table without key (`wholeRow`) `source has 2 copies of a row the lake has 1 of (kind=a, at=NULL)`, else
 * `source has 1 row with key id=5, the lake 2`.
 */
export function describeCopies(copies: CopiesDifference, wholeRow: boolean): string {
  if (wholeRow) return `source has ${copyCount(copies.source)} of a row the lake has ${copies.lake} of (${copies.key})`;
  return `source has ${rowCount(copies.source)} with key ${copies.key}, the lake ${copies.lake}`;
}
