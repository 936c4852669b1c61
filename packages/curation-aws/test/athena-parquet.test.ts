import * as fs from 'node:fs';
import * as path from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ChangeFile, ColumnDefinition, curationSettings, CurationSettingsProps } from '@cdc-lakehouse/curation';
import { fakeAws, rawZone } from './athena-helpers';
import { ATHENA_MAX_PARTITIONS_PER_STATEMENT, chunkFiles, estimatePartitions, FileWithFooter } from '../src/athena/runtime/chunking';
import { footerLength, parseParquetFooter, ParquetColumn } from '../src/athena/runtime/parquet-footer';
import { FOOTER_FIRST_READ, readFooter } from '../src/athena/runtime/s3-io';

const FIXTURE = path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'dms', 'postgres_LOAD00000001.parquet');

function footerOf(file: string) {
  const bytes = fs.readFileSync(file);
  const length = footerLength(bytes.subarray(bytes.length - 8), file);
  return parseParquetFooter(bytes.subarray(bytes.length - 8 - length, bytes.length - 8));
}

describe('Parquet footers', () => {
  test('the real DMS file: every column with the type the local engines give it', () => {
    if (!fs.existsSync(FIXTURE)) throw new Error(`${FIXTURE} is missing: the shared DMS fixture lives beside the clone (../shared/fixtures/dms/)`);
    const footer = footerOf(FIXTURE);
    expect(footer.numRows).toBe(10);
    expect(Object.fromEntries(footer.columns.map((c) => [c.name, c.type]))).toEqual({
      DMS_TIMESTAMP: 'string',
      id: 'bigint',
      my_int: 'int',
      my_smallint: 'int',
      my_numeric: 'decimal(15,2)',
      my_real: 'float',
      my_double: 'double',
      my_money: 'decimal(38,4)',
      my_varchar: 'string',
      my_text: 'string',
      my_bytea: 'binary',
      my_timestamp: 'timestamp',
      my_uuid: 'string',
      my_json: 'string',
      my_jsonb: 'string',
      my_bool: 'boolean',
    });
    expect(footer.columns.find((c) => c.name === 'my_timestamp')!.range).toEqual({ min: 1633189344856n, max: 1654031421813n, unit: 'ms' });
  });

  test('files written by DmsRawWriter: every plan type round-trips, bookkeeping columns as strings', async () => {
    const zone = await rawZone();
    try {
      const columns: ColumnDefinition[] = [
        { name: 'b', type: 'boolean' }, { name: 'i', type: 'int' }, { name: 'l', type: 'bigint' }, { name: 'f', type: 'float' },
        { name: 'd', type: 'double' }, { name: 'm', type: 'decimal(12,2)' }, { name: 's', type: 'string' }, { name: 'x', type: 'binary' },
        { name: 'day', type: 'date' }, { name: 'at', type: 'timestamp' },
      ];
      const values = { b: true, i: 1, l: 2, f: 1.5, d: 2.5, m: '10.25', s: 'a', x: new Uint8Array([1]), day: '2024-03-01', at: '2024-03-01 10:00:00.000001' };
      const [load] = await zone.writer.writeLoad({ schema: 'public', table: 't' }, columns, [{ op: 'I', commitTimestamp: '2024-01-01 00:00:00.000000', values }]);
      const footer = footerOf(load.path);
      expect(footer.columns.map((c) => [c.name, c.type])).toEqual([
        ['Op', 'string'], ['_dms_commit_ts', 'string'], ...columns.map((c) => [c.name, c.type]), ['_dms_change_seq', 'string'],
      ]);
      expect(footer.columns.find((c) => c.name === 'day')!.range).toEqual({ min: 19783n, max: 19783n, unit: 'day' });
    } finally {
      zone.cleanup();
    }
  });

  test('readFooter: one ranged GET for a small footer, a second one for a footer over 64 KiB', async () => {
    const zone = await rawZone();
    try {
      const small = await zone.writer.writeLoad({ schema: 'public', table: 'small' }, [{ name: 'id', type: 'bigint' }], [{ op: 'I', commitTimestamp: '2024-01-01 00:00:00.000000', values: { id: 1 } }]);
      const wide: ColumnDefinition[] = Array.from({ length: 700 }, (_, i) => ({ name: `a_rather_long_column_name_number_${i}_${'x'.repeat(40)}`, type: 'bigint' }));
      const big = await zone.writer.writeLoad({ schema: 'public', table: 'wide' }, wide, [{ op: 'I', commitTimestamp: '2024-01-01 00:00:00.000000', values: {} }]);
      const aws = fakeAws(zone.dir);
      const uri = (f: ChangeFile) => `s3://raw-bucket/${path.relative(zone.dir, f.path)}`;
      const smallFooter = await readFooter(aws.clients.s3, uri(small[0]), small[0].sizeBytes);
      expect(smallFooter.columns.map((c) => c.name)).toEqual(['Op', '_dms_commit_ts', 'id', '_dms_change_seq']);
      expect(aws.s3Mock.commandCalls(GetObjectCommand)).toHaveLength(1);
      const bigFooter = await readFooter(aws.clients.s3, uri(big[0]), big[0].sizeBytes);
      expect(bigFooter.columns).toHaveLength(703);
      expect(big[0].sizeBytes).toBeGreaterThan(FOOTER_FIRST_READ);
      expect(aws.s3Mock.commandCalls(GetObjectCommand)).toHaveLength(3);
    } finally {
      zone.cleanup();
    }
  });

  test('a file that is not Parquet is a one-line error naming the file and the fix', async () => {
    const zone = await rawZone();
    try {
      fs.mkdirSync(path.join(zone.dir, 'orders'), { recursive: true });
      fs.writeFileSync(path.join(zone.dir, 'orders', 'LOAD00000001.parquet'), 'not parquet at all');
      const aws = fakeAws(zone.dir);
      await expect(readFooter(aws.clients.s3, 's3://raw-bucket/orders/LOAD00000001.parquet', 18))
        .rejects.toThrow('s3://raw-bucket/orders/LOAD00000001.parquet: not a Parquet file (no PAR1 at its end); move it out of the raw zone or replace it with the file DMS wrote');
    } finally {
      zone.cleanup();
    }
  });
});

describe('chunking at the 100-partition limit', () => {
  const DAY = 86_400_000n;
  const base = 1_704_067_200_000n; // 2024-01-01
  const file = (kind: 'load' | 'cdc', n: number, rows: number, days: [number, number] | undefined, extra: ParquetColumn[] = []): FileWithFooter => ({
    file: { kind, path: `s3://raw/t/${kind}${n}.parquet`, relativePath: `${kind}${n}.parquet`, name: `${kind}${n}.parquet`, orderKey: String(n).padStart(8, '0'), sizeBytes: 1, modifiedMs: n },
    footer: {
      numRows: rows,
      columns: [
        { name: 'id', type: 'bigint', parquetType: 'INT64' },
        { name: 'ordered_at', type: 'timestamp', parquetType: 'INT64 TIMESTAMP(MILLIS)', range: days && { min: base + BigInt(days[0]) * DAY, max: base + BigInt(days[1]) * DAY, unit: 'ms' } },
        ...extra,
      ],
    },
  });
  const settings = (props: Partial<CurationSettingsProps> = {}) => curationSettings({
    source: { schema: 'public', table: 't' },
    curated: { database: 'curated_orders', table: 't' },
    primaryKey: ['id'],
    partitionBy: [{ column: 'ordered_at', transform: 'day' }],
    ...props,
  });

  test('unpartitioned: one statement per 100 files', () => {
    const s = settings({ partitionBy: [] });
    const changes = Array.from({ length: 250 }, (_, i) => file('cdc', i, 1000, undefined));
    expect(chunkFiles(s, [], changes).map((c) => c.files.length)).toEqual([100, 100, 50]);
  });

  test('a first load spanning 300 days is split by a hash of the partition value into slices of ~50 partitions', () => {
    const chunks = chunkFiles(settings(), [file('load', 1, 1_000_000, [0, 299]), file('load', 2, 1_000_000, [100, 199])], []);
    expect(estimatePartitions(settings(), [file('load', 1, 1_000_000, [0, 299])], false)).toBe(301);
    expect(chunks).toHaveLength(7); // ceil(301 / 50)
    expect(chunks.every((c) => c.files.length === 2)).toBe(true);
    expect(chunks.map((c) => c.slice)).toEqual(Array.from({ length: 7 }, (_, k) =>
      `mod(mod(from_big_endian_64(xxhash64(to_utf8(concat_ws('|', COALESCE(CAST(date_trunc('day', c."ordered_at") AS varchar), '\\N'))))), 7) + 7, 7) = ${k}`));
  });

  test('CDC files are grouped while the estimate (twice the days: deletes may hit old partitions) stays within 100; a larger file is split by key', () => {
    const changes = [file('cdc', 1, 100, [0, 19]), file('cdc', 2, 100, [10, 29]), file('cdc', 3, 100, [30, 60]), file('cdc', 4, 5000, [0, 364])];
    const chunks = chunkFiles(settings(), [], changes);
    // files 1+2 span 30 days → 2 × (30 + 2) = 64; adding file 3 spans 61 days → 2 × 63 = 126 > 100 (NULL counts as a partition)
    expect(chunks.slice(0, 2).map((c) => c.files.map((f) => f.name))).toEqual([['cdc1.parquet', 'cdc2.parquet'], ['cdc3.parquet']]);
    const sliced = chunks.slice(2);
    expect(sliced).toHaveLength(Math.ceil((2 * 366) / 50));
    expect(sliced[0].slice).toContain('COALESCE(CAST(c."id" AS varchar)');
    for (const c of chunks.slice(0, 2)) {
      const group = changes.filter((f) => c.files.includes(f.file));
      expect(estimatePartitions(settings(), group, true)).toBeLessThanOrEqual(ATHENA_MAX_PARTITIONS_PER_STATEMENT);
    }
  });

  test('no statistics: the rows bound the partitions; bucket(16) alone never needs slicing', () => {
    expect(estimatePartitions(settings(), [file('cdc', 1, 40, undefined)], true)).toBe(80);
    const bucketed = settings({ partitionBy: [{ column: 'id', transform: 'bucket', buckets: 16 }] });
    expect(chunkFiles(bucketed, [file('load', 1, 1_000_000, undefined)], [])).toEqual([{ files: [expect.objectContaining({ name: 'load1.parquet' })] }]);
  });

  test('a first load over the limit with only bucket partitioning beyond 25 buckets is refused, naming table, file and fix', () => {
    const bucketed = settings({ partitionBy: [{ column: 'id', transform: 'bucket', buckets: 200 }] });
    expect(() => chunkFiles(bucketed, [file('load', 1, 1_000_000, undefined)], []))
      .toThrow('table curated_orders.t: raw file s3://raw/t/load1.parquet may write 200 partitions, over Athena\'s 100 per statement, '
        + 'and its bucket partitioning (200 buckets) cannot be split further; use at most 25 buckets with a time or identity field, or the Glue engine');
  });
});
