export {
  LakehouseDashboard, freshnessMetric, DASHBOARD_LIMITS, FRESHNESS_ALARM_RANGE, FRESHNESS_TABLES_PER_GRAPH,
  type LakehouseDashboardProps, type LakehouseDashboardSource, type LakehouseDashboardTable,
} from './lakehouse-dashboard';
