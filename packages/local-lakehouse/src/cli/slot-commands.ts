import { parseCommandArgs, requireOption } from './args';
import { CommandIo, helpRequested } from './command-io';
import { binlogStatusLine, mysqlSlotsCommand, withMysqlSource } from './mysql-housekeeping';
import { COMMAND_OPTIONS } from './options';
import { formatCount } from './progress';
import { CaptureStatus, readCaptureStatus, withSourceLag } from '../capture/capture-status';
import { DroppedSlot, LakehouseSlot, SlotListing, dropInactiveLakehouseSlots, dropLakehouseSlot, formatBytes, listLakehouseSlots } from '../capture/slots';
import { LakehouseError, UsageError } from '../errors';
import { connectSource, endQuietly, maskedUrl } from '../source/connection';
import { isMysqlUrl } from '../source/mysql/mysql-connection';

const SOURCE_EXAMPLE = 'postgres://user:password@localhost:5432/app';

/** `lakehouse local slots`: lists the lakehouse's replication slots; drops inactive ones on request. */
export async function slotsCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local slots';
  const { values } = parseCommandArgs(command, argv, COMMAND_OPTIONS[command]);
  if (helpRequested(command, values, io)) return 0;
  const source = requireOption(command, values, 'source', SOURCE_EXAMPLE);
  if (isMysqlUrl(source)) return mysqlSlotsCommand(source, values, io);
  const drop = values.drop as string | undefined;
  const dropInactive = values['drop-inactive'] === true;
  if (drop !== undefined && dropInactive) throw new UsageError(`${command}: give --drop NAME or --drop-inactive, not both`);
  if (drop === '') throw new UsageError(`${command}: --drop needs a slot name, e.g. --drop lakehouse_0123456789abcdef`);
  const client = await connectSource({ url: source, applicationName: 'lakehouse-slots' });
  try {
    const listing = await listLakehouseSlots(client);
    for (const problem of listing.unreadableRecords) io.stderr.write(`lakehouse: warning: cannot read slot record ${problem}\n`);
    if (drop === undefined && !dropInactive) {
      io.stdout.write(values.json ? `${JSON.stringify(listingJson(listing), null, 2)}\n` : `${formatListing(listing, maskedUrl(source))}\n`);
      return 0;
    }
    const dropped = drop !== undefined ? [await dropLakehouseSlot(client, listing, drop)] : await dropInactiveLakehouseSlots(client, listing);
    const kept = dropInactive ? listing.slots.filter((s) => s.active) : [];
    if (values.json) {
      io.stdout.write(`${JSON.stringify({
        dropped: dropped.map((d) => ({ ...slotJson(d.slot), orphanedRawDir: d.orphanedRawDir })),
        keptActive: kept.map((s) => s.name),
      }, null, 2)}\n`);
      return 0;
    }
    if (dropped.length === 0) io.stdout.write('no inactive lakehouse slot to drop\n');
    for (const d of dropped) io.stdout.write(`${droppedLine(d)}\n`);
    if (kept.length > 0) {
      io.stdout.write(`kept ${kept.length} active slot${kept.length === 1 ? '' : 's'} (a capture is streaming from ${kept.length === 1 ? 'it' : 'them'}): `
        + `${kept.map((s) => s.name).join(', ')}\n`);
    }
    return 0;
  } finally {
    await endQuietly(client);
  }
}

/** `lakehouse local status`: where the capture into a raw zone stands. */
export async function statusCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const command = 'local status';
  const { values } = parseCommandArgs(command, argv, COMMAND_OPTIONS[command]);
  if (helpRequested(command, values, io)) return 0;
  const raw = requireOption(command, values, 'raw', './raw');
  let status = readCaptureStatus(raw);
  const source = values.source as string | undefined;
  if (source !== undefined && (isMysqlUrl(source) || status.engine === 'mysql')) {
    if (!isMysqlUrl(source)) {
      throw new LakehouseError(`${status.rawDir} holds a capture of a MySQL/MariaDB source (${status.source.url}); give --source its mysql:// or mariadb:// URL`);
    }
    status = await withMysqlSource(status, source);
  } else if (source !== undefined) {
    const client = await connectSource({ url: source, applicationName: 'lakehouse-status' });
    try {
      status = await withSourceLag(status, client, maskedUrl(source));
    } finally {
      await endQuietly(client);
    }
  }
  io.stdout.write(values.json ? `${JSON.stringify(status, null, 2)}\n` : `${formatStatus(status)}\n`);
  return 0;
}

function slotJson(slot: LakehouseSlot): Record<string, unknown> {
  return { ...slot };
}

function listingJson(listing: SlotListing): Record<string, unknown> {
  return {
    systemIdentifier: listing.systemIdentifier,
    maxReplicationSlots: listing.capacity.max,
    slotsInUse: listing.capacity.used,
    slots: listing.slots.map(slotJson),
  };
}

function rawDirText(slot: LakehouseSlot): string {
  if (slot.rawDir === null) return '- (not recorded)';
  switch (slot.rawDirStatus) {
    case 'gone':
      return `${slot.rawDir} (gone)`;
    case 'other-slot':
      return `${slot.rawDir} (captured through another slot)`;
    case 'unreadable':
      return `${slot.rawDir} (state unreadable: ${slot.rawDirProblem})`;
    default:
      return slot.capturePid === null ? slot.rawDir : `${slot.rawDir} (capture pid ${slot.capturePid})`;
  }
}

function formatListing(listing: SlotListing, source: string): string {
  const { max, used } = listing.capacity;
  const capacity = `${used} of ${max} replication slots in use (max_replication_slots)`;
  if (listing.slots.length === 0) return `no lakehouse replication slots on this server; ${capacity}`;
  const rows = listing.slots.map((s) => [
    s.name, s.database, s.active ? `yes (pid ${s.activePid})` : 'no', s.retainedWalBytes === null ? '-' : formatBytes(s.retainedWalBytes), rawDirText(s),
  ]);
  const header = ['slot', 'database', 'active', 'retained WAL', 'raw directory'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  const inactive = listing.slots.filter((s) => !s.active).length;
  const summary = `${capacity}, ${listing.slots.length} of them the lakehouse's`
    + (inactive === 0 ? '' : `; ${inactive} inactive (they keep WAL until dropped): lakehouse local slots --source ${source} --drop-inactive`);
  return [line(header), ...rows.map(line), summary].join('\n');
}

function droppedLine(d: DroppedSlot): string {
  const retained = d.slot.retainedWalBytes === null ? '' : `, it kept ${formatBytes(d.slot.retainedWalBytes)} of WAL`;
  const raw = d.slot.rawDir === null ? '' : `; raw directory ${rawDirText(d.slot)}`;
  const orphaned = d.orphanedRawDir === null ? ''
    : '; that raw zone cannot continue its change stream any more: capture again into a new raw directory';
  return `dropped slot ${d.slot.name} (database ${d.slot.database}${retained})${raw}${orphaned}`;
}

function formatStatus(s: CaptureStatus): string {
  const phase = s.phase === 'full-load' ? `full load (capture pid ${s.capturePid} running)`
    : s.phase === 'cdc' ? `CDC (capture pid ${s.capturePid} running)`
      : s.capturePhase === 'streaming' ? `stopped (CDC; the next capture continues from ${s.confirmedLsn ?? '-'})`
        : 'stopped (the full load did not finish; the next capture redoes it)';
  let slot = s.engine === 'mysql' ? binlogStatusLine(s) : s.slot;
  if (s.serverSlot) {
    slot += !s.serverSlot.exists ? ' (gone from the server: the raw zone cannot continue; capture again into a new raw directory)'
      : ` (${s.serverSlot.active ? 'active' : 'inactive'}, keeps ${s.serverSlot.retainedWalBytes === null ? '-' : formatBytes(s.serverSlot.retainedWalBytes)} of WAL)`;
  }
  const from = s.confirmedLsn ?? `${s.consistentPoint} where the change stream starts`;
  const lag = s.lagBytes === null
    ? (s.currentLsn === null ? 'give --source URL for the lag'
      : s.serverBinlog?.kept === false ? `- (binlog ${s.confirmedLsn ?? s.consistentPoint} was purged; the server writes at ${s.currentLsn})`
        : '- (the full load did not finish: nothing to lag behind)')
    : `${formatCount(s.lagBytes)} bytes (${s.currentLsn} - ${from}), ${s.lagSeconds === null ? '-' : `${formatCount(s.lagSeconds)} s`}`;
  const confirmed = s.confirmedLsn ?? (s.capturePhase === 'full-load' ? '- (full load: nothing confirmed before it is complete)' : '-');
  const header = ['table', 'LOAD files', 'LOAD rows', 'CDC files', 'CDC rows'];
  const rows = s.tables.map((t) => [
    t.table, String(t.loadFiles), t.loadRows === null ? '-' : formatCount(t.loadRows), String(t.cdcFiles), t.cdcRows === null ? '-' : formatCount(t.cdcRows),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  return [
    `raw zone       ${s.rawDir}`,
    `source         ${s.source.url} (database ${s.source.database})`,
    `phase          ${phase}`,
    `${s.engine === 'mysql' ? 'binlog         ' : 'slot           '}${slot}`,
    `confirmed      ${confirmed} (state written ${s.stateUpdatedAt})`,
    `newest commit  ${s.newestCommitTimestamp ?? '-'}`,
    `lag            ${lag}`,
    'tables',
    line(header),
    ...rows.map(line),
  ].join('\n');
}
