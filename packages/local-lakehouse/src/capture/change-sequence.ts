/**
 * Emulates DMS's `$AR_H_CHANGE_SEQ`: 35 digits, 16 of a commit timestamp and 19 of a record
 * id, so plain string order is change order.
 *
 * - The 16 timestamp digits are the transaction's commit time in microseconds since the epoch,
 *   raised where needed so they strictly increase from one transaction to the next in commit
 *   (stream) order: two transactions committed in the same microsecond, or with commit times out
 *   of WAL order, still get ordered prefixes. The last prefix is kept in the capture state, so a
 *   restart continues the series and a re-delivered transaction gets the same prefix again.
 * - The 19 record-id digits are the change's position within its transaction (0, 1, 2, …),
 *   counting every row written for it (an UPDATE written as a DELETE and an UPDATE takes two).
 *
 * Full-load rows get an empty change sequence, which sorts below every CDC change.
 */
export class ChangeSequencer {
  constructor(private lastPrefixMicros = 0) {}

  /** The last prefix handed out (microseconds), to persist. */
  get last(): number {
    return this.lastPrefixMicros;
  }

  /** The 16-digit prefix of the next transaction in commit order. */
  nextTransaction(commitMicros: number): string {
    this.lastPrefixMicros = Math.max(commitMicros, this.lastPrefixMicros + 1);
    return changeSequencePrefix(this.lastPrefixMicros);
  }
}

/** Width of the timestamp part. */
export const CHANGE_SEQUENCE_PREFIX_DIGITS = 16;
/** Width of the record-id part. */
export const CHANGE_SEQUENCE_RECORD_DIGITS = 19;

/** The 16-digit timestamp part for `micros`. */
export function changeSequencePrefix(micros: number): string {
  const text = String(micros);
  if (text.length > CHANGE_SEQUENCE_PREFIX_DIGITS || !Number.isSafeInteger(micros) || micros < 0) {
    throw new Error(`commit time ${micros} µs does not fit the 16 timestamp digits of a change sequence`);
  }
  return text.padStart(CHANGE_SEQUENCE_PREFIX_DIGITS, '0');
}

/** The whole 35-digit change sequence of the change at `position` in a transaction with `prefix`. */
export function changeSequence(prefix: string, position: number): string {
  return prefix + String(position).padStart(CHANGE_SEQUENCE_RECORD_DIGITS, '0');
}
