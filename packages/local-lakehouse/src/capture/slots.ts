import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { CAPTURE_STATE_FILE, captureLockHolder, readCaptureState } from './capture-state';
import { SlotRecord, forgetSlot, readSlotRecords } from './slot-registry';
import { LakehouseError, errorMessage } from '../errors';

/** Name prefix of the replication slots capture creates by default. */
export const LAKEHOUSE_SLOT_PREFIX = 'lakehouse_';

/** What became of the raw directory a slot was recorded for. */
export type RawDirStatus =
  /** The raw zone's state names this slot: its next capture continues from it. */
  | 'uses-slot'
  /** The directory (or its capture state) is gone: nothing will ever read the slot again. */
  | 'gone'
  /** The raw zone now uses another slot (it was captured again). */
  | 'other-slot'
  /** The state file cannot be read. */
  | 'unreadable';

/** A replication slot of the local lakehouse, as `lakehouse local slots` shows it. */
export interface LakehouseSlot {
  /** Slot name. */
  readonly name: string;
  /** Database it decodes. */
  readonly database: string;
  /** Output plugin (capture uses test_decoding). */
  readonly plugin: string | null;
  /** True while a WAL sender (a running capture) uses it. */
  readonly active: boolean;
  /** Server process using it, when active. */
  readonly activePid: number | null;
  /** The oldest WAL position the slot keeps. */
  readonly restartLsn: string | null;
  /** Everything before this position is confirmed by the capture. */
  readonly confirmedFlushLsn: string | null;
  /** Bytes of WAL the server keeps for this slot: pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn). */
  readonly retainedWalBytes: number | null;
  /** The raw directory capture recorded for it (absent when it was created elsewhere or before records existed). */
  readonly rawDir: string | null;
  /** What became of that raw directory. */
  readonly rawDirStatus: RawDirStatus | null;
  /** Why the raw directory's state could not be read (with status `unreadable`). */
  readonly rawDirProblem: string | null;
  /** PID of the capture writing to that raw directory now (its lock), if any. */
  readonly capturePid: number | null;
}

/** The server's replication slot capacity. */
export interface SlotCapacity {
  /** max_replication_slots. */
  readonly max: number;
  /** Slots that exist (of every kind, lakehouse or not). */
  readonly used: number;
}

/** The slots of the lakehouse on a server, with the server's capacity. */
export interface SlotListing {
  /** The server's system identifier. */
  readonly systemIdentifier: string;
  /** Capacity. */
  readonly capacity: SlotCapacity;
  /** The lakehouse's slots, by name. */
  readonly slots: LakehouseSlot[];
  /** Slot records that could not be read (file: reason). */
  readonly unreadableRecords: string[];
}

/** The server's system identifier, from a normal (not replication) connection. */
export async function systemIdentifier(client: Client): Promise<string> {
  const row = (await client.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_catalog.pg_control_system()')).rows[0];
  return row.id;
}

/** max_replication_slots and the number of slots that exist. */
export async function slotCapacity(client: Client): Promise<SlotCapacity> {
  const row = (await client.query<{ max: number; used: number }>(`SELECT current_setting('max_replication_slots')::int AS max,
            (SELECT count(*) FROM pg_catalog.pg_replication_slots)::int AS used`)).rows[0];
  return { max: row.max, used: row.used };
}

/**
 * The one-line error when the server has no free replication slot: how many there are, how many
 * of them are the lakehouse's and inactive, and the command that frees them.
 */
export async function noFreeSlotError(client: Client, maskedSource: string): Promise<LakehouseError> {
  const capacity = await slotCapacity(client);
  if (capacity.max === 0) {
    return new LakehouseError(`source ${maskedSource}: max_replication_slots is 0, but capture needs a replication slot; `
      + 'set max_replication_slots (e.g. 10) in postgresql.conf and restart the server');
  }
  const counts = (await client.query<{ ours: number; inactive: number }>(
    `SELECT count(*)::int AS ours, (count(*) FILTER (WHERE NOT active))::int AS inactive
       FROM pg_catalog.pg_replication_slots WHERE left(slot_name, length($1)) = $1`, [LAKEHOUSE_SLOT_PREFIX])).rows[0];
  return new LakehouseError(`source ${maskedSource}: all ${capacity.max} replication slots are in use (max_replication_slots = ${capacity.max}; `
    + `${counts.ours} are lakehouse slots, ${counts.inactive} of them inactive); free the ones no longer wanted with `
    + `lakehouse local slots --source ${maskedSource} --drop-inactive, or raise max_replication_slots`);
}

/** True when a PostgreSQL error says every replication slot is taken (configuration_limit_exceeded). */
export function isNoFreeSlotError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === '53400' && typeof e.message === 'string' && /replication slots are in use/.test(e.message);
}

/** A row of the slot listing query. */
interface SlotRow {
  readonly name: string;
  readonly database: string | null;
  readonly plugin: string | null;
  readonly active: boolean;
  readonly active_pid: number | null;
  readonly restart_lsn: string | null;
  readonly confirmed_flush_lsn: string | null;
  readonly retained: string | null;
}

/**
 * Lists the lakehouse's replication slots on the server of `client`: those named `lakehouse_…`
 * and those capture recorded under another name (`--slot`), with their retained WAL and the raw
 * directory each feeds.
 */
export async function listLakehouseSlots(client: Client): Promise<SlotListing> {
  const systemId = await systemIdentifier(client);
  const { records, unreadable } = readSlotRecords(systemId);
  const rows = (await client.query<SlotRow>(`SELECT s.slot_name AS name, s.database, s.plugin, s.active, s.active_pid, s.restart_lsn::text AS restart_lsn,
             s.confirmed_flush_lsn::text AS confirmed_flush_lsn,
             pg_catalog.pg_wal_lsn_diff(
               CASE WHEN pg_catalog.pg_is_in_recovery() THEN pg_catalog.pg_last_wal_receive_lsn() ELSE pg_catalog.pg_current_wal_lsn() END,
               s.restart_lsn)::text AS retained
        FROM pg_catalog.pg_replication_slots s
       WHERE left(s.slot_name, length($1)) = $1 OR s.slot_name = ANY($2)
       ORDER BY s.slot_name`, [LAKEHOUSE_SLOT_PREFIX, [...records.keys()]])).rows;
  const slots = rows.map((row): LakehouseSlot => {
    const record = records.get(row.name);
    const raw = record ? rawDirOf(record) : { status: null, capturePid: null, problem: null };
    return {
      name: row.name,
      database: row.database ?? '',
      plugin: row.plugin,
      active: row.active,
      activePid: row.active_pid,
      restartLsn: row.restart_lsn,
      confirmedFlushLsn: row.confirmed_flush_lsn,
      retainedWalBytes: row.retained === null ? null : Number(row.retained),
      rawDir: record?.rawDir ?? null,
      rawDirStatus: raw.status,
      rawDirProblem: raw.problem,
      capturePid: raw.capturePid,
    };
  });
  return { systemIdentifier: systemId, capacity: await slotCapacity(client), slots, unreadableRecords: unreadable };
}

function rawDirOf(record: SlotRecord): { status: RawDirStatus; capturePid: number | null; problem: string | null } {
  if (!fs.existsSync(path.join(record.rawDir, CAPTURE_STATE_FILE))) return { status: 'gone', capturePid: null, problem: null };
  try {
    const state = readCaptureState(record.rawDir);
    const capturePid = captureLockHolder(record.rawDir) ?? null;
    return { status: state?.slot === record.slot ? 'uses-slot' : 'other-slot', capturePid, problem: null };
  } catch (err) {
    return { status: 'unreadable', capturePid: null, problem: errorMessage(err) };
  }
}

/** What `dropLakehouseSlots` did with one slot. */
export interface DroppedSlot {
  /** The slot. */
  readonly slot: LakehouseSlot;
  /** Set when the slot's raw zone named it: that raw zone can no longer continue its change stream. */
  readonly orphanedRawDir: string | null;
}

/**
 * Drops one inactive lakehouse slot. An active slot, a slot that does not exist or is not the
 * lakehouse's is refused with a one-line LakehouseError.
 */
export async function dropLakehouseSlot(client: Client, listing: SlotListing, name: string): Promise<DroppedSlot> {
  const slot = listing.slots.find((s) => s.name === name);
  if (!slot) {
    const exists = (await client.query('SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = $1', [name])).rows.length > 0;
    if (exists) {
      throw new LakehouseError(`slot ${name} is not a lakehouse slot (its name does not start with ${LAKEHOUSE_SLOT_PREFIX} and no capture recorded it); `
        + `it may belong to another replication client: drop it yourself if you are sure (SELECT pg_drop_replication_slot('${name}'))`);
    }
    throw new LakehouseError(`there is no replication slot ${name} on this server; \`lakehouse local slots --source URL\` lists the lakehouse's slots`);
  }
  if (slot.active) {
    throw new LakehouseError(`slot ${name} is active (server process ${slot.activePid}${slot.rawDir ? `, capturing into ${slot.rawDir}` : ''}); `
      + 'it is not dropped: stop that capture first');
  }
  return dropInactive(client, listing, slot);
}

/** Drops every inactive lakehouse slot; active ones are left alone. */
export async function dropInactiveLakehouseSlots(client: Client, listing: SlotListing): Promise<DroppedSlot[]> {
  const dropped: DroppedSlot[] = [];
  for (const slot of listing.slots.filter((s) => !s.active)) {
    dropped.push(await dropInactive(client, listing, slot));
  }
  return dropped;
}

async function dropInactive(client: Client, listing: SlotListing, slot: LakehouseSlot): Promise<DroppedSlot> {
  try {
    // pg_drop_replication_slot refuses a slot that became active since the listing
    await client.query('SELECT pg_catalog.pg_drop_replication_slot($1)', [slot.name]);
  } catch (err) {
    throw new LakehouseError(`cannot drop slot ${slot.name}: ${errorMessage(err)}`
      + (/active/i.test(errorMessage(err)) ? '; a capture started using it: stop it first' : '; the user needs REPLICATION (or superuser)'));
  }
  forgetSlot(listing.systemIdentifier, slot.name);
  return { slot, orphanedRawDir: slot.rawDirStatus === 'uses-slot' ? slot.rawDir : null };
}

/** `1.2 GiB`, `626 MiB`, `12 KiB`, `0 B` */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value >= 10 ? value.toFixed(0) : value.toFixed(1)} ${units[unit]}`;
}
