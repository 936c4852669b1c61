import { Annotations, Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CURATION_METRIC_NAMESPACE } from '../athena/runtime/metric-names';
import { GlueCurationJob } from '../glue/glue-curation-job';

// defined beside the Athena runtime (no CDK imports there, so the Lambda bundles only the strings); the Glue engine's
// copy is glue-scripts/src/lakehouse_curation/freshness.py
export {
  CURATION_METRIC_NAMESPACE, FRESHNESS_METRIC, FRESHNESS_SOURCE_DIMENSION, FRESHNESS_TABLE_DIMENSION,
} from '../athena/runtime/metric-names';
/** Name of that metric (dimension `Source`). */
export const CURATION_SUCCEEDED_METRIC = 'CurationSucceeded';

/** Longest window a CloudWatch alarm evaluates (period × evaluation periods). */
const MAX_ALARM_WINDOW = Duration.days(1);

/** Properties of {@link CurationAlarms}. */
export interface CurationAlarmsProps {
  /** The source. */
  readonly sourceName: string;
  /** The source's curation state machine. */
  readonly stateMachine: sfn.IStateMachine;
  /** The Glue job, for the Glue engine: its failed or timed-out runs (also those started by hand) are alarmed. */
  readonly glueJob?: GlueCurationJob;
  /**
   * Alarm when no curation round succeeded for this long (e.g. 3 × the schedule's rate); at most one day, which is
   * the longest window CloudWatch evaluates.
   * @default no such alarm
   */
  readonly maxTimeWithoutSuccess?: Duration;
  /** Topic the alarms notify. @default a topic created here, encrypted with `encryptionKey` */
  readonly topic?: sns.ITopic;
  /** Key of the created topic; CloudWatch and EventBridge must be allowed to use it. */
  readonly encryptionKey: kms.IKey;
}

/**
 * The failure alarms of a source's curation, all notifying one SNS topic (KMS-encrypted, TLS-only when created here):
 * executions failed, executions timed out, Glue job runs failed or timed out (an EventBridge rule on Glue's job
 * state changes, which also sends the event itself to the topic), and no successful curation round for a while.
 * Each alarm is a property, so an app can add its own actions (a pager, a chat channel).
 */
export class CurationAlarms extends Construct {
  /** The topic every alarm notifies. */
  public readonly topic: sns.ITopic;
  /** Executions that failed (a table or the engine failed). */
  public readonly executionsFailed: cloudwatch.Alarm;
  /** Executions stopped by the state machine's timeout. */
  public readonly executionsTimedOut: cloudwatch.Alarm;
  /** Glue job runs that ended FAILED, TIMEOUT or ERROR (Glue engine only). */
  public readonly glueJobFailed?: cloudwatch.Alarm;
  /** The EventBridge rule matching those runs (targets the topic with the run's details). */
  public readonly glueJobFailedRule?: events.Rule;
  /** No successful curation round within `maxTimeWithoutSuccess`. */
  public readonly noRecentSuccess?: cloudwatch.Alarm;
  /** All alarms above. */
  public readonly alarms: cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: CurationAlarmsProps) {
    super(scope, id);
    this.topic = props.topic ?? new sns.Topic(this, 'Topic', {
      displayName: `Curation alarms of source ${props.sourceName}`,
      masterKey: props.encryptionKey,
      enforceSSL: true,
    });
    const period = Duration.minutes(5);
    this.executionsFailed = props.stateMachine.metricFailed({ period, statistic: 'Sum' }).createAlarm(this, 'ExecutionsFailed', {
      alarmDescription: `Curation of source ${props.sourceName} failed: see the failed execution (its error names the tables)`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.executionsTimedOut = props.stateMachine.metricTimedOut({ period, statistic: 'Sum' }).createAlarm(this, 'ExecutionsTimedOut', {
      alarmDescription: `Curation of source ${props.sourceName} timed out (its lock is taken over by the next run)`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    const alarms = [this.executionsFailed, this.executionsTimedOut];

    if (props.glueJob) {
      this.glueJobFailedRule = new events.Rule(this, 'GlueJobFailedRule', {
        description: `Runs of the curation Glue job of source ${props.sourceName} that failed or timed out`,
        eventPattern: {
          source: ['aws.glue'],
          detailType: ['Glue Job State Change'],
          detail: { jobName: [props.glueJob.job.jobName], state: ['FAILED', 'TIMEOUT', 'ERROR'] },
        },
      });
      this.glueJobFailedRule.addTarget(new targets.SnsTopic(this.topic, {
        message: events.RuleTargetInput.fromText(
          `Glue curation job ${events.EventField.fromPath('$.detail.jobName')} run ${events.EventField.fromPath('$.detail.jobRunId')}`
          + ` ended ${events.EventField.fromPath('$.detail.state')}: ${events.EventField.fromPath('$.detail.message')}`,
        ),
      }));
      this.glueJobFailed = new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'TriggeredRules',
        dimensionsMap: { RuleName: this.glueJobFailedRule.ruleName },
        statistic: 'Sum',
        period,
      }).createAlarm(this, 'GlueJobFailed', {
        alarmDescription: `A run of the curation Glue job of source ${props.sourceName} failed or timed out`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarms.push(this.glueJobFailed);
    }

    if (props.maxTimeWithoutSuccess) {
      let window = props.maxTimeWithoutSuccess;
      if (window.toSeconds() > MAX_ALARM_WINDOW.toSeconds()) {
        Annotations.of(this).addWarningV2('@cdc-lakehouse/curation-aws:alarmWindow',
          `maxTimeWithoutSuccess ${window.toHumanString()} is longer than CloudWatch evaluates; the alarm uses one day`);
        window = MAX_ALARM_WINDOW;
      }
      const minutes = Math.max(5, Math.ceil(window.toSeconds() / 60));
      this.noRecentSuccess = new cloudwatch.Metric({
        namespace: CURATION_METRIC_NAMESPACE,
        metricName: CURATION_SUCCEEDED_METRIC,
        dimensionsMap: { Source: props.sourceName },
        statistic: 'Sum',
        period: Duration.minutes(minutes),
      }).createAlarm(this, 'NoRecentSuccess', {
        alarmDescription: `No curation round of source ${props.sourceName} succeeded in ${minutes} minutes`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        // no data means no round succeeded (nothing ran, or every run failed)
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      });
      alarms.push(this.noRecentSuccess);
    }
    const action = new actions.SnsAction(this.topic);
    for (const alarm of alarms) alarm.addAlarmAction(action);
    this.alarms = alarms;
  }
}

/**
 * The interval of a `rate(…)` schedule expression, or undefined for a `cron(…)` one.
 */
export function rateInterval(expression: string): Duration | undefined {
  const m = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression);
  if (!m) return undefined;
  const n = Number(m[1]);
  return m[2].startsWith('minute') ? Duration.minutes(n) : m[2].startsWith('hour') ? Duration.hours(n) : Duration.days(n);
}
