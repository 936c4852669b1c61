import { dmsTypeMapping, duckDbConversion, lakeChecksumText, refusedValue, sourceChecksumText } from '../src/source/type-mapping';

const typmod = (precision: number, scale: number): number => precision * 65536 + scale + 4;

describe('dmsTypeMapping (PostgreSQL → the Parquet types DMS writes)', () => {
  test.each([
    ['int2', -1, 'N', 'int', 'SMALLINT'],
    ['int4', -1, 'N', 'int', 'INTEGER'],
    ['int8', -1, 'N', 'bigint', 'BIGINT'],
    ['float4', -1, 'N', 'float', 'FLOAT'],
    ['float8', -1, 'N', 'double', 'DOUBLE'],
    ['numeric', typmod(12, 2), 'N', 'decimal(12,2)', 'DECIMAL(12,2)'],
    ['numeric', typmod(38, 10), 'N', 'decimal(38,10)', 'DECIMAL(38,10)'],
    ['numeric', -1, 'N', 'decimal(28,6)', 'DECIMAL(28,6)'],
    ['numeric', typmod(39, 2), 'N', 'string', 'VARCHAR'],
    ['money', -1, 'N', 'decimal(38,4)', 'DECIMAL(38,4)'],
    ['bool', -1, 'B', 'boolean', 'BOOLEAN'],
    ['date', -1, 'D', 'date', 'DATE'],
    ['timestamp', 6, 'D', 'timestamp', 'TIMESTAMP'],
    ['timestamptz', -1, 'D', 'timestamp', 'TIMESTAMP'],
    ['bytea', -1, 'U', 'binary', 'BLOB'],
    ['uuid', -1, 'U', 'string', 'VARCHAR'],
    ['json', -1, 'U', 'string', 'VARCHAR'],
    ['jsonb', -1, 'U', 'string', 'VARCHAR'],
    ['interval', -1, 'T', 'string', 'VARCHAR'],
    ['_int4', -1, 'A', 'string', 'VARCHAR'],
    ['text', -1, 'S', 'string', 'VARCHAR'],
    ['bpchar', 9, 'S', 'string', 'VARCHAR'],
    ['bit', 8, 'V', 'string', 'VARCHAR'],
  ])('%s (typmod %d, category %s) → %s as %s', (base, mod, category, type, rawType) => {
    expect(dmsTypeMapping(base, mod, category)).toMatchObject({ type, rawType });
  });

  test('conversions turn PostgreSQL text into the raw types', () => {
    expect(duckDbConversion({ kind: 'binary', rawType: 'BLOB' }, 'c0')).toBe('from_hex(substr(c0, 3))');
    expect(duckDbConversion({ kind: 'numeric', rawType: 'DECIMAL(28,6)' }, 'c1')).toContain("IN ('NaN', 'Infinity', '-Infinity') THEN NULL");
    expect(duckDbConversion({ kind: 'money', rawType: 'DECIMAL(38,4)' }, 'c2')).toContain('regexp_replace');
    expect(duckDbConversion({ kind: 'text', rawType: 'VARCHAR' }, 'c3')).toBe('c3');
  });

  test('checksum renderings pair up per type', () => {
    const ts = dmsTypeMapping('timestamptz', -1, 'D');
    // BC years and ±infinity render alike on both sides
    expect(sourceChecksumText(ts, '"t"')).toBe('CASE WHEN "t" IN (\'infinity\', \'-infinity\') OR "t" > \'294247-01-10 04:00:54.775806\' THEN NULL '
      + 'ELSE to_char("t", \'YYYY-MM-DD HH24:MI:SS.US BC\') END');
    expect(lakeChecksumText('TIMESTAMP', '"t"')).toContain('printf(\'%04d\', 1 - year(CAST("t" AS TIMESTAMP))) || strftime(CAST("t" AS TIMESTAMP), \'-%m-%d %H:%M:%S.%f\') || \' BC\'');
    expect(sourceChecksumText(dmsTypeMapping('bytea', -1, 'U'), '"b"')).toBe('encode("b", \'hex\')');
    expect(lakeChecksumText('BLOB', '"b"')).toBe('lower(hex("b"))');
    // char(n) keeps its padding: the output function, not a cast to text
    expect(sourceChecksumText(dmsTypeMapping('bpchar', 9, 'S'), '"c"')).toContain('concat("c")');
  });

  test('values the DMS type cannot hold are named (they are written as NULL)', () => {
    expect(refusedValue('numeric', '100000000000000000000000')).toContain('does not fit decimal(28,6)');
    expect(refusedValue('numeric', '-9999999999999999999999.9999995')).toContain('does not fit decimal(28,6)');
    expect(refusedValue('numeric', '9999999999999999999999.9999994')).toBeUndefined();
    expect(refusedValue('numeric', 'NaN')).toBe('has no DECIMAL value');
    expect(refusedValue('decimal', '123456789012345678901234567.5')).toBeUndefined();
    expect(refusedValue('date', 'infinity')).toBe('has no Parquet DATE value');
    expect(refusedValue('timestamp', '-infinity')).toBe('has no Parquet TIMESTAMP value');
    expect(refusedValue('date', '0044-03-15 BC')).toBeUndefined();
    expect(refusedValue('timestamp', '294250-01-01 00:00:00+00')).toContain('is after the last Parquet TIMESTAMP');
    expect(refusedValue('timestamp', '294247-01-09 00:00:00')).toBeUndefined();
    expect(refusedValue('timestamp', '294250-01-01 00:00:00 BC')).toBeUndefined();
    expect(refusedValue('timestamp', '200000-01-01 00:00:00')).toBeUndefined();
    expect(refusedValue('text', 'infinity')).toBeUndefined();
  });

  test('money is read from its digits at the locale\'s fraction digits', () => {
    expect(duckDbConversion({ kind: 'money', rawType: 'DECIMAL(38,4)', moneyFractionDigits: 0 }, 'c2')).not.toContain('\'.\'');
    expect(duckDbConversion({ kind: 'money', rawType: 'DECIMAL(38,4)' }, 'c2')).toContain('right(');
  });
});
