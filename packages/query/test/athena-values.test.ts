import { athenaCell, athenaColumns, parseAthenaStructured } from '../src/athena';

describe('Athena display text of arrays, maps and rows', () => {
  test.each([
    ['[]', []],
    ['{}', {}],
    ['[1, -2, 3.5, null, true, text with spaces]', [1, -2, 3.5, null, true, 'text with spaces']],
    ['[[1, 2], [3]]', [[1, 2], [3]]],
    ['[{id=1, name=a}, {id=2, name=null}]', [{ id: 1, name: 'a' }, { id: 2, name: null }]],
    ['{k1=[1, 2], k2={x=y}}', { k1: [1, 2], k2: { x: 'y' } }],
    // integers beyond 2^53 stay exact as text
    ['[9007199254740993]', ['9007199254740993']],
    ['[2024-05-01 10:00:00.000]', ['2024-05-01 10:00:00.000']],
  ])('%s', (text, expected) => {
    expect(parseAthenaStructured(text)).toEqual(expected);
  });

  test.each(['[1, 2', '{a=1', '{novalue}', '[1] trailing', '[a]]'])('%s does not parse: the text itself', (text) => {
    expect(parseAthenaStructured(text)).toBe(text);
  });
});

describe('athenaColumns and athenaCell', () => {
  test('labels name the columns; missing names and types have defaults', () => {
    expect(athenaColumns([{ Name: 'a', Label: 'A', Type: 'DECIMAL' }, { Name: undefined, Type: undefined }])).toEqual([
      { name: 'A', type: 'decimal', kind: 'decimal' },
      { name: '_col1', type: 'varchar', kind: 'text' },
    ]);
  });

  test('text that does not fit its type is kept as text; json that does not parse too', () => {
    const [integer, float, boolean, json] = athenaColumns([
      { Name: 'i', Type: 'bigint' }, { Name: 'f', Type: 'double' }, { Name: 'b', Type: 'boolean' }, { Name: 'j', Type: 'json' },
    ]);
    expect(athenaCell({ VarCharValue: '12x' }, integer)).toBe('12x');
    expect(athenaCell({ VarCharValue: '-Infinity' }, float)).toBe('-Infinity');
    expect(athenaCell({ VarCharValue: '1.0E10' }, float)).toBe(1e10);
    expect(athenaCell({ VarCharValue: 'maybe' }, boolean)).toBe('maybe');
    expect(athenaCell({ VarCharValue: '{"a":' }, json)).toBe('{"a":');
    expect(athenaCell({ VarCharValue: '"quoted"' }, json)).toBe('quoted');
    expect(athenaCell(undefined, json)).toBeNull();
  });
});
