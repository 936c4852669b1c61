import { columns, memorySink, stream } from './render-helpers';
import { Cell, renderRows, RowStream } from '../src/render';

const typed = columns(['id', 'bigint'], ['amount', 'decimal(38,2)'], ['ok', 'boolean'], ['at', 'timestamp(6)'],
  ['tags', 'array(varchar)'], ['info', 'row(a integer, b varchar)'], ['ratio', 'double'], ['note', 'varchar']);
const typedRows: Cell[][] = [
  [2n ** 63n - 1n, '12345678901234567890.25', true, '2024-01-02 03:04:05.123456', ['a', 'b,c'], { a: 1, b: 'x "q"' }, Number.NaN, 'plain'],
  ['9007199254740993', '-0.50', false, '1970-01-01 00:00:00', [], { a: null, b: 'line\nbreak' }, 1.5, ''],
  [null, null, null, null, null, null, null, null],
];

async function render(rows: RowStream, format: 'table' | 'csv' | 'json', maxCellWidth?: number): Promise<{ text: string; rows: number }> {
  const sink = memorySink();
  const result = await renderRows(rows, sink, { format, maxCellWidth });
  return { text: sink.text(), rows: result.rows };
}

describe('renderRows', () => {
  test('json: exact integers and decimals, booleans, nested values embedded, NaN as a string, NULL as null', async () => {
    const { text, rows } = await render(stream(typed, typedRows), 'json');
    expect(rows).toBe(3);
    const lines = text.split('\n');
    expect(lines).toEqual([
      '{"id":9223372036854775807,"amount":12345678901234567890.25,"ok":true,"at":"2024-01-02 03:04:05.123456",'
        + '"tags":["a","b,c"],"info":{"a":1,"b":"x \\"q\\""},"ratio":"NaN","note":"plain"}',
      '{"id":9007199254740993,"amount":-0.50,"ok":false,"at":"1970-01-01 00:00:00","tags":[],"info":{"a":null,"b":"line\\nbreak"},'
        + '"ratio":1.5,"note":""}',
      '{"id":null,"amount":null,"ok":null,"at":null,"tags":null,"info":null,"ratio":null,"note":null}',
      '',
    ]);
    expect(JSON.parse(lines[2])).toEqual(Object.fromEntries(typed.map((c) => [c.name, null])));
  });

  test('csv: header, RFC 4180 quoting, NULL empty, empty string quoted, nested values as JSON', async () => {
    const { text } = await render(stream(typed, typedRows), 'csv');
    expect(text).toBe([
      'id,amount,ok,at,tags,info,ratio,note',
      '9223372036854775807,12345678901234567890.25,true,2024-01-02 03:04:05.123456,"[""a"",""b,c""]","{""a"":1,""b"":""x \\""q\\""""}",NaN,plain',
      '9007199254740993,-0.50,false,1970-01-01 00:00:00,[],"{""a"":null,""b"":""line\\nbreak""}",1.5,""',
      ',,,,,,,',
      '',
    ].join('\n'));
  });

  test('table: aligned columns, NULL, newlines escaped, singular and plural footers', async () => {
    const cols = columns(['Key', 'integer'], ['Value', 'varchar']);
    expect((await render(stream(cols, [[3, null], [4, 'v4']]), 'table')).text).toBe('Key | Value\n----+------\n3   | NULL\n4   | v4\n(2 rows)\n');
    expect((await render(stream(cols, [[1, 'a\nb']]), 'table')).text).toBe('Key | Value\n----+------\n1   | a\\nb\n(1 row)\n');
    expect((await render(stream(cols), 'table')).text).toBe('Key | Value\n----+------\n(0 rows)\n');
  });

  test('table: widths come from the first 1,000 rows; a longer value later is cut with …; maxCellWidth caps', async () => {
    const cols = columns(['n', 'bigint'], ['s', 'varchar']);
    const first = Array.from({ length: 1000 }, (_, i): Cell[] => [i, 'abc']);
    const { text, rows } = await render(stream(cols, first, [[1000, 'abcdefgh']]), 'table');
    expect(rows).toBe(1001);
    const lines = text.split('\n');
    expect(lines[0]).toBe('n   | s');
    expect(lines[1001]).toBe('999 | abc');
    expect(lines[1002]).toBe('1000 | ab…');
    expect(lines[1003]).toBe('(1001 rows)');
    const capped = await render(stream(cols, [[1, 'x'.repeat(20)]]), 'table', 5);
    expect(capped.text.split('\n')[2]).toBe('1 | xxxx…');
  });

  test('table: 200,000 rows in one batch render without spreading them into Math.max', async () => {
    const cols = columns(['n', 'integer']);
    const big = Array.from({ length: 200_000 }, (_, i): Cell[] => [i]);
    const { text, rows } = await render(stream(cols, big), 'table');
    expect(rows).toBe(200_000);
    expect(text.endsWith('\n199999\n(200000 rows)\n')).toBe(true);
  });

  test('repeated column names keep every value in json', async () => {
    const { text } = await render(stream(columns(['a', 'int'], ['a', 'int']), [[1, 2]]), 'json');
    expect(text).toBe('{"a":1,"a_2":2}\n');
  });

  test('a json column given as text is embedded when it parses and quoted when it does not', async () => {
    const { text } = await render(stream(columns(['j', 'json']), [['{"big": 12345678901234567890}'], ['not json']]), 'json');
    expect(text).toBe('{"j":{"big": 12345678901234567890}}\n{"j":"not json"}\n');
  });

  test('output is written as it streams, in bounded chunks', async () => {
    const sink = memorySink();
    const cols = columns(['n', 'integer']);
    let pulled = 0;
    let produced = 'n\n'.length;
    const batches = (async function* () {
      for (let b = 0; b < 50; b++) {
        pulled++;
        const batch = Array.from({ length: 1000 }, (_, i): Cell[] => [b * 1000 + i]);
        yield batch;
        produced += batch.reduce((n, r) => n + String(r[0]).length + 1, 0);
        // the rendered text of every batch so far has reached the sink, but for at most one chunk
        expect(sink.text().length).toBeGreaterThan(produced - 64 * 1024);
      }
    })();
    await renderRows({ columns: cols, batches }, sink, { format: 'csv' });
    expect(pulled).toBe(50);
    expect(sink.text()).toBe(`n\n${Array.from({ length: 50_000 }, (_, i) => `${i}\n`).join('')}`);
    expect(sink.chunks.length).toBeGreaterThan(3);
    expect(Math.max(...sink.chunks.map((c) => c.length))).toBeLessThan(70 * 1024);
  });

  test('an unknown format is a one-line error', async () => {
    await expect(renderRows(stream(columns()), memorySink(), { format: 'xml' as 'csv' })).rejects.toThrow(/unknown output format 'xml'; use table, csv or json/);
  });
});
