import { parseTableName, parseTablePattern, selectTables, splitTableList, TablePatternError } from '../src';

const tables = [
  { schema: 'public', name: 'orders' },
  { schema: 'public', name: 'order_items' },
  { schema: 'public', name: 'orderXitems' },
  { schema: 'sales', name: 'Invoices' },
  { schema: 'my.schema', name: '100%' },
];

describe('table selectors', () => {
  test('% is a wildcard, _ is literal', () => {
    const selection = selectTables([parseTablePattern('public.order_%'), parseTablePattern('public.order_items')], tables);
    expect(selection.selected).toEqual([{ schema: 'public', name: 'order_items' }]);
    expect(selection.unmatched).toEqual([]);
  });

  test('selectors that match nothing are reported as written', () => {
    const selection = selectTables([parseTablePattern('public.%'), parseTablePattern('sales.invoices'), parseTablePattern('nope.%')], tables);
    expect(selection.selected.map((t) => t.name)).toEqual(['orders', 'order_items', 'orderXitems']);
    expect(selection.unmatched).toEqual(['sales.invoices', 'nope.%']);
  });

  test('case-insensitive matching on request', () => {
    const selection = selectTables([parseTablePattern('SALES.invoices', { caseInsensitive: true })], tables);
    expect(selection.selected).toEqual([{ schema: 'sales', name: 'Invoices' }]);
  });

  test('quoted names may contain dots and %; a default schema fills in', () => {
    expect(selectTables([parseTablePattern('"my.schema"."100%"')], tables).selected).toEqual([{ schema: 'my.schema', name: '100%' }]);
    expect(selectTables([parseTablePattern('`my.schema`.%')], tables).selected).toHaveLength(1);
    expect(selectTables([parseTablePattern('orders', { defaultSchema: 'public' })], tables).selected).toEqual([{ schema: 'public', name: 'orders' }]);
  });

  test('malformed selectors are refused with the selector in the message', () => {
    expect(() => parseTablePattern('a.b.c')).toThrow(TablePatternError);
    expect(() => parseTablePattern('a.b.c')).toThrow('"a.b.c" has more than one dot');
    expect(() => parseTablePattern('orders')).toThrow('"orders" has no schema');
    expect(() => parseTablePattern('.t')).toThrow('empty schema or table name');
    expect(() => parseTablePattern('"open.t')).toThrow('unterminated "');
    expect(() => parseTablePattern('  ')).toThrow('empty table selector');
  });

  test('exact table names', () => {
    expect(parseTableName('"we""ird".t')).toEqual({ schema: 'we"ird', name: 't' });
    expect(parseTableName('t', 'public')).toEqual({ schema: 'public', name: 't' });
    expect(() => parseTableName('public.%')).toThrow('% wildcard');
  });

  test('comma-separated lists, quotes protect commas', () => {
    expect(splitTableList('public.a, public.b,,"x,y".z ')).toEqual(['public.a', 'public.b', '"x,y".z']);
  });
});
