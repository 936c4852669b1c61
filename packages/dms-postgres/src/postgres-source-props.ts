import { DmsSourceProps } from '@cdc-lakehouse/dms';
import { Duration } from 'aws-cdk-lib';

/**
 * Logical-decoding plugin DMS uses on the source (DMS `pluginName`). `pgoutput` is not a DMS value:
 * DMS speaks `test_decoding` or `pglogical` only.
 */
export type PostgresPlugin = 'test-decoding' | 'pglogical';

/** Properties of {@link PostgresSource}. */
export interface PostgresSourceProps extends DmsSourceProps {
  /** Database to replicate from (DMS reads one database per endpoint). */
  readonly databaseName: string;

  /**
   * Logical-decoding plugin. `test-decoding` ships with PostgreSQL and needs no extension;
   * `pglogical` needs the extension installed and in `shared_preload_libraries`.
   *
   * @default 'test-decoding'
   */
  readonly pluginName?: PostgresPlugin;

  /**
   * Have DMS write a heartbeat on the source regularly, so the replication slot's restart LSN keeps
   * moving on an idle database (otherwise the slot holds WAL until the disk fills).
   *
   * @default true
   */
  readonly heartbeatEnable?: boolean;

  /**
   * Interval of the heartbeat, whole minutes.
   *
   * @default Duration.minutes(5) (the DMS default)
   */
  readonly heartbeatFrequency?: Duration;

  /**
   * Schema in which DMS creates its heartbeat table.
   *
   * @default 'public'
   */
  readonly heartbeatSchema?: string;

  /**
   * Let DMS capture DDL through an event trigger: it creates the table `awsdms_ddl_audit`, the
   * function `awsdms_intercept_ddl` and an event trigger in `ddlArtifactsSchema` (which needs
   * superuser / `rds_superuser`). Off by default: no objects are installed on the source and the DMS
   * user needs fewer rights; the cost is that a source `ALTER TABLE` (e.g. a new column) reaches
   * the raw zone only after the table is reloaded.
   *
   * @default false
   */
  readonly captureDdls?: boolean;

  /**
   * Schema for the DDL-capture objects. Only with `captureDdls: true`.
   *
   * @default - DMS's default, `public`
   */
  readonly ddlArtifactsSchema?: string;

  /**
   * Name of a logical replication slot created beforehand (with the same plugin) for DMS to use.
   * Lowercase letters, digits and `_`, at most 63 characters.
   *
   * @default - DMS creates and names its own slot
   */
  readonly slotName?: string;
}
