/**
 * Name of the STRING column DMS adds to every row through the S3 target's `timestampColumnName`:
 * the transfer time for full-load rows (the task start time, see `useTaskStartTimeForFullLoadTimestamp`)
 * and the source commit time for CDC rows, formatted `yyyy-MM-dd HH:mm:ss.SSSSSS`.
 *
 * The curation package reads the same name by default; change both or neither.
 */
export const COMMIT_TIMESTAMP_COLUMN = '_dms_commit_ts';

/**
 * Name of the STRING(50) column added to every selected table by a table-mapping `add-column`
 * transformation holding `$AR_H_CHANGE_SEQ`: 35 digits, unique and increasing per task, so several
 * changes of one key inside one transaction (same commit timestamp) still order deterministically.
 */
export const CHANGE_SEQUENCE_COLUMN = '_dms_change_seq';

/** The DMS header expression that yields the change sequence (see `CHANGE_SEQUENCE_COLUMN`). */
export const CHANGE_SEQUENCE_EXPRESSION = '$AR_H_CHANGE_SEQ';

/** Length of the change-sequence STRING column: the value is 35 digits, 50 leaves headroom. */
export const CHANGE_SEQUENCE_LENGTH = 50;

/** CloudWatch namespace of DMS metrics, for replication instances and DMS Serverless alike. */
export const DMS_METRIC_NAMESPACE = 'AWS/DMS';

/**
 * Dimension that identifies a DMS Serverless replication in `AWS/DMS` metrics; its value is the
 * `replicationConfigIdentifier`.
 *
 * VERIFY on a deployed replication (CloudWatch console → AWS/DMS → dimensions): no primary source
 * pinned this name down. Every metric and alarm of this package takes the dimension from here, so a
 * wrong guess is fixed in one line, and the alarm tests assert this exact constant.
 */
export const DMS_SERVERLESS_METRIC_DIMENSION = 'ReplicationConfigIdentifier';

/** EventBridge `detail-type` of DMS Serverless replication state changes. */
export const DMS_REPLICATION_STATE_CHANGE = 'DMS Replication State Change';

/** The capacity units (DCU) DMS Serverless accepts for `minCapacityUnits` / `maxCapacityUnits`. */
export const DMS_CAPACITY_UNITS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384];
