import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openLake } from '@cdc-lakehouse/local-lakehouse';

const BIN = path.resolve(__dirname, '../../packages/local-lakehouse/lib/bin.js');
const ROWS = 200_000;
const RANGE = `SELECT range AS n, 'row ' || range AS s FROM range(${ROWS})`;

interface Counted {
  readonly code: number | null;
  readonly lines: number;
  readonly first: readonly string[];
  readonly last: readonly string[];
  readonly stderr: string;
}

/** Runs `lakehouse` as a process and counts its stdout lines as they arrive (the output is not kept whole). */
function lakehouseLines(args: string[]): Promise<Counted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let lines = 0;
    let rest = '';
    const first: string[] = [];
    let last: string[] = [];
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      lines += parts.length;
      for (const p of parts) if (first.length < 3) first.push(p);
      last = [...last, ...parts.slice(-3)].slice(-3);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, lines: lines + (rest === '' ? 0 : 1), first, last, stderr }));
  });
}

describe('lakehouse local query streams a large result (DuckDB lake)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-query-stream-'));
  const lake = path.join(dir, 'lake.duckdb');
  beforeAll(async () => (await openLake(lake, { readOnly: false })).close());
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test.each([
    ['table', ROWS + 3, ['199998 | row 19…', '199999 | row 19…', `(${ROWS} rows)`]],
    ['csv', ROWS + 1, ['199997,row 199997', '199998,row 199998', '199999,row 199999']],
    ['json', ROWS, ['{"n":199997,"s":"row 199997"}', '{"n":199998,"s":"row 199998"}', '{"n":199999,"s":"row 199999"}']],
  ])('%s: every one of 200,000 rows', async (format, lines, last) => {
    const result = await lakehouseLines(['local', 'query', '--lake', lake, '--format', format, RANGE]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.lines).toBe(lines);
    expect(result.last).toEqual(last);
  }, 120_000);

  test('a reader that goes away early (`| head`) ends the query quietly, exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'local', 'query', '--lake', lake, '--format', 'csv', 'SELECT * FROM range(100000000)'],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    let head = '';
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.once('data', (chunk: Buffer) => {
      head = chunk.toString('utf8');
      child.stdout.destroy();
      resolve();
    }));
    expect(head.startsWith('range\n0\n1\n')).toBe(true);
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  }, 120_000);
});
