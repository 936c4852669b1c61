import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { renderRows } from '@cdc-lakehouse/query';
import { makeFakeSpark } from './helpers/fake-spark';
import { run } from './helpers/run-cli';
import { TrinoClient } from '../src/engines/trino/trino-client';
import { parseExactJson } from '../src/lake/exact-json';
import { openLake } from '../src/lake/lake-database';
import { collectRows, queryLake } from '../src/lake/query';

const ROWS = 200_000;
// generous: these read 200,000 rows, and other suites run alongside
const LONG = 120_000;
const TYPED = 'SELECT 9007199254740993::BIGINT AS big, 12345678901234567890.25::DECIMAL(38,2) AS amount, true AS ok, '
  + 'TIMESTAMP \'2024-01-02 03:04:05.123456\' AS at, [1, 9007199254740993]::BIGINT[] AS list, {\'a\': 1, \'b\': \'x,"y"\'} AS struct, '
  + '\'\\xAB\'::BLOB AS bytes, NULL::VARCHAR AS nothing';

describe('lakehouse local query streams (DuckDB lake)', () => {
  let dir: string;
  let lake: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-query-stream-'));
    lake = path.join(dir, 'lake.duckdb');
    (await openLake(lake, { readOnly: false })).close();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const range = `SELECT range AS n, 'row ' || range AS s FROM range(${ROWS})`;

  test('200,000 rows as a table: header once, every row, the footer', async () => {
    const result = await run(['local', 'query', '--lake', lake, range]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const lines = result.stdout.split('\n');
    expect(lines.length).toBe(ROWS + 4);
    expect(lines[0]).toMatch(/^n +\| s$/);
    expect(lines[1]).toMatch(/^-+-\+-+$/);
    expect(lines[ROWS + 1]).toBe('199999 | row 19…');
    expect(lines[ROWS + 2]).toBe('(200000 rows)');
  }, LONG);

  test('200,000 rows as csv and as json lines', async () => {
    const csv = await run(['local', 'query', '--lake', lake, '--format', 'csv', range]);
    expect(csv.code).toBe(0);
    const csvLines = csv.stdout.split('\n');
    expect(csvLines.length).toBe(ROWS + 2);
    expect(csvLines.slice(0, 2)).toEqual(['n,s', '0,row 0']);
    expect(csvLines[ROWS]).toBe('199999,row 199999');
    const json = await run(['local', 'query', '--lake', lake, '--format', 'json', range]);
    expect(json.code).toBe(0);
    const jsonLines = json.stdout.trimEnd().split('\n');
    expect(jsonLines.length).toBe(ROWS);
    expect(JSON.parse(jsonLines[ROWS - 1])).toEqual({ n: 199999, s: 'row 199999' });
  }, LONG);

  test('typed values in each format: bigint beyond 2^53, decimal, boolean, timestamp, list, struct, blob, NULL', async () => {
    const json = await run(['local', 'query', '--lake', lake, '--format', 'json', TYPED]);
    expect(json.stdout).toBe('{"big":9007199254740993,"amount":12345678901234567890.25,"ok":true,"at":"2024-01-02 03:04:05.123456",'
      + '"list":[1,9007199254740993],"struct":{"a":1,"b":"x,\\"y\\""},"bytes":"ab","nothing":null}\n');
    const csv = await run(['local', 'query', '--lake', lake, '--format', 'csv', TYPED]);
    expect(csv.stdout).toBe('big,amount,ok,at,list,struct,bytes,nothing\n'
      + '9007199254740993,12345678901234567890.25,true,2024-01-02 03:04:05.123456,"[1,9007199254740993]","{""a"":1,""b"":""x,\\""y\\""""}",ab,\n');
    const table = await run(['local', 'query', '--lake', lake, TYPED]);
    expect(table.stdout.split('\n').slice(2)).toEqual([
      '9007199254740993 | 12345678901234567890.25 | true | 2024-01-02 03:04:05.123456 | [1,9007199254740993] | {"a":1,"b":"x,\\"y\\""} | ab    | NULL',
      '(1 row)',
      '',
    ]);
  });

  test('a failing statement is one line; a small query still collects', async () => {
    const bad = await run(['local', 'query', '--lake', lake, 'SELECT * FROM no_such_table']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^lakehouse: query failed: .*no_such_table/);
    const cast = await run(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT (CASE WHEN range < 5000 THEN \'1\' ELSE \'x\' END)::INT FROM range(10000)']);
    expect(cast.code).toBe(1);
    expect(cast.stderr).toMatch(/^lakehouse: query failed: .*x/m);
    expect(await queryLake(lake, 'SELECT 1::BIGINT AS one')).toEqual({ columns: ['one'], rows: [[1n]] });
  });
});

describe('lakehouse local query streams (Spark job core, faked)', () => {
  const fake = makeFakeSpark();
  const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-spark-query-'));
  afterAll(() => {
    fake.remove();
    fs.rmSync(warehouse, { recursive: true, force: true });
  });

  test('200,000 JSON lines from the job become a table with every row and exact bigints in json', async () => {
    const table = await fake.withEnv({ FAKE_ROWS: String(ROWS) }, () => run(['local', 'query', '--engine', 'spark', '--warehouse', warehouse, 'SELECT …']));
    expect(table.stderr).not.toMatch(/^lakehouse:/m);
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines.length).toBe(ROWS + 4);
    expect(lines[ROWS + 2]).toBe('(200000 rows)');
    const json = await fake.withEnv({ FAKE_ROWS: '3' }, () => run(['local', 'query', '--engine', 'spark', '--warehouse', warehouse, '--format', 'json', 'SELECT …']));
    expect(json.stdout).toBe('{"n":0,"big":90071992547409930,"name":"row 0"}\n{"n":1,"big":90071992547409931,"name":"row 1"}\n'
      + '{"n":2,"big":90071992547409932,"name":"row 2"}\n');
  }, LONG);

  test('a job that fails after its rows fails the query with its one line', async () => {
    const failed = await fake.withEnv({ FAKE_ROWS: '5000', FAKE_FAIL_AFTER_ROWS: '1' },
      () => run(['local', 'query', '--engine', 'spark', '--warehouse', warehouse, '--format', 'csv', 'SELECT …']));
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/^lakehouse: query failed: AnalysisException: executor lost$/m);
  });
});

/** A stand-in Trino coordinator: the statement's rows in pages of `pageRows`, each behind a nextUri. */
interface FakeTrino {
  readonly url: string;
  fetched(): number;
  deleted(): number;
  close(): Promise<void>;
}

function fakeTrino(total: number, pageRows: number): Promise<FakeTrino> {
  let fetched = 0;
  let deleted = 0;
  const columns = [
    { name: 'n', type: 'bigint', typeSignature: { rawType: 'bigint', arguments: [] } },
    {
      name: 'r',
      type: 'row(a bigint, b varchar)',
      typeSignature: {
        rawType: 'row',
        arguments: [
          { kind: 'NAMED_TYPE', value: { fieldName: { name: 'a' }, typeSignature: { rawType: 'bigint' } } },
          { kind: 'NAMED_TYPE', value: { fieldName: { name: 'b' }, typeSignature: { rawType: 'varchar' } } },
        ],
      },
    },
    { name: 'bin', type: 'varbinary', typeSignature: { rawType: 'varbinary', arguments: [] } },
    { name: 'd', type: 'decimal(20,2)', typeSignature: { rawType: 'decimal', arguments: [] } },
  ];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'DELETE') {
      deleted++;
      res.writeHead(204).end();
      return;
    }
    const page = req.method === 'POST' ? -1 : Number(url.searchParams.get('page'));
    if (page >= 0) fetched++;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const from = Math.max(0, page) * pageRows;
    const data = page < 0 ? undefined : Array.from({ length: Math.min(pageRows, total - from) }, (_, i) => from + i)
      .map((n) => `[${n},[${9007199254740993n + BigInt(n)},"b${n}"],"q80=",${JSON.stringify(`${n}.50`)}]`);
    const next = from + pageRows < total || page < 0 ? `"nextUri":"${base}/v1/statement/q?page=${page + 1}",` : '';
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' })
      .end(`{${next}"columns":${JSON.stringify(columns)}${data ? `,"data":[${data.join(',')}]` : ''}}`));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fetched: () => fetched,
    deleted: () => deleted,
    close: () => new Promise<void>((done) => server.close(() => done())),
  })));
}

describe('Trino results stream page by page', () => {
  test('three pages: typed cells (exact bigint, row as object, varbinary as hex, decimal text), in order', async () => {
    const trino = await fakeTrino(2500, 1000);
    try {
      const result = await new TrinoClient(trino.url).stream('SELECT …', collectRows);
      expect(result.columns).toEqual(['n', 'r', 'bin', 'd']);
      expect(result.rows).toHaveLength(2500);
      expect(result.rows[2499]).toEqual([2499, { a: 9007199254740993n + 2499n, b: 'b2499' }, 'abcd', '2499.50']);
      expect(trino.fetched()).toBe(3);
      expect(trino.deleted()).toBe(0);
      const lines: string[] = [];
      await new TrinoClient(trino.url).stream('SELECT …', (rows) => renderRows(rows, { write: async (c) => void lines.push(c) }, { format: 'json' }));
      expect(lines.join('').split('\n')[0]).toBe('{"n":0,"r":{"a":9007199254740993,"b":"b0"},"bin":"abcd","d":0.50}');
    } finally {
      await trino.close();
    }
  });

  test('a reader that stops early fetches no more pages and cancels the query', async () => {
    const trino = await fakeTrino(100_000, 1000);
    try {
      const seen = await new TrinoClient(trino.url).stream('SELECT …', async (rows) => {
        for await (const batch of rows.batches) return batch.length;
        return 0;
      });
      expect(seen).toBe(1000);
      expect(trino.fetched()).toBe(1);
      expect(trino.deleted()).toBe(1);
    } finally {
      await trino.close();
    }
  });
});

describe('parseExactJson', () => {
  test('keeps integers beyond 2^53 as bigint and everything else as JSON.parse does', () => {
    expect(parseExactJson('{"a":[9007199254740993,-12345678901234567890,1.5e3,"1234567890123456789",true,null,{}],"b\\"":"\\u00e9"}'))
      .toEqual({ 'a': [9007199254740993n, -12345678901234567890n, 1500, '1234567890123456789', true, null, {}], 'b"': 'é' });
    expect(parseExactJson('[1234567890123456]')).toEqual([1234567890123456]);
    expect(() => parseExactJson('[12345678901234567,]')).toThrow(SyntaxError);
  });
});
