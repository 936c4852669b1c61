/** Athena's SQL query price in US dollars per terabyte scanned (us-east-1 list price); override with --price-per-tb. */
export const ATHENA_PRICE_PER_TB_USD = 5.0;

const MEGABYTE = 1024 * 1024;
const TERABYTE = 1024 * 1024 * 1024 * 1024;
/** Athena bills every query for at least 10 MB, rounded up to the megabyte. */
export const ATHENA_MINIMUM_BILLED_BYTES = 10 * MEGABYTE;

/**
 * The estimated cost of a query that scanned `bytesScanned`: bytes rounded up to the megabyte, at least 10 MB, times
 * the price per terabyte (binary units). A query that scanned nothing (DDL, a reused result, a failed query) costs 0.
 */
export function athenaQueryCost(bytesScanned: number, pricePerTerabyte: number = ATHENA_PRICE_PER_TB_USD): number {
  if (!(bytesScanned > 0)) {
    return 0;
  }
  const billed = Math.max(Math.ceil(bytesScanned / MEGABYTE) * MEGABYTE, ATHENA_MINIMUM_BILLED_BYTES);
  return (billed / TERABYTE) * pricePerTerabyte;
}

/** `0 B`, `512 B`, `10.0 MB`, `1.25 TB` (binary units). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** `0.000048` below a cent, `1.25` above. */
export function formatDollars(dollars: number): string {
  return dollars < 0.01 ? dollars.toFixed(6) : dollars.toFixed(2);
}
