import { FRESHNESS_METRIC } from '@cdc-lakehouse/curation-aws';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildLakehouseApp } from '../src';

function lakehouseApp(context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stacks = buildLakehouseApp(app);
  return { ...stacks, template: Template.fromStack(stacks.operations) };
}

describe('the operations stack of the sample sources', () => {
  const { operations, template } = lakehouseApp();
  const body = JSON.stringify(template.findResources('AWS::CloudWatch::Dashboard'));

  test('one dashboard: both sources\' replication and curation, every curated table\'s freshness, the Athena workgroups', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    for (const text of ['CDCLatencySource', 'CDCLatencyTarget', 'ExecutionsFailed', FRESHNESS_METRIC, 'ProcessedBytes']) {
      expect(body).toContain(text);
    }
    for (const table of ['curated_orders.customers', 'curated_orders.order_lines', 'curated_billing.invoices', 'curated_billing.payments']) {
      expect(body).toContain(table);
    }
    // the analysts' workgroup and billing's curation workgroup (Athena engine)
    expect(body).toContain('lakehouse-analysts');
    expect(body).toContain('lakehouse-curation-');
  });

  test('a freshness alarm per table at the threshold of its entry (orders 3 h, billing 1 h), notifying the alarm topic', () => {
    const alarms = template.findResources('AWS::CloudWatch::Alarm', { Properties: { MetricName: FRESHNESS_METRIC } });
    const byTable = Object.fromEntries(Object.values(alarms).map((a) => [
      a.Properties.Dimensions.find((d: { Name: string }) => d.Name === 'Table').Value, a.Properties.Threshold,
    ]));
    expect(byTable).toEqual({
      'curated_orders.customers': 10800,
      'curated_orders.orders': 10800,
      'curated_orders.order_lines': 10800,
      'curated_billing.invoices': 3600,
      'curated_billing.payments': 3600,
    });
    const topic = operations.resolve(operations.alarmTopic.topicArn);
    for (const alarm of Object.values(alarms)) expect(alarm.Properties.AlarmActions).toEqual([topic]);
  });

  test('the alarm topic is the platform\'s, read from its SSM parameter: no topic or subscription here', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
    template.resourceCountIs('AWS::SNS::Subscription', 0);
    const parameters = Object.values(template.toJSON().Parameters ?? {}) as { Type: string; Default?: string }[];
    expect(parameters.filter((p) => p.Type === 'AWS::SSM::Parameter::Value<String>').map((p) => p.Default))
      .toEqual(['/cdc-lakehouse/default/platform/alarms/topic-arn', '/cdk-bootstrap/hnb659fds/version']);
  });
});
