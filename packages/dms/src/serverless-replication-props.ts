import { IReplicationNetwork } from '@cdc-lakehouse/networking';
import { Duration, Size } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import { DmsAccountRoles } from './account-roles';
import { TableMappings } from './table-mappings';

/** What a DMS replication does (DMS `replicationType`). */
export type ReplicationType = 'full-load-and-cdc' | 'full-load' | 'cdc';

/** The tunable part of a DMS Serverless replication, as source constructs pass it through (`replication?: …`). */
export interface ReplicationOptions {
  /**
   * Full load then ongoing changes, full load only, or changes only.
   *
   * @default 'full-load-and-cdc'
   */
  readonly replicationType?: ReplicationType;

  /**
   * Most DMS capacity units (1 DCU = 2 GB of memory) the replication may scale to.
   * One of 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384.
   *
   * @default 4
   */
  readonly maxCapacityUnits?: number;

  /**
   * Fewest DMS capacity units the replication scales down to; same allowed values, at most
   * `maxCapacityUnits`.
   *
   * @default - DMS's minimum (1)
   */
  readonly minCapacityUnits?: number;

  /**
   * Run the replication with a standby in a second Availability Zone (about twice the cost).
   *
   * @default false
   */
  readonly multiAz?: boolean;

  /**
   * Key that encrypts the replication's own storage (not the raw zone, which uses its own key).
   *
   * @default - the account's AWS-managed DMS key
   */
  readonly kmsKey?: kms.IKey;

  /**
   * Largest LOB (text, json/jsonb, bytea, arrays on PostgreSQL; TEXT/BLOB/JSON on MySQL) the
   * replication carries, in limited LOB mode (DMS `LobMaxSize`, whole KiB). Full LOB mode is not
   * available with an S3 target.
   *
   * DMS reserves this much memory per LOB column of the rows it buffers, so large values cost memory
   * (capacity units). A larger LOB is never silently truncated: the PostgreSQL endpoint sets
   * `failTasksOnLobTruncation` and the replication stops on data truncation (see the README).
   *
   * @default Size.kibibytes(32) (the DMS default)
   */
  readonly maxLobSize?: Size;

  /**
   * Weekly maintenance window, `ddd:hh24:mi-ddd:hh24:mi` in UTC, at least 30 minutes.
   *
   * @default - a window DMS picks
   */
  readonly preferredMaintenanceWindow?: string;
}

/** Thresholds of the alarms a replication creates. */
export interface ReplicationAlarmOptions {
  /**
   * Alarm when `CDCLatencySource` (how far the replication's reading lags the source's commits)
   * stays above this.
   *
   * @default Duration.minutes(5)
   */
  readonly cdcSourceLatencyThreshold?: Duration;

  /**
   * Alarm when `CDCLatencyTarget` (how far the files in S3 lag the source's commits) stays above
   * this. It includes the time DMS batches changes before writing a file (`cdcMaxBatchInterval`),
   * so it must be larger than that.
   *
   * @default Duration.minutes(15)
   */
  readonly cdcTargetLatencyThreshold?: Duration;

  /**
   * Period over which the latency metrics are aggregated (maximum).
   *
   * @default Duration.minutes(5)
   */
  readonly period?: Duration;

  /**
   * Number of consecutive periods above the threshold before a latency alarm fires.
   *
   * @default 3
   */
  readonly evaluationPeriods?: number;
}

/** Properties of {@link DmsServerlessReplication}. */
export interface DmsServerlessReplicationProps extends ReplicationOptions {
  /** The source replicated: names the replication config, its subnet group and its alarms. */
  readonly sourceName: string;

  /** The network: the replication runs in its private subnets with its replication security group. */
  readonly network: IReplicationNetwork;

  /** ARN of the source endpoint. */
  readonly sourceEndpointArn: string;

  /** ARN of the target endpoint (e.g. `DmsS3Target.endpointArn`). */
  readonly targetEndpointArn: string;

  /** Which tables to replicate. */
  readonly tableMappings: TableMappings;

  /**
   * Alarm thresholds.
   *
   * @default - the defaults of each threshold
   */
  readonly alarms?: ReplicationAlarmOptions;

  /**
   * The account-wide DMS roles created in this app; the subnet group and the replication config wait
   * for them.
   *
   * @default - no dependency: the roles must already exist in the account
   */
  readonly accountRoles?: DmsAccountRoles;
}
