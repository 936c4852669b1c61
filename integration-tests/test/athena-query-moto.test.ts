import { spawn } from 'node:child_process';
import { MotoServer, startMotoServer } from '../src';
import { LAKEHOUSE_CLI, REPO, run, RunResult } from '../src/lakehouse-cli';

/**
 * `lakehouse query --athena` and `lakehouse history` as a user runs them (the compiled CLI in a child process), against
 * moto_server's Athena: the real SDK, endpoint from AWS_ENDPOINT_URL, dummy credentials. moto does not run SQL: each
 * query takes the next result queued through `/moto-api/static/athena/query-results`, returned in one page (moto's
 * GetQueryResults does not paginate; paging is covered by the mocked-SDK tests in packages/query). moto reports 0 bytes
 * scanned. Its state manager keeps a query QUEUED for the Ctrl-C test.
 */
const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';

interface QueuedResult {
  readonly columns: readonly (readonly [string, string])[];
  /** The first row is the header, as Athena sends it for a SELECT. */
  readonly rows: readonly (readonly (string | null)[])[];
}

describe('lakehouse query --athena against moto_server', () => {
  let moto: MotoServer | undefined;
  let endpoint: string;

  const env = (): NodeJS.ProcessEnv => {
    const vars: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ENDPOINT_URL: endpoint,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_EC2_METADATA_DISABLED: 'true',
      // no NODE_NO_WARNINGS: stderr must hold the summary alone (the CLI drops the SDK's Node-version notice)
    };
    delete vars.AWS_PROFILE;
    delete vars.AWS_SESSION_TOKEN;
    delete vars.NODE_NO_WARNINGS;
    return vars;
  };
  const lakehouse = (...args: string[]): Promise<RunResult> => run(process.execPath, [LAKEHOUSE_CLI, ...args], REPO, env());

  async function motoApi(path: string, body: unknown): Promise<void> {
    const response = await fetch(`${endpoint}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    if (!response.ok) {
      throw new Error(`moto ${path}: HTTP ${response.status} ${await response.text()}`);
    }
  }

  async function queue(...results: QueuedResult[]): Promise<void> {
    await motoApi('/moto-api/static/athena/query-results', {
      account_id: ACCOUNT,
      region: REGION,
      results: results.map((result) => ({
        column_info: result.columns.map(([name, type]) => ({ Name: name, Label: name, Type: type, CatalogName: 'hive', SchemaName: '', TableName: '' })),
        rows: result.rows.map((values) => ({ Data: values.map((value) => (value === null ? {} : { VarCharValue: value })) })),
      })),
    });
  }

  /** An Athena JSON-protocol call straight to moto (the region comes from the credential scope). */
  async function athena<T>(operation: string, input: Record<string, unknown>): Promise<T> {
    const response = await fetch(endpoint, {
      method: 'POST',
      body: JSON.stringify(input),
      headers: {
        'Content-Type': 'application/x-amz-json-1.1',
        'X-Amz-Target': `AmazonAthena.${operation}`,
        'Authorization': `AWS4-HMAC-SHA256 Credential=testing/20240101/${REGION}/athena/aws4_request, SignedHeaders=host, Signature=0`,
      },
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(`Athena ${operation} on moto: HTTP ${response.status} ${text}`);
    }
    return JSON.parse(text) as T;
  }

  beforeAll(async () => {
    moto = await startMotoServer();
    endpoint = moto.endpoint;
  }, 60_000);

  afterAll(() => moto?.stop());

  test('a SELECT: typed rows as JSON lines on stdout, the summary on stderr', async () => {
    await queue({
      columns: [['id', 'bigint'], ['total', 'decimal'], ['paid', 'boolean'], ['placed_at', 'timestamp'], ['tags', 'array'], ['note', 'varchar']],
      rows: [
        ['id', 'total', 'paid', 'placed_at', 'tags', 'note'],
        ['9007199254740993', '12345678901234567890.25', 'true', '2024-05-01 10:00:00.000', '[new, gift]', 'first'],
        ['2', null, 'false', '2024-05-02 11:30:00.000', '[]', ''],
      ],
    });
    const result = await lakehouse('query', '--athena', '--workgroup', 'primary', '--database', 'curated_orders', '--format', 'json',
      'SELECT id, total, paid, placed_at, tags, note FROM orders');
    expect(result.stderr).toMatch(/^query [0-9a-f-]{36}: 2 rows, 0 B scanned, ~\$0\.000000, 0\.00 s\n$/);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe([
      '{"id":9007199254740993,"total":12345678901234567890.25,"paid":true,"placed_at":"2024-05-01 10:00:00.000","tags":["new","gift"],"note":"first"}',
      '{"id":2,"total":null,"paid":false,"placed_at":"2024-05-02 11:30:00.000","tags":[],"note":""}',
      '',
    ].join('\n'));
  });

  test('--at sends the time-travel SQL; the table format ends with the row count', async () => {
    await queue({ columns: [['n', 'bigint']], rows: [['n'], ['3']] });
    const result = await lakehouse('query', '--athena', '--workgroup', 'primary', '--at', '2024-05-01T12:00:00+02:00', 'SELECT count(*) AS n FROM curated_orders.items');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\(1 row\)\n$/);
    const id = /^query ([0-9a-f-]{36}):/.exec(result.stderr)![1];
    const { QueryExecution } = await athena<{ QueryExecution: { Query: string; WorkGroup: string } }>('GetQueryExecution', { QueryExecutionId: id });
    expect(QueryExecution.Query).toBe('SELECT count(*) AS n FROM curated_orders.items FOR TIMESTAMP AS OF TIMESTAMP \'2024-05-01 10:00:00.000 UTC\'');
    expect(QueryExecution.WorkGroup).toBe('primary');
  });

  test('lakehouse history: the $snapshots query, rendered as CSV', async () => {
    await queue({
      columns: [['committed_at', 'timestamp with time zone'], ['snapshot_id', 'bigint'], ['parent_id', 'bigint'], ['operation', 'varchar'], ['summary', 'map']],
      rows: [
        ['committed_at', 'snapshot_id', 'parent_id', 'operation', 'summary'],
        ['2024-05-01 10:00:00.000 UTC', '6914725331394497845', null, 'append', '{added-records=3}'],
        ['2024-05-02 10:00:00.000 UTC', '1234567890123456789', '6914725331394497845', 'overwrite', '{deleted-records=1}'],
      ],
    });
    const result = await lakehouse('history', '--workgroup', 'primary', '--format', 'csv', 'curated_orders.items');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('committed_at,snapshot_id,parent_id,operation,summary');
    expect(result.stdout).toContain('2024-05-01 10:00:00.000 UTC,6914725331394497845,,append,');
    expect(result.stdout).toContain('2024-05-02 10:00:00.000 UTC,1234567890123456789,6914725331394497845,overwrite,');
    const id = /^query ([0-9a-f-]{36}):/.exec(result.stderr)![1];
    const { QueryExecution } = await athena<{ QueryExecution: { Query: string } }>('GetQueryExecution', { QueryExecutionId: id });
    expect(QueryExecution.Query).toBe('SELECT committed_at, snapshot_id, parent_id, operation, summary FROM "curated_orders"."items$snapshots" ORDER BY committed_at');
  });

  test('an unknown workgroup: one line on stderr, exit 2', async () => {
    const result = await lakehouse('query', '--athena', '--workgroup', 'no-such-workgroup', 'SELECT 1');
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe('lakehouse query: Athena StartQueryExecution failed: InvalidRequestException: WorkGroup does not exist\n');
  });

  test('Ctrl-C while the query is queued: StopQueryExecution, exit 130', async () => {
    // Keep executions QUEUED until described a million times.
    await motoApi('/moto-api/state-manager/set-transition', { model_name: 'athena::execution', transition: { progression: 'manual', times: 1_000_000 } });
    try {
      const { QueryExecutionIds: before } = await athena<{ QueryExecutionIds: string[] }>('ListQueryExecutions', {});
      const child = spawn(process.execPath, [LAKEHOUSE_CLI, 'query', '--athena', '--workgroup', 'primary', 'SELECT * FROM huge'],
        { cwd: REPO, env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));

      // Wait (bounded) for the query to reach moto: the CLI listens for SIGINT before it starts the query.
      let id: string | undefined;
      const deadline = Date.now() + 30_000;
      while (id === undefined) {
        const { QueryExecutionIds: now } = await athena<{ QueryExecutionIds: string[] }>('ListQueryExecutions', {});
        id = now.find((candidate) => !before.includes(candidate));
        if (id === undefined) {
          if (Date.now() > deadline || child.exitCode !== null) {
            throw new Error(`the CLI never started a query: ${stderr}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stdout).toBe('');
      expect(stderr).toBe(`lakehouse query: interrupted; stopped Athena query ${id} (StopQueryExecution sent)\n`);
      const { QueryExecution } = await athena<{ QueryExecution: { Status: { State: string } } }>('GetQueryExecution', { QueryExecutionId: id });
      expect(QueryExecution.Status.State).toBe('CANCELLED');
    } finally {
      await motoApi('/moto-api/state-manager/unset-transition', { model_name: 'athena::execution' });
    }
  });
});
