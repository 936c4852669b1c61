/** A PostgreSQL WAL position (`pg_lsn`) as an unsigned 64-bit integer. */
export type Lsn = bigint;

const HALF = 4294967296n;

/** Parses `16/B374D848` into a bigint. */
export function parseLsn(text: string): Lsn {
  const match = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text.trim());
  if (!match) {
    throw new Error(`"${text}" is not a WAL position (expected e.g. 16/B374D848)`);
  }
  return BigInt(`0x${match[1]}`) * HALF + BigInt(`0x${match[2]}`);
}

/** Formats a bigint WAL position as PostgreSQL does: `16/B374D848`. */
export function formatLsn(lsn: Lsn): string {
  return `${(lsn / HALF).toString(16).toUpperCase()}/${(lsn % HALF).toString(16).toUpperCase()}`;
}
