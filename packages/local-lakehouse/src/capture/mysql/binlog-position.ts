import { LakehouseError } from '../../errors';

/** A position in the binary log: a file and a byte offset in it (an event boundary). */
export interface BinlogPosition {
  /** File name, `binlog.000003`. */
  readonly file: string;
  /** Byte offset in the file. */
  readonly position: number;
}

/** `binlog.000003:1234`, as the capture state and messages write a position. */
export function formatBinlogPosition(p: BinlogPosition): string {
  return `${p.file}:${p.position}`;
}

/** Reads {@link formatBinlogPosition}'s text back. */
export function parseBinlogPosition(text: string): BinlogPosition {
  const m = /^(.+):(\d+)$/.exec(text);
  if (!m) throw new LakehouseError(`${JSON.stringify(text)} is not a binlog position (file:offset); the capture state may be damaged`);
  return { file: m[1], position: Number(m[2]) };
}

/** The sequence number of a binlog file (`binlog.000042` → 42). */
export function binlogFileNumber(file: string): number {
  const m = /\.(\d+)$/.exec(file);
  return m ? Number(m[1]) : 0;
}

/** Orders two positions: by file number, then offset. */
export function compareBinlogPositions(a: BinlogPosition, b: BinlogPosition): number {
  const byFile = binlogFileNumber(a.file) - binlogFileNumber(b.file);
  return byFile !== 0 ? byFile : a.position - b.position;
}

/** Digits of the offset in a record id (offsets reach 10^13 before the file number is touched). */
const OFFSET_DIGITS = 13n;

/**
 * The 19-digit record id of a row change (the second part of DMS's change sequence, see change-sequence.ts), from where the row
 * is in the binary log: the file number (6 digits) and the offset of its rows event plus the row's index in the event
 * (13 digits). Every row of an event is within the event's bytes, so ids increase in log order and never collide; they are the
 * same when a restart reads the event again.
 */
export function binlogRecordId(file: string, eventStart: number, rowIndex: number): bigint {
  return BigInt(binlogFileNumber(file) % 1_000_000) * 10n ** OFFSET_DIGITS + BigInt(eventStart + rowIndex);
}
