import {
  AthenaClient,
  ColumnInfo,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  QueryExecution,
  Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { AthenaQueryClient, AthenaQueryError, AthenaQueryStopped, athenaQueryCost, Sleep } from '../src/athena';
import { Cell } from '../src/render';

const athena = new AthenaClient({ region: 'eu-west-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
const athenaMock = mockClient(athena);

const datum = (value: string | null) => (value === null ? {} : { VarCharValue: value });
const row = (...values: (string | null)[]): Row => ({ Data: values.map(datum) });
/** Athena's throttling arrives as a generic service error named ThrottlingException (no modelled class). */
const throttled = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const info = (name: string, type: string): ColumnInfo => ({ Name: name, Label: name, Type: type });

function succeeded(statistics: QueryExecution['Statistics'] = {}, statementType: QueryExecution['StatementType'] = 'DML'): QueryExecution {
  return { QueryExecutionId: 'q-1', StatementType: statementType, Status: { State: 'SUCCEEDED' }, Statistics: statistics };
}

function client(sleeps: number[] = [], options: { maxThrottleAttempts?: number; sleep?: Sleep } = {}): AthenaQueryClient {
  return new AthenaQueryClient({
    athena,
    workGroup: 'lakehouse-analysts',
    database: 'curated_orders',
    sleep: options.sleep ?? (async (ms) => { sleeps.push(ms); }),
    random: () => 0.5,
    maxThrottleAttempts: options.maxThrottleAttempts,
  });
}

async function collect(batches: AsyncIterable<readonly (readonly Cell[])[]>): Promise<Cell[][]> {
  const rows: Cell[][] = [];
  for await (const batch of batches) {
    rows.push(...batch.map((cells) => [...cells]));
  }
  return rows;
}

beforeEach(() => {
  athenaMock.reset();
  athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q-1' });
});

test('starts in the workgroup and database, polls with backoff, pages with NextToken and skips only the first header', async () => {
  athenaMock.on(GetQueryExecutionCommand)
    .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
    .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
    .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
    .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
    .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
    .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
    .resolves({ QueryExecution: succeeded({ DataScannedInBytes: 123, EngineExecutionTimeInMillis: 1500 }) });
  const columns = [info('id', 'bigint'), info('name', 'varchar')];
  athenaMock.on(GetQueryResultsCommand)
    .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('id', 'name'), row('1', 'a'), row('2', 'b')] }, NextToken: 't1' })
    // later pages never repeat the header, even when a value looks like one
    .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('3', 'name'), row('4', null)] }, NextToken: 't2' })
    .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [row('5', '')] } });
  const sleeps: number[] = [];

  const result = await client(sleeps).run('SELECT id, name FROM items');

  expect(result.queryExecutionId).toBe('q-1');
  expect(result.columns).toEqual([{ name: 'id', type: 'bigint', kind: 'integer' }, { name: 'name', type: 'varchar', kind: 'text' }]);
  expect(await collect(result.batches)).toEqual([[1, 'a'], [2, 'b'], [3, 'name'], [4, null], [5, '']]);
  expect(sleeps).toEqual([200, 400, 800, 1600, 2000, 2000]);
  expect(athenaMock.commandCalls(StartQueryExecutionCommand)[0].args[0].input).toEqual({
    QueryString: 'SELECT id, name FROM items',
    WorkGroup: 'lakehouse-analysts',
    QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'curated_orders' },
  });
  const pages = athenaMock.commandCalls(GetQueryResultsCommand).map((call) => call.args[0].input);
  expect(pages).toEqual([
    { QueryExecutionId: 'q-1', NextToken: undefined, MaxResults: 1000 },
    { QueryExecutionId: 'q-1', NextToken: 't1', MaxResults: 1000 },
    { QueryExecutionId: 'q-1', NextToken: 't2', MaxResults: 1000 },
  ]);
  expect(result.statistics).toEqual({ dataScannedBytes: 123, engineExecutionMillis: 1500, totalExecutionMillis: 0, costUsd: athenaQueryCost(123) });
});

test('fetches later pages only as the batches are read', async () => {
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: succeeded() });
  athenaMock.on(GetQueryResultsCommand)
    .resolvesOnce({ ResultSet: { ResultSetMetadata: { ColumnInfo: [info('n', 'integer')] }, Rows: [row('n'), row('1')] }, NextToken: 't1' })
    .resolvesOnce({ ResultSet: { Rows: [row('2')] } });
  const result = await client().run('SELECT n FROM t');
  expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
  const iterator = result.batches[Symbol.asyncIterator]();
  expect((await iterator.next()).value).toEqual([[1]]);
  expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
  expect((await iterator.next()).value).toEqual([[2]]);
  expect(athenaMock.commandCalls(GetQueryResultsCommand)).toHaveLength(2);
  expect((await iterator.next()).done).toBe(true);
});

test('keeps the first row of statements without a header (DDL/UTILITY) and of a SELECT whose first row is not the header', async () => {
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: succeeded({}, 'DDL') });
  athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [info('tab_name', 'string')] }, Rows: [row('tab_name'), row('items')] } });
  expect(await collect((await client().run('SHOW TABLES')).batches)).toEqual([['tab_name'], ['items']]);

  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: succeeded() });
  athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [info('x', 'varchar')] }, Rows: [row('y')] } });
  expect(await collect((await client().run('SELECT x FROM t')).batches)).toEqual([['y']]);
});

test('converts every Athena type to its cell', async () => {
  const columns = [
    info('big', 'bigint'), info('small', 'integer'), info('price', 'decimal'), info('ratio', 'double'), info('nan', 'double'),
    info('flag', 'boolean'), info('day', 'date'), info('at', 'timestamp'), info('tags', 'array'), info('attrs', 'map'),
    info('address', 'row'), info('doc', 'json'), info('bytes', 'varbinary'), info('note', 'varchar'),
  ];
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: succeeded() });
  athenaMock.on(GetQueryResultsCommand).resolves({
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: columns },
      Rows: [
        row(...columns.map((column) => column.Name!)),
        row('9007199254740993', '42', '12345678901234567890.123456789', '0.25', 'NaN', 'true', '2024-05-01', '2024-05-01 12:00:00.123',
          '[1, 2, null]', '{a=1, b=x}', '{street=Main St, zip=12345, geo={lat=1.5, lon=-2.25}}', '{"k":[1,true]}', '68 65 6c 6c 6f', 'hi'),
        row(null, null, null, null, 'Infinity', 'false', null, null, '[]', '{}', null, null, null, null),
      ],
    },
  });
  const rows = await collect((await client().run('SELECT * FROM t')).batches);
  expect(rows[0]).toEqual([
    9007199254740993n, 42, '12345678901234567890.123456789', 0.25, 'NaN', true, '2024-05-01', '2024-05-01 12:00:00.123',
    [1, 2, null], { a: 1, b: 'x' }, { street: 'Main St', zip: 12345, geo: { lat: 1.5, lon: -2.25 } }, { k: [1, true] }, '68656c6c6f', 'hi',
  ]);
  expect(rows[1]).toEqual([null, null, null, null, 'Infinity', false, null, null, [], {}, null, null, null, null]);
});

test('retries throttling with capped jittered backoff, then succeeds', async () => {
  athenaMock.on(StartQueryExecutionCommand)
    .rejectsOnce(throttled())
    .rejectsOnce(new TooManyRequestsException({ message: 'slow down', $metadata: {} }))
    .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'SomethingElse' }))
    .resolves({ QueryExecutionId: 'q-1' });
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: succeeded() });
  athenaMock.on(GetQueryResultsCommand)
    .rejectsOnce(throttled())
    .resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [info('n', 'integer')] }, Rows: [row('n'), row('7')] } });
  const sleeps: number[] = [];
  const result = await client(sleeps).run('SELECT 7 AS n');
  expect(await collect(result.batches)).toEqual([[7]]);
  // random() = 0.5: half of 250, 500, 1000 ms; then 125 again for the GetQueryResults retry
  expect(sleeps).toEqual([125, 250, 500, 125]);
});

test('caps the throttling backoff at 10 s and gives up after maxThrottleAttempts', async () => {
  athenaMock.on(StartQueryExecutionCommand).rejects(throttled());
  const sleeps: number[] = [];
  const error = await client(sleeps, { maxThrottleAttempts: 9 }).run('SELECT 1').catch((err: unknown) => err);
  expect(error).toBeInstanceOf(AthenaQueryError);
  expect((error as Error).message).toBe('Athena StartQueryExecution was still throttled after 9 attempts (ThrottlingException: Rate exceeded); '
    + 'wait a minute and retry, or ask for a higher Athena API quota');
  expect(sleeps).toEqual([125, 250, 500, 1000, 2000, 4000, 5000, 5000]);
  expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(9);
});

test('a failed query is one line with the reason and the AthenaError type and category', async () => {
  athenaMock.on(GetQueryExecutionCommand).resolves({
    QueryExecution: {
      Status: {
        State: 'FAILED',
        StateChangeReason: 'COLUMN_NOT_FOUND: line 1:8: Column \'nope\'\ncannot be resolved',
        AthenaError: { ErrorCategory: 2, ErrorType: 1006, Retryable: false },
      },
    },
  });
  await expect(client().run('SELECT nope FROM t')).rejects.toThrow(new AthenaQueryError(
    'Athena query q-1 FAILED: COLUMN_NOT_FOUND: line 1:8: Column \'nope\' cannot be resolved (AthenaError type 1006, category user)'));
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'CANCELLED' } } });
  await expect(client().run('SELECT 1')).rejects.toThrow('Athena query q-1 CANCELLED: no reason given');
});

test('an API error that is not throttling is one line naming the call', async () => {
  athenaMock.on(StartQueryExecutionCommand).rejects(Object.assign(new Error('WorkGroup lakehouse-analysts is not found.'), { name: 'InvalidRequestException' }));
  await expect(client().run('SELECT 1')).rejects.toThrow(
    'Athena StartQueryExecution failed: InvalidRequestException: WorkGroup lakehouse-analysts is not found.');
});

test('aborting while the query runs sends StopQueryExecution and rejects with AthenaQueryStopped', async () => {
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'RUNNING' } } });
  athenaMock.on(StopQueryExecutionCommand).resolves({});
  const controller = new AbortController();
  let polls = 0;
  // the SIGINT-equivalent: the abort arrives while the client sleeps between polls
  const sleep: Sleep = async (_ms, signal) => {
    polls += 1;
    if (polls === 3) {
      controller.abort();
    }
    signal?.throwIfAborted();
  };
  let started: string | undefined;
  const error = await client([], { sleep }).run('SELECT * FROM big', { signal: controller.signal, onStarted: (id) => { started = id; } })
    .catch((err: unknown) => err);
  expect(started).toBe('q-1');
  expect(error).toBeInstanceOf(AthenaQueryStopped);
  expect((error as Error).message).toBe('Athena query q-1 stopped (StopQueryExecution sent)');
  expect(athenaMock.commandCalls(StopQueryExecutionCommand).map((call) => call.args[0].input)).toEqual([{ QueryExecutionId: 'q-1' }]);
  expect(athenaMock.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
});

test('cost: $5 per TB, rounded up to the MB, 10 MB minimum, nothing for nothing scanned', () => {
  const MB = 1024 * 1024;
  const TB = MB * MB;
  expect(athenaQueryCost(0)).toBe(0);
  expect(athenaQueryCost(1)).toBeCloseTo((10 * MB / TB) * 5, 12);
  expect(athenaQueryCost(10 * MB + 1)).toBeCloseTo((11 * MB / TB) * 5, 12);
  expect(athenaQueryCost(TB)).toBe(5);
  expect(athenaQueryCost(2 * TB, 6.75)).toBe(13.5);
});

test('statistics carry the cost at an overridden price', async () => {
  athenaMock.on(GetQueryExecutionCommand).resolves({
    QueryExecution: succeeded({ DataScannedInBytes: 1024 ** 4, EngineExecutionTimeInMillis: 2500, TotalExecutionTimeInMillis: 3000 }),
  });
  athenaMock.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: [] }, Rows: [] } });
  const custom = new AthenaQueryClient({ athena, workGroup: 'w', pricePerTerabyte: 7, sleep: async () => {} });
  const result = await custom.run('SELECT 1');
  expect(result.statistics).toEqual({ dataScannedBytes: 1024 ** 4, engineExecutionMillis: 2500, totalExecutionMillis: 3000, costUsd: 7 });
  expect(await collect(result.batches)).toEqual([]);
});
