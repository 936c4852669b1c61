import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { ColumnDefinition, RawChange } from '@cdc-lakehouse/curation';
import { mockClient } from 'aws-sdk-client-mock';
import { fakeAws, rawGlueTable, rawZone, tableTask, WAREHOUSE_BUCKET } from './athena-helpers';
import {
  CURATION_METRIC_NAMESPACE, FRESHNESS_METRIC, FRESHNESS_SOURCE_DIMENSION, FRESHNESS_TABLE_DIMENSION,
} from '../src';
import type { CommitResult, PreparedBatch } from '../src/athena/runtime/events';
import {
  freshnessFromEnvironment, newestCommitTimeInFile, newestCommitTimestamp, parseCommitTimestamp,
} from '../src/athena/runtime/freshness';
import { handle } from '../src/athena/runtime/handler';
import type { ParquetFooter } from '../src/athena/runtime/parquet-footer';

const table = { schema: 'public', table: 'items' };
const columns: ColumnDefinition[] = [{ name: 'id', type: 'bigint' }, { name: 'name', type: 'string' }];
const at = (commitTimestamp: string, op: 'I' | 'U' | 'D', id: number, seq: number): RawChange =>
  ({ op, commitTimestamp, changeSequence: String(seq).padStart(35, '0'), values: { id, name: `n${id}` } });
const NOW = new Date('2024-01-01T01:00:00.000Z');

describe('the freshness metric names', () => {
  test('one definition: CdcLakehouse/Curation FreshnessSeconds by Source and Table (mirrored in glue-scripts freshness.py)', () => {
    expect([CURATION_METRIC_NAMESPACE, FRESHNESS_METRIC, FRESHNESS_SOURCE_DIMENSION, FRESHNESS_TABLE_DIMENSION])
      .toEqual(['CdcLakehouse/Curation', 'FreshnessSeconds', 'Source', 'Table']);
  });
});

describe('commit timestamps', () => {
  test('DMS spelling parses as UTC; the newest is chosen by time; junk is ignored', () => {
    expect(parseCommitTimestamp('2024-01-01 00:30:00.123456')).toBe(Date.UTC(2024, 0, 1, 0, 30, 0, 123));
    expect(parseCommitTimestamp('2024-01-01T00:30:00Z')).toBe(Date.UTC(2024, 0, 1, 0, 30));
    expect([null, undefined, '', 'soon', '2024-13-01 00:00:00', '2024-02-30 00:00:00'].map(parseCommitTimestamp)).toEqual(Array(6).fill(undefined));
    expect(newestCommitTimestamp('2024-01-01 00:00:00.5', null, '2024-01-01 00:00:00.123456', 'junk')).toBe('2024-01-01 00:00:00.5');
    expect(newestCommitTimestamp(undefined, 'junk')).toBeNull();
  });

  test('a file\'s newest commit time comes from its footer statistics: a string column\'s max, or a timestamp column\'s max in any unit', () => {
    const footer = (column: ParquetFooter['columns'][number]): ParquetFooter => ({ columns: [column], numRows: 1 });
    expect(newestCommitTimeInFile(footer({ name: '_DMS_COMMIT_TS', type: 'string', parquetType: 'BYTE_ARRAY STRING', textRange: { min: 'a', max: '2024-01-01 00:00:01.000000' } }), '_dms_commit_ts'))
      .toBe('2024-01-01 00:00:01.000000');
    const ts = (unit: 'ms' | 'us' | 'ns', max: bigint) =>
      newestCommitTimeInFile(footer({ name: 'ts', type: 'timestamp', parquetType: 'INT64', range: { min: 0n, max, unit } }), 'ts');
    expect(ts('ms', 1704067201500n)).toBe('2024-01-01 00:00:01.500000');
    expect(ts('us', 1704067201000123n)).toBe('2024-01-01 00:00:01.000123');
    expect(ts('ns', 1704067201000123456n)).toBe('2024-01-01 00:00:01.000123');
    expect(newestCommitTimeInFile(footer({ name: 'ts', type: 'string', parquetType: 'BYTE_ARRAY STRING' }), 'ts')).toBeUndefined(); // no statistics
    expect(newestCommitTimeInFile(footer({ name: 'other', type: 'string', parquetType: 'BYTE_ARRAY STRING' }), 'ts')).toBeUndefined();
  });

  test('the publisher is on only when the Lambda environment names the source', () => {
    expect(freshnessFromEnvironment({})).toBeUndefined();
    const publisher = freshnessFromEnvironment({ CURATION_FRESHNESS_SOURCE: 'orders' });
    expect(publisher?.source).toBe('orders');
    expect(publisher?.cloudwatch).toBeInstanceOf(CloudWatchClient);
  });
});

describe('the commit step publishes FreshnessSeconds (aws-sdk-client-mock)', () => {
  let zone: Awaited<ReturnType<typeof rawZone>>;
  let errors: jest.SpyInstance;
  beforeEach(async () => {
    zone = await rawZone();
    errors = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    zone.cleanup();
    errors.mockRestore();
  });

  const setup = () => {
    const aws = fakeAws(zone.dir, [rawGlueTable('items')]);
    const cloudwatch = new CloudWatchClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const cwMock = mockClient(cloudwatch);
    cwMock.on(PutMetricDataCommand).resolves({});
    const clients = { ...aws.clients, freshness: { cloudwatch, source: 'orders', now: () => NOW } };
    const task = tableTask('items');
    const run = async (): Promise<{ batch: PreparedBatch; result: CommitResult }> => {
      const batch = (await handle({ action: 'prepare', table: task }, clients)) as PreparedBatch;
      const result = (await handle({ action: 'commit', table: task, batch }, clients)) as CommitResult;
      aws.catalog.set('curated_orders.items', {
        Name: 'items',
        DatabaseName: 'curated_orders',
        TableType: 'EXTERNAL_TABLE',
        Parameters: { table_type: 'ICEBERG' },
        StorageDescriptor: { Columns: [{ Name: 'id', Type: 'bigint' }, { Name: 'name', Type: 'string' }, { Name: '_dms_commit_ts', Type: 'string' }, { Name: '_dms_change_seq', Type: 'string' }] },
      } as never);
      return { batch, result };
    };
    const published = () => cwMock.commandCalls(PutMetricDataCommand).map((c) => c.args[0].input);
    const stored = () => JSON.parse(Buffer.from(aws.objects.get(`${WAREHOUSE_BUCKET}/_watermarks/curated_orders/items.json`)!).toString());
    return { aws, cwMock, clients, task, run, published, stored };
  };

  test('after each table: now minus the newest commit time applied; the high-water mark is kept with the watermark and republished when nothing is new', async () => {
    const { run, published, stored } = setup();
    await zone.writer.writeLoad(table, columns, [at('2024-01-01 00:10:00.000000', 'I', 1, 0), at('2024-01-01 00:20:00.000000', 'I', 2, 0)]);
    const first = await run();
    expect(first.batch.newestCommitTimestamp).toBe('2024-01-01 00:20:00.000000');
    expect(first.result).toMatchObject({ newestCommitTimestamp: '2024-01-01 00:20:00.000000', freshness: 'published' });
    expect(stored().newestCommitTimestamp).toBe('2024-01-01 00:20:00.000000');
    expect(published()).toEqual([{
      Namespace: 'CdcLakehouse/Curation',
      MetricData: [{
        MetricName: 'FreshnessSeconds',
        Dimensions: [{ Name: 'Source', Value: 'orders' }, { Name: 'Table', Value: 'curated_orders.items' }],
        Timestamp: NOW,
        Value: 2400,
        Unit: 'Seconds',
      }],
    }]);

    // changes: a delete is a change applied too; older commit times in the batch do not lower the mark
    await zone.writer.writeChanges(table, columns, [at('2024-01-01 00:15:00.000000', 'U', 1, 1), at('2024-01-01 00:50:00.000000', 'D', 2, 2)]);
    const second = await run();
    expect(second.batch.kind).toBe('incremental');
    expect(second.result.newestCommitTimestamp).toBe('2024-01-01 00:50:00.000000');
    expect(published()[1].MetricData![0].Value).toBe(600);

    // nothing new: the stored mark again, so freshness grows while the source is idle
    const third = await run();
    expect(third.batch).toMatchObject({ kind: 'up-to-date', newestCommitTimestamp: null });
    expect(third.result).toMatchObject({ newestCommitTimestamp: '2024-01-01 00:50:00.000000', freshness: 'published' });
    expect(published()[2].MetricData![0].Value).toBe(600);
    expect(published()).toHaveLength(3);
  });

  test('a reload starts the mark over from the new load', async () => {
    const { run, published } = setup();
    await zone.writer.writeLoad(table, columns, [at('2024-01-01 00:40:00.000000', 'I', 1, 0)]);
    await run();
    await zone.writer.writeLoad(table, columns, [at('2024-01-01 00:30:00.000000', 'I', 1, 0)]);
    const reload = await run();
    expect(reload.batch.kind).toBe('reload');
    expect(reload.result.newestCommitTimestamp).toBe('2024-01-01 00:30:00.000000');
    expect(published().map((p) => p.MetricData![0].Value)).toEqual([1200, 1800]);
  });

  test('a table never curated publishes nothing; without a publisher (local runs) nothing is sent', async () => {
    const { run, published, aws, task } = setup();
    const nothing = await run();
    expect(nothing.result).toEqual({ watermark: null, newestCommitTimestamp: null, freshness: 'no-commit-time' });
    await zone.writer.writeLoad(table, columns, [at('2024-01-01 00:10:00.000000', 'I', 1, 0)]);
    const batch = (await handle({ action: 'prepare', table: task }, aws.clients)) as PreparedBatch;
    expect(await handle({ action: 'commit', table: task, batch }, aws.clients)).toMatchObject({ freshness: 'off' });
    expect(published()).toEqual([]);
  });

  test('a watermark stored before the mark was kept publishes nothing until the next applied batch', async () => {
    const { run, published, aws } = setup();
    await zone.writer.writeLoad(table, columns, [at('2024-01-01 00:10:00.000000', 'I', 1, 0)]);
    await run();
    const key = `${WAREHOUSE_BUCKET}/_watermarks/curated_orders/items.json`;
    const { newestCommitTimestamp: _dropped, ...old } = JSON.parse(Buffer.from(aws.objects.get(key)!).toString());
    aws.objects.set(key, Buffer.from(JSON.stringify(old)));
    expect((await run()).result.freshness).toBe('no-commit-time');
    await zone.writer.writeChanges(table, columns, [at('2024-01-01 00:55:00.000000', 'U', 1, 1)]);
    expect((await run()).result).toMatchObject({ newestCommitTimestamp: '2024-01-01 00:55:00.000000', freshness: 'published' });
    expect(published()).toHaveLength(2);
  });

  test('a failed PutMetricData is one line on stderr naming the table; the commit (and the table) succeed', async () => {
    const { run, cwMock, stored } = setup();
    cwMock.on(PutMetricDataCommand).rejects(Object.assign(new Error('User is not authorized\nto perform cloudwatch:PutMetricData'), { name: 'AccessDenied' }));
    await zone.writer.writeLoad(table, columns, [at('2024-01-01 00:10:00.000000', 'I', 1, 0)]);
    const { result } = await run();
    expect(result.freshness).toBe('failed');
    expect(stored().filesApplied).toBe(1);
    expect(errors).toHaveBeenCalledTimes(1);
    expect(errors.mock.calls[0]).toEqual(['table curated_orders.items: freshness metric CdcLakehouse/Curation FreshnessSeconds not published: '
      + 'AccessDenied: User is not authorized to perform cloudwatch:PutMetricData']);
  });
});
