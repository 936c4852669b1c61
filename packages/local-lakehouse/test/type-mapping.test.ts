import { dmsTypeMapping, duckDbConversion, lakeChecksumText, sourceChecksumText } from '../src/source/type-mapping';

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
    expect(sourceChecksumText(ts, '"t"')).toBe('to_char("t", \'YYYY-MM-DD HH24:MI:SS.US\')');
    expect(lakeChecksumText('TIMESTAMP', '"t"')).toBe('strftime(CAST("t" AS TIMESTAMP), \'%Y-%m-%d %H:%M:%S.%f\')');
    expect(sourceChecksumText(dmsTypeMapping('bytea', -1, 'U'), '"b"')).toBe('encode("b", \'hex\')');
    expect(lakeChecksumText('BLOB', '"b"')).toBe('lower(hex("b"))');
    // char(n) keeps its padding: the output function, not a cast to text
    expect(sourceChecksumText(dmsTypeMapping('bpchar', 9, 'S'), '"c"')).toContain('concat("c")');
  });
});
