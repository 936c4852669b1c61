import { getEventListeners } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeFakeSpark } from './helpers/fake-spark';
import { run } from './helpers/run-cli';
import { ProgressReporter } from '../src/cli/progress';
import { TRINO_URL_ENV } from '../src/engines/trino/trino-server';
import { curateFollow } from '../src/lake/curate';
import { CAPTURE_RAW_FORMAT, TableMetadata } from '../src/source/catalog';
import { dmsTypeMapping } from '../src/source/type-mapping';

const META: TableMetadata = {
  format: 'lakehouse-table-metadata',
  version: 1,
  source: { engine: 'postgres', database: 'app', schema: 'public', table: 'orders' },
  capturedAt: '2026-01-01T00:00:00Z',
  columns: [{ name: 'id', ordinal: 1, sourceType: 'integer', nullable: false, ...dmsTypeMapping('int4', -1, 'N') }],
  primaryKey: ['id'],
  replicaIdentity: 'default',
  rowIdentity: ['id'],
  rawFormat: CAPTURE_RAW_FORMAT,
};

/** A raw zone as capture leaves it before the full load's first file: one table's _table.json. */
function writeRawZone(rawDir: string): void {
  fs.mkdirSync(path.join(rawDir, 'public', 'orders'), { recursive: true });
  fs.writeFileSync(path.join(rawDir, 'public', 'orders', '_table.json'), JSON.stringify(META));
}

function recordingProgress(): ProgressReporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, status: () => undefined, line: (text) => lines.push(text), done: () => undefined };
}

/** One line on stderr naming the problem, nothing on stdout. */
function expectOneLine(result: { code: number; stdout: string; stderr: string }, code: number, text: string): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.split('\n')).toEqual([expect.stringMatching(/^lakehouse: /), '']);
  expect(result.stderr).toContain(text);
}

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-daily-use-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('curate --follow', () => {
  // (the compiled CLI's stderr, free of MaxListenersExceededWarning after 30 rounds, is checked in integration-tests'
  // local-cli-daily-use suite: jest's sandboxed process object does not see the warnings Node emits)
  test('30 rounds leave no abort listener behind on the signal', async () => {
    const rawDir = path.join(dir, 'raw');
    writeRawZone(rawDir);
    const controller = new AbortController();
    const listeners: number[] = [];
    const rounds = await curateFollow({
      rawDir,
      lakeFile: path.join(dir, 'lake.duckdb'),
      intervalMs: 1,
      signal: controller.signal,
      onRound: (round) => {
        listeners.push(getEventListeners(controller.signal, 'abort').length);
        if (round === 30) controller.abort();
      },
    });
    expect(rounds).toBe(30);
    expect(listeners).toEqual(new Array(30).fill(0));
  }, 120_000);

  test('an empty raw directory: says once that it waits, then curates what capture writes', async () => {
    const rawDir = path.join(dir, 'raw');
    fs.mkdirSync(rawDir);
    const progress = recordingProgress();
    const controller = new AbortController();
    let waited = 0;
    const interval = setInterval(() => {
      // after a few rounds of waiting, capture writes its first table
      if (++waited === 10) writeRawZone(rawDir);
    }, 10);
    try {
      const rounds = await curateFollow({
        rawDir, lakeFile: path.join(dir, 'lake.duckdb'), intervalMs: 5, progress, signal: controller.signal, onRound: () => controller.abort(),
      });
      expect(rounds).toBe(1);
    } finally {
      clearInterval(interval);
    }
    expect(waited).toBeGreaterThanOrEqual(10);
    expect(progress.lines).toEqual([`curate: waiting for the first capture files in ${rawDir}`]);
    const query = await run(['local', 'query', '--lake', path.join(dir, 'lake.duckdb'), '--format', 'csv', 'SELECT count(*) AS n FROM public.orders']);
    expect(query).toEqual({ code: 0, stdout: 'n\n0\n', stderr: '' });
  }, 60_000);

  test('a --raw that does not exist: one line naming it, exit 2, no lake written', async () => {
    const lake = path.join(dir, 'lake.duckdb');
    const missing = path.join(dir, 'rwa');
    const result = await run(['local', 'curate', '--follow', '--raw', missing, '--lake', lake]);
    expectOneLine(result, 2, `--raw ${missing} does not exist; check the path`);
    expect(fs.existsSync(lake)).toBe(false);
    expect(fs.existsSync(missing)).toBe(false);
  });
});

describe('curate and query refuse a --lake that is not a DuckDB database', () => {
  test.each(['notes.txt', 'orders.csv', 'orders.json'])('%s: one line, exit 1, the file untouched', async (name) => {
    const rawDir = path.join(dir, 'raw');
    writeRawZone(rawDir);
    const file = path.join(dir, name);
    const text = name.endsWith('.json') ? '{"id": 1}\n' : 'id\n1\n';
    fs.writeFileSync(file, text);
    const expected = `--lake ${file} exists but is not a DuckDB database`;
    expectOneLine(await run(['local', 'curate', '--raw', rawDir, '--lake', file]), 1, expected);
    expectOneLine(await run(['local', 'curate', '--follow', '--raw', rawDir, '--lake', file]), 1, expected);
    expectOneLine(await run(['local', 'query', '--lake', file, 'SELECT 1']), 1, expected);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    expect(fs.readdirSync(dir).sort()).toEqual([name, 'raw']);
  });

  test('a directory as --lake', async () => {
    const rawDir = path.join(dir, 'raw');
    writeRawZone(rawDir);
    expectOneLine(await run(['local', 'curate', '--raw', rawDir, '--lake', rawDir]), 1, `--lake ${rawDir} is a directory`);
  });
});

describe('local query runs exactly one statement', () => {
  const cases: [string, string][] = [
    ['SELECT 1; SELECT 2', 'the SQL holds 2 statements; give one SQL statement per query'],
    ['', 'the SQL is empty; give one SQL statement'],
    ['  \n ', 'the SQL is empty; give one SQL statement'],
    ['/* nothing */ ;', 'the SQL is empty; give one SQL statement'],
  ];

  test.each(cases)('--lake: %j is a usage error, exit 2', async (sql, message) => {
    const rawDir = path.join(dir, 'raw');
    writeRawZone(rawDir);
    const lake = path.join(dir, 'lake.duckdb');
    expect((await run(['local', 'curate', '--raw', rawDir, '--lake', lake])).code).toBe(0);
    expectOneLine(await run(['local', 'query', '--lake', lake, sql]), 2, `local query: ${message}`);
    expect(await run(['local', 'query', '--lake', lake, '--format', 'csv', 'SELECT \'a;b\' AS s;'])).toEqual({ code: 0, stdout: 's\na;b\n', stderr: '' });
  });

  test('--warehouse of spark: refused before Spark starts', async () => {
    const fake = makeFakeSpark();
    try {
      fs.writeFileSync(path.join(dir, '_lakehouse_tables.json'), '{}');
      const log = path.join(os.tmpdir(), `fake-spark-${process.pid}-${Date.now()}.log`);
      for (const [sql, message] of cases) {
        const result = await fake.withEnv({ FAKE_LOG: log }, () => run(['local', 'query', '--warehouse', dir, sql]));
        expectOneLine(result, 2, `local query: ${message}`);
      }
      // a backslash-escaped quote is Spark SQL: one statement, which reaches the (fake) job core
      const one = await fake.withEnv({ FAKE_LOG: log, FAKE_ROWS: '1' }, () => run(['local', 'query', '--warehouse', dir, 'SELECT \'it\\\'s; one\'']));
      expect(one.code).toBe(0);
      expect(fs.readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
      fs.rmSync(log);
    } finally {
      fake.remove();
    }
  });

  test('--warehouse of trino: refused before any request to Trino', async () => {
    fs.writeFileSync(path.join(dir, '_lakehouse_trino_tables.json'), '{}');
    const requests: string[] = [];
    const server = http.createServer((req, res) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const previous = process.env[TRINO_URL_ENV];
    process.env[TRINO_URL_ENV] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const [sql, message] of cases) {
        expectOneLine(await run(['local', 'query', '--warehouse', dir, sql]), 2, `local query: ${message}`);
      }
      expect(requests).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env[TRINO_URL_ENV];
      else process.env[TRINO_URL_ENV] = previous;
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
