import { LakehouseDashboard, LakehouseDashboardSource } from '@cdc-lakehouse/operations';
import { PlatformParameters } from '@cdc-lakehouse/platform-link';
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';

/** Properties of the {@link OperationsStack}. */
export interface OperationsStackProps extends StackProps {
  /** Every source, as its stack describes itself to the dashboard. */
  readonly sources: readonly LakehouseDashboardSource[];
  /** The analysts' workgroups, whose bytes scanned are graphed beside the curation workgroups. */
  readonly workgroupNames: readonly string[];
  /** The platform, whose alarm topic the freshness alarms notify. */
  readonly platform: PlatformParameters;
}

/**
 * How the lakehouse is doing, in one place: the dashboard (per source DMS latency and throughput, curation runs,
 * per-table freshness; Athena bytes scanned per workgroup) and the per-table freshness alarms, which notify the
 * platform's alarm topic (read from its SSM parameter; the environment's recipients are subscribed there).
 */
export class OperationsStack extends Stack {
  /** The dashboard(s) and the freshness alarms. */
  public readonly dashboard: LakehouseDashboard;
  /** The platform's topic the freshness alarms notify. */
  public readonly alarmTopic: sns.ITopic;

  constructor(scope: Construct, id: string, props: OperationsStackProps) {
    super(scope, id, props);
    this.alarmTopic = props.platform.alarmTopic(this, 'AlarmTopic');
    this.dashboard = new LakehouseDashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}-lakehouse`,
      sources: props.sources,
      workgroupNames: props.workgroupNames,
      alarmTopic: this.alarmTopic,
    });
    new CfnOutput(this, 'DashboardName', { value: this.dashboard.dashboards[0].dashboardName, description: 'CloudWatch dashboard of the lakehouse' });
  }
}
