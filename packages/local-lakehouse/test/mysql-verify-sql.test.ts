import { binlogLagBytes, storedBinlogSentence } from '../src/capture/mysql/mysql-capture-status';
import { mysqlChecksum, mysqlChecksumText, mysqlColumnMd5, mysqlRowText } from '../src/lake/verify-source/mysql/mysql-verify-sql';
import { mysqlTypeMapping } from '../src/source/mysql/mysql-type-mapping';

/** The verify SQL of a column of MySQL type `columnType` (COLUMN_TYPE, e.g. `bit(12)`), compared with a lake column of `lakeType`. */
function sql(columnType: string, lakeType: string): string {
  const m = /^(\w+)(?:\((\d+)(?:,(\d+))?\))?/.exec(columnType)!;
  const mapping = mysqlTypeMapping({
    dataType: m[1], columnType, precision: m[2] === undefined ? null : Number(m[2]), scale: m[3] === undefined ? null : Number(m[3]),
  });
  return mysqlChecksumText({ render: mapping.render, sourceType: columnType }, lakeType, '`c`');
}

describe('MySQL verify SQL: each value rendered as the lake renders the column capture wrote', () => {
  test('integers and YEAR as their number (YEAR 0000 is 0 in the lake), decimals at their scale', () => {
    expect(sql('int(11)', 'INTEGER')).toBe('CONVERT(CAST(`c` + 0 AS CHAR) USING utf8mb4)');
    expect(sql('bigint(20) unsigned', 'DECIMAL(20,0)')).toBe('CONVERT(CAST(`c` + 0 AS CHAR) USING utf8mb4)');
    expect(sql('year(4)', 'SMALLINT')).toBe('CONVERT(CAST(`c` + 0 AS CHAR) USING utf8mb4)');
    expect(sql('decimal(12,2)', 'DECIMAL(12,2)')).toBe('CONVERT(CAST(`c` AS CHAR) USING utf8mb4)');
    // beyond precision 38 capture writes the server's text: compared as text
    expect(sql('decimal(65,30)', 'VARCHAR')).toBe('CONVERT(CAST(`c` AS CHAR) USING utf8mb4)');
  });

  test('FLOAT and DOUBLE in the lake type\'s printf format: 6 or 15 significant digits, an exponent of two digits or more', () => {
    const float = sql('float', 'FLOAT');
    expect(float).toContain("WHEN `c` = 0 THEN '0.00000e+00'");
    expect(float).toContain('AS DECIMAL(7,5)');
    expect(float).toContain('ROUND(`c` / POW(10, FLOOR(LOG10(ABS(`c`)))), 5)) >= 10');
    const double = sql('double', 'DOUBLE');
    expect(double).toContain("WHEN `c` = 0 THEN '0.00000000000000e+00'");
    expect(double).toContain('AS DECIMAL(16,14)');
    // no LPAD(…, 2): it would cut e+308 to e+30
    expect(double).not.toContain('LPAD');
    expect(double).toContain("CONCAT('0', ABS(");
  });

  test('bit(1) as true/false; wider bits as the hex of their ceil(n/8) bytes; binary strings as hex', () => {
    expect(sql('bit(1)', 'BOOLEAN')).toBe("CASE WHEN `c` IS NULL THEN NULL WHEN `c` + 0 <> 0 THEN 'true' ELSE 'false' END");
    expect(sql('bit(3)', 'BLOB')).toBe("CONVERT(LPAD(LOWER(HEX(`c` + 0)), 2, '0') USING utf8mb4)");
    expect(sql('bit(12)', 'BLOB')).toBe("CONVERT(LPAD(LOWER(HEX(`c` + 0)), 4, '0') USING utf8mb4)");
    expect(sql('bit(64)', 'BLOB')).toBe("CONVERT(LPAD(LOWER(HEX(`c` + 0)), 16, '0') USING utf8mb4)");
    expect(sql('varbinary(16)', 'BLOB')).toBe('CONVERT(LOWER(HEX(`c`)) USING utf8mb4)');
    expect(sql('blob', 'BLOB')).toBe('CONVERT(LOWER(HEX(`c`)) USING utf8mb4)');
  });

  test('dates and datetimes as the lake prints them (AD, microseconds); a zero date is NULL as capture stores it', () => {
    const zero = '(YEAR(`c`) = 0 OR MONTH(`c`) = 0 OR DAYOFMONTH(`c`) = 0)';
    expect(sql('date', 'DATE')).toBe(`CASE WHEN ${zero} THEN NULL ELSE CONVERT(DATE_FORMAT(\`c\`, '%Y-%m-%d AD') USING utf8mb4) END`);
    for (const type of ['datetime', 'datetime(6)', 'timestamp(6)']) {
      expect(sql(type, 'TIMESTAMP')).toBe(`CASE WHEN ${zero} THEN NULL ELSE CONVERT(DATE_FORMAT(\`c\`, '%Y-%m-%d %H:%i:%s.%f AD') USING utf8mb4) END`);
    }
  });

  test('text, enum, set, json and time as their text in utf8mb4 (a latin1 column hashes as UTF-8, as in the lake)', () => {
    for (const type of ['varchar(20)', "enum('a','b')", "set('a','b')", 'json', 'time(3)', 'longtext']) {
      expect(sql(type, 'VARCHAR')).toBe('CONVERT(CAST(`c` AS CHAR) USING utf8mb4)');
    }
  });

  test('row texts, column hashes and the checksum: separators and NULL marks in utf8mb4, the first 60 bits of each MD5 summed exactly', () => {
    expect(mysqlRowText(['a', 'b'])).toBe('CONCAT_WS(CHAR(1 USING utf8mb4), COALESCE(a, CHAR(2 USING utf8mb4)), COALESCE(b, CHAR(2 USING utf8mb4)))');
    expect(mysqlColumnMd5('a')).toBe('MD5(COALESCE(a, CHAR(2 USING utf8mb4)))');
    expect(mysqlChecksum('r')).toBe('CAST(COALESCE(SUM(CAST(CONV(SUBSTR(MD5(r), 1, 15), 16, 10) AS UNSIGNED)), 0) AS CHAR)');
  });
});

describe('binlog lag in bytes', () => {
  const logs = [
    { file: 'binlog.000002', bytes: 1000 },
    { file: 'binlog.000003', bytes: 5000 },
    { file: 'binlog.000004', bytes: 300 },
  ];

  test('within one file: the offset difference', () => {
    expect(binlogLagBytes({ file: 'binlog.000003', position: 400 }, { file: 'binlog.000003', position: 1400 }, logs)).toBe(1000);
    expect(binlogLagBytes({ file: 'binlog.000003', position: 400 }, { file: 'binlog.000003', position: 400 }, logs)).toBe(0);
  });

  test('across files: the rest of the first, the files between, the offset in the last', () => {
    expect(binlogLagBytes({ file: 'binlog.000002', position: 600 }, { file: 'binlog.000004', position: 250 }, logs)).toBe(400 + 5000 + 250);
    expect(binlogLagBytes({ file: 'binlog.000003', position: 5000 }, { file: 'binlog.000004', position: 4 }, logs)).toBe(4);
  });

  test('a purged file has no lag to give (null); a sentence names it with the fix', () => {
    expect(binlogLagBytes({ file: 'binlog.000001', position: 600 }, { file: 'binlog.000004', position: 250 }, logs)).toBeNull();
    expect(storedBinlogSentence('binlog.000001:600', { kept: false, first: 'binlog.000002', last: 'binlog.000004', retentionSeconds: 86400 }))
      .toBe('purged from the server (it has binlog.000002 to binlog.000004, kept 86400 s): the changes after binlog.000001:600 are lost; '
        + 'capture again into a new --raw directory (and lake)');
    expect(storedBinlogSentence('binlog.000003:9', { kept: true, first: 'binlog.000002', last: 'binlog.000004', retentionSeconds: 0 }))
      .toBe('still on the server (it has binlog.000002 to binlog.000004, kept until purged by hand)');
  });
});
