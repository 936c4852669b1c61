import { formatCount, formatRate } from '../cli/progress';

/**
 * The row count of a table as the catalog estimates it, the way PostgreSQL's planner does: the density of
 * the last VACUUM/ANALYZE (`reltuples / relpages`) times the pages the table has now. `null` when the
 * catalog knows nothing (never vacuumed or analyzed: `reltuples` is -1 from PostgreSQL 14, 0 before).
 *
 * @param relpages `pg_class.relpages`
 * @param reltuples `pg_class.reltuples`
 * @param pages the table's size now, in blocks (`pg_relation_size / block_size`)
 */
export function estimateRows(relpages: number, reltuples: number, pages: number): number | null {
  if (pages === 0) return 0;
  if (!(reltuples >= 0)) return null;
  if (relpages > 0) return Math.round((reltuples / relpages) * pages);
  return reltuples > 0 ? Math.round(reltuples) : null;
}

/** `45 s`, `3 min 20 s`, `1 h 05 min`: a time left, rounded to what a reader cares about. */
export function formatEta(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  return `${Math.floor(seconds / 3600)} h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')} min`;
}

/** What {@link loadProgressText} describes. */
export interface LoadProgress {
  /** `schema.table`. */
  readonly table: string;
  /** 1-based position of the table in the load. */
  readonly index: number;
  /** Tables in the load. */
  readonly tables: number;
  /** Rows loaded so far. */
  readonly rows: number;
  /** Rows the catalog estimates (see {@link estimateRows}); `null` when unknown. */
  readonly estimatedRows: number | null;
  /** Milliseconds since the table's load started. */
  readonly elapsedMs: number;
}

/**
 * `full load 2/5 shop.orders: 500,000 of ~1,000,000 rows (50%, 120.0 k/s, about 4 s left)`; without an estimate
 * `full load 2/5 shop.orders: 500,000 rows (120.0 k/s)`. Once the rows pass the estimate (stale statistics), the
 * percent stays at 99% and the time left is not shown.
 */
export function loadProgressText(p: LoadProgress): string {
  const head = `full load ${p.index}/${p.tables} ${p.table}: ${formatCount(p.rows)}`;
  const rate = formatRate(p.rows, p.elapsedMs);
  if (p.estimatedRows === null || p.estimatedRows <= 0) return `${head} rows (${rate})`;
  if (p.rows >= p.estimatedRows) return `${head} of ~${formatCount(p.estimatedRows)} rows (99%, ${rate})`;
  const percent = Math.floor((p.rows * 100) / p.estimatedRows);
  const left = p.rows > 0 && p.elapsedMs > 0 ? `, about ${formatEta(((p.estimatedRows - p.rows) * p.elapsedMs) / p.rows)} left` : '';
  return `${head} of ~${formatCount(p.estimatedRows)} rows (${percent}%, ${rate}${left})`;
}
