import { formatDuration, settingToMilliseconds } from '../src';

describe('settingToMilliseconds', () => {
  test.each([
    ['60000', 'ms', 60000],
    ['60', 's', 60000],
    ['1', 'min', 60000],
    ['0', 'ms', 0],
    ['2', 'h', 7200000],
    ['5000', null, 5000],
  ])('%s %s → %d ms', (setting, unit, expected) => {
    expect(settingToMilliseconds(setting, unit)).toBe(expected);
  });

  test('refuses non-time units and non-numbers', () => {
    expect(() => settingToMilliseconds('8', '8kB')).toThrow('not a time unit');
    expect(() => settingToMilliseconds('x', 'ms')).toThrow('not a number');
  });
});

describe('formatDuration', () => {
  test.each([
    [0, '0 s'],
    [500, '500 ms'],
    [9999, '10 s'],
    [60000, '60 s'],
    [3_600_000, '1 h'],
    [5_400_000, '1.5 h'],
    [86_400_000, '1 d'],
    [129_600_000, '36 h'],
  ])('%d ms → %s', (ms, expected) => {
    expect(formatDuration(ms)).toBe(expected);
  });
});
