import type { CurationSettingsProps, Watermark } from '@cdc-lakehouse/curation';
import type { FreshnessOutcome } from './freshness';

/** One table as the state machine knows it: everything needed, no other lookup. */
export interface AthenaTableTask {
  /** `<curated db>.<curated table>`. */
  readonly name: string;
  /** JSON of the table's plan settings (columns discovered at run time from the raw files' footers). */
  readonly settings: CurationSettingsProps;
  /** `s3://raw-bucket/<prefix>/<schema>/<table>/`. */
  readonly rawLocation: string;
  /** The raw Glue table registered from the plan. */
  readonly rawTable: AthenaRawTableRef;
  /** `s3://warehouse/<source folder>/<table>/`. */
  readonly curatedLocation: string;
  /** `s3://warehouse/_watermarks/<db>/<table>.json`. */
  readonly watermarkLocation: string;
}

/** A raw table in the Glue catalog. */
export interface AthenaRawTableRef {
  readonly database: string;
  readonly table: string;
}

/** Plan what to apply to one table: returns a {@link PreparedBatch}. */
export interface PrepareEvent {
  readonly action: 'prepare';
  readonly table: AthenaTableTask;
}

/** Store the watermark of a batch whose statements all succeeded: returns a {@link CommitResult}. */
export interface CommitEvent {
  readonly action: 'commit';
  readonly table: AthenaTableTask;
  readonly batch: PreparedBatch;
}

/** The Lambda's input, dispatched on `action`. */
export type CurationEvent = PrepareEvent | CommitEvent;

/** What `prepare` decided for one table. */
export interface PreparedBatch {
  readonly kind: 'initial' | 'reload' | 'incremental' | 'up-to-date';
  /**
   * Statements to run in order with athena:startQueryExecution.sync (DDL first, then the truncate on reload,
   * then one MERGE per chunk of ≤ 100 partitions / bounded file count). Empty when up-to-date.
   */
  readonly statements: readonly string[];
  /** Raw files the statements apply. */
  readonly filesApplied: number;
  /** Opaque to the state machine; passed back to `commit` (the watermark to store, or null when nothing moves). */
  readonly watermark: Watermark | null;
  /**
   * The newest source commit time the table holds once the batch is committed (the commit-timestamp column's
   * high-water mark: the batch's newest from the raw files' footer statistics, and the stored one unless the batch
   * rebuilds the table); `null` when unknown or nothing moves (commit then reads the stored one).
   */
  readonly newestCommitTimestamp?: string | null;
}

/** What `commit` stored. */
export interface CommitResult {
  /** The watermark now stored (null when the batch had no files and nothing was written). */
  readonly watermark: Watermark | null;
  /** The newest source commit time applied to the table, as stored (`null` when unknown). */
  readonly newestCommitTimestamp: string | null;
  /** What became of the table's freshness data point (see `publishFreshness`). */
  readonly freshness: FreshnessOutcome;
}
