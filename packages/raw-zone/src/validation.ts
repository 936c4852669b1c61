import { Duration, Token } from 'aws-cdk-lib';

/** Lowercase letters, digits and hyphens, starting and ending with a letter or digit. */
const DNS_LABEL = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/**
 * Throws unless `value` is lowercase letters, digits and hyphens, at most `maxLength` long.
 *
 * @internal
 */
export function validateDnsLabel(prop: string, value: string, maxLength: number): void {
  if (Token.isUnresolved(value)) return;
  if (!DNS_LABEL.test(value) || value.length > maxLength) {
    throw new Error(
      `${prop}: '${value}' is not allowed; use lowercase letters (a-z), digits (0-9) and hyphens (-), `
      + `starting and ending with a letter or digit, at most ${maxLength} characters`,
    );
  }
}

/**
 * Whole days in `duration`, or an error naming `prop` when it is not a whole number of days of at least `minDays`.
 *
 * @internal
 */
export function wholeDays(prop: string, duration: Duration, minDays: number): number {
  const days = duration.toDays({ integral: false });
  if (!Number.isInteger(days) || days < minDays) {
    throw new Error(`${prop}: ${duration.toHumanString()} is not allowed; use a whole number of days, at least ${minDays}`);
  }
  return days;
}
