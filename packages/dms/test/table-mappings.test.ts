import { CHANGE_SEQUENCE_COLUMN } from '../src/constants';
import { TableMappings } from '../src/table-mappings';

const addColumnRule = (id: string, column = CHANGE_SEQUENCE_COLUMN) => ({
  'rule-type': 'transformation',
  'rule-id': id,
  'rule-name': id,
  'rule-target': 'column',
  'object-locator': { 'schema-name': '%', 'table-name': '%' },
  'rule-action': 'add-column',
  'value': column,
  'expression': '$AR_H_CHANGE_SEQ',
  'data-type': { type: 'string', length: 50 },
});

describe('TableMappings', () => {
  test('renders include and exclude selection rules, then the change-sequence add-column rule', () => {
    const mappings = new TableMappings()
      .include('public', 'orders')
      .include('sales_%', '%')
      .exclude('sales_%', 'tmp_%');

    expect(mappings.render()).toEqual({
      rules: [
        {
          'rule-type': 'selection',
          'rule-id': '1',
          'rule-name': '1',
          'object-locator': { 'schema-name': 'public', 'table-name': 'orders' },
          'rule-action': 'include',
        },
        {
          'rule-type': 'selection',
          'rule-id': '2',
          'rule-name': '2',
          'object-locator': { 'schema-name': 'sales_%', 'table-name': '%' },
          'rule-action': 'include',
        },
        {
          'rule-type': 'selection',
          'rule-id': '3',
          'rule-name': '3',
          'object-locator': { 'schema-name': 'sales_%', 'table-name': 'tmp_%' },
          'rule-action': 'exclude',
        },
        addColumnRule('4'),
      ],
    });
  });

  test('rule ids are unique and ascending', () => {
    const rules = TableMappings.fromTables(
      [{ schema: 'a', table: 'x' }, { schema: 'b', table: '%' }, { schema: 'c', table: 'y$z' }],
      [{ schema: 'b', table: 'audit' }],
    ).render().rules;
    const ids = rules.map(r => Number(r['rule-id']));
    expect(ids).toEqual([1, 2, 3, 4, 5]);
  });

  test('fromTables renders includes before excludes and keeps the declared order', () => {
    const mappings = TableMappings.fromTables(
      [{ schema: 'public', table: 'orders', primaryKey: ['id'] }, { schema: 'public', table: 'customers' }],
      [{ schema: 'public', table: 'orders_archive' }],
    );
    expect(mappings.included).toEqual([{ schema: 'public', table: 'orders' }, { schema: 'public', table: 'customers' }]);
    expect(mappings.excluded).toEqual([{ schema: 'public', table: 'orders_archive' }]);
    expect(mappings.render().rules.map(r => r['rule-action'])).toEqual(['include', 'include', 'exclude', 'add-column']);
  });

  test('the change-sequence column name can be changed', () => {
    const rules = new TableMappings({ changeSequenceColumn: 'seq' }).include('%', '%').render().rules;
    expect(rules[1]).toEqual(addColumnRule('2', 'seq'));
  });

  test('toJson is the rendered document as a string', () => {
    const mappings = new TableMappings().include('public', '%');
    expect(JSON.parse(mappings.toJson())).toEqual(mappings.render());
  });

  test('no include rule is an error', () => {
    expect(() => new TableMappings().render()).toThrow(/no include rule/);
    expect(() => new TableMappings().exclude('public', 'x').render()).toThrow(/no include rule/);
  });

  test('duplicate rules are errors', () => {
    expect(() => new TableMappings().include('public', 'orders').include('public', 'orders'))
      .toThrow('TableMappings: duplicate include rule for public.orders');
    expect(() => new TableMappings().include('public', '%').exclude('public', 'x').exclude('public', 'x'))
      .toThrow('TableMappings: duplicate exclude rule for public.x');
    expect(() => new TableMappings().include('public', 'orders').exclude('public', 'orders'))
      .toThrow(/both included and excluded/);
  });

  test.each([
    ['schema', 'my-schema', 'orders'],
    ['schema', '', 'orders'],
    ['table', 'public', 'orders; drop table x'],
    ['table', 'public', 'or*ders'],
    ['table', 'public', 'or ders'],
  ])('an invalid %s name is an error (%s.%s)', (kind, schema, table) => {
    expect(() => new TableMappings().include(schema, table))
      .toThrow(new RegExp(`TableMappings: ${kind} name ".*" is invalid; use letters, digits, _, \\$ and the % wildcard`));
  });

  test('an invalid change-sequence column name is an error', () => {
    expect(() => new TableMappings({ changeSequenceColumn: '1seq' })).toThrow(/changeSequenceColumn "1seq" is invalid/);
  });
});
