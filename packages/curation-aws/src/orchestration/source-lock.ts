import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

/** The error a DynamoDB task raises when its condition does not hold. */
export const CONDITION_FAILED = 'DynamoDB.ConditionalCheckFailedException';
/** DynamoDB errors worth retrying (throttling, transient service errors). */
const DYNAMODB_TRANSIENT = ['DynamoDB.ProvisionedThroughputExceededException', 'DynamoDB.ThrottlingException', 'DynamoDB.InternalServerErrorException'];

/** Where the states keep what they learn about the lock in the execution's state. */
const LOCK_PATH = '$.lock';

/**
 * The states that hold one source's lock item: at most one execution of a source curates at a time.
 *
 * The item `{ source, owner, since, pending }` is taken with a conditional write (`attribute_not_exists(owner)`).
 * An execution that finds it taken sets `pending` and ends as *coalesced*, unless the owner is no longer running
 * (stopped, timed out: its release never ran), in which case it takes the lock over from that owner. The owner
 * releases with the condition `pending` unset: when the condition fails, files arrived during the run, so it clears
 * `pending` and curates once more. Setting `pending` requires the owner to be there, so a release and a late
 * arrival cannot both miss each other: either the arrival sees no owner and acquires, or the release sees `pending`.
 *
 * @internal
 */
export class SourceLock extends Construct {
  /** First state: acquire (or take over, or coalesce). */
  public readonly acquire: tasks.DynamoUpdateItem;
  /** Release after a successful round; loops to `onPending` when files arrived meanwhile. */
  public readonly release: tasks.DynamoUpdateItem;
  /** Release after a failed round (whatever `pending` says), then the given failure. */
  public readonly releaseAfterFailure: tasks.DynamoUpdateItem;
  /** End of an execution that found the lock held by a running execution. */
  public readonly coalesced: sfn.Succeed;
  /** After taking the lock over from a stopped owner (continues like `acquire`). */
  public readonly takeOver: tasks.DynamoUpdateItem;
  /** After clearing `pending` (continues with the next round). */
  public readonly clearPending: tasks.DynamoUpdateItem;

  constructor(scope: Construct, id: string, private readonly props: {
    readonly table: dynamodb.ITable;
    readonly sourceName: string;
    /** Name of the state machine the states run in (a literal: its role may describe its own executions). */
    readonly stateMachineName: string;
  }) {
    super(scope, id);
    const key = { source: tasks.DynamoAttributeValue.fromString(props.sourceName) };
    const me = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.Execution.Id'));
    const now = tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt('$$.State.EnteredTime'));
    const names = { '#owner': 'owner', '#since': 'since', '#pending': 'pending' };
    const bool = (value: boolean) => tasks.DynamoAttributeValue.fromBoolean(value);

    this.acquire = this.update('Acquire lock', {
      comment: 'Take the source lock unless another execution holds it',
      key,
      updateExpression: 'SET #owner = :me, #since = :now, #pending = :false',
      conditionExpression: 'attribute_not_exists(#owner)',
      expressionAttributeNames: names,
      expressionAttributeValues: { ':me': me, ':now': now, ':false': bool(false) },
    });

    const markPending = this.update('Mark pending', {
      comment: 'The lock is held: ask its owner for one more round',
      key,
      updateExpression: 'SET #pending = :true',
      conditionExpression: 'attribute_exists(#owner)',
      expressionAttributeNames: names,
      expressionAttributeValues: { ':true': bool(true) },
      returnValues: tasks.DynamoReturnValues.ALL_NEW,
      resultSelector: { 'owner.$': '$.Attributes.owner.S' },
      resultPath: LOCK_PATH,
    });
    // released in between: try again
    markPending.addCatch(this.acquire, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    this.acquire.addCatch(markPending, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });

    const describeOwner = new tasks.CallAwsService(this, 'Describe lock owner', {
      comment: 'Is the execution holding the lock still running?',
      service: 'sfn',
      action: 'describeExecution',
      parameters: { 'ExecutionArn.$': `${LOCK_PATH}.owner` },
      iamAction: 'states:DescribeExecution',
      iamResources: [this.executionsArn()],
      resultSelector: { 'owner.$': '$.ExecutionArn', 'status.$': '$.Status' },
      resultPath: LOCK_PATH,
    });
    describeOwner.addRetry({ errors: ['Sfn.SfnException', 'Sfn.ThrottlingException'], maxAttempts: 3, backoffRate: 2 });

    this.coalesced = new sfn.Succeed(this, 'Coalesced', {
      comment: 'A running execution of this source curates these files in its next round',
    });
    const takeOver = this.update('Take over lock', {
      comment: 'The owner is no longer running (stopped or timed out before releasing): take its lock',
      key,
      updateExpression: 'SET #owner = :me, #since = :now, #pending = :false',
      conditionExpression: '#owner = :stale',
      expressionAttributeNames: names,
      expressionAttributeValues: { ':me': me, ':now': now, ':false': bool(false), ':stale': tasks.DynamoAttributeValue.fromString(sfn.JsonPath.stringAt(`${LOCK_PATH}.owner`)) },
    });
    takeOver.addCatch(this.acquire, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });
    // an owner that cannot be described is gone (its history expired): take over
    describeOwner.addCatch(takeOver, { errors: ['Sfn.ExecutionDoesNotExistException'], resultPath: sfn.JsonPath.DISCARD });
    markPending.next(describeOwner).next(new sfn.Choice(this, 'Owner running?')
      .when(sfn.Condition.stringEquals(`${LOCK_PATH}.status`, 'RUNNING'), this.coalesced)
      .otherwise(takeOver));
    this.takeOver = takeOver;

    this.release = this.update('Release lock', {
      comment: 'Release, unless files arrived during the round (pending)',
      key,
      updateExpression: 'REMOVE #owner, #since, #pending',
      conditionExpression: '#owner = :me AND (attribute_not_exists(#pending) OR #pending = :false)',
      expressionAttributeNames: names,
      expressionAttributeValues: { ':me': me, ':false': bool(false) },
    });
    this.clearPending = this.update('Clear pending', {
      comment: 'Files arrived during the round: keep the lock and curate once more',
      key,
      updateExpression: 'SET #pending = :false',
      conditionExpression: '#owner = :me',
      expressionAttributeNames: names,
      expressionAttributeValues: { ':me': me, ':false': bool(false) },
    });
    this.release.addCatch(this.clearPending, { errors: [CONDITION_FAILED], resultPath: sfn.JsonPath.DISCARD });

    this.releaseAfterFailure = this.update('Release lock after failure', {
      comment: 'Release whatever pending says: the next trigger curates what is left',
      key,
      updateExpression: 'REMOVE #owner, #since, #pending',
      conditionExpression: '#owner = :me',
      expressionAttributeNames: names,
      expressionAttributeValues: { ':me': me },
    });
  }

  /** ARN pattern of the executions of the state machine (its role describes lock owners). */
  public executionsArn(): string {
    const stack = Stack.of(this);
    return stack.formatArn({ service: 'states', resource: 'execution', resourceName: `${this.props.stateMachineName}:*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME });
  }

  private update(id: string, props: Omit<tasks.DynamoUpdateItemProps, 'table'>): tasks.DynamoUpdateItem {
    const task = new tasks.DynamoUpdateItem(this, id, { table: this.props.table, resultPath: sfn.JsonPath.DISCARD, ...props });
    task.addRetry({ errors: DYNAMODB_TRANSIENT, maxAttempts: 4, backoffRate: 2 });
    return task;
  }
}
