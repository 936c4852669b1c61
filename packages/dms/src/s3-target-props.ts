import { RawZone } from '@cdc-lakehouse/raw-zone';
import { Duration, Size } from 'aws-cdk-lib';

/** Folder layout of date-partitioned CDC files (DMS `datePartitionSequence`). */
export type DatePartitionSequence = 'YYYYMMDD' | 'YYYYMMDDHH' | 'YYYYMM' | 'MMYYYYDD' | 'DDMMYYYY';

/** Separator between the parts of a date folder (DMS `datePartitionDelimiter`). */
export type DatePartitionDelimiter = 'SLASH' | 'UNDERSCORE' | 'DASH' | 'NONE';

/** Compression of the Parquet files DMS writes (DMS `compressionType`). */
export type S3CompressionType = 'GZIP' | 'NONE';

/**
 * Date-based folders for CDC files: `<folder>/<schema>/<table>/<yyyy>/<mm>/<dd>/….parquet` instead of
 * all CDC files of a table in one folder. Readers of the raw zone must accept both layouts.
 */
export interface DatePartitioning {
  /**
   * Which date parts make the folders, in order.
   *
   * @default 'YYYYMMDD'
   */
  readonly sequence?: DatePartitionSequence;

  /**
   * Separator between the date parts.
   *
   * @default 'SLASH'
   */
  readonly delimiter?: DatePartitionDelimiter;

  /**
   * Time zone (`Area/Location`, e.g. `Europe/Paris`) the folder dates are computed in.
   *
   * @default - UTC
   */
  readonly timezone?: string;
}

/** The tunable part of a DMS S3 target, as source constructs pass it through (`target?: …`). */
export interface S3TargetOptions {
  /**
   * Write a CDC file at the latest after this long (DMS `cdcMaxBatchInterval`, whole seconds).
   *
   * With `cdcMinFileSize`, this sets the trade-off between lake latency and small files: DMS
   * writes a file per table when either limit is reached first. A short interval makes changes
   * visible sooner but produces many small Parquet files (more S3 requests, slower scans, more
   * compaction); a long one makes fewer, larger files and a later lake.
   *
   * @default Duration.seconds(60) (the DMS default)
   */
  readonly cdcMaxBatchInterval?: Duration;

  /**
   * Write a CDC file as soon as it reaches this size (DMS `cdcMinFileSize`, whole KiB).
   * See `cdcMaxBatchInterval` for the trade-off.
   *
   * @default Size.kibibytes(32000) (the DMS default, about 32 MB)
   */
  readonly cdcMinFileSize?: Size;

  /**
   * Put CDC files into date folders.
   *
   * @default - no date folders: every CDC file of a table sits in the table's folder
   */
  readonly datePartitioning?: DatePartitioning;

  /**
   * Compression of the Parquet files.
   *
   * @default 'GZIP'
   */
  readonly compressionType?: S3CompressionType;

  /**
   * Name of the commit-timestamp column DMS adds to every row (DMS `timestampColumnName`).
   *
   * @default COMMIT_TIMESTAMP_COLUMN (`_dms_commit_ts`)
   */
  readonly timestampColumnName?: string;

  /**
   * Folder (key prefix) in the raw-zone bucket under which DMS writes `<schema>/<table>/…`.
   *
   * @default - the source name
   */
  readonly bucketFolder?: string;
}

/** Properties of {@link DmsS3Target}. */
export interface DmsS3TargetProps extends S3TargetOptions {
  /** The source this target receives: names the default folder. */
  readonly sourceName: string;

  /** The raw zone to write into: its bucket, its KMS key, and write access scoped to `bucketFolder`. */
  readonly rawZone: RawZone;
}
