import { formatDuration } from '../duration';
import { Evaluation } from '../requirement';

/** Shortest binary log retention DMS is comfortable with: a day to recover from a stopped task. */
export const MIN_BINLOG_RETENTION_HOURS = 24;

/** RDS/Aurora MySQL: the `binlog retention hours` row of mysql.rds_configuration. */
export type RdsBinlogRetention =
  | { readonly kind: 'hours'; readonly hours: number | null }
  | { readonly kind: 'unreadable'; readonly reason: string };

/** What decides how long a server keeps its binary logs. */
export interface BinlogRetentionFacts {
  /** binlog_expire_logs_seconds (MySQL 8, MariaDB 10.6+); undefined when the server has no such variable. */
  readonly expireLogsSeconds?: number;
  /** expire_logs_days (MySQL 5.7/8.0, MariaDB; fractional on MariaDB 10.6+); undefined when absent. */
  readonly expireLogsDays?: number;
  /** binlog_expire_logs_auto_purge (MySQL 8.0.29+): OFF means binary logs are never purged automatically. */
  readonly autoPurge?: boolean;
  /** Present on RDS/Aurora, where mysql.rds_configuration replaces the expire variables. */
  readonly rds?: RdsBinlogRetention;
}

export const RDS_RETENTION_FIX = `CALL mysql.rds_set_configuration('binlog retention hours', ${MIN_BINLOG_RETENTION_HOURS});`;
export const SELF_MANAGED_RETENTION_FIX =
  'SET GLOBAL binlog_expire_logs_seconds = 86400; and binlog_expire_logs_seconds = 86400 under [mysqld] in my.cnf (MySQL 5.7: expire_logs_days = 1)';

/**
 * How long binary logs are kept, in seconds, from the expire variables
 * (`'never'` for no automatic purge). The first non-zero of
 * binlog_expire_logs_seconds and expire_logs_days wins; both 0 means never.
 */
export function effectiveRetentionSeconds(facts: BinlogRetentionFacts): number | 'never' {
  if (facts.autoPurge === false) {
    return 'never';
  }
  if (facts.expireLogsSeconds !== undefined && facts.expireLogsSeconds > 0) {
    return facts.expireLogsSeconds;
  }
  if (facts.expireLogsDays !== undefined && facts.expireLogsDays > 0) {
    return Math.round(facts.expireLogsDays * 86_400);
  }
  return 'never';
}

/** The binlog_retention requirement on its facts. */
export function evaluateBinlogRetention(facts: BinlogRetentionFacts): Evaluation {
  const minimum = `${MIN_BINLOG_RETENTION_HOURS} h`;
  if (facts.rds !== undefined) {
    if (facts.rds.kind === 'unreadable') {
      return {
        status: 'warn',
        detail: `RDS: cannot read mysql.rds_configuration (${facts.rds.reason}); check with CALL mysql.rds_show_configuration; as the master user`,
        fix: RDS_RETENTION_FIX,
      };
    }
    const hours = facts.rds.hours;
    if (hours === null) {
      return {
        status: 'fail',
        detail: `RDS: binlog retention hours is not set (RDS purges binary logs as soon as it can); DMS needs at least ${minimum}`,
        fix: RDS_RETENTION_FIX,
      };
    }
    if (hours >= MIN_BINLOG_RETENTION_HOURS) {
      return { status: 'pass', detail: `RDS: binlog retention hours = ${hours}` };
    }
    return { status: 'fail', detail: `RDS: binlog retention hours = ${hours}; DMS needs at least ${minimum}`, fix: RDS_RETENTION_FIX };
  }
  const seconds = effectiveRetentionSeconds(facts);
  if (seconds === 'never') {
    const why = facts.autoPurge === false ? 'binlog_expire_logs_auto_purge = OFF' : 'expiry is 0';
    return { status: 'pass', detail: `binary logs never expire (${why}); purge them yourself so the disk does not fill up` };
  }
  const source = facts.expireLogsSeconds !== undefined && facts.expireLogsSeconds > 0
    ? `binlog_expire_logs_seconds = ${facts.expireLogsSeconds}`
    : `expire_logs_days = ${facts.expireLogsDays}`;
  if (seconds >= MIN_BINLOG_RETENTION_HOURS * 3600) {
    return { status: 'pass', detail: `binary logs kept ${formatDuration(seconds * 1000)} (${source})` };
  }
  return {
    status: 'fail',
    detail: `binary logs kept only ${formatDuration(seconds * 1000)} (${source}); DMS needs at least ${minimum}`,
    fix: SELF_MANAGED_RETENTION_FIX,
  };
}
