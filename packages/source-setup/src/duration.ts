const MS_PER_UNIT: Record<string, number> = {
  us: 0.001,
  ms: 1,
  s: 1000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * Milliseconds of a PostgreSQL time setting as `pg_settings` reports it
 * (`setting` plus `unit`, e.g. `60000` + `ms`, or `60` + `s`).
 * @throws Error for a unit that is not a time unit
 */
export function settingToMilliseconds(setting: string, unit: string | null | undefined): number {
  const value = Number(setting);
  if (!Number.isFinite(value)) {
    throw new Error(`not a number: ${JSON.stringify(setting)}`);
  }
  const factor = MS_PER_UNIT[unit ?? 'ms'];
  if (factor === undefined) {
    throw new Error(`not a time unit: ${JSON.stringify(unit)}`);
  }
  return value * factor;
}

/** A duration for messages: `0 s`, `500 ms`, `60 s`, `2 h`, `7 d`, `36 h`. */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms < 1000) {
    return `${ms} ms`;
  }
  const seconds = ms / 1000;
  if (seconds >= 86_400 && seconds % 86_400 === 0) {
    return `${seconds / 86_400} d`;
  }
  if (seconds >= 3600 && seconds % 3600 === 0) {
    return `${seconds / 3600} h`;
  }
  if (seconds >= 3600) {
    return `${Math.round((seconds / 3600) * 10) / 10} h`;
  }
  return `${Math.round(seconds * 10) / 10} s`;
}
