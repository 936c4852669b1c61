import { LakehouseDashboard, LakehouseDashboardSource } from '@cdc-lakehouse/operations';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';

/** Properties of the {@link OperationsStack}. */
export interface OperationsStackProps extends StackProps {
  /** Every source, as its stack describes itself to the dashboard. */
  readonly sources: readonly LakehouseDashboardSource[];
  /** The analysts' workgroups, whose bytes scanned are graphed beside the curation workgroups. */
  readonly workgroupNames: readonly string[];
  /** Who is e-mailed when a table's freshness alarm fires (the environment's alarm recipients). @default nobody */
  readonly alarmEmails?: readonly string[];
}

/**
 * How the lakehouse is doing, in one place: the dashboard (per source DMS latency and throughput, curation runs,
 * per-table freshness; Athena bytes scanned per workgroup) and the per-table freshness alarms, which notify the
 * lakehouse's alarm topic (KMS-encrypted, TLS only; the environment's recipients are subscribed).
 */
export class OperationsStack extends Stack {
  /** The dashboard(s) and the freshness alarms. */
  public readonly dashboard: LakehouseDashboard;
  /** The topic the freshness alarms notify. */
  public readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the lakehouse alarm topic' });
    // CloudWatch alarms publish to the encrypted topic
    key.addToResourcePolicy(new iam.PolicyStatement({
      principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
      actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
    }));
    this.alarmTopic = new sns.Topic(this, 'AlarmTopic', { masterKey: key, enforceSSL: true, displayName: 'CDC lakehouse alarms' });
    for (const email of props.alarmEmails ?? []) this.alarmTopic.addSubscription(new EmailSubscription(email));
    this.dashboard = new LakehouseDashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-lakehouse`,
      sources: props.sources,
      workgroupNames: props.workgroupNames,
      alarmTopic: this.alarmTopic,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.alarmTopic.topicArn, description: 'SNS topic of the freshness alarms: subscribe to it' });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboards[0].dashboardName, description: 'CloudWatch dashboard of the lakehouse' });
  }
}
