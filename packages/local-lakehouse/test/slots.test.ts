import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { run } from './helpers/run-cli';
import { CaptureStats, slotExitLine } from '../src/capture/capture';
import { CAPTURE_STATE_FILE, writeCaptureState } from '../src/capture/capture-state';
import { dmsTimestampMs, readCaptureStatus } from '../src/capture/capture-status';
import { LAKEHOUSE_STATE_DIR_ENV, forgetSlot, readSlotRecords, recordSlot, slotRecordFile } from '../src/capture/slot-registry';
import { formatBytes } from '../src/capture/slots';

const STATS: CaptureStats = {
  phase: 'stopped',
  slot: 'lakehouse_0123456789abcdef',
  fullLoadRows: 10,
  fullLoadMs: 5,
  cdcRows: 0,
  cdcFiles: 0,
  transactions: 0,
  streamingMs: 0,
  confirmedLsn: '0/16B3F28',
  maxRssBytes: 0,
  slotState: 'held',
  slotDropError: null,
  stoppedDuringFullLoad: null,
};

describe('the slot line at the end of a capture', () => {
  test('a held slot: its name, what it keeps, and the command that drops it (password masked)', () => {
    expect(slotExitLine(STATS, 'postgres://app:secret@db:5432/shop', '/data/raw')).toBe(
      'capture: replication slot lakehouse_0123456789abcdef keeps the WAL after 0/16B3F28 for the next capture of /data/raw; '
      + 'if that raw zone is no longer wanted, drop it: lakehouse local slots --source postgres://app:***@db:5432/shop --drop lakehouse_0123456789abcdef');
  });

  test('a dropped slot (unfinished full load), a slot never created, a failed drop', () => {
    expect(slotExitLine({ ...STATS, slotState: 'dropped' }, 'postgres://u@h/d', '/r')).toBe(
      'capture: replication slot lakehouse_0123456789abcdef dropped (the full load did not finish; the next capture of /r redoes it from a new slot)');
    expect(slotExitLine({ ...STATS, slotState: 'none' }, 'postgres://u@h/d', '/r')).toBe(
      'capture: no replication slot left on the server (lakehouse_0123456789abcdef was not created)');
    expect(slotExitLine({ ...STATS, slotDropError: 'connection lost' }, 'postgres://u@h/d', '/r'))
      .toContain('(could not drop it: connection lost); if that raw zone is no longer wanted, drop it: lakehouse local slots --source postgres://u@h/d --drop');
    expect(slotExitLine({ ...STATS, slot: '' }, 'postgres://u@h/d', '/r')).toBeUndefined();
  });
});

describe('slot records', () => {
  let dir: string;
  const saved = process.env[LAKEHOUSE_STATE_DIR_ENV];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slot-records-'));
    process.env[LAKEHOUSE_STATE_DIR_ENV] = dir;
  });

  afterEach(() => {
    if (saved === undefined) delete process.env[LAKEHOUSE_STATE_DIR_ENV];
    else process.env[LAKEHOUSE_STATE_DIR_ENV] = saved;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('recorded per server and slot, read back, forgotten; an unreadable record is reported', () => {
    const record = { slot: 'lakehouse_a', systemIdentifier: '7300000000000000001', database: 'app', source: 'postgres://u:***@h/app', rawDir: '/data/raw-a' };
    expect(recordSlot(record)).toBeUndefined();
    expect(recordSlot({ ...record, slot: 'lakehouse_b', rawDir: '/data/raw-b' })).toBeUndefined();
    expect(recordSlot({ ...record, systemIdentifier: '42', slot: 'lakehouse_c' })).toBeUndefined();
    expect(slotRecordFile('7300000000000000001', 'lakehouse_a')).toBe(path.join(dir, 'slots', '7300000000000000001', 'lakehouse_a.json'));
    const { records, unreadable } = readSlotRecords('7300000000000000001');
    expect([...records.keys()].sort()).toEqual(['lakehouse_a', 'lakehouse_b']);
    expect(records.get('lakehouse_b')).toMatchObject({ rawDir: '/data/raw-b', database: 'app' });
    expect(unreadable).toEqual([]);
    forgetSlot('7300000000000000001', 'lakehouse_a');
    fs.writeFileSync(path.join(dir, 'slots', '7300000000000000001', 'broken.json'), '{');
    const after = readSlotRecords('7300000000000000001');
    expect([...after.records.keys()]).toEqual(['lakehouse_b']);
    expect(after.unreadable).toHaveLength(1);
    expect(after.unreadable[0]).toContain('broken.json');
  });

  test('a state directory that cannot be written is reported, not thrown', () => {
    const file = path.join(dir, 'not-a-dir');
    fs.writeFileSync(file, 'x');
    process.env[LAKEHOUSE_STATE_DIR_ENV] = file;
    expect(recordSlot({ slot: 'lakehouse_a', systemIdentifier: '1', database: 'd', source: 's', rawDir: '/r' })).toMatch(/^cannot write .*lakehouse_a\.json/);
  });
});

describe('status from the raw zone alone', () => {
  let raw: string;

  beforeEach(() => {
    raw = fs.mkdtempSync(path.join(os.tmpdir(), 'status-raw-'));
  });

  afterEach(() => fs.rmSync(raw, { recursive: true, force: true }));

  test('files and rows per table, phase stopped, newest commit', () => {
    writeCaptureState(raw, {
      source: { url: 'postgres://u:***@h/app', database: 'app', systemIdentifier: '1' },
      slot: 'lakehouse_x',
      phase: 'streaming',
      taskStartTime: '2026-12-01 10:00:00.000000',
      tables: [{ schema: 'public', table: 'orders' }, { schema: 'public', table: 'empty' }],
      fullLoadRows: { 'public.orders': 500, 'public.empty': 0 },
      consistentPoint: '0/100',
      confirmedLsn: '0/200',
      lastSequenceMicros: 0,
      cdcFiles: 2,
      cdcRows: 7,
      cdcRowsByTable: { 'public.orders': 7 },
      lastCommitTimestamp: '2026-12-01 10:05:00.123456',
    });
    const table = path.join(raw, 'public', 'orders');
    fs.mkdirSync(table, { recursive: true });
    for (const name of ['LOAD00000001.parquet', '20261201-100500123.parquet', '20261201-100501456.parquet', '_table.json', '.x.tmp']) {
      fs.writeFileSync(path.join(table, name), '');
    }
    const status = readCaptureStatus(raw);
    expect(status).toMatchObject({
      phase: 'stopped',
      capturePhase: 'streaming',
      capturePid: null,
      slot: 'lakehouse_x',
      confirmedLsn: '0/200',
      newestCommitTimestamp: '2026-12-01 10:05:00.123456',
      lagBytes: null,
    });
    expect(status.tables).toEqual([
      { table: 'public.orders', loadFiles: 1, loadRows: 500, cdcFiles: 2, cdcRows: 7 },
      { table: 'public.empty', loadFiles: 0, loadRows: 0, cdcFiles: 0, cdcRows: 0 },
    ]);
  });

  test('a stopped unfinished full load: nothing written to lag behind, rows unknown', () => {
    writeCaptureState(raw, {
      source: { url: 'postgres://u:***@h/app', database: 'app', systemIdentifier: '1' },
      slot: 'lakehouse_x',
      phase: 'full-load',
      taskStartTime: '2026-12-01 10:00:00.000000',
      tables: [{ schema: 'public', table: 'orders' }],
      fullLoadRows: {},
      consistentPoint: '0/100',
      confirmedLsn: null,
      lastSequenceMicros: 0,
      cdcFiles: 0,
      cdcRows: 0,
      cdcRowsByTable: {},
    });
    expect(readCaptureStatus(raw)).toMatchObject({
      phase: 'stopped',
      capturePhase: 'full-load',
      consistentPoint: '0/100',
      newestCommitTimestamp: null,
      tables: [{ table: 'public.orders', loadFiles: 0, loadRows: null, cdcFiles: 0, cdcRows: 0 }],
    });
  });

  test('a directory without capture state is a one-line error', async () => {
    const result = await run(['local', 'status', '--raw', raw]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`lakehouse: --raw ${raw} holds no capture state (${CAPTURE_STATE_FILE}); give a directory \`lakehouse local capture\` wrote to\n`);
  });
});

describe('helpers and usage', () => {
  test('byte sizes and DMS timestamps', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(626 * 1024 * 1024)).toBe('626 MiB');
    expect(dmsTimestampMs('2026-12-01 10:05:00.123456')).toBe(Date.UTC(2026, 11, 1, 10, 5, 0, 123));
    expect(() => dmsTimestampMs('yesterday')).toThrow('not yyyy-MM-dd HH:mm:ss.SSSSSS');
  });

  test.each(['local slots', 'local status'])('%s --help', async (command) => {
    const result = await run([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Usage: lakehouse ${command}`);
  });

  test('--help lists the commands; --drop with --drop-inactive is a usage error', async () => {
    expect((await run(['--help'])).stdout).toContain('lakehouse local slots --source URL [--drop NAME|--drop-inactive]');
    const both = await run(['local', 'slots', '--source', 'postgres://u@h/d', '--drop', 'x', '--drop-inactive']);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe('lakehouse: local slots: give --drop NAME or --drop-inactive, not both\n');
    expect((await run(['local', 'slots'])).stderr).toContain('--source is required');
  });
});
