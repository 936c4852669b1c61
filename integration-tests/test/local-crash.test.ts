import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { CliResult, LOCAL_LAKEHOUSE_BIN, PostgresFixture, runLocalLakehouse } from '../src';

const BIN = LOCAL_LAKEHOUSE_BIN;

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs });

function spawnLakehouse(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CI: 'true' } });
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

async function killHard(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await exited;
}

const sleep = async (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const randomBetween = (min: number, max: number): number => min + Math.floor(Math.random() * (max - min));

/** Small transactions of inserts, updates and deletes on both tables until stopped. */
function startWorkload(client: Client): { stop: () => Promise<number> } {
  let running = true;
  let transactions = 0;
  const done = (async () => {
    let next = 1_000_000;
    while (running) {
      const id = next++;
      await client.query('BEGIN');
      await client.query('INSERT INTO crash.items (id, v, note) VALUES ($1::bigint, 0, repeat(md5($1::bigint::text), 100))', [id]);
      await client.query('UPDATE crash.items SET v = v + 1 WHERE id % 97 = $1', [id % 97]);
      await client.query('DELETE FROM crash.items WHERE id = $1', [id - 50]);
      await client.query('INSERT INTO crash.log VALUES ($1::bigint, now(), $2)', [id, `event ${id}`]);
      await client.query('UPDATE crash.log SET message = message || \'!\' WHERE item = $1', [id - 10]);
      await client.query('COMMIT');
      transactions++;
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return transactions;
    },
  };
}

describe('kill -9 of capture and curate at random points, then restart: the lake still matches', () => {
  let pg: PostgresFixture;
  let work: string;
  let source: string;
  const children = new Set<ChildProcess>();

  beforeAll(async () => {
    pg = await PostgresFixture.start();
    source = pg.connectionString();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-crash-test-'));
    await pg.query(`
CREATE SCHEMA crash;
CREATE TABLE crash.items (id bigint PRIMARY KEY, v int NOT NULL, note text);
CREATE TABLE crash.log (item bigint NOT NULL, at timestamptz NOT NULL, message text NOT NULL);
ALTER TABLE crash.log REPLICA IDENTITY FULL;
INSERT INTO crash.items SELECT i, i % 10, repeat(md5(i::text), 3) FROM generate_series(1, 200000) AS i;
INSERT INTO crash.log SELECT i, timestamptz '2025-01-01 00:00:00+00' + i * interval '1 second', 'seed ' || i FROM generate_series(1, 20000) AS i;`);
  });

  afterAll(async () => {
    for (const child of children) await killHard(child);
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('capture killed during the full load and while streaming loses nothing and doubles nothing', async () => {
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake.duckdb');
    const args = ['local', 'capture', '--source', source, '--raw', raw, '--interval', '150ms'];
    // killed early: most likely inside the full load
    const early = spawnLakehouse(args);
    children.add(early);
    await sleep(randomBetween(300, 900));
    await killHard(early);

    const client = await pg.client();
    const workload = startWorkload(client);
    try {
      for (let round = 0; round < 3; round++) {
        const capture = spawnLakehouse(args);
        children.add(capture);
        await sleep(randomBetween(1200, 3000));
        await killHard(capture);
        // a curate killed in the middle of its work, too
        const curate = spawnLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
        children.add(curate);
        await sleep(randomBetween(200, 1500));
        await killHard(curate);
      }
    } finally {
      const transactions = await workload.stop();
      expect(transactions).toBeGreaterThan(10);
      await client.end();
    }
    const finish = await lakehouse([...args, '--until-caught-up']);
    expect(finish.stderr).toMatch(/capture: done/);
    expect(finish.code).toBe(0);
    const curate = await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
    expect(curate.code).toBe(0);
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toMatch(/crash\.items\s+\d+\s+\d+\s+match/);
    expect(verify.stdout).toMatch(/crash\.log\s+\d+\s+\d+\s+match/);
    expect(verify.code).toBe(0);
    expect(fs.readdirSync(raw).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });

  test('curate killed at random points while applying many files, then restarted, gives the same lake', async () => {
    const raw = path.join(work, 'raw');
    const lake = path.join(work, 'lake-2.duckdb');
    for (let round = 0; round < 4; round++) {
      const curate = spawnLakehouse(['local', 'curate', '--raw', raw, '--lake', lake]);
      children.add(curate);
      await sleep(randomBetween(300, 2000));
      await killHard(curate);
    }
    expect((await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake])).code).toBe(0);
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
  });
});
