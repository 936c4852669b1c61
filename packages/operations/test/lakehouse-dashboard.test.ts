import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LakehouseDashboard, LakehouseDashboardProps, LakehouseDashboardSource } from '../src';

const ENV = { account: '111111111111', region: 'eu-west-1' };
const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111111111111:lakehouse-alarms';

function source(name: string, tables: LakehouseDashboardSource['tables'], extra: Partial<LakehouseDashboardSource> = {}): LakehouseDashboardSource {
  return {
    sourceName: name,
    replicationConfigIdentifier: `${name}-replication`,
    stateMachineName: `${name}-curation`,
    tables,
    ...extra,
  };
}

function synth(make: () => Omit<LakehouseDashboardProps, 'alarmTopic'>, withTopic = true) {
  const app = new App();
  const stack = new Stack(app, 'Ops', { env: ENV });
  const topic = sns.Topic.fromTopicArn(stack, 'Topic', TOPIC_ARN);
  const dashboard = new LakehouseDashboard(stack, 'Lakehouse', { ...make(), alarmTopic: withTopic ? topic : undefined });
  return { app, stack, dashboard, template: Template.fromStack(stack) };
}

/** The dashboard bodies as JSON, tokens (the region, ARNs) replaced by a placeholder. */
function bodies(template: Template): any[] {
  return Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((r: any) => {
    const body = r.Properties.DashboardBody;
    const text = typeof body === 'string' ? body : (body['Fn::Join'][1] as unknown[]).map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('');
    return JSON.parse(text);
  });
}

const metricsOf = (body: any): unknown[][] => body.widgets.filter((w: any) => w.type === 'metric').flatMap((w: any) => w.properties.metrics);

describe('LakehouseDashboard', () => {
  const { app, stack, dashboard, template } = synth(() => ({
    dashboardName: 'lakehouse-dev',
    sources: [
      source('orders', [{ name: 'curated_orders.orders', freshnessAlarmAfter: Duration.hours(2) }, { name: 'curated_orders.customers' }], { glueJobName: 'orders-curation' }),
      source('billing', [{ name: 'curated_billing.invoices', freshnessAlarmAfter: Duration.minutes(30) }]),
    ],
    workgroupNames: ['lakehouse-analysts', 'lakehouse-curation-orders'],
  }));
  const [body] = bodies(template);
  const widgets = body.widgets.filter((w: any) => w.type === 'metric');
  const titled = (text: string) => widgets.find((w: any) => w.properties.title.startsWith(text));

  test('one dashboard, named as asked, within CloudWatch\'s quotas', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'lakehouse-dev' });
    expect(dashboard.dashboards).toHaveLength(1);
    expect(widgets.every((w: any) => w.properties.metrics.length <= 500)).toBe(true);
    expect(metricsOf(body).length).toBeLessThanOrEqual(2500);
  });

  test('per source: DMS CDC latency (source, target) and throughput (rows, bandwidth) of the DMS Serverless replication', () => {
    expect(titled('orders: DMS CDC latency').properties.metrics).toEqual([
      ['AWS/DMS', 'CDCLatencySource', 'ReplicationConfigIdentifier', 'orders-replication', { label: 'source (max)', stat: 'Maximum' }],
      ['AWS/DMS', 'CDCLatencyTarget', 'ReplicationConfigIdentifier', 'orders-replication', { label: 'target (max)', stat: 'Maximum' }],
    ]);
    const throughput = titled('billing: DMS CDC throughput').properties.metrics;
    expect(throughput.map((m: any[]) => m[1])).toEqual(['CDCThroughputRowsSource', 'CDCThroughputRowsTarget', 'CDCThroughputBandwidthSource', 'CDCThroughputBandwidthTarget']);
    expect(throughput.every((m: any[]) => m[3] === 'billing-replication')).toBe(true);
  });

  test('per source: curation executions started, succeeded, failed, timed out and their duration, from the state machine (either engine)', () => {
    const metrics = titled('orders: curation executions').properties.metrics;
    expect(metrics.map((m: any[]) => m[1])).toEqual(['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionTime']);
    expect(metrics.every((m: any[]) => m[0] === 'AWS/States' && m[2] === 'StateMachineArn')).toBe(true);
    // the ARN is made from the name in the dashboard's own account and region (the partition is a token): nothing imported
    expect([...new Set(metrics.map((m: any[]) => m[3]))]).toEqual(['arn:TOKEN:states:eu-west-1:111111111111:stateMachine:orders-curation']);
    expect(JSON.stringify(template.toJSON())).not.toContain('Fn::ImportValue');
  });

  test('per source: one freshness graph, one line per table (CdcLakehouse/Curation FreshnessSeconds by Source and Table)', () => {
    expect(titled('orders: freshness').properties.metrics).toEqual([
      ['CdcLakehouse/Curation', 'FreshnessSeconds', 'Source', 'orders', 'Table', 'curated_orders.orders', { label: 'curated_orders.orders', stat: 'Maximum' }],
      ['CdcLakehouse/Curation', 'FreshnessSeconds', 'Source', 'orders', 'Table', 'curated_orders.customers', { label: 'curated_orders.customers', stat: 'Maximum' }],
    ]);
    expect(titled('billing: freshness').properties.metrics).toHaveLength(1);
    expect(titled('orders: Glue job tasks').properties.metrics.map((m: any[]) => m.slice(0, 2)))
      .toEqual([['Glue', 'glue.driver.aggregate.numCompletedTasks'], ['Glue', 'glue.driver.aggregate.numFailedTasks']]);
    expect(titled('billing: Glue')).toBeUndefined();
  });

  test('Athena bytes scanned (ProcessedBytes, Sum) per workgroup', () => {
    expect(titled('Athena: bytes scanned').properties.metrics).toEqual([
      ['AWS/Athena', 'ProcessedBytes', 'WorkGroup', 'lakehouse-analysts', { label: 'lakehouse-analysts', stat: 'Sum' }],
      ['AWS/Athena', 'ProcessedBytes', 'WorkGroup', 'lakehouse-curation-orders', { label: 'lakehouse-curation-orders', stat: 'Sum' }],
    ]);
  });

  test('a freshness alarm per table with a threshold: maximum over a period equal to the threshold, missing data breaching, to the topic', () => {
    template.resourceCountIs('AWS::CloudWatch::Alarm', 2);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'CdcLakehouse/Curation',
      MetricName: 'FreshnessSeconds',
      Dimensions: [{ Name: 'Source', Value: 'orders' }, { Name: 'Table', Value: 'curated_orders.orders' }],
      Statistic: 'Maximum',
      Unit: 'Seconds',
      Period: 7200,
      Threshold: 7200,
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'breaching',
      AlarmActions: [TOPIC_ARN],
      OKActions: [TOPIC_ARN],
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Dimensions: [{ Name: 'Source', Value: 'billing' }, { Name: 'Table', Value: 'curated_billing.invoices' }], Period: 1800, Threshold: 1800,
    });
    expect(dashboard.alarms).toHaveLength(2);
    expect([...dashboard.freshnessAlarms.keys()]).toEqual(['orders/curated_orders.orders', 'billing/curated_billing.invoices']);
  });

  test('cdk-nag AwsSolutions: no errors', () => {
    const violations = new AwsSolutionsChecks().validateScope(app).violations.filter((v) => v.severity === 'error');
    expect(violations.map((v) => v.ruleName)).toEqual([]);
    void stack;
  });
});

describe('LakehouseDashboard and the Athena engine', () => {
  test('a source\'s curation workgroup is graphed with the given ones, each once', () => {
    const { template } = synth(() => ({
      sources: [
        source('billing', [{ name: 'curated_billing.invoices' }], { athenaWorkgroupName: 'lakehouse-curation-billing' }),
        source('ledger', [{ name: 'curated_ledger.entries' }], { athenaWorkgroupName: 'lakehouse-analysts' }),
      ],
      workgroupNames: ['lakehouse-analysts'],
    }));
    const workgroups = metricsOf(bodies(template)[0]).filter((m) => m.includes('ProcessedBytes')).map((m) => m[m.indexOf('WorkGroup') + 1]);
    expect(workgroups).toEqual(['lakehouse-analysts', 'lakehouse-curation-billing']);
  });
});

describe('LakehouseDashboard within CloudWatch\'s dashboard quotas', () => {
  const tables = (db: string, n: number) => Array.from({ length: n }, (_, i) => ({ name: `${db}.t${i}` }));

  test('20 sources x 50 tables fit one dashboard; freshness graphs of more than 100 tables are split', () => {
    const { template } = synth(() => ({
      sources: Array.from({ length: 20 }, (_, i) => source(`s${i}`, tables(`curated_s${i}`, 50))),
      workgroupNames: ['wg'],
    }), false);
    const all = bodies(template);
    expect(all).toHaveLength(1);
    expect(metricsOf(all[0])).toHaveLength(20 * (11 + 50) + 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);

    const big = bodies(synth(() => ({ sources: [source('big', tables('curated_big', 250))], workgroupNames: [] })).template)[0];
    const freshness = big.widgets.filter((w: any) => w.type === 'metric' && w.properties.title.includes('freshness'));
    expect(freshness.map((w: any) => [w.properties.title.slice(-3), w.properties.metrics.length])).toEqual([['1/3', 100], ['2/3', 100], ['3/3', 50]]);
  });

  test('sources past 2,500 metrics go to further dashboards (-2, -3), never split; Athena stays on the first', () => {
    const { template, dashboard } = synth(() => ({
      dashboardName: 'lake',
      sources: Array.from({ length: 6 }, (_, i) => source(`s${i}`, tables(`curated_s${i}`, 489))), // 500 metrics each
      workgroupNames: ['wg'],
    }), false);
    expect(dashboard.dashboards).toHaveLength(2);
    const names = Object.values(template.findResources('AWS::CloudWatch::Dashboard')).map((r: any) => r.Properties.DashboardName).sort();
    expect(names).toEqual(['lake', 'lake-2']);
    const all = bodies(template);
    // the first: the Athena graph and 4 sources (a 5th would make 2,501); the second: the other 2
    expect(all.map((b) => metricsOf(b).length).sort()).toEqual([1000, 2001]);
    expect(all.filter((b) => JSON.stringify(b).includes('ProcessedBytes'))).toHaveLength(1);
    expect(all.every((b) => metricsOf(b).length <= 2500)).toBe(true);
  });

  test('a source whose widgets alone exceed a dashboard fails synthesis in one line naming the quota', () => {
    expect(() => synth(() => ({ sources: [source('huge', tables('curated_huge', 2490))], workgroupNames: [] })))
      .toThrow(/^LakehouseDashboard: source huge needs 2501 metrics, over CloudWatch's 2500 metrics per dashboard$/);
  });
});

describe('LakehouseDashboard props are checked', () => {
  test.each([
    [{ dashboardName: 'my dashboard' }, /dashboardName 'my dashboard': use 1-250 of A-Z a-z 0-9 - _/],
    [{ tables: [{ name: 'orders' }] }, /source orders: table 'orders' is not <curated database>.<table>/],
    [{ tables: [{ name: 'db.t' }, { name: 'db.t' }] }, /table db.t is listed twice/],
    [{ tables: [{ name: 'db.t', freshnessAlarmAfter: Duration.minutes(1) }] }, /freshnessAlarmAfter 1 minute: use whole minutes from 5 minutes to 1 day/],
    [{ tables: [{ name: 'db.t', freshnessAlarmAfter: Duration.days(2) }] }, /freshnessAlarmAfter 2 days: use whole minutes/],
    [{ tables: [{ name: 'db.t', freshnessAlarmAfter: Duration.seconds(330) }] }, /use whole minutes/],
    [{ workgroupNames: ['a', 'a'] }, /workgroup a is listed twice/],
  ])('%j', (change, message) => {
    const { dashboardName, workgroupNames, tables } = change as any;
    expect(() => synth(() => ({
      dashboardName,
      sources: [source('orders', tables ?? [{ name: 'db.t' }])],
      workgroupNames: workgroupNames ?? [],
    }))).toThrow(message);
  });

  test('no sources, or a source twice', () => {
    expect(() => synth(() => ({ sources: [], workgroupNames: [] }))).toThrow('LakehouseDashboard: sources: give at least one source');
    expect(() => synth(() => ({ sources: [source('a', []), source('a', [], {})], workgroupNames: [] })))
      .toThrow('LakehouseDashboard: source a is listed twice');
  });
});
