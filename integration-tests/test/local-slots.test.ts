import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CliResult, LOCAL_LAKEHOUSE_BIN, PostgresFixture, runLocalLakehouse } from '../src';
import { lakehouse as lakehouseCli } from '../src/lakehouse-cli';

const BIN = LOCAL_LAKEHOUSE_BIN;

const MAX_SLOTS = 5;

/** Where capture records its slots during this suite (never the user's home). */
let stateDir = '';

const cliEnv = (): NodeJS.ProcessEnv => ({ ...process.env, CI: 'true', LAKEHOUSE_STATE_DIR: stateDir });

const lakehouse = (args: string[], timeoutMs = 120_000): Promise<CliResult> => runLocalLakehouse(args, { timeoutMs, env: cliEnv() });

/** A running `lakehouse` process: its output so far, and its exit. */
interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exit: Promise<{ code: number | null; stderr: string }>;
  /** Resolves once stderr matches `pattern`; rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

const children: ChildProcess[] = [];

function spawnLakehouse(args: string[]): Running {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: cliEnv() });
  children.push(child);
  let stderr = '';
  child.stdout?.resume();
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('close', (code) => resolve({ code, stderr })));
  return {
    child,
    output: () => stderr,
    exit,
    waitFor: async (pattern, timeoutMs = 60_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(stderr)) {
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`lakehouse exited before printing ${pattern}:\n${stderr}`);
        if (Date.now() > deadline) throw new Error(`lakehouse did not print ${pattern} within ${timeoutMs} ms:\n${stderr}`);
        await sleep(50);
      }
    },
  };
}

const sleep = async (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The slot a capture names in its exit line. */
function slotOf(stderr: string): string {
  const m = /capture: replication slot (lakehouse_[0-9a-f]{16}) keeps the WAL/.exec(stderr);
  if (!m) throw new Error(`no slot line in:\n${stderr}`);
  return m[1];
}

/** No stack trace, and the last line is the `lakehouse:` error. */
function expectCleanFailure(result: { code: number | null; stderr: string }, lastLine: string): void {
  expect(result.code).toBe(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  const lines = result.stderr.trim().split('\n');
  expect(lines[lines.length - 1]).toBe(lastLine);
}

describe('replication slots: named at every exit of capture, listed, dropped on request; status of a raw zone', () => {
  let pg: PostgresFixture;
  let work: string;
  let source: string;
  let masked: string;

  const slotsOnServer = async (): Promise<{ name: string; active: boolean }[]> =>
    (await pg.query<{ name: string; active: boolean }>('SELECT slot_name AS name, active FROM pg_replication_slots ORDER BY 1')).rows;

  beforeAll(async () => {
    pg = await PostgresFixture.start({ settings: { max_replication_slots: MAX_SLOTS } });
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'local-slots-test-'));
    stateDir = path.join(work, 'state');
    source = pg.connectionString();
    masked = source.replace(`:${pg.password}@`, ':***@');
    await pg.query('CREATE SCHEMA shop');
    await pg.query('CREATE TABLE shop.orders (id int PRIMARY KEY, total numeric(10,2), note text)');
    await pg.query("INSERT INTO shop.orders SELECT g, g * 1.5, 'order ' || g FROM generate_series(1, 500) g");
  });

  afterAll(async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await pg?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  test('normal end, Ctrl-C and an error each name the slot and the command that drops it', async () => {
    const raw = path.join(work, 'raw-a');
    const first = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.%', '--until-caught-up']);
    expect(first.code).toBe(0);
    const slot = slotOf(first.stderr);
    const lastLine = first.stderr.trim().split('\n').pop();
    expect(lastLine).toMatch(new RegExp(`^capture: replication slot ${slot} keeps the WAL after [0-9A-F]+/[0-9A-F]+ for the next capture of ${raw}; `
      + `if that raw zone is no longer wanted, drop it: lakehouse local slots --source ${escape(masked)} --drop ${slot}$`));
    expect(first.stderr).not.toContain(`:${pg.password}@`);
    expect(await slotsOnServer()).toEqual([{ name: slot, active: false }]);

    // Ctrl-C while streaming
    const follow = spawnLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.%']);
    await follow.waitFor(/capture: streaming changes from/);
    follow.child.kill('SIGINT');
    const stopped = await follow.exit;
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain('capture: done');
    expect(slotOf(stopped.stderr)).toBe(slot);
    expect(stopped.stderr).not.toMatch(/\n\s+at /);

    // an error while streaming: the server ends the WAL sender
    const failing = spawnLakehouse(['local', 'capture', '--source', source, '--raw', raw, '--tables', 'shop.%']);
    await failing.waitFor(/capture: streaming changes from/);
    await pg.query('SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = $1 AND active', [slot]);
    const failed = await failing.exit;
    expect(failed.code).toBe(1);
    expect(failed.stderr).not.toMatch(/\n\s+at /);
    const lines = failed.stderr.trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^lakehouse: the (replication stream failed|server ended the replication stream)/);
    expect(lines[lines.length - 2]).toContain(`capture: replication slot ${slot} keeps the WAL`);
    expect(lines[lines.length - 2]).toContain(`--drop ${slot}`);
  });

  test('status: phase, slot, confirmed position, lag in bytes and seconds, files and rows per table', async () => {
    const raw = path.join(work, 'raw-a');
    await pg.query("INSERT INTO shop.orders VALUES (1001, 1, 'a'), (1002, 2, 'b'), (1003, 3, 'c')");
    const caughtUp = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(caughtUp.code).toBe(0);
    const state = JSON.parse(fs.readFileSync(path.join(raw, '.lakehouse-capture.json'), 'utf8')) as { slot: string; confirmedLsn: string; lastCommitTimestamp: string };
    const newestCommitMs = Date.parse(`${state.lastCommitTimestamp.replace(' ', 'T').slice(0, 23)}Z`);

    // changes the raw zone does not have yet, committed over a second after the newest one it has
    await sleep(1500);
    await pg.query("INSERT INTO shop.orders SELECT g, g, repeat('x', 200) FROM generate_series(2000, 2999) g");
    const started = Date.now();
    const result = await lakehouse(['local', 'status', '--raw', raw, '--source', source, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const status = JSON.parse(result.stdout) as Record<string, unknown> & { lagBytes: number; lagSeconds: number; currentLsn: string };
    expect(status).toMatchObject({
      rawDir: raw,
      phase: 'stopped',
      capturePhase: 'streaming',
      capturePid: null,
      slot: state.slot,
      confirmedLsn: state.confirmedLsn,
      serverSlot: { exists: true, active: false },
      tables: [{ table: 'shop.orders', loadFiles: 1, loadRows: 500, cdcFiles: 1, cdcRows: 3 }],
    });
    expect(status.lagBytes).toBeGreaterThan(200 * 1000);
    const currentLsn = (await pg.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn;
    const expected = (await pg.query<{ d: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS d', [status.currentLsn, state.confirmedLsn])).rows[0].d;
    expect(status.lagBytes).toBe(Number(expected));
    expect((await pg.query<{ ok: boolean }>('SELECT $1::pg_lsn <= $2::pg_lsn AS ok', [status.currentLsn, currentLsn])).rows[0].ok).toBe(true);
    // now minus the newest commit written, taken while the command ran: between these bounds (1 s rounding each side)
    const finished = Date.now();
    expect(status.lagSeconds).toBeGreaterThanOrEqual(Math.max(1, Math.floor((started - newestCommitMs) / 1000) - 1));
    expect(status.lagSeconds).toBeLessThanOrEqual(Math.ceil((finished - newestCommitMs) / 1000) + 1);
    expect(Math.abs(Date.now() - 1500 - newestCommitMs)).toBeLessThan(60_000);
    expect((status.serverSlot as { retainedWalBytes: number }).retainedWalBytes).toBeGreaterThan(200 * 1000);

    const text = await lakehouse(['local', 'status', '--raw', raw]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`phase          stopped (CDC; the next capture continues from ${state.confirmedLsn})`);
    expect(text.stdout).toContain(`slot           ${state.slot}\n`);
    expect(text.stdout).toContain('lag            give --source URL for the lag');
    expect(text.stdout).toMatch(/shop\.orders\s+1\s+500\s+1\s+3/);

    // while a capture runs: CDC, with its PID
    const follow = spawnLakehouse(['local', 'capture', '--source', source, '--raw', raw]);
    await follow.waitFor(/capture: streaming changes from/);
    const stateFile = path.join(raw, '.lakehouse-capture.json');
    const until = Date.now() + 60_000;
    while ((JSON.parse(fs.readFileSync(stateFile, 'utf8')) as { cdcRows: number }).cdcRows < 1003) {
      if (Date.now() > until) throw new Error(`the running capture did not write the 1,000 new rows:\n${follow.output()}`);
      await sleep(100);
    }
    const running = JSON.parse((await lakehouse(['local', 'status', '--raw', raw, '--source', source, '--json'])).stdout) as Record<string, unknown>;
    expect(running).toMatchObject({ phase: 'cdc', capturePid: follow.child.pid, serverSlot: { exists: true, active: true } });
    follow.child.kill('SIGINT');
    expect((await follow.exit).code).toBe(0);
    const after = JSON.parse((await lakehouse(['local', 'status', '--raw', raw, '--json'])).stdout) as { tables: { cdcRows: number }[] };
    expect(after.tables[0].cdcRows).toBe(1003);

    // another server's capture is refused
    const other = await lakehouse(['local', 'status', '--raw', raw, '--source', source.replace(/\/postgres$/, '/template1')]);
    expect(other.code).toBe(1);
    expect(other.stderr.trim().split('\n')).toHaveLength(1);
    expect(other.stderr).toContain('holds a capture of database "postgres"');
  });

  test('slots: lists the lakehouse slots with activity, retained WAL and raw directory; drops only inactive ones', async () => {
    const rawA = path.join(work, 'raw-a');
    const slotA = (JSON.parse(fs.readFileSync(path.join(rawA, '.lakehouse-capture.json'), 'utf8')) as { slot: string }).slot;
    // an abandoned raw zone: captured, then deleted; its slot stays on the server
    const rawB = path.join(work, 'raw-b');
    const b = await lakehouse(['local', 'capture', '--source', source, '--raw', rawB, '--tables', 'shop.orders', '--until-caught-up']);
    expect(b.code).toBe(0);
    const slotB = slotOf(b.stderr);
    fs.rmSync(rawB, { recursive: true });
    // a slot of another replication client is not the lakehouse's
    await pg.query("SELECT pg_create_logical_replication_slot('other_client', 'test_decoding')");
    await pg.query("INSERT INTO shop.orders SELECT g, g, repeat('y', 200) FROM generate_series(3000, 3999) g");

    const listed = await lakehouse(['local', 'slots', '--source', source, '--json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    const listing = JSON.parse(listed.stdout) as { maxReplicationSlots: number; slotsInUse: number; slots: Record<string, unknown>[] };
    expect(listing).toMatchObject({ maxReplicationSlots: MAX_SLOTS, slotsInUse: 3 });
    expect(listing.slots.map((s) => s.name)).toEqual([slotA, slotB].sort());
    const byName = Object.fromEntries(listing.slots.map((s) => [s.name, s]));
    expect(byName[slotA]).toMatchObject({ database: 'postgres', active: false, rawDir: rawA, rawDirStatus: 'uses-slot', capturePid: null });
    expect(byName[slotB]).toMatchObject({ database: 'postgres', active: false, rawDir: rawB, rawDirStatus: 'gone' });
    const retained = (await pg.query<{ name: string; bytes: string }>(
      'SELECT slot_name AS name, pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS bytes FROM pg_replication_slots')).rows;
    for (const name of [slotA, slotB]) {
      expect(byName[name].retainedWalBytes).toBeGreaterThan(200 * 1000);
      expect(byName[name].retainedWalBytes).toBeLessThanOrEqual(Number(retained.find((r) => r.name === name)!.bytes));
    }

    const table = await lakehouse(['local', 'slots', '--source', source]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`${slotB}\\s+postgres\\s+no\\s+[0-9.]+ (KiB|MiB)\\s+${escape(rawB)} \\(gone\\)`));
    expect(table.stdout).toMatch(new RegExp(`${slotA}\\s+postgres\\s+no\\s+[0-9.]+ (KiB|MiB)\\s+${escape(rawA)}\\n`));
    expect(table.stdout).toContain(`3 of ${MAX_SLOTS} replication slots in use (max_replication_slots), 2 of them the lakehouse's; 2 inactive `
      + `(they keep WAL until dropped): lakehouse local slots --source ${masked} --drop-inactive`);
    expect(table.stdout).not.toContain('other_client');

    // while A's capture runs: --drop A is refused, --drop-inactive takes B only
    const follow = spawnLakehouse(['local', 'capture', '--source', source, '--raw', rawA]);
    await follow.waitFor(/capture: streaming changes from/);
    const refused = await lakehouse(['local', 'slots', '--source', source, '--drop', slotA]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`^lakehouse: slot ${slotA} is active \\(server process \\d+, capturing into ${escape(rawA)}\\); `
      + 'it is not dropped: stop that capture first\\n$'));
    const notOurs = await lakehouse(['local', 'slots', '--source', source, '--drop', 'other_client']);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr.trim().split('\n')).toHaveLength(1);
    expect(notOurs.stderr).toContain('slot other_client is not a lakehouse slot');
    const inactive = await lakehouse(['local', 'slots', '--source', source, '--drop-inactive']);
    expect(inactive.code).toBe(0);
    expect(inactive.stdout).toMatch(new RegExp(`^dropped slot ${slotB} \\(database postgres, it kept [0-9.]+ (KiB|MiB) of WAL\\); raw directory ${escape(rawB)} \\(gone\\)\\n`));
    expect(inactive.stdout).toContain(`kept 1 active slot (a capture is streaming from it): ${slotA}`);
    expect(await slotsOnServer()).toEqual([{ name: slotA, active: true }, { name: 'other_client', active: false }]);
    expect(fs.existsSync(path.join(stateDir, 'slots'))).toBe(true);
    follow.child.kill('SIGINT');
    expect((await follow.exit).code).toBe(0);

    // dropping A on request: its raw zone can no longer continue, and capture says so
    const dropA = await lakehouse(['local', 'slots', '--source', source, '--drop', slotA, '--json']);
    expect(dropA.code).toBe(0);
    expect(JSON.parse(dropA.stdout)).toMatchObject({ dropped: [{ name: slotA, rawDir: rawA, orphanedRawDir: rawA }], keptActive: [] });
    expect(await slotsOnServer()).toEqual([{ name: 'other_client', active: false }]);
    const orphan = await lakehouse(['local', 'capture', '--source', source, '--raw', rawA, '--until-caught-up']);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toContain(`replication slot ${slotA} no longer exists`);
    const none = await lakehouse(['local', 'slots', '--source', source]);
    expect(none.stdout).toBe(`no lakehouse replication slots on this server; 1 of ${MAX_SLOTS} replication slots in use (max_replication_slots)\n`);
    await pg.query("SELECT pg_drop_replication_slot('other_client')");
  });

  test('no free replication slot: capture and preflight point at slots --drop-inactive', async () => {
    for (let i = 1; i <= MAX_SLOTS; i++) {
      await pg.query(`SELECT pg_create_logical_replication_slot('lakehouse_abandoned_${i}', 'test_decoding')`);
    }
    const raw = path.join(work, 'raw-full');
    const result = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`lakehouse: source ${masked}: all ${MAX_SLOTS} replication slots are in use (max_replication_slots = ${MAX_SLOTS}; `
      + `${MAX_SLOTS} are lakehouse slots, ${MAX_SLOTS} of them inactive); free the ones no longer wanted with `
      + `lakehouse local slots --source ${masked} --drop-inactive, or raise max_replication_slots\n`);
    expect(fs.existsSync(raw)).toBe(false);

    const preflight = await lakehouseCli('preflight', '--engine', 'postgres', '--url', source, '--tables', 'shop.orders');
    expect(preflight.stdout).toMatch(new RegExp(`FAIL\\s+replication_slots\\s+max_replication_slots = ${MAX_SLOTS}, ${MAX_SLOTS} in use: 0 free for 1 task`));
    expect(preflight.stdout).toContain(`fix: lakehouse local slots --source URL --drop-inactive   (frees the ${MAX_SLOTS} inactive local-lakehouse slots)`);

    const freed = await lakehouse(['local', 'slots', '--source', source, '--drop-inactive']);
    expect(freed.code).toBe(0);
    expect(freed.stdout.trim().split('\n')).toHaveLength(MAX_SLOTS);
    expect(await slotsOnServer()).toEqual([]);
    const retry = await lakehouse(['local', 'capture', '--source', source, '--raw', raw, '--until-caught-up']);
    expect(retry.code).toBe(0);
    await lakehouse(['local', 'slots', '--source', source, '--drop', slotOf(retry.stderr)]);
  });

  test('Ctrl-C during the full load stops between chunks with one line; the next capture redoes the load', async () => {
    await pg.query('CREATE SCHEMA bulk');
    await pg.query('CREATE TABLE bulk.a_small (id int PRIMARY KEY, v text)');
    await pg.query("INSERT INTO bulk.a_small SELECT g, 'v' || g FROM generate_series(1, 50000) g");
    await pg.query('ANALYZE bulk.a_small');
    await pg.query('CREATE TABLE bulk.b_big (id int PRIMARY KEY, v text)');
    await pg.query('INSERT INTO bulk.b_big SELECT g, repeat(md5(g::text), 4) FROM generate_series(1, 400000) g');
    await pg.query('ANALYZE bulk.b_big');
    const raw = path.join(work, 'raw-bulk');
    const args = ['local', 'capture', '--source', source, '--raw', raw, '--tables', 'bulk.%', '--chunk-rows', '2000', '--until-caught-up'];

    // 1. stopped while the load waits for bulk.b_big (locked): status shows the full load; the stop ends it before its first chunk.
    // (The lock is taken once the slot exists: its xid would hold up the slot's snapshot; bulk.a_small takes 25 chunks meanwhile.)
    const locker = await pg.client();
    await locker.query('BEGIN');
    const blocked = spawnLakehouse(args);
    await blocked.waitFor(/capture: slot lakehouse_[0-9a-f]{16} created at/, 60_000);
    await locker.query('LOCK TABLE bulk.b_big IN ACCESS EXCLUSIVE MODE');
    await blocked.waitFor(/full load bulk\.a_small: 50,000 rows in/);
    expect(fs.readdirSync(path.join(raw, '.lakehouse-scratch')).filter((f) => f.startsWith('bulk.b_big'))).toEqual([]);
    const loading = JSON.parse((await lakehouse(['local', 'status', '--raw', raw, '--json'])).stdout) as Record<string, unknown>;
    expect(loading).toMatchObject({ phase: 'full-load', capturePhase: 'full-load', capturePid: blocked.child.pid });
    blocked.child.kill('SIGINT');
    await blocked.waitFor(/capture: stopping the full load after the chunk being read/);
    await locker.query('COMMIT');
    await locker.end();
    const first = await blocked.exit;
    const firstSlot = /slot (lakehouse_[0-9a-f]{16}) created/.exec(first.stderr)![1];
    expectCleanFailure(first, `lakehouse: capture stopped during the full load of bulk.b_big (1 of 2 tables loaded; replication slot ${firstSlot} dropped); `
      + 'run the same capture again to redo the load');
    expect(await slotsOnServer()).toEqual([]);

    // 2. stopped in the middle of bulk.b_big: as soon as its second chunk is being read
    const mid = spawnLakehouse(args);
    const scratch = path.join(raw, '.lakehouse-scratch');
    const deadline = Date.now() + 60_000;
    while (!(fs.existsSync(scratch) && fs.readdirSync(scratch).some((f) => /^bulk\.b_big\.[1-9]\d*\.csv$/.test(f)))) {
      if (Date.now() > deadline || mid.child.exitCode !== null) throw new Error(`no chunk of bulk.b_big appeared:\n${mid.output()}`);
      await sleep(20);
    }
    const signalled = Date.now();
    mid.child.kill('SIGINT');
    const second = await mid.exit;
    const stopMs = Date.now() - signalled;
    expectCleanFailure(second, `lakehouse: capture stopped during the full load of bulk.b_big (1 of 2 tables loaded; replication slot ${firstSlot} dropped); `
      + 'run the same capture again to redo the load');
    expect(second.stderr).not.toMatch(/full load bulk\.b_big: [\d,]+ rows in/);
    expect(stopMs).toBeLessThan(15_000);
    // restartable: nothing of b_big published, no scratch or temp files, the state still says full load, no slot left
    expect(fs.readdirSync(path.join(raw, 'bulk', 'b_big')).filter((f) => f !== '_table.json')).toEqual([]);
    expect(fs.existsSync(scratch)).toBe(false);
    expect(fs.existsSync(path.join(raw, '.lakehouse-capture.lock'))).toBe(false);
    const stopped = JSON.parse((await lakehouse(['local', 'status', '--raw', raw, '--source', source, '--json'])).stdout) as Record<string, unknown>;
    expect(stopped).toMatchObject({
      phase: 'stopped', capturePhase: 'full-load', confirmedLsn: null, lagBytes: null, newestCommitTimestamp: null, serverSlot: { exists: false },
    });
    expect((await lakehouse(['local', 'status', '--raw', raw])).stdout).toContain('phase          stopped (the full load did not finish; the next capture redoes it)');
    expect(await slotsOnServer()).toEqual([]);

    // 3. the next capture redoes the load cleanly, and the lake matches the source
    await pg.query("UPDATE bulk.b_big SET v = 'changed' WHERE id % 1000 = 0");
    const again = await lakehouse(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('full load bulk.b_big: 400,000 rows');
    expect(again.stderr).toContain('full load bulk.a_small: 50,000 rows');
    const lake = path.join(work, 'lake.duckdb');
    expect((await lakehouse(['local', 'curate', '--raw', raw, '--lake', lake])).code).toBe(0);
    const verify = await lakehouse(['local', 'verify', '--source', source, '--lake', lake]);
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toMatch(/bulk\.b_big\s+400000\s+400000\s+match/);
    expect(verify.stdout).toMatch(/bulk\.a_small\s+50000\s+50000\s+match/);
  });
});

/** A string as a literal inside a RegExp. */
function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
