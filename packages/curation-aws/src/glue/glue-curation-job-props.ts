import { RawZone } from '@cdc-lakehouse/raw-zone';
import { Duration } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as logs from 'aws-cdk-lib/aws-logs';
import { CurationTable } from './job-spec';
import { LakehouseWarehouse } from '../warehouse/lakehouse-warehouse';

/**
 * Properties of a {@link GlueCurationJob}.
 */
export interface GlueCurationJobProps {
  /** The source the job curates, e.g. `orders`; its tables go to the warehouse database `curated_<source>`. */
  readonly sourceName: string;

  /** The source's raw zone: the job reads (only) this bucket, decrypting with its key. */
  readonly rawZone: RawZone;

  /**
   * Folder of the raw zone DMS writes into (its S3 target's `bucketFolder`); the job reads
   * `<folder>/<schema>/<table>/` and gets `--raw_root s3://<raw bucket>/<folder>`.
   */
  readonly rawPrefix: string;

  /** The warehouse the curated Iceberg tables live in; it must hold the source's curated database. */
  readonly warehouse: LakehouseWarehouse;

  /**
   * The tables to curate, as the source entry in `.projenrc.ts` declares them: the job spec
   * (keys, partitioning, delete handling, generated SQL) is generated from them at synth.
   */
  readonly tables: readonly CurationTable[];

  /**
   * Glue worker type.
   *
   * @default glue.WorkerType.G_1X (4 vCPU, 16 GB)
   */
  readonly workerType?: glue.WorkerType;

  /**
   * Number of workers, at least 2 (one driver, one executor).
   *
   * @default 2
   */
  readonly workerCount?: number;

  /**
   * A run still going after this long is stopped (and fails).
   *
   * @default Duration.minutes(60)
   */
  readonly timeout?: Duration;

  /**
   * How often Glue restarts a failed run by itself, 0-10. Runs are idempotent, so a retry is safe;
   * with 0 the next scheduled run picks up where the failed one stopped.
   *
   * @default 0
   */
  readonly maxRetries?: number;

  /**
   * Whether Lake Formation governs the curated tables: the role then gets `lakeformation:GetDataAccess`
   * (the tables also need LF `ALL` for the role and full-table access allowed for external engines).
   *
   * @default false
   */
  readonly lakeFormation?: boolean;

  /**
   * Whether the job publishes Glue's job profiling and observability metrics to CloudWatch; they need
   * `cloudwatch:PutMetricData`, which IAM cannot scope to a resource (the namespace is restricted to `Glue`).
   *
   * @default false (run state still reaches EventBridge and the Glue console)
   */
  readonly metrics?: boolean;

  /**
   * How long the job's continuous logs (driver and executors) are kept.
   *
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Name of the Glue job: a literal (the dashboard and the alarms of other stacks name the job by it, without an export).
   *
   * @default - a name unique to this construct's path, e.g. `LakehouseSourceorders-Curation-1A2B3C4D`
   */
  readonly jobName?: string;

  /**
   * Folder holding `curate_table.py` and `src/lakehouse_curation/` (shipped as `--extra-py-files`).
   *
   * @default - the workspace's `glue-scripts/`, found by walking up from this package
   */
  readonly glueScriptsDir?: string;
}
