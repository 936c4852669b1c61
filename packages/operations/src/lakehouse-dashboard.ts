import {
  CURATION_METRIC_NAMESPACE, FRESHNESS_METRIC, FRESHNESS_SOURCE_DIMENSION, FRESHNESS_TABLE_DIMENSION,
} from '@cdc-lakehouse/curation-aws';
import { DMS_METRIC_NAMESPACE, DMS_SERVERLESS_METRIC_DIMENSION } from '@cdc-lakehouse/dms';
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/**
 * CloudWatch's dashboard quotas (cloudwatch_limits, "Dashboards"; not adjustable): metrics per widget and per
 * dashboard, counting every metric a widget retrieves.
 */
export const DASHBOARD_LIMITS = { metricsPerWidget: 500, metricsPerDashboard: 2500 } as const;
/** Tables per freshness graph: a graph with more lines is unreadable long before the 500-metric quota. */
export const FRESHNESS_TABLES_PER_GRAPH = 100;
/** Shortest and longest `freshnessAlarmAfter`: the alarm period is the threshold, and a period is at most one day. */
export const FRESHNESS_ALARM_RANGE = { min: Duration.minutes(5), max: Duration.days(1) } as const;

/** One curated table on the dashboard. */
export interface LakehouseDashboardTable {
  /** The curated table, `<curated database>.<table>`: the `Table` dimension both curation engines publish. */
  readonly name: string;
  /**
   * Alarm when the table's freshness (now minus the newest source commit time applied) exceeds this. It must exceed
   * the curation schedule's interval plus a run's duration plus DMS's latency, and the table must change more often
   * than this: freshness also grows while the source table is idle. Between 5 minutes and 1 day.
   * @default no alarm
   */
  readonly freshnessAlarmAfter?: Duration;
}

/** One source on the dashboard. */
export interface LakehouseDashboardSource {
  /** The source's name: the `Source` dimension of the freshness metric. */
  readonly sourceName: string;
  /**
   * The DMS Serverless replication's `replicationConfigIdentifier` (not its ARN): the value of the
   * `ReplicationConfigIdentifier` dimension of its `AWS/DMS` metrics.
   */
  readonly replicationConfigIdentifier: string;
  /**
   * The name of the source's curation state machine (either engine), in the dashboard's account and region. Give the
   * literal (`SourceCuration.stateMachineName`): the dashboard then needs nothing from the source's stack, where a
   * state machine's ARN (a Ref) would become an export that pins the state machine until the dashboard lets go of it.
   */
  readonly stateMachineName: string;
  /**
   * The Glue job's name, for the Glue engine: adds its task counts (Glue publishes them with job metrics on). The literal
   * (`GlueCurationJob.jobName`), for the same reason. @default no Glue graph
   */
  readonly glueJobName?: string;
  /** The Athena workgroup the source's curation runs in, for the Athena engine: graphed with the others. @default none */
  readonly athenaWorkgroupName?: string;
  /** The curated tables. */
  readonly tables: readonly LakehouseDashboardTable[];
}

/** Props of {@link LakehouseDashboard}. */
export interface LakehouseDashboardProps {
  /**
   * The dashboard's name; when the widgets need several dashboards the others get `-2`, `-3`, ….
   * @default names CloudFormation generates
   */
  readonly dashboardName?: string;
  /** The lakehouse's sources. */
  readonly sources: readonly LakehouseDashboardSource[];
  /** Athena workgroups whose bytes scanned (`ProcessedBytes`) are graphed. */
  readonly workgroupNames: readonly string[];
  /** Topic the freshness alarms notify. @default alarms without actions */
  readonly alarmTopic?: sns.ITopic;
  /** Period of the graphs. @default 5 minutes */
  readonly period?: Duration;
}

/** What one source puts on a dashboard. */
interface SourceBlock {
  readonly source: LakehouseDashboardSource;
  readonly rows: cloudwatch.IWidget[][];
  readonly metrics: number;
}

/**
 * The CloudWatch dashboard of a lakehouse, and its freshness alarms. Per source: DMS CDC latency (source and target)
 * and throughput (rows and bandwidth), curation executions (started, succeeded, failed, timed out) and their
 * duration from the state machine (either engine), the Glue job's task counts (Glue engine), and one freshness graph
 * (`CdcLakehouse/Curation` `FreshnessSeconds` per table); then Athena bytes scanned per workgroup.
 *
 * CloudWatch allows 500 metrics per widget and 2,500 per dashboard: sources are packed into as many dashboards as
 * needed (a source is never split), and a source whose widgets alone exceed a dashboard fails synthesis naming the quota.
 *
 * Alarms: one per table with `freshnessAlarmAfter`, on the maximum `FreshnessSeconds` over a period equal to the
 * threshold, one period. Missing data is breaching: the engines publish freshness after every run, so a period
 * without any data point means no run curated (or published for) the table during the whole threshold, and the
 * table's freshness is then at least that long anyway (it is at least the time since its last publication).
 */
export class LakehouseDashboard extends Construct {
  /** The dashboards (one unless the quotas needed more), in order. */
  public readonly dashboards: cloudwatch.Dashboard[];
  /** The freshness alarms, in source and table order. */
  public readonly alarms: cloudwatch.Alarm[];
  /** The freshness alarm of each table that has one, by `<source>/<table>`. */
  public readonly freshnessAlarms: ReadonlyMap<string, cloudwatch.Alarm>;

  constructor(scope: Construct, id: string, props: LakehouseDashboardProps) {
    super(scope, id);
    validate(props);
    const period = props.period ?? Duration.minutes(5);

    const blocks = props.sources.map((source) => {
      const stateMachine = sfn.StateMachine.fromStateMachineName(this, `StateMachine-${source.sourceName}`, source.stateMachineName);
      return sourceBlock(source, stateMachine, period);
    });
    const workgroups = [...new Set([...props.workgroupNames, ...props.sources.flatMap((source) => source.athenaWorkgroupName ?? [])])];
    const athena = athenaRow(workgroups, period);
    const pages = pack(blocks, athena.metrics);
    this.dashboards = pages.map((page, i) => {
      const rows = page.flatMap((b) => b.rows);
      if (i === 0 && athena.rows.length > 0) rows.push(...athena.rows);
      const name = props.dashboardName === undefined ? undefined : i === 0 ? props.dashboardName : `${props.dashboardName}-${i + 1}`;
      const dashboard = new cloudwatch.Dashboard(this, i === 0 ? 'Dashboard' : `Dashboard${i + 1}`, {
        dashboardName: name,
        defaultInterval: Duration.hours(12),
        periodOverride: cloudwatch.PeriodOverride.AUTO,
      });
      for (const row of rows) dashboard.addWidgets(...row);
      return dashboard;
    });

    const byTable = new Map<string, cloudwatch.Alarm>();
    for (const source of props.sources) {
      for (const table of source.tables) {
        if (!table.freshnessAlarmAfter) continue;
        const after = table.freshnessAlarmAfter;
        const alarm = new cloudwatch.Alarm(this, `Freshness-${source.sourceName}-${table.name}`, {
          alarmDescription: `Table ${table.name} of source ${source.sourceName}: no source change newer than ${after.toHumanString()} has been curated `
            + `(${CURATION_METRIC_NAMESPACE} ${FRESHNESS_METRIC} above ${after.toSeconds()} s, or no curation published it for ${after.toHumanString()}). `
            + 'Look at the curation executions and the DMS latency of the source; an idle source table also ages.',
          // no label: a labelled metric renders as a metric-math alarm
          metric: freshnessMetric(source.sourceName, table.name, { period: after, statistic: cloudwatch.Stats.MAXIMUM, label: undefined }),
          threshold: after.toSeconds(),
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          datapointsToAlarm: 1,
          treatMissingData: cloudwatch.TreatMissingData.BREACHING,
        });
        if (props.alarmTopic) {
          alarm.addAlarmAction(new actions.SnsAction(props.alarmTopic));
          alarm.addOkAction(new actions.SnsAction(props.alarmTopic));
        }
        byTable.set(`${source.sourceName}/${table.name}`, alarm);
      }
    }
    this.freshnessAlarms = byTable;
    this.alarms = [...byTable.values()];
  }
}

/** `FreshnessSeconds` of one table. */
export function freshnessMetric(sourceName: string, table: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: CURATION_METRIC_NAMESPACE,
    metricName: FRESHNESS_METRIC,
    dimensionsMap: { [FRESHNESS_SOURCE_DIMENSION]: sourceName, [FRESHNESS_TABLE_DIMENSION]: table },
    statistic: cloudwatch.Stats.MAXIMUM,
    unit: cloudwatch.Unit.SECONDS,
    label: table,
    ...options,
  });
}

function sourceBlock(source: LakehouseDashboardSource, sm: sfn.IStateMachine, period: Duration): SourceBlock {
  const dms = (metricName: string, statistic: string, label: string) => new cloudwatch.Metric({
    namespace: DMS_METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { [DMS_SERVERLESS_METRIC_DIMENSION]: source.replicationConfigIdentifier },
    statistic,
    period,
    label,
  });
  const latency = new cloudwatch.GraphWidget({
    title: `${source.sourceName}: DMS CDC latency (s)`,
    left: [dms('CDCLatencySource', cloudwatch.Stats.MAXIMUM, 'source (max)'), dms('CDCLatencyTarget', cloudwatch.Stats.MAXIMUM, 'target (max)')],
    leftYAxis: { min: 0, showUnits: false },
    width: 8,
    height: 6,
  });
  const throughput = new cloudwatch.GraphWidget({
    title: `${source.sourceName}: DMS CDC throughput`,
    left: [dms('CDCThroughputRowsSource', cloudwatch.Stats.AVERAGE, 'rows/s read'), dms('CDCThroughputRowsTarget', cloudwatch.Stats.AVERAGE, 'rows/s written')],
    right: [
      dms('CDCThroughputBandwidthSource', cloudwatch.Stats.AVERAGE, 'KB/s read'),
      dms('CDCThroughputBandwidthTarget', cloudwatch.Stats.AVERAGE, 'KB/s written'),
    ],
    leftYAxis: { min: 0, label: 'rows/s', showUnits: false },
    rightYAxis: { min: 0, label: 'KB/s', showUnits: false },
    width: 8,
    height: 6,
  });
  const executions = new cloudwatch.GraphWidget({
    title: `${source.sourceName}: curation executions`,
    left: [
      sm.metricStarted({ period, label: 'started' }),
      sm.metricSucceeded({ period, label: 'succeeded' }),
      sm.metricFailed({ period, label: 'failed' }),
      sm.metricTimedOut({ period, label: 'timed out' }),
    ],
    right: [sm.metricTime({ period, statistic: cloudwatch.Stats.MAXIMUM, label: 'duration (max, ms)' })],
    leftYAxis: { min: 0, label: 'executions', showUnits: false },
    rightYAxis: { min: 0, label: 'ms', showUnits: false },
    width: 8,
    height: 6,
  });
  const rows: cloudwatch.IWidget[][] = [
    [new cloudwatch.TextWidget({ markdown: `## Source ${source.sourceName}`, width: 24, height: 1 })],
    [latency, throughput, executions],
  ];
  let metrics = 2 + 4 + 5;

  const freshness: cloudwatch.IWidget[] = [];
  const chunks = chunk(source.tables, FRESHNESS_TABLES_PER_GRAPH);
  chunks.forEach((tables, i) => {
    freshness.push(new cloudwatch.GraphWidget({
      title: `${source.sourceName}: freshness (s since the newest commit curated)${chunks.length > 1 ? ` ${i + 1}/${chunks.length}` : ''}`,
      left: tables.map((t) => freshnessMetric(source.sourceName, t.name, { period })),
      leftYAxis: { min: 0, showUnits: false },
      legendPosition: cloudwatch.LegendPosition.RIGHT,
      width: source.glueJobName ? 16 : 24,
      height: 6,
    }));
    metrics += tables.length;
  });
  if (source.glueJobName) {
    const glue = (metricName: string, label: string) => new cloudwatch.Metric({
      namespace: 'Glue',
      metricName,
      dimensionsMap: { JobName: source.glueJobName!, JobRunId: 'ALL', Type: 'count' },
      statistic: cloudwatch.Stats.SUM,
      period,
      label,
    });
    freshness.push(new cloudwatch.GraphWidget({
      title: `${source.sourceName}: Glue job tasks (with job metrics on)`,
      left: [glue('glue.driver.aggregate.numCompletedTasks', 'completed'), glue('glue.driver.aggregate.numFailedTasks', 'failed')],
      leftYAxis: { min: 0, showUnits: false },
      width: 8,
      height: 6,
    }));
    metrics += 2;
  }
  // with a Glue graph each row holds one freshness graph (16) and the Glue graph (8) is beside the first
  if (source.glueJobName) {
    rows.push([freshness[0], freshness[freshness.length - 1]], ...freshness.slice(1, -1).map((w) => [w]));
  } else {
    rows.push(...freshness.map((w) => [w]));
  }
  return { source, rows, metrics };
}

function athenaRow(workgroups: readonly string[], period: Duration): { rows: cloudwatch.IWidget[][]; metrics: number } {
  if (workgroups.length === 0) return { rows: [], metrics: 0 };
  const widget = new cloudwatch.GraphWidget({
    title: 'Athena: bytes scanned per workgroup',
    left: workgroups.map((name) => new cloudwatch.Metric({
      namespace: 'AWS/Athena',
      metricName: 'ProcessedBytes',
      dimensionsMap: { WorkGroup: name },
      statistic: cloudwatch.Stats.SUM,
      unit: cloudwatch.Unit.BYTES,
      period,
      label: name,
    })),
    leftYAxis: { min: 0 },
    legendPosition: cloudwatch.LegendPosition.RIGHT,
    width: 24,
    height: 6,
  });
  return { rows: [[new cloudwatch.TextWidget({ markdown: '## Athena', width: 24, height: 1 })], [widget]], metrics: workgroups.length };
}

/** Sources into dashboards in order, each within the per-dashboard quota; the first also holds the Athena row. */
function pack(blocks: readonly SourceBlock[], athenaMetrics: number): SourceBlock[][] {
  const limit = DASHBOARD_LIMITS.metricsPerDashboard;
  if (athenaMetrics > DASHBOARD_LIMITS.metricsPerWidget) {
    throw new Error(`LakehouseDashboard: ${athenaMetrics} workgroups exceed CloudWatch's ${DASHBOARD_LIMITS.metricsPerWidget} metrics per dashboard widget`);
  }
  const pages: SourceBlock[][] = [[]];
  let used = athenaMetrics;
  for (const block of blocks) {
    if (block.metrics > limit) {
      throw new Error(`LakehouseDashboard: source ${block.source.sourceName} needs ${block.metrics} metrics, over CloudWatch's ${limit} metrics per dashboard`);
    }
    if (used + block.metrics > limit && pages[pages.length - 1].length > 0) {
      pages.push([]);
      used = 0;
    }
    pages[pages.length - 1].push(block);
    used += block.metrics;
  }
  return pages;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function validate(props: LakehouseDashboardProps): void {
  const fail = (message: string): never => {
    throw new Error(`LakehouseDashboard: ${message}`);
  };
  const name = props.dashboardName;
  if (name !== undefined && !Token.isUnresolved(name) && !/^[A-Za-z0-9_-]{1,250}$/.test(name)) {
    fail(`dashboardName '${name}': use 1-250 of A-Z a-z 0-9 - _ (CloudWatch allows 255; '-N' is appended when several dashboards are needed)`);
  }
  if (props.sources.length === 0) fail('sources: give at least one source');
  const sourceNames = new Set<string>();
  for (const source of props.sources) {
    if (sourceNames.has(source.sourceName)) fail(`source ${source.sourceName} is listed twice`);
    sourceNames.add(source.sourceName);
    const tables = new Set<string>();
    for (const table of source.tables) {
      if (!/^[^.\s]+\.[^.\s]+$/.test(table.name)) fail(`source ${source.sourceName}: table '${table.name}' is not <curated database>.<table>`);
      if (tables.has(table.name)) fail(`source ${source.sourceName}: table ${table.name} is listed twice`);
      tables.add(table.name);
      const after = table.freshnessAlarmAfter;
      if (after && (after.toSeconds() < FRESHNESS_ALARM_RANGE.min.toSeconds() || after.toSeconds() > FRESHNESS_ALARM_RANGE.max.toSeconds()
        || after.toSeconds() % 60 !== 0)) {
        fail(`source ${source.sourceName}: table ${table.name}: freshnessAlarmAfter ${after.toHumanString()}: use whole minutes from `
          + `${FRESHNESS_ALARM_RANGE.min.toHumanString()} to ${FRESHNESS_ALARM_RANGE.max.toHumanString()} (the alarm period is the threshold; a period is at most one day)`);
      }
    }
  }
  const workgroups = new Set<string>();
  for (const wg of props.workgroupNames) {
    if (workgroups.has(wg)) fail(`workgroup ${wg} is listed twice`);
    workgroups.add(wg);
  }
}
