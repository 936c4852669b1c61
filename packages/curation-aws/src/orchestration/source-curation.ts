import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { Duration, Names, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CURATION_METRIC_NAMESPACE, CURATION_SUCCEEDED_METRIC, CurationAlarms, rateInterval } from './curation-alarms';
import { CurationEngineBinding } from './curation-engine';
import { SourceCurationProps } from './source-curation-props';
import { CONDITION_FAILED, SourceLock } from './source-lock';
import { validateSourceName } from '../private/names';

const SCHEDULE = /^(rate\(\d+ (minute|minutes|hour|hours|day|days)\)|cron\([^()]+\))$/;

/**
 * When and how one source is curated, whatever its engine: one Step Functions state machine that takes the
 * source's lock, waits the debounce, runs the engine (the Glue job with `.sync`, or the Athena workflow), creates or
 * updates the table optimizers, records a success metric and releases the lock, curating once more if files
 * arrived meanwhile. Started by a schedule, by new raw files, or by hand; never two rounds of one source at once
 * (see {@link SourceLock}). Failures reach {@link CurationAlarms}.
 */
export class SourceCuration extends Construct {
  /** The source. */
  public readonly sourceName: string;
  /** `glue` or `athena`. */
  public readonly engine: 'glue' | 'athena';
  /** The state machine. */
  public readonly stateMachine: sfn.StateMachine;
  /** The state machine's name, a literal: what other stacks (the dashboard) name it by, without an export. */
  public readonly stateMachineName: string;
  /** The table holding the lock item. */
  public readonly lockTable: dynamodb.ITable;
  /** The execution log group (KMS-encrypted). */
  public readonly logGroup: logs.LogGroup;
  /** The alarms and their topic. */
  public readonly alarms: CurationAlarms;
  /** Key of the logs and of the created alarm topic. */
  public readonly encryptionKey: kms.IKey;
  /** The schedule rule, when there is a schedule. */
  public readonly scheduleRule?: events.Rule;
  /** The new-files rule, when curation follows new raw files. */
  public readonly newFilesRule?: events.Rule;

  constructor(scope: Construct, id: string, props: SourceCurationProps) {
    super(scope, id);
    validateSourceName('sourceName', props.sourceName);
    if (props.schedule !== undefined && !SCHEDULE.test(props.schedule)) {
      throw new Error(`schedule: '${props.schedule}' is not an EventBridge schedule; use rate(<n> minutes|hours|days) or cron(<6 fields>)`);
    }
    const timeout = props.timeout ?? Duration.hours(3);
    const debounce = props.onNewFiles ? props.onNewFiles.debounce ?? Duration.seconds(120) : undefined;
    if (debounce && debounce.toSeconds() >= timeout.toSeconds()) throw new Error('onNewFiles.debounce must be shorter than timeout');
    this.sourceName = props.sourceName;
    // a literal name: the role describes the executions of its own state machine (lock owners)
    const stateMachineName = Names.uniqueResourceName(this, { maxLength: 80, separator: '-' });
    this.stateMachineName = stateMachineName;
    const logGroupName = `/aws/vendedlogs/states/${stateMachineName}`;

    this.encryptionKey = props.encryptionKey ?? this.createKey(logGroupName);
    this.lockTable = props.lockTable ?? new dynamodb.TableV2(this, 'Lock', {
      partitionKey: { name: 'source', type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // a lock, not data: nothing to keep when the stack goes
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      logGroupName,
      encryptionKey: this.encryptionKey,
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const lock = new SourceLock(this, 'Lock States', { table: this.lockTable, sourceName: props.sourceName, stateMachineName });
    const engine = props.engine.bind(this);
    this.engine = engine.name;
    const definition = this.definition(lock, engine, props, debounce);

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      comment: `Curation of source ${props.sourceName} (${engine.name}): lock, debounce, curate, maintain, release`,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      timeout,
      tracingEnabled: props.tracing ?? false,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.grantStateMachine(lock, props);
    engine.grant?.(this.stateMachine);

    if (props.schedule !== undefined) {
      this.scheduleRule = new events.Rule(this, 'Schedule', {
        description: `Curates source ${props.sourceName} on ${props.schedule}`,
        schedule: events.Schedule.expression(props.schedule),
      });
      this.scheduleRule.addTarget(new targets.SfnStateMachine(this.stateMachine, {
        input: events.RuleTargetInput.fromObject({ trigger: 'schedule' }),
        retryAttempts: 10,
      }));
    }
    if (props.onNewFiles) {
      const prefix = props.onNewFiles.rawPrefix;
      enableEventBridge(props.onNewFiles.rawZone.bucket);
      this.newFilesRule = new events.Rule(this, 'NewFiles', {
        description: `Curates source ${props.sourceName} when DMS writes files under ${Token.isUnresolved(prefix) ? 'its folder' : prefix}/`,
        eventPattern: {
          source: ['aws.s3'],
          detailType: ['Object Created'],
          detail: { bucket: { name: [props.onNewFiles.rawZone.bucket.bucketName] }, object: { key: [{ prefix: `${prefix}/` }] } },
        },
      });
      this.newFilesRule.addTarget(new targets.SfnStateMachine(this.stateMachine, {
        input: events.RuleTargetInput.fromObject({ trigger: 'new-files', key: events.EventField.fromPath('$.detail.object.key') }),
        retryAttempts: 10,
      }));
    }

    const interval = props.schedule ? rateInterval(props.schedule) : undefined;
    const maxTimeWithoutSuccess = props.maxTimeWithoutSuccess
      ?? (interval ? Duration.minutes(interval.toMinutes() * (props.missedSchedulesBeforeAlarm ?? 3)) : undefined);
    this.alarms = new CurationAlarms(this, 'Alarms', {
      sourceName: props.sourceName,
      stateMachine: this.stateMachine,
      glueJob: engine.glueJob,
      maxTimeWithoutSuccess,
      topic: props.alarmTopic,
      encryptionKey: this.encryptionKey,
    });
  }

  /** Lets `grantee` start a curation round by hand (it coalesces with a running one). */
  public grantStart(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  private definition(lock: SourceLock, engine: CurationEngineBinding, props: SourceCurationProps, debounce?: Duration): sfn.IChainable {
    const curate = new sfn.Parallel(this, 'Curate', {
      comment: `One curation round of source ${props.sourceName} (${engine.name})`,
      resultPath: sfn.JsonPath.DISCARD,
    });
    const round = props.tableOptimizers
      ? sfn.Chain.start(engine.chain).next(props.tableOptimizers.ensureStates(this, 'Optimizers'))
      : engine.chain;
    curate.branch(round);

    const failed = new sfn.Fail(this, 'Curation failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    curate.addCatch(lock.releaseAfterFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    lock.releaseAfterFailure.addCatch(failed, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    lock.releaseAfterFailure.next(failed);

    const recordSuccess = new sfn.CustomState(this, 'Record success', {
      stateJson: {
        Type: 'Task',
        Comment: `Publish ${CURATION_METRIC_NAMESPACE} ${CURATION_SUCCEEDED_METRIC} for the freshness alarm`,
        Resource: `arn:${Stack.of(this).partition}:states:::aws-sdk:cloudwatch:putMetricData`,
        Parameters: {
          Namespace: CURATION_METRIC_NAMESPACE,
          MetricData: [{ MetricName: CURATION_SUCCEEDED_METRIC, Dimensions: [{ Name: 'Source', Value: props.sourceName }], Value: 1, Unit: 'Count' }],
        },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, BackoffRate: 2, IntervalSeconds: 1 }],
      },
    });
    const done = new sfn.Succeed(this, 'Curated');

    const roundStart: sfn.IChainable & sfn.INextable = debounce && debounce.toSeconds() > 0
      ? new sfn.Wait(this, 'Debounce', { time: sfn.WaitTime.duration(debounce), comment: 'Let the files of this burst arrive' })
      : new sfn.Pass(this, 'Round', { comment: 'Start of a curation round' });
    roundStart.next(curate);
    curate.next(recordSuccess).next(lock.release).next(done);
    lock.acquire.next(roundStart);
    lock.takeOver.next(roundStart);
    lock.clearPending.next(roundStart);
    return lock.acquire;
  }

  private grantStateMachine(lock: SourceLock, props: SourceCurationProps): void {
    const role = this.stateMachine.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['cloudwatch:PutMetricData'],
      resources: ['*'],
      conditions: { StringEquals: { 'cloudwatch:namespace': CURATION_METRIC_NAMESPACE } },
    }));
    props.tableOptimizers?.grantPassRoles(role);
    // the log delivery actions and PutMetricData have no resource-level permissions
    acknowledgeResource(role, 'AwsSolutions-IAM5', '*',
      'CloudWatch Logs delivery (logs:*LogDelivery*, logs:Describe*), X-Ray, and cloudwatch:PutMetricData (limited to the '
      + `${CURATION_METRIC_NAMESPACE} namespace) have no resource-level permissions.`);
    acknowledgeResource(role, 'AwsSolutions-IAM5', lock.executionsArn(),
      'The lock is checked against the execution holding it: states:DescribeExecution on executions of this state machine only.');
    if (!(props.tracing ?? false)) {
      Validations.of(this.stateMachine).acknowledge({ id: 'AwsSolutions-SF2', reason: 'X-Ray tracing is optional (props.tracing); execution history and ALL-level logs cover a run.' });
    }
  }

  private createKey(logGroupName: string): kms.Key {
    const stack = Stack.of(this);
    const key = new kms.Key(this, 'Key', {
      description: `Encrypts the curation logs and alarm topic of a source (${this.node.path})`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal(`logs.${stack.region}.amazonaws.com`)],
      actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      resources: ['*'],
      conditions: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${logGroupName}` } },
    }));
    // alarms and EventBridge publish to the encrypted topic
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com'), new iam.ServicePrincipal('events.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
    }));
    return key;
  }
}

/** Has S3 send the bucket's events to EventBridge (a bucket property: no notification custom resource). */
function enableEventBridge(bucket: s3.IBucket): void {
  const cfn = bucket.node.defaultChild;
  if (!(cfn instanceof s3.CfnBucket)) throw new Error('onNewFiles.rawZone: the raw bucket must be defined in this app to switch on EventBridge');
  cfn.addPropertyOverride('NotificationConfiguration.EventBridgeConfiguration.EventBridgeEnabled', true);
}
