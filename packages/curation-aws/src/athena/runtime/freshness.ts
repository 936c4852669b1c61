import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CURATION_METRIC_NAMESPACE, FRESHNESS_METRIC, FRESHNESS_SOURCE_DIMENSION, FRESHNESS_SOURCE_ENV, FRESHNESS_TABLE_DIMENSION,
} from './metric-names';
import type { ParquetFooter } from './parquet-footer';

/** Where and for which source the commit step publishes {@link FRESHNESS_METRIC}. */
export interface FreshnessPublisher {
  readonly cloudwatch: CloudWatchClient;
  /** The `Source` dimension. */
  readonly source: string;
  /** The clock (tests pass their own). */
  readonly now?: () => Date;
}

/** What happened to the table's freshness data point. */
export type FreshnessOutcome =
  /** sent */
  | 'published'
  /** PutMetricData failed: logged as one line, curation not failed */
  | 'failed'
  /** no publisher configured (local runs, tests) */
  | 'off'
  /** no commit time known: never curated, or a watermark from before the high-water mark was kept */
  | 'no-commit-time';

// DMS's commit-timestamp column: 'yyyy-MM-dd HH:mm:ss[.ffffff]' in UTC
const COMMIT_TS = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)?$/;

/** Milliseconds since the epoch of a commit timestamp (UTC), or `undefined` when `text` is not one. */
export function parseCommitTimestamp(text: string | null | undefined): number | undefined {
  const m = text == null ? null : COMMIT_TS.exec(text.trim());
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const ms = Number((m[7] ?? '0').slice(0, 3).padEnd(3, '0'));
  const at = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const back = new Date(at);
  // Date.UTC rolls 2024-13-01 over into the next year: refuse what does not read back the same
  return back.getUTCMonth() === month - 1 && back.getUTCDate() === day && hour < 24 && minute < 60 && second < 60 ? at : undefined;
}

/** The newest of the timestamps (by time, not by spelling); `null` when none parses. */
export function newestCommitTimestamp(...values: readonly (string | null | undefined)[]): string | null {
  let best: string | null = null;
  let bestAt = -Infinity;
  for (const value of values) {
    const at = parseCommitTimestamp(value);
    if (at !== undefined && at > bestAt) {
      best = value!;
      bestAt = at;
    }
  }
  return best;
}

/**
 * The newest commit time in a raw file, from its footer's statistics of the commit-timestamp column: a string column
 * (what DMS writes) gives its max value; a timestamp column its max, spelled `yyyy-MM-dd HH:mm:ss.ffffff`.
 * `undefined` when the file has no statistics for it.
 */
export function newestCommitTimeInFile(footer: ParquetFooter, column: string): string | undefined {
  const found = footer.columns.find((c) => c.name.toLowerCase() === column.toLowerCase());
  if (!found) return undefined;
  if (found.textRange) return found.textRange.max;
  const range = found.range;
  if (!range || !['ms', 'us', 'ns'].includes(range.unit)) return undefined;
  const micros = range.unit === 'ms' ? range.max * 1000n : range.unit === 'us' ? range.max : range.max / 1000n;
  const ms = micros / 1000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return undefined;
  const fraction = String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0');
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}.${fraction}`;
}

/**
 * Publishes one table's {@link FRESHNESS_METRIC} (the Lambda curates one table per invocation, so one data point per
 * call). A failed call is one line on stderr naming the table and returns `'failed'`; it never throws.
 */
export async function publishFreshness(
  publisher: FreshnessPublisher | undefined, table: string, newest: string | null | undefined,
): Promise<FreshnessOutcome> {
  if (!publisher) return 'off';
  const newestAt = parseCommitTimestamp(newest);
  if (newestAt === undefined) return 'no-commit-time';
  const now = (publisher.now ?? (() => new Date()))();
  try {
    await publisher.cloudwatch.send(new PutMetricDataCommand({
      Namespace: CURATION_METRIC_NAMESPACE,
      MetricData: [{
        MetricName: FRESHNESS_METRIC,
        Dimensions: [{ Name: FRESHNESS_SOURCE_DIMENSION, Value: publisher.source }, { Name: FRESHNESS_TABLE_DIMENSION, Value: table }],
        Timestamp: now,
        Value: Math.max(0, (now.getTime() - newestAt) / 1000),
        Unit: 'Seconds',
      }],
    }));
    return 'published';
  } catch (e) {
    // reported, not thrown: the table's curation succeeded whether or not its metric is sent
    const message = ((e as Error).message ?? String(e)).replace(/\s+/g, ' ').trim();
    console.error(`table ${table}: freshness metric ${CURATION_METRIC_NAMESPACE} ${FRESHNESS_METRIC} not published: ${(e as Error).name ?? 'Error'}: ${message}`);
    return 'failed';
  }
}

/** The publisher the Lambda's environment asks for: on when {@link FRESHNESS_SOURCE_ENV} is set. */
export function freshnessFromEnvironment(env: NodeJS.ProcessEnv = process.env): FreshnessPublisher | undefined {
  const source = env[FRESHNESS_SOURCE_ENV];
  return source ? { cloudwatch: new CloudWatchClient({}), source } : undefined;
}
