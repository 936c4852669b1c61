import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-file';
import { errorMessage } from '../errors';

/** Environment variable naming the directory where the local lakehouse keeps per-user state. */
export const LAKEHOUSE_STATE_DIR_ENV = 'LAKEHOUSE_STATE_DIR';

/**
 * What capture records when it creates (or resumes) a replication slot, so that
 * `lakehouse local slots` can tell which raw directory a slot belongs to: a slot on the server
 * does not know, and the default slot name is a hash of the raw directory.
 */
export interface SlotRecord {
  readonly format: 'lakehouse-slot';
  readonly version: 1;
  /** Replication slot name. */
  readonly slot: string;
  /** The server's system identifier (slot names are unique per server). */
  readonly systemIdentifier: string;
  /** The database the slot decodes. */
  readonly database: string;
  /** The source URL, password masked. */
  readonly source: string;
  /** Absolute path of the raw directory the slot feeds. */
  readonly rawDir: string;
  /** When capture recorded the slot. */
  readonly recordedAt: string;
}

/**
 * The directory of the local lakehouse's per-user state: `$LAKEHOUSE_STATE_DIR`, else
 * `$XDG_STATE_HOME/lakehouse`, else `~/.local/state/lakehouse`.
 */
export function lakehouseStateDir(): string {
  const explicit = process.env[LAKEHOUSE_STATE_DIR_ENV];
  if (explicit) return path.resolve(explicit);
  const xdg = process.env.XDG_STATE_HOME;
  return xdg ? path.join(path.resolve(xdg), 'lakehouse') : path.join(os.homedir(), '.local', 'state', 'lakehouse');
}

/** The file recording one slot of one server. */
export function slotRecordFile(systemIdentifier: string, slot: string): string {
  return path.join(lakehouseStateDir(), 'slots', systemIdentifier.replace(/[^0-9A-Za-z_-]/g, '_'), `${slot}.json`);
}

/**
 * Records which raw directory a slot feeds (one file per slot, written atomically, so parallel
 * captures never lose each other's records).
 * @returns undefined, or why the record could not be written (capture goes on without it)
 */
export function recordSlot(record: Omit<SlotRecord, 'format' | 'version' | 'recordedAt'>): string | undefined {
  const file = slotRecordFile(record.systemIdentifier, record.slot);
  const full: SlotRecord = { format: 'lakehouse-slot', version: 1, ...record, recordedAt: new Date().toISOString() };
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, `${JSON.stringify(full, null, 2)}\n`);
    return undefined;
  } catch (err) {
    return `cannot write ${file} (${errorMessage(err)})`;
  }
}

/** Removes the record of a dropped slot; a missing record is fine. */
export function forgetSlot(systemIdentifier: string, slot: string): void {
  fs.rmSync(slotRecordFile(systemIdentifier, slot), { force: true });
}

/**
 * The recorded slots of one server, by slot name. A record that cannot be read is reported in
 * `unreadable` (file and reason) rather than skipped silently.
 */
export function readSlotRecords(systemIdentifier: string): { records: Map<string, SlotRecord>; unreadable: string[] } {
  const dir = path.dirname(slotRecordFile(systemIdentifier, 'x'));
  const records = new Map<string, SlotRecord>();
  const unreadable: string[] = [];
  if (!fs.existsSync(dir)) return { records, unreadable };
  for (const name of fs.readdirSync(dir)) {
    if (!name.endsWith('.json') || name.startsWith('.')) continue;
    const file = path.join(dir, name);
    try {
      const record = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<SlotRecord>;
      if (record.format !== 'lakehouse-slot' || typeof record.slot !== 'string' || typeof record.rawDir !== 'string') {
        unreadable.push(`${file}: not a slot record`);
        continue;
      }
      records.set(record.slot, record as SlotRecord);
    } catch (err) {
      unreadable.push(`${file}: ${errorMessage(err)}`);
    }
  }
  return { records, unreadable };
}
