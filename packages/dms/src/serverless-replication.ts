import { Duration, Size } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dms from 'aws-cdk-lib/aws-dms';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import {
  DMS_CAPACITY_UNITS,
  DMS_METRIC_NAMESPACE,
  DMS_REPLICATION_STATE_CHANGE,
  DMS_SERVERLESS_METRIC_DIMENSION,
} from './constants';
import { DmsServerlessReplicationProps, ReplicationType } from './serverless-replication-props';
import { validateSourceName } from './source-name';

const REPLICATION_TYPES: readonly ReplicationType[] = ['full-load-and-cdc', 'full-load', 'cdc'];
const MAINTENANCE_WINDOW = /^(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}-(mon|tue|wed|thu|fri|sat|sun):\d{2}:\d{2}$/i;
const LOG_COMPONENTS = ['SOURCE_UNLOAD', 'SOURCE_CAPTURE', 'TARGET_LOAD', 'TARGET_APPLY', 'TASK_MANAGER'];

/**
 * A DMS Serverless replication (`AWS::DMS::ReplicationConfig`) from a source endpoint to a target
 * endpoint, in the network's private subnets (through its own `AWS::DMS::ReplicationSubnetGroup`)
 * behind the network's replication security group, with:
 *
 * - validated capacity (`maxCapacityUnits` / `minCapacityUnits` among the values DMS accepts);
 * - CloudWatch logging on;
 * - limited LOB mode with a configurable maximum size, and truncation made loud
 *   (`ErrorBehavior.DataTruncationErrorPolicy: STOP_TASK`);
 * - data and table errors stopping the replication rather than skipping rows, so the lake never
 *   silently diverges from the source (the failure alarm then fires);
 * - a source `DROP TABLE` / `TRUNCATE` leaving the raw zone's files alone (history is kept);
 * - alarms on CDC source and target latency and on a failed replication.
 */
export class DmsServerlessReplication extends Construct {
  /** The `AWS::DMS::ReplicationConfig`. */
  public readonly replicationConfig: dms.CfnReplicationConfig;

  /** The `AWS::DMS::ReplicationSubnetGroup` over the network's private subnets. */
  public readonly subnetGroup: dms.CfnReplicationSubnetGroup;

  /** Identifier of the replication config (`<sourceName>-replication`), also its metric dimension value. */
  public readonly replicationConfigIdentifier: string;

  /** Alarm: `CDCLatencySource` above its threshold (the replication reads the source too late). */
  public readonly cdcSourceLatencyAlarm: cloudwatch.Alarm;

  /** Alarm: `CDCLatencyTarget` above its threshold (changes reach the raw zone too late). */
  public readonly cdcTargetLatencyAlarm: cloudwatch.Alarm;

  /**
   * EventBridge rule matching this replication's "DMS Replication State Change" events that report
   * a failure. It has no target: add one to route the event itself
   * (`failureRule.addTarget(new targets.SnsTopic(topic))`).
   */
  public readonly failureRule: events.Rule;

  /** Alarm: the failure rule matched at least once in a minute (EventBridge `TriggeredRules`). */
  public readonly failureAlarm: cloudwatch.Alarm;

  private readonly latencyPeriod: Duration;

  constructor(scope: Construct, id: string, props: DmsServerlessReplicationProps) {
    super(scope, id);
    validateSourceName(props.sourceName, 'DmsServerlessReplication');
    const owner = `DmsServerlessReplication "${props.sourceName}"`;
    const replicationType = props.replicationType ?? 'full-load-and-cdc';
    if (!REPLICATION_TYPES.includes(replicationType)) {
      throw new Error(`${owner}: replicationType "${replicationType}" is not supported; allowed values: ${REPLICATION_TYPES.join(', ')}`);
    }
    const maxCapacityUnits = props.maxCapacityUnits ?? 4;
    validateCapacity(owner, 'maxCapacityUnits', maxCapacityUnits);
    if (props.minCapacityUnits !== undefined) {
      validateCapacity(owner, 'minCapacityUnits', props.minCapacityUnits);
      if (props.minCapacityUnits > maxCapacityUnits) {
        throw new Error(`${owner}: minCapacityUnits (${props.minCapacityUnits}) must not exceed maxCapacityUnits (${maxCapacityUnits})`);
      }
    }
    if (props.preferredMaintenanceWindow !== undefined && !MAINTENANCE_WINDOW.test(props.preferredMaintenanceWindow)) {
      throw new Error(`${owner}: preferredMaintenanceWindow "${props.preferredMaintenanceWindow}" is invalid; use ddd:hh24:mi-ddd:hh24:mi in UTC, e.g. "sun:02:00-sun:03:00"`);
    }
    const lobMaxSizeKb = lobSizeKb(owner, props.maxLobSize ?? Size.kibibytes(32));

    this.replicationConfigIdentifier = `${props.sourceName}-replication`;

    this.subnetGroup = new dms.CfnReplicationSubnetGroup(this, 'SubnetGroup', {
      // DMS stores identifiers in lowercase; a generated mixed-case name would not match its own Ref.
      replicationSubnetGroupIdentifier: `${props.sourceName}-replication-subnets`,
      replicationSubnetGroupDescription: `DMS replication of source ${props.sourceName}: private subnets of the lakehouse network`,
      subnetIds: props.network.replicationSubnetIds,
    });

    this.replicationConfig = new dms.CfnReplicationConfig(this, 'Resource', {
      replicationConfigIdentifier: this.replicationConfigIdentifier,
      replicationType,
      sourceEndpointArn: props.sourceEndpointArn,
      targetEndpointArn: props.targetEndpointArn,
      computeConfig: {
        maxCapacityUnits,
        minCapacityUnits: props.minCapacityUnits,
        multiAz: props.multiAz ?? false,
        replicationSubnetGroupId: this.subnetGroup.ref,
        vpcSecurityGroupIds: [props.network.replicationSecurityGroup.securityGroupId],
        kmsKeyId: props.kmsKey?.keyArn,
        preferredMaintenanceWindow: props.preferredMaintenanceWindow,
      },
      tableMappings: props.tableMappings.render(),
      replicationSettings: replicationSettings(lobMaxSizeKb),
    });

    if (props.accountRoles) {
      // dms-vpc-role must exist before DMS accepts a subnet group; dms-cloudwatch-logs-role before logging starts.
      this.subnetGroup.node.addDependency(props.accountRoles);
      this.replicationConfig.node.addDependency(props.accountRoles);
    }

    const alarms = props.alarms ?? {};
    this.latencyPeriod = alarms.period ?? Duration.minutes(5);
    const evaluationPeriods = alarms.evaluationPeriods ?? 3;
    if (!Number.isInteger(evaluationPeriods) || evaluationPeriods < 1) {
      throw new Error(`${owner}: alarms.evaluationPeriods must be a whole number, at least 1 (got ${evaluationPeriods})`);
    }
    if (this.latencyPeriod.toSeconds() < 60 || this.latencyPeriod.toSeconds() % 60 !== 0) {
      throw new Error(`${owner}: alarms.period must be a whole number of minutes (got ${this.latencyPeriod.toHumanString()})`);
    }
    const sourceThreshold = alarms.cdcSourceLatencyThreshold ?? Duration.minutes(5);
    const targetThreshold = alarms.cdcTargetLatencyThreshold ?? Duration.minutes(15);

    this.cdcSourceLatencyAlarm = this.metricCdcLatencySource().createAlarm(this, 'CdcSourceLatencyAlarm', {
      alarmDescription: `DMS replication ${this.replicationConfigIdentifier}: CDCLatencySource above ${sourceThreshold.toHumanString()} `
        + `for ${evaluationPeriods} x ${this.latencyPeriod.toHumanString()} (reading the source falls behind)`,
      threshold: sourceThreshold.toSeconds(),
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      // No CDC data while stopped or during a full load only; a stop for a failure is the failure alarm's job.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.cdcTargetLatencyAlarm = this.metricCdcLatencyTarget().createAlarm(this, 'CdcTargetLatencyAlarm', {
      alarmDescription: `DMS replication ${this.replicationConfigIdentifier}: CDCLatencyTarget above ${targetThreshold.toHumanString()} `
        + `for ${evaluationPeriods} x ${this.latencyPeriod.toHumanString()} (changes reach the raw zone late)`,
      threshold: targetThreshold.toSeconds(),
      evaluationPeriods,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.failureRule = new events.Rule(this, 'FailureRule', {
      description: `DMS replication ${this.replicationConfigIdentifier} failed`,
      eventPattern: {
        source: ['aws.dms'],
        detailType: [DMS_REPLICATION_STATE_CHANGE],
        resources: [this.replicationConfigArn],
        // VERIFY the event detail on a real failure; either field is enough to match.
        detail: {
          $or: [
            { eventType: events.Match.wildcard('*FAIL*') },
            { category: ['Failure'] },
          ],
        },
      },
    });
    this.failureAlarm = this.metricFailures().createAlarm(this, 'FailureAlarm', {
      alarmDescription: `DMS replication ${this.replicationConfigIdentifier} reported a failure (EventBridge rule ${DMS_REPLICATION_STATE_CHANGE})`,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** ARN of the replication config (also the ARN of the serverless replication). */
  public get replicationConfigArn(): string {
    return this.replicationConfig.attrReplicationConfigArn;
  }

  /** The three alarms of this replication: CDC source latency, CDC target latency, failure. */
  public get alarms(): cloudwatch.IAlarm[] {
    return [this.cdcSourceLatencyAlarm, this.cdcTargetLatencyAlarm, this.failureAlarm];
  }

  /**
   * Route every alarm of this replication, e.g. `replication.addAlarmAction(new SnsAction(topic))`.
   */
  public addAlarmAction(...actions: cloudwatch.IAlarmAction[]): void {
    for (const alarm of [this.cdcSourceLatencyAlarm, this.cdcTargetLatencyAlarm, this.failureAlarm]) {
      alarm.addAlarmAction(...actions);
    }
  }

  /**
   * A DMS metric of this replication (namespace `AWS/DMS`, dimension `DMS_SERVERLESS_METRIC_DIMENSION`).
   *
   * @default - maximum over the alarm period
   */
  public metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: DMS_METRIC_NAMESPACE,
      metricName,
      dimensionsMap: { [DMS_SERVERLESS_METRIC_DIMENSION]: this.replicationConfigIdentifier },
      statistic: cloudwatch.Stats.MAXIMUM,
      period: this.latencyPeriod,
      ...props,
    });
  }

  /** Seconds between a commit at the source and DMS reading it (`CDCLatencySource`). */
  public metricCdcLatencySource(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CDCLatencySource', props);
  }

  /** Seconds between a commit at the source and its change being written to the target (`CDCLatencyTarget`). */
  public metricCdcLatencyTarget(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('CDCLatencyTarget', props);
  }

  /** Number of failure events of this replication (EventBridge `TriggeredRules` of `failureRule`). */
  public metricFailures(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/Events',
      metricName: 'TriggeredRules',
      dimensionsMap: { RuleName: this.failureRule.ruleName },
      statistic: cloudwatch.Stats.SUM,
      period: Duration.minutes(1),
      ...props,
    });
  }
}

function validateCapacity(owner: string, prop: string, value: number): void {
  if (!DMS_CAPACITY_UNITS.includes(value)) {
    throw new Error(`${owner}: ${prop} ${value} is not a DMS Serverless capacity; allowed values: ${DMS_CAPACITY_UNITS.join(', ')}`);
  }
}

function lobSizeKb(owner: string, size: Size): number {
  let kb: number;
  try {
    kb = size.toKibibytes();
  } catch (e) {
    throw new Error(`${owner}: maxLobSize must be a whole number of KiB: ${(e as Error).message}`);
  }
  if (!Number.isInteger(kb) || kb < 1) {
    throw new Error(`${owner}: maxLobSize must be a whole number of KiB, at least 1 (got ${kb})`);
  }
  return kb;
}

/** DMS task settings of a replication into the raw zone. */
function replicationSettings(lobMaxSizeKb: number): Record<string, unknown> {
  return {
    Logging: {
      EnableLogging: true,
      LogComponents: LOG_COMPONENTS.map(Id => ({ Id, Severity: 'LOGGER_SEVERITY_DEFAULT' })),
    },
    TargetMetadata: {
      // Full LOB mode is not supported with an S3 target: limited mode, sized explicitly.
      SupportLobs: true,
      FullLobMode: false,
      LimitedSizeLobMode: true,
      LobMaxSize: lobMaxSizeKb,
    },
    ChangeProcessingDdlHandlingPolicy: {
      // A DROP or TRUNCATE at the source must not delete the table's history from the raw zone.
      HandleSourceTableDropped: false,
      HandleSourceTableTruncated: false,
      HandleSourceTableAltered: true,
    },
    ChangeProcessingTuning: {
      BatchApplyPreserveTransaction: true,
      BatchApplyTimeoutMin: 1,
      BatchApplyTimeoutMax: 30,
      BatchApplyMemoryLimit: 500,
      BatchSplitSize: 0,
      MinTransactionSize: 1000,
      CommitTimeout: 1,
      MemoryLimitTotal: 1024,
      MemoryKeepTime: 60,
      StatementCacheSize: 50,
    },
    ErrorBehavior: {
      // A lake that skips rows diverges silently from its source: stop instead, and let the failure alarm fire.
      DataErrorPolicy: 'STOP_TASK',
      DataTruncationErrorPolicy: 'STOP_TASK',
      TableErrorPolicy: 'STOP_TASK',
      // Transient errors (network, source restart) are retried with back-off, then the replication stops.
      RecoverableErrorCount: -1,
      RecoverableErrorInterval: 5,
      RecoverableErrorThrottling: true,
      RecoverableErrorThrottlingMax: 1800,
      RecoverableErrorStopRetryAfterThrottlingMax: true,
      // Mappings that match no table are a mistake, not an empty replication.
      FailOnNoTablesCaptured: true,
    },
  };
}
