import { DMS_FACTS_TO_VERIFY } from '@cdc-lakehouse/curation';
import { CHANGE_SEQUENCE_RECORD_DIGITS } from '../src/capture/change-sequence';
import { binlogRecordId, compareBinlogPositions, formatBinlogPosition, parseBinlogPosition } from '../src/capture/mysql/binlog-position';
import { truncatedTable } from '../src/capture/mysql/binlog-transactions';
import { dmsMysqlType, fixedScale, mysqlTypeMapping, renderMysqlValue } from '../src/source/mysql/mysql-type-mapping';

const column = (dataType: string, columnType = dataType, precision: number | null = null, scale: number | null = null) =>
  mysqlTypeMapping({ dataType, columnType, precision, scale });

describe('MySQL → Parquet type mapping (DMS)', () => {
  test('integers: signed as INT_8/16/32/64, unsigned as UINT_*, curated in the smallest signed type that holds them', () => {
    expect(column('tinyint', 'tinyint(1)')).toMatchObject({ type: 'int', rawType: 'TINYINT', kind: 'int' });
    expect(column('tinyint', 'tinyint(3) unsigned')).toMatchObject({ type: 'int', rawType: 'UTINYINT' });
    expect(column('mediumint')).toMatchObject({ type: 'int', rawType: 'INTEGER' });
    expect(column('int', 'int(10) unsigned')).toMatchObject({ type: 'bigint', rawType: 'UINTEGER' });
    expect(column('bigint')).toMatchObject({ type: 'bigint', rawType: 'BIGINT' });
    expect(column('bigint', 'bigint(20) unsigned')).toMatchObject({ type: 'decimal(20,0)', rawType: 'UBIGINT', kind: 'int' });
    expect(column('year', 'year(4)')).toMatchObject({ type: 'int', rawType: 'SMALLINT' });
  });

  test('decimals up to 38 digits as DECIMAL, wider ones as strings with their scale; bit(1) boolean, wider bits binary', () => {
    expect(column('decimal', 'decimal(12,2)', 12, 2)).toMatchObject({ type: 'decimal(12,2)', rawType: 'DECIMAL(12,2)', kind: 'decimal' });
    expect(column('decimal', 'decimal(65,30)', 65, 30)).toMatchObject({ type: 'string', render: 'decimal-text', scale: 30 });
    expect(column('bit', 'bit(1)', 1)).toMatchObject({ type: 'boolean', render: 'bit-boolean' });
    expect(column('bit', 'bit(12)', 12)).toMatchObject({ type: 'binary', render: 'binary' });
  });

  test('dates and times; strings, enums, sets, json; binaries', () => {
    expect(column('datetime', 'datetime(6)')).toMatchObject({ type: 'timestamp', rawType: 'TIMESTAMP', render: 'datetime' });
    expect(column('timestamp')).toMatchObject({ type: 'timestamp' });
    expect(column('date')).toMatchObject({ type: 'date', render: 'date' });
    for (const t of ['time', 'varchar', 'longtext', 'enum', 'set', 'json']) expect(column(t)).toMatchObject({ type: 'string', render: 'text' });
    for (const t of ['binary', 'varbinary', 'blob', 'longblob', 'geometry']) expect(column(t)).toMatchObject({ type: 'binary', render: 'binary' });
  });
});

describe('the DMS type of a MySQL column, from the one table of facts to verify', () => {
  test('tinyint(1) is INT1 (not boolean), bit(1) BOOLEAN, time STRING, enum and unknown types WSTRING, unsigned bigint UINT8', () => {
    expect(dmsMysqlType({ dataType: 'tinyint', columnType: 'tinyint(1)', precision: 3, scale: 0 })).toBe('INT1');
    expect(dmsMysqlType({ dataType: 'bit', columnType: 'bit(1)', precision: 1, scale: null })).toBe('BOOLEAN');
    expect(dmsMysqlType({ dataType: 'bit', columnType: 'bit(9)', precision: 9, scale: null })).toBe('BYTES');
    expect(dmsMysqlType({ dataType: 'time', columnType: 'time(3)', precision: null, scale: null })).toBe('STRING');
    expect(dmsMysqlType({ dataType: 'enum', columnType: "enum('a','b')", precision: null, scale: null })).toBe('WSTRING');
    expect(dmsMysqlType({ dataType: 'inet6', columnType: 'inet6', precision: null, scale: null })).toBe('WSTRING');
    expect(dmsMysqlType({ dataType: 'bigint', columnType: 'bigint(20) unsigned', precision: 20, scale: 0 })).toBe('UINT8');
  });

  test('every DMS type the table names has a Parquet mapping that is not the string fallback, unless it is a string type', () => {
    const table = DMS_FACTS_TO_VERIFY.mysqlSourceTypes;
    const columns = [
      ...Object.keys(table.signed).map((dataType) => ({ dataType, columnType: dataType })),
      ...Object.keys(table.unsigned).map((dataType) => ({ dataType, columnType: `${dataType} unsigned` })),
      ...Object.keys(table.other).map((dataType) => ({ dataType, columnType: dataType })),
    ];
    expect(columns.length).toBeGreaterThan(30);
    for (const c of columns) {
      const facts = { ...c, precision: 10, scale: 2 };
      const dms = dmsMysqlType(facts);
      expect(mysqlTypeMapping(facts).type === 'string').toBe(dms === 'STRING' || dms === 'CLOB');
    }
  });
});

describe('rendering values for staging', () => {
  test('NULL, bits, bytes, zero dates, wide decimals', () => {
    expect(renderMysqlValue({ render: 'text' }, null)).toBeNull();
    expect(renderMysqlValue({ render: 'bit-boolean' }, Buffer.from([1]))).toBe('true');
    expect(renderMysqlValue({ render: 'bit-boolean' }, Buffer.from([0]))).toBe('false');
    expect(renderMysqlValue({ render: 'binary' }, Buffer.from([0, 255, 16]))).toBe('\\x00ff10');
    expect(renderMysqlValue({ render: 'date' }, '0000-00-00')).toEqual({ refused: expect.stringContaining('zero date'), value: '0000-00-00' });
    expect(renderMysqlValue({ render: 'datetime' }, '2024-00-10 00:00:00')).toMatchObject({ value: '2024-00-10 00:00:00' });
    expect(renderMysqlValue({ render: 'date' }, '2024-05-00')).toMatchObject({ value: '2024-05-00' });
    // a zero in the month or day that is not the whole field is a date
    for (const date of ['2024-10-05', '2024-01-10', '2000-10-20', '0001-01-01']) expect(renderMysqlValue({ render: 'date' }, date)).toBe(date);
    expect(renderMysqlValue({ render: 'datetime' }, '2024-02-29 12:34:56.123456')).toBe('2024-02-29 12:34:56.123456');
    expect(renderMysqlValue({ render: 'int' }, '18446744073709551615')).toBe('18446744073709551615');
    expect(renderMysqlValue({ render: 'decimal-text', scale: 3 }, '-1.5')).toBe('-1.500');
  });

  test('fixedScale pads or cuts to the scale and never writes -0', () => {
    expect(fixedScale('12', 2)).toBe('12.00');
    expect(fixedScale('-0.000', 2)).toBe('0.00');
    expect(fixedScale('1.23456', 0)).toBe('1');
  });
});

describe('binlog positions and record ids', () => {
  test('positions order by file number, then offset, and read back from their text', () => {
    const a = parseBinlogPosition('binlog.000009:900');
    const b = parseBinlogPosition('binlog.000010:4');
    expect(compareBinlogPositions(a, b)).toBeLessThan(0);
    expect(formatBinlogPosition(b)).toBe('binlog.000010:4');
    expect(() => parseBinlogPosition('nonsense')).toThrow('is not a binlog position');
  });

  test('record ids increase in log order across files and fit the 19 digits of the change sequence', () => {
    const ids = [binlogRecordId('binlog.000001', 300, 0), binlogRecordId('binlog.000001', 300, 1), binlogRecordId('binlog.000001', 5000, 0),
      binlogRecordId('binlog.000002', 4, 0), binlogRecordId('binlog.999999', 1_073_741_824, 9999)];
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
    for (const id of ids) expect(String(id).length).toBeLessThanOrEqual(CHANGE_SEQUENCE_RECORD_DIGITS);
  });
});

describe('TRUNCATE statements in the binlog', () => {
  test('name the table they empty, in the session database unless qualified', () => {
    expect(truncatedTable('TRUNCATE TABLE shop.logs', 'x')).toEqual({ schema: 'shop', table: 'logs' });
    expect(truncatedTable('truncate `my``db`.`t 1`;', 'x')).toEqual({ schema: 'my`db', table: 't 1' });
    expect(truncatedTable('TRUNCATE logs', 'shop')).toEqual({ schema: 'shop', table: 'logs' });
    expect(truncatedTable('ALTER TABLE logs ADD COLUMN x int', 'shop')).toBeUndefined();
  });
});
