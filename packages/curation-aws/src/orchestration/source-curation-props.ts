import { RawZone } from '@cdc-lakehouse/raw-zone';
import { Duration } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { CurationEngine } from './curation-engine';
import { TableOptimizers } from '../maintenance/table-optimizers';

/** Curation when new raw files arrive (S3 → EventBridge `Object Created`). */
export interface NewFilesTrigger {
  /** The source's raw zone: EventBridge notifications are switched on for its bucket. */
  readonly rawZone: RawZone;
  /** The folder DMS writes into (the S3 target's `bucketFolder`); only objects under `<folder>/` start a run. */
  readonly rawPrefix: string;
  /**
   * How long a run waits after taking the lock before it curates: files arriving meanwhile join the run
   * (their own executions coalesce through the lock). DMS writes a table's changes every minute or so.
   * @default Duration.seconds(120)
   */
  readonly debounce?: Duration;
}

/** Properties of {@link SourceCuration}. */
export interface SourceCurationProps {
  /** The source, e.g. `orders`. */
  readonly sourceName: string;
  /** The engine: `CurationEngine.glue(job)` or `CurationEngine.athena(workflow)`. */
  readonly engine: CurationEngine;
  /**
   * An EventBridge schedule expression, `rate(…)` or `cron(…)`.
   * @default no schedule
   */
  readonly schedule?: string;
  /**
   * Curate when new raw files arrive.
   * @default not on new files
   */
  readonly onNewFiles?: NewFilesTrigger;
  /**
   * An execution still running after this long is stopped (and alarmed); its lock is then taken over by the next run.
   * @default Duration.hours(3)
   */
  readonly timeout?: Duration;
  /** X-Ray tracing of the state machine. @default false */
  readonly tracing?: boolean;
  /** How long the state machine's execution logs are kept. @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Table holding the source's lock item (partition key `source`, a string); several sources may share one.
   * @default a table created here
   */
  readonly lockTable?: dynamodb.ITable;
  /** Glue table optimizers the state machine creates or updates after each round (deployment `state-machine`). */
  readonly tableOptimizers?: TableOptimizers;
  /** Topic for the alarms. @default a topic created here */
  readonly alarmTopic?: sns.ITopic;
  /**
   * Alarm when no round succeeded for this many schedule intervals (a `rate(…)` schedule); with a `cron(…)`
   * schedule or without a schedule, set `maxTimeWithoutSuccess` instead.
   * @default 3
   */
  readonly missedSchedulesBeforeAlarm?: number;
  /**
   * Alarm when no round succeeded for this long.
   * @default missedSchedulesBeforeAlarm × the rate; none for a cron schedule or no schedule
   */
  readonly maxTimeWithoutSuccess?: Duration;
  /**
   * Encrypts the execution logs and the created alarm topic.
   * @default a key created here (rotated)
   */
  readonly encryptionKey?: kms.IKey;
}
