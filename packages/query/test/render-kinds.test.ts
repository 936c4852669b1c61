import { kindOfType, ValueKind } from '../src/render';

const cases: [ValueKind, string[]][] = [
  ['integer', ['bigint', 'BIGINT', 'integer', 'int', 'smallint', 'tinyint', 'HUGEINT', 'UBIGINT', 'int8', 'long']],
  ['decimal', ['decimal(38,9)', 'DECIMAL(18,3)', 'decimal', 'numeric(10, 2)']],
  ['float', ['double', 'DOUBLE', 'real', 'float', 'FLOAT4', 'double precision']],
  ['boolean', ['boolean', 'BOOLEAN', 'bool']],
  ['date', ['date', 'DATE']],
  ['timestamp', ['timestamp', 'timestamp(3)', 'timestamp(6) with time zone', 'TIMESTAMP WITH TIME ZONE', 'timestamp_ntz', 'TIMESTAMP_NS', 'timestamptz']],
  ['time', ['time', 'time(6)', 'TIME WITH TIME ZONE', 'timetz']],
  ['json', ['json', 'array(integer)', 'array(timestamp(3))', 'map(varchar, bigint)', 'row(a integer, b varchar)', 'INTEGER[]', 'VARCHAR[3]',
    'STRUCT(a INTEGER, b VARCHAR)', 'MAP(VARCHAR, INTEGER)', 'array<int>', 'struct<a:int,b:string>', 'map<string,int>', 'UNION(a INTEGER)']],
  ['binary', ['varbinary', 'BLOB', 'binary', 'bytea']],
  ['text', ['varchar', 'varchar(10)', 'char(3)', 'string', 'VARCHAR', 'uuid', 'interval day to second', 'INTERVAL', 'ipaddress', 'unknown', '']],
];

describe('kindOfType', () => {
  test.each(cases.flatMap(([kind, types]) => types.map((t): [string, ValueKind] => [t, kind])))('%s -> %s', (type, kind) => {
    expect(kindOfType(type)).toBe(kind);
  });
});
