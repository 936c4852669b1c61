import { RawZone } from '@cdc-lakehouse/raw-zone';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { nagErrors } from './helpers';
import { allStates, aslErrors, definitions } from './orchestration-helpers';
import {
  CURATION_METRIC_NAMESPACE, CurationEngine, CurationTable, GlueCurationJob, LakehouseWarehouse, SourceCuration, SourceCurationProps, TableOptimizers,
} from '../src';

const TABLES: CurationTable[] = [
  { schema: 'public', table: 'customers', primaryKey: ['customer_id'] },
  { schema: 'public', table: 'orders', primaryKey: ['order_id'], partitionBy: [{ column: 'ordered_at', transform: 'day' }] },
];

function synth(props: Partial<SourceCurationProps> = {}, optimizers = true) {
  const app = new App();
  const platform = new Stack(app, 'Platform');
  const warehouse = new LakehouseWarehouse(platform, 'Warehouse', { sourceNames: ['orders'] });
  const stack = new Stack(app, 'Source');
  const rawZone = new RawZone(stack, 'RawZone', { sourceName: 'orders' });
  const job = new GlueCurationJob(stack, 'Job', { sourceName: 'orders', rawZone, rawPrefix: 'orders', warehouse, tables: TABLES });
  const tableOptimizers = optimizers
    ? new TableOptimizers(stack, 'Optimizers', { sourceName: 'orders', warehouse, tables: ['customers', 'orders'] })
    : undefined;
  const curation = new SourceCuration(stack, 'Curation', {
    sourceName: 'orders',
    engine: CurationEngine.glue(job, { maintenance: false }),
    schedule: 'rate(1 hour)',
    onNewFiles: { rawZone, rawPrefix: 'orders', debounce: Duration.seconds(90) },
    tableOptimizers,
    ...props,
  });
  return { app, stack, job, curation, rawZone, template: Template.fromStack(stack) };
}

describe('SourceCuration with the Glue engine', () => {
  const { app, job, curation, template } = synth();
  const [definition] = definitions(template);
  const states = allStates(definition);

  test('one state machine whose definition is valid Amazon States Language', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    expect(aslErrors(definition)).toEqual([]);
  });

  test('the state machine has a literal physical name, exposed for other stacks (the dashboard) to name it by', () => {
    expect(curation.stateMachineName).toMatch(/^[A-Za-z0-9-]{1,80}$/);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineName: curation.stateMachineName });
  });

  test('takes the source lock with a conditional write first and releases it at the end', () => {
    expect(definition.StartAt).toBe('Acquire lock');
    const acquire = states['Acquire lock'];
    expect(acquire.Resource).toContain(':states:::dynamodb:updateItem');
    expect(acquire.Parameters.ConditionExpression).toBe('attribute_not_exists(#owner)');
    expect(acquire.Parameters.Key).toEqual({ source: { S: 'orders' } });
    expect(acquire.Catch).toEqual([expect.objectContaining({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'Mark pending' })]);
    expect(acquire.Next).toBe('Debounce');
    expect(states['Release lock'].Parameters.ConditionExpression).toContain('#pending = :false');
    expect(states['Release lock'].Next).toBe('Curated');
  });

  test('a run finding the lock taken marks pending and ends coalesced, unless the owner stopped', () => {
    expect(states['Mark pending'].Parameters.UpdateExpression).toBe('SET #pending = :true');
    expect(states['Mark pending'].Next).toBe('Describe lock owner');
    expect(states['Owner running?'].Choices[0]).toMatchObject({ StringEquals: 'RUNNING', Next: 'Coalesced' });
    expect(states['Owner running?'].Default).toBe('Take over lock');
    expect(states.Coalesced.Type).toBe('Succeed');
  });

  test('the owner curates once more when pending was set during its round', () => {
    expect(states['Release lock'].Catch[0]).toMatchObject({ ErrorEquals: ['DynamoDB.ConditionalCheckFailedException'], Next: 'Clear pending' });
    expect(states['Clear pending'].Next).toBe('Debounce');
  });

  test('debounces, then starts the Glue job and waits for it (.sync), with retries', () => {
    expect(states.Debounce).toMatchObject({ Type: 'Wait', Seconds: 90, Next: 'Curate' });
    const run = states['Run Glue job'];
    expect(run.Resource).toMatch(/:states:::glue:startJobRun\.sync$/);
    expect(run.Parameters.Arguments).toEqual({ '--maintenance': 'false' });
    expect(run.Retry.map((r: any) => r.ErrorEquals[0])).toContain('Glue.ConcurrentRunsExceededException');
  });

  test('a failed round releases the lock and fails the execution with the cause', () => {
    expect(states.Curate.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Release lock after failure' }]);
    expect(states['Release lock after failure'].Next).toBe('Curation failed');
    expect(states['Curation failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.error.Error', CausePath: '$.error.Cause' });
  });

  test('creates or updates the table optimizers after curating, then records success', () => {
    expect(states['Create compaction optimizer'].Resource).toMatch(/aws-sdk:glue:createTableOptimizer$/);
    expect(states['Create compaction optimizer'].Catch[0]).toMatchObject({ ErrorEquals: ['Glue.AlreadyExistsException'], Next: 'Update compaction optimizer' });
    expect(states.Curate.Next).toBe('Record success');
    expect(states['Record success'].Parameters.Namespace).toBe(CURATION_METRIC_NAMESPACE);
  });

  test('logs every event to a KMS-encrypted log group; has a timeout', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: Match.anyValue(), LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/') });
    expect(definition.TimeoutSeconds).toBe(3 * 3600);
  });

  test('started on schedule and by new raw files under the source folder (EventBridge on the raw bucket)', () => {
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.s3'], 'detail-type': ['Object Created'], 'detail': Match.objectLike({ object: { key: [{ prefix: 'orders/' }] } }) },
    });
    template.hasResourceProperties('AWS::S3::Bucket', { NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } } });
    template.resourceCountIs('Custom::S3BucketNotifications', 0);
  });

  test('the role starts only this job and reaches only its lock item table', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const glue = policies.find((s: any) => [s.Action].flat().includes('glue:StartJobRun'));
    expect(glue.Resource).toEqual(expect.objectContaining({ 'Fn::Join': expect.anything() }));
    expect(JSON.stringify(glue.Resource)).toContain(Stack.of(job).resolve(job.job.jobName).Ref);
    const metric = policies.find((s: any) => s.Action === 'cloudwatch:PutMetricData');
    expect(metric.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': CURATION_METRIC_NAMESPACE } });
    const stars = policies.filter((s: any) => s.Resource === '*').flatMap((s: any) => [s.Action].flat());
    expect(stars.every((a: string) => /^(logs:|xray:|cloudwatch:PutMetricData)/.test(a))).toBe(true);
  });

  test('alarms: failed, timed out, Glue job failed, no success within 3 × the rate; all to an encrypted TLS-only topic', () => {
    expect(curation.alarms.alarms).toHaveLength(4);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsTimedOut', Namespace: 'AWS/States' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'TriggeredRules', Namespace: 'AWS/Events' });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'CurationSucceeded', Period: 3 * 3600, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { 'source': ['aws.glue'], 'detail-type': ['Glue Job State Change'], 'detail': Match.objectLike({ state: ['FAILED', 'TIMEOUT', 'ERROR'] }) },
    });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
    expect(nagErrors(app)).toEqual([]);
  });
});

describe('SourceCuration options', () => {
  test('without new-files trigger there is no debounce wait; a cron schedule has no freshness alarm unless told', () => {
    const { template, curation } = synth({ onNewFiles: undefined, schedule: 'cron(0 2 * * ? *)' }, false);
    const states = allStates(definitions(template)[0]);
    expect(states.Debounce).toBeUndefined();
    expect(states.Round.Type).toBe('Pass');
    expect(curation.alarms.noRecentSuccess).toBeUndefined();
  });

  test('refuses a malformed schedule', () => {
    expect(() => synth({ schedule: 'every hour' })).toThrow(/schedule: 'every hour' is not an EventBridge schedule/);
  });
});
