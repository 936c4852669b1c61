import { IReplicationNetwork } from '@cdc-lakehouse/networking';
import { RawZone } from '@cdc-lakehouse/raw-zone';
import { DmsAccountRoles } from './account-roles';
import { S3TargetOptions } from './s3-target-props';
import { ReplicationAlarmOptions, ReplicationOptions } from './serverless-replication-props';
import { SourceTable, TableSelector } from './source-table';
import { DmsSourceTlsProps } from './tls';

/**
 * What every DMS source construct (`PostgresSource`, `MysqlSource`, …) takes besides its engine
 * settings: where it runs, where it writes, which tables, and how the replication is sized.
 */
export interface DmsSourceProps extends DmsSourceTlsProps {
  /**
   * Name of the source: lowercase letters, digits and single hyphens, starting with a letter, at
   * most 48 characters. It names the raw-zone folder, the replication config
   * (`<sourceName>-replication`), its subnet group and its alarms, so it must be unique per account
   * and region.
   */
  readonly sourceName: string;

  /** The lakehouse network: the replication runs in its private subnets behind its replication security group. */
  readonly network: IReplicationNetwork;

  /** The raw zone the changes are written into. */
  readonly rawZone: RawZone;

  /**
   * Secrets Manager secret with the connection details (`host`, `port`, `username`, `password`), by
   * name or ARN. No password appears in any template; DMS reads the secret through a role scoped to
   * exactly this secret. A name is scoped as `…:secret:<name>-??????`.
   */
  readonly secret: string;

  /**
   * ARN of the customer-managed KMS key that encrypts the secret.
   *
   * @default - the secret uses the AWS-managed key (no `kms:Decrypt` grant needed)
   */
  readonly secretKmsKeyArn?: string;

  /** The tables to replicate; `%` is a wildcard in schema and table names. */
  readonly tables: SourceTable[];

  /**
   * Tables to leave out although `tables` matches them; `%` is a wildcard.
   *
   * @default - none
   */
  readonly exclude?: TableSelector[];

  /**
   * Replication type, capacity, Multi-AZ, LOB size.
   *
   * @default - full load and CDC, up to 4 DCU, single-AZ, LOBs up to 32 KiB
   */
  readonly replication?: ReplicationOptions;

  /**
   * CDC file batching, date folders, compression of the S3 target.
   *
   * @default - a file every 60 s or 32000 KiB, no date folders, GZIP
   */
  readonly target?: S3TargetOptions;

  /**
   * Alarm thresholds.
   *
   * @default - CDC source latency 5 min, CDC target latency 15 min, over 3 periods of 5 min
   */
  readonly alarms?: ReplicationAlarmOptions;

  /**
   * Create the account-wide DMS roles (`dms-vpc-role`, `dms-cloudwatch-logs-role`) if missing
   * (one `DmsAccountRoles` per stack, shared by its sources). Set `false` when the account already
   * has them.
   *
   * @default true
   */
  readonly createAccountRoles?: boolean;

  /**
   * Account roles created elsewhere in this app (e.g. in a platform stack) to wait for, instead of
   * creating them in this source's stack. Takes precedence over `createAccountRoles`.
   *
   * @default - see `createAccountRoles`
   */
  readonly accountRoles?: DmsAccountRoles;
}
