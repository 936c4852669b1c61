import { effectiveRetentionSeconds, evaluateBinlogRetention } from '../src';

describe('effectiveRetentionSeconds', () => {
  test.each([
    [{ expireLogsSeconds: 2592000, expireLogsDays: 0 }, 2592000], // MySQL 8 default: 30 days
    [{ expireLogsSeconds: 0, expireLogsDays: 0 }, 'never'], // MariaDB default
    [{ expireLogsSeconds: 0, expireLogsDays: 7 }, 604800], // expire_logs_days when seconds is 0
    [{ expireLogsDays: 0.5 }, 43200], // MariaDB 10.6+ accepts fractions; MySQL 5.7 has no seconds variable
    [{ expireLogsSeconds: 86400, expireLogsDays: 1, autoPurge: false }, 'never'], // MySQL 8.0.29+ purge switched off
    [{}, 'never'],
  ])('%j → %s', (facts, expected) => {
    expect(effectiveRetentionSeconds(facts)).toBe(expected);
  });
});

describe('evaluateBinlogRetention', () => {
  test('24 h is the threshold', () => {
    expect(evaluateBinlogRetention({ expireLogsSeconds: 86400 }).status).toBe('pass');
    expect(evaluateBinlogRetention({ expireLogsSeconds: 86399 })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('binlog_expire_logs_seconds = 86399'),
      fix: expect.stringContaining('binlog_expire_logs_seconds = 86400'),
    });
    expect(evaluateBinlogRetention({ expireLogsSeconds: 3600 }).detail).toBe(
      'binary logs kept only 1 h (binlog_expire_logs_seconds = 3600); DMS needs at least 24 h',
    );
  });

  test('0 means never expire: pass', () => {
    expect(evaluateBinlogRetention({ expireLogsSeconds: 0, expireLogsDays: 0 })).toMatchObject({ status: 'pass', detail: expect.stringContaining('never expire') });
  });

  test('RDS reads mysql.rds_configuration, not the expire variables', () => {
    expect(evaluateBinlogRetention({ expireLogsSeconds: 0, rds: { kind: 'hours', hours: null } })).toMatchObject({
      status: 'fail',
      fix: "CALL mysql.rds_set_configuration('binlog retention hours', 24);",
    });
    expect(evaluateBinlogRetention({ rds: { kind: 'hours', hours: 12 } }).status).toBe('fail');
    expect(evaluateBinlogRetention({ rds: { kind: 'hours', hours: 24 } })).toMatchObject({ status: 'pass', detail: 'RDS: binlog retention hours = 24' });
    expect(evaluateBinlogRetention({ rds: { kind: 'unreadable', reason: 'SELECT command denied' } }).status).toBe('warn');
  });
});
