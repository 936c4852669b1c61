import { AthenaQueryClient, AthenaQueryClientOptions, TextSink } from '@cdc-lakehouse/query';
import { COMMANDS, runCommandTable } from '../src/cli';
import { CliIo } from '../src/command';
import { AthenaCommandDeps, makeHistoryCommand, makeQueryCommand, parseHistoryArgs, parseQueryArgs } from '../src/commands/athena';

type AthenaClient = NonNullable<AthenaQueryClientOptions['athena']>;

type Handler = (input: Record<string, unknown>) => unknown;

/** A stand-in for the SDK client: answers each command by its class name, records every call. */
function fakeAthena(handlers: Record<string, Handler>): { athena: AthenaClient; calls: { command: string; input: Record<string, unknown> }[] } {
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  const athena = {
    send: async (command: { input: Record<string, unknown> }) => {
      const name = command.constructor.name.replace(/Command$/, '');
      calls.push({ command: name, input: command.input });
      const handler = handlers[name];
      if (handler === undefined) {
        throw new Error(`unexpected ${name}`);
      }
      return handler(command.input);
    },
  } as unknown as AthenaClient;
  return { athena, calls };
}

const column = (name: string, type: string) => ({ Name: name, Label: name, Type: type });
const row = (...values: (string | null)[]) => ({ Data: values.map((value) => (value === null ? {} : { VarCharValue: value })) });

const ORDERS = {
  GetQueryResults: () => ({
    ResultSet: {
      ResultSetMetadata: { ColumnInfo: [column('id', 'bigint'), column('total', 'decimal'), column('paid', 'boolean')] },
      Rows: [row('id', 'total', 'paid'), row('1', '10.50', 'true'), row('2', null, 'false')],
    },
  }),
};
const SUCCEEDED = {
  QueryExecution: {
    QueryExecutionId: 'q-42',
    StatementType: 'DML',
    Status: { State: 'SUCCEEDED' },
    Statistics: { DataScannedInBytes: 3 * 1024 * 1024, EngineExecutionTimeInMillis: 1234 },
  },
};

interface Harness {
  readonly deps: AthenaCommandDeps;
  readonly calls: { command: string; input: Record<string, unknown> }[];
  readonly options: AthenaQueryClientOptions[];
  readonly output: () => string;
  readonly interrupt: () => void;
}

function harness(handlers: Record<string, Handler>): Harness {
  const { athena, calls } = fakeAthena({ StartQueryExecution: () => ({ QueryExecutionId: 'q-42' }), ...handlers });
  const options: AthenaQueryClientOptions[] = [];
  const chunks: string[] = [];
  const sink: TextSink = { write: async (chunk) => { chunks.push(chunk); } };
  let listener: (() => void) | undefined;
  const deps: AthenaCommandDeps = {
    client: (given) => {
      options.push(given);
      return new AthenaQueryClient({ ...given, athena, sleep: async (_ms, signal) => signal?.throwIfAborted() });
    },
    stdout: () => sink,
    onInterrupt: (given) => {
      listener = given;
      return () => { listener = undefined; };
    },
    now: () => new Date('2024-06-01T12:00:00Z'),
  };
  return { deps, calls, options, output: () => chunks.join(''), interrupt: () => listener?.() };
}

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

async function lakehouse(deps: AthenaCommandDeps, ...args: string[]): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const io = captureIo();
  const code = await runCommandTable('lakehouse', [makeQueryCommand(deps), makeHistoryCommand(deps)], args, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

const QUERY = ['query', '--athena', '--workgroup', 'lakehouse-analysts'];

describe('lakehouse query --athena', () => {
  test('streams the rows to stdout and the summary to stderr', async () => {
    const h = harness({ GetQueryExecution: () => SUCCEEDED, ...ORDERS });
    const result = await lakehouse(h.deps, ...QUERY, '--database', 'curated_orders', '--format', 'csv', 'SELECT id, total, paid FROM orders');
    expect(result).toEqual({ code: 0, stdout: [], stderr: ['query q-42: 2 rows, 3.00 MB scanned, ~$0.000048, 1.23 s'] });
    expect(h.output()).toBe('id,total,paid\n1,10.50,true\n2,,false\n');
    expect(h.calls[0]).toEqual({
      command: 'StartQueryExecution',
      input: {
        QueryString: 'SELECT id, total, paid FROM orders',
        WorkGroup: 'lakehouse-analysts',
        QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'curated_orders' },
      },
    });
  });

  test('json lines keep exact numbers; table ends with the row count; --price-per-tb reaches the client', async () => {
    const json = harness({ GetQueryExecution: () => SUCCEEDED, ...ORDERS });
    expect((await lakehouse(json.deps, ...QUERY, '--format', 'json', 'SELECT 1')).code).toBe(0);
    expect(json.output()).toBe('{"id":1,"total":10.50,"paid":true}\n{"id":2,"total":null,"paid":false}\n');
    const table = harness({ GetQueryExecution: () => SUCCEEDED, ...ORDERS });
    const result = await lakehouse(table.deps, ...QUERY, '--price-per-tb', '6.25', 'SELECT 1');
    expect(result.stderr).toEqual(['query q-42: 2 rows, 3.00 MB scanned, ~$0.000060, 1.23 s']);
    expect(table.options[0]).toEqual({ workGroup: 'lakehouse-analysts', database: undefined, pricePerTerabyte: 6.25 });
    expect(table.output()).toMatch(/\(2 rows\)\n$/);
  });

  test('--at rewrites the tables to FOR TIMESTAMP AS OF in UTC', async () => {
    const h = harness({ GetQueryExecution: () => SUCCEEDED, ...ORDERS });
    await lakehouse(h.deps, ...QUERY, '--at', '-6h', 'SELECT * FROM orders o JOIN items i ON o.id = i.order_id');
    expect(h.calls[0].input.QueryString).toBe('SELECT * FROM orders FOR TIMESTAMP AS OF TIMESTAMP \'2024-06-01 06:00:00.000 UTC\' o '
      + 'JOIN items FOR TIMESTAMP AS OF TIMESTAMP \'2024-06-01 06:00:00.000 UTC\' i ON o.id = i.order_id');
  });

  test('a failed query: one line with the reason, exit 1', async () => {
    const h = harness({
      GetQueryExecution: () => ({
        QueryExecution: {
          Status: {
            State: 'FAILED',
            StateChangeReason: 'TABLE_NOT_FOUND: line 1:15: Table \'awsdatacatalog.curated_orders.nope\' does not exist',
            AthenaError: { ErrorCategory: 2, ErrorType: 1301 },
          },
        },
      }),
    });
    const result = await lakehouse(h.deps, ...QUERY, 'SELECT * FROM nope');
    expect(result).toEqual({
      code: 1,
      stdout: [],
      stderr: ['lakehouse query: Athena query q-42 FAILED: TABLE_NOT_FOUND: line 1:15: Table \'awsdatacatalog.curated_orders.nope\' does not exist '
        + '(AthenaError type 1301, category user)'],
    });
    expect(h.output()).toBe('');
  });

  test('Athena refusing the call: one line, exit 2', async () => {
    const h = harness({
      StartQueryExecution: () => { throw Object.assign(new Error('WorkGroup nope is not found.'), { name: 'InvalidRequestException' }); },
    });
    const result = await lakehouse(h.deps, 'query', '--athena', '--workgroup', 'nope', 'SELECT 1');
    expect(result).toEqual({ code: 2, stdout: [], stderr: ['lakehouse query: Athena StartQueryExecution failed: InvalidRequestException: WorkGroup nope is not found.'] });
  });

  test('Ctrl-C while the query runs: StopQueryExecution, a message, exit 130', async () => {
    let polls = 0;
    const h = harness({
      GetQueryExecution: () => {
        polls += 1;
        if (polls === 2) {
          h.interrupt();
        }
        return { QueryExecution: { Status: { State: 'RUNNING' } } };
      },
      StopQueryExecution: () => ({}),
    });
    const result = await lakehouse(h.deps, ...QUERY, 'SELECT * FROM huge');
    expect(result).toEqual({ code: 130, stdout: [], stderr: ['lakehouse query: interrupted; stopped Athena query q-42 (StopQueryExecution sent)'] });
    expect(h.calls.map((call) => call.command)).toEqual(['StartQueryExecution', 'GetQueryExecution', 'GetQueryExecution', 'StopQueryExecution']);
  });

  test('Ctrl-C between result pages stops too and exits 130', async () => {
    let pages = 0;
    const h = harness({
      GetQueryExecution: () => SUCCEEDED,
      GetQueryResults: () => {
        pages += 1;
        if (pages === 2) {
          h.interrupt();
        }
        return { ResultSet: { ResultSetMetadata: { ColumnInfo: [column('n', 'integer')] }, Rows: pages === 1 ? [row('n'), row('1')] : [row('2')] }, NextToken: 'more' };
      },
      StopQueryExecution: () => ({}),
    });
    const result = await lakehouse(h.deps, ...QUERY, '--format', 'csv', 'SELECT n FROM t');
    expect(result.code).toBe(130);
    expect(result.stderr).toEqual(['lakehouse query: interrupted; stopped Athena query q-42 (StopQueryExecution sent)']);
    expect(h.calls.filter((call) => call.command === 'StopQueryExecution')).toHaveLength(1);
  });
});

describe('lakehouse query arguments', () => {
  test.each([
    [['SELECT 1'], 'this command runs on Athena: add --athena --workgroup <workgroup>; for the local lakehouse use `lakehouse local query`'],
    [['--athena', 'SELECT 1'], 'missing --workgroup; give the Athena workgroup, e.g. --workgroup lakehouse-analysts'],
    [['--athena', '--workgroup', 'w'], 'missing the SQL; give one statement in quotes, e.g. "SELECT * FROM items LIMIT 10"'],
    [['--athena', '--workgroup', 'w', 'SELECT', '1'], '2 SQL arguments; put the whole statement in one pair of quotes'],
    [['--athena', '--workgroup', 'w', '--format', 'xml', 'SELECT 1'], 'unknown --format "xml"; choose table, csv or json'],
    [['--athena', '--workgroup', 'w', '--price-per-tb', 'free', 'SELECT 1'], '--price-per-tb must be a price in US dollars such as 5 or 6.25, not "free"'],
    [['--athena', '--workgroup', 'w', '--at', 'tomorrow', 'SELECT * FROM t'], /^--at: cannot read "tomorrow"; e\.g\. --at 2024-05-01/],
    [['--athena', '--workgroup', 'w', '--at', '-1d', 'DELETE FROM t'], /^--at works on SELECT queries only, not DELETE/],
    [['--athena', '--workgroup'], '--workgroup needs a value, e.g. --workgroup lakehouse-analysts'],
    [['--athena', '--engine', 'x', 'SELECT 1'], /^unknown option --engine; options are --athena, --workgroup, --database, /],
  ])('%j', async (args, message) => {
    expect(() => parseQueryArgs(args)).toThrow(message);
    const result = await lakehouse({}, 'query', ...args);
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toHaveLength(1);
    expect(result.stderr[0].startsWith('lakehouse query: ')).toBe(true);
    const shown = result.stderr[0].slice('lakehouse query: '.length);
    if (typeof message === 'string') {
      expect(shown).toBe(message);
    } else {
      expect(shown).toMatch(message);
    }
  });

  test('--help', async () => {
    expect(parseQueryArgs(['--help'])).toBe('help');
    const result = await lakehouse({}, 'query', '-h');
    expect(result.code).toBe(0);
    expect(result.stdout[0]).toMatch(/^Usage: lakehouse query --athena --workgroup <workgroup>/);
    expect(result.stdout.join('\n')).toContain('CAST(x AS JSON) in the query is exact');
  });
});

describe('lakehouse history', () => {
  test('lists the snapshots of db.table, oldest first', async () => {
    const h = harness({
      GetQueryExecution: () => SUCCEEDED,
      GetQueryResults: () => ({
        ResultSet: {
          ResultSetMetadata: {
            ColumnInfo: [column('committed_at', 'timestamp with time zone'), column('snapshot_id', 'bigint'), column('parent_id', 'bigint'),
              column('operation', 'varchar'), column('summary', 'map')],
          },
          Rows: [
            row('committed_at', 'snapshot_id', 'parent_id', 'operation', 'summary'),
            row('2024-05-01 10:00:00.000 UTC', '6914725331394497845', null, 'append', '{added-records=3, total-records=3}'),
          ],
        },
      }),
    });
    const result = await lakehouse(h.deps, 'history', '--workgroup', 'lakehouse-analysts', '--format', 'json', 'curated_orders.items');
    expect(result.code).toBe(0);
    expect(h.calls[0].input).toEqual({
      QueryString: 'SELECT committed_at, snapshot_id, parent_id, operation, summary FROM "curated_orders"."items$snapshots" ORDER BY committed_at',
      WorkGroup: 'lakehouse-analysts',
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: undefined },
    });
    expect(h.output()).toBe('{"committed_at":"2024-05-01 10:00:00.000 UTC","snapshot_id":6914725331394497845,"parent_id":null,'
      + '"operation":"append","summary":{"added-records":3,"total-records":3}}\n');
    expect(result.stderr).toEqual(['query q-42: 1 row, 3.00 MB scanned, ~$0.000048, 1.23 s']);
  });

  test.each([
    [[], 'missing the table; give TABLE or DATABASE.TABLE, e.g. lakehouse history curated_orders.items'],
    [['items'], 'no database for "items"; give it as DATABASE.TABLE or add --database DATABASE'],
    [['a', 'b'], 'give one table, not 2: a b'],
    [['--format', 'yaml', 'db.t'], 'unknown --format "yaml"; choose table, csv or json'],
  ])('%j', async (args, message) => {
    expect(() => parseHistoryArgs(args)).toThrow(message);
    const result = await lakehouse({}, 'history', ...args);
    expect(result).toEqual({ code: 2, stdout: [], stderr: [`lakehouse history: ${message}`] });
  });

  test('--database for a bare table; the workgroup defaults to Athena\'s', () => {
    expect(parseHistoryArgs(['--database', 'curated_orders', 'items'])).toMatchObject({
      sql: expect.stringContaining('FROM "curated_orders"."items$snapshots"'),
      workGroup: undefined,
      format: 'table',
    });
  });
});

test('query and history are lakehouse commands', () => {
  expect(COMMANDS.map((command) => command.name)).toEqual(expect.arrayContaining(['query', 'history']));
});
