import { TablePattern, parseTablePattern } from '@cdc-lakehouse/source-setup';
import { estimateRows, formatEta, loadProgressText } from '../src/capture/load-progress';
import { createProgress } from '../src/cli/progress';
import { UsageError } from '../src/errors';
import { excludeTables, parseExcludeList } from '../src/source/table-exclusion';

describe('estimateRows', () => {
  test('scales the density of the last ANALYZE to the pages the table has now', () => {
    expect(estimateRows(100, 5000, 100)).toBe(5000);
    expect(estimateRows(100, 5000, 300)).toBe(15000);
  });
  test('unknown without statistics; 0 for an empty table', () => {
    expect(estimateRows(0, -1, 40)).toBeNull();
    expect(estimateRows(0, 0, 40)).toBeNull();
    expect(estimateRows(0, -1, 0)).toBe(0);
    expect(estimateRows(0, 1200, 40)).toBe(1200);
  });
});

describe('formatEta', () => {
  test.each([
    [0, '0 s'], [44_600, '45 s'], [200_000, '3 min 20 s'], [3_900_000, '1 h 05 min'],
  ])('%d ms is %s', (ms, text) => {
    expect(formatEta(ms)).toBe(text);
  });
});

describe('loadProgressText', () => {
  const base = { table: 'shop.orders', index: 2, tables: 5 };
  test('rows of the estimate, percent, rate and time left', () => {
    expect(loadProgressText({ ...base, rows: 250_000, estimatedRows: 1_000_000, elapsedMs: 2000 }))
      .toBe('full load 2/5 shop.orders: 250,000 of ~1,000,000 rows (25%, 125.0 k/s, about 6 s left)');
  });
  test('no estimate: rows and rate only', () => {
    expect(loadProgressText({ ...base, rows: 500, estimatedRows: null, elapsedMs: 1000 })).toBe('full load 2/5 shop.orders: 500 rows (500/s)');
  });
  test('past a stale estimate: 99% and no time left', () => {
    expect(loadProgressText({ ...base, rows: 1200, estimatedRows: 1000, elapsedMs: 1000 }))
      .toBe('full load 2/5 shop.orders: 1,200 of ~1,000 rows (99%, 1.2 k/s)');
  });
});

describe('--exclude selectors', () => {
  const tables = [{ schema: 'public', name: 'orders' }, { schema: 'public', name: 'audit_log' }, { schema: 'staging', name: 'orders' }];
  const patterns = (list: string): TablePattern[] => parseExcludeList('local capture', list);

  test('excludes by name, wildcard and default schema; reports selectors that match nothing', () => {
    expect(excludeTables(tables, patterns('audit_log,staging.%')).kept).toEqual([{ schema: 'public', name: 'orders' }]);
    expect(excludeTables(tables, patterns('public.nope')).unmatched).toEqual(['public.nope']);
    expect(excludeTables(tables, []).kept).toEqual(tables);
  });

  test('quoted names keep their dots and commas', () => {
    const odd = [{ schema: 'a.b', name: 'x,y' }, { schema: 'public', name: 'orders' }];
    expect(excludeTables(odd, patterns('"a.b"."x,y"')).kept).toEqual([{ schema: 'public', name: 'orders' }]);
    expect(parseTablePattern('"a.b"."x,y"').text).toBe('"a.b"."x,y"');
  });

  test('an empty list or a bad selector is a usage error naming --exclude', () => {
    expect(() => patterns(' , ')).toThrow(UsageError);
    expect(() => patterns(' , ')).toThrow('local capture: --exclude is empty');
    expect(() => patterns('a.b.c')).toThrow(/^local capture: --exclude: table selector "a\.b\.c" has more than one dot/);
  });
});

describe('createProgress in plain mode', () => {
  function stream(): NodeJS.WritableStream & { text: string } {
    const s = { text: '', write: (chunk: string) => ((s.text += chunk), true) };
    return s as unknown as NodeJS.WritableStream & { text: string };
  }

  test('the first status is printed at once; later ones at most every interval, as plain lines', () => {
    const out = stream();
    const progress = createProgress(out, { mode: 'plain', plainIntervalMs: 60_000 });
    progress.status('full load 1/1 t: 10 of ~100 rows (10%)');
    progress.status('full load 1/1 t: 20 of ~100 rows (20%)');
    progress.line('done');
    expect(out.text).toBe('full load 1/1 t: 10 of ~100 rows (10%)\ndone\n');
  });

  test('plainFirstAfterMs keeps a short run to its lines', () => {
    const out = stream();
    const progress = createProgress(out, { mode: 'plain', plainFirstAfterMs: 60_000 });
    progress.status('verify: 1/2 tables, public.a');
    progress.line('verified');
    expect(out.text).toBe('verified\n');
  });
});
