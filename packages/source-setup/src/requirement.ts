/** Outcome of one requirement against one database. */
export type CheckStatus = 'pass' | 'fail' | 'warn';

/** One line of a preflight report. */
export interface CheckResult {
  /** Stable identifier of the requirement, e.g. `wal_level`. */
  readonly id: string;
  readonly status: CheckStatus;
  /** What was found, naming the setting, user or tables concerned. */
  readonly detail: string;
  /** What to run or change to satisfy the requirement (SQL or a configuration line). */
  readonly fix: string;
}

/** What a requirement concluded from a snapshot of the database. */
export interface Evaluation {
  readonly status: CheckStatus;
  readonly detail: string;
  /**
   * A fix specific to what was found (e.g. naming the failing tables).
   * @default the requirement's generic `fix`
   */
  readonly fix?: string;
}

/**
 * One prerequisite of change data capture from a source engine, as data.
 *
 * Preflight reads everything it needs from the live database once (a
 * snapshot, type `S`), then evaluates every requirement on that snapshot,
 * which keeps the evaluation pure and testable without a server.
 */
export interface Requirement<S> {
  /** Stable identifier, printed in reports: `wal_level`, `binlog_format`, … */
  readonly id: string;
  /** What the requirement means and why DMS needs it. */
  readonly description: string;
  /** Where the value comes from in the live database (a query, a view, a variable). */
  readonly evaluatedFrom: string;
  /** The generic fix: SQL or a configuration line, with the RDS/Aurora variant where it differs. */
  readonly fix: string;
  /** Evaluates the requirement on a snapshot of the database. */
  evaluate(snapshot: S): Evaluation;
}

/** Evaluates every requirement on one snapshot, in order. */
export function evaluateRequirements<S>(requirements: readonly Requirement<S>[], snapshot: S): CheckResult[] {
  return requirements.map((requirement) => {
    const evaluation = requirement.evaluate(snapshot);
    return {
      id: requirement.id,
      status: evaluation.status,
      detail: evaluation.detail,
      fix: evaluation.fix ?? requirement.fix,
    };
  });
}

/** Joins names for a detail line, naming at most `limit` of them. */
export function listNames(names: readonly string[], limit = 5): string {
  if (names.length <= limit) {
    return names.join(', ');
  }
  return `${names.slice(0, limit).join(', ')} and ${names.length - limit} more`;
}

/** `1 table`, `3 tables`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Fix lines for many objects: the first `limit`, then one line saying how many more. */
export function limitLines(lines: readonly string[], limit = 10): string[] {
  if (lines.length <= limit) {
    return [...lines];
  }
  return [...lines.slice(0, limit), `… and ${lines.length - limit} more like these`];
}

/** Checks a number of replication tasks: a whole number ≥ 1 (default 1). */
export function validateExpectedTasks(tasks: number | undefined): number {
  const value = tasks ?? 1;
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`expectedTasks must be a whole number of at least 1, not ${String(tasks)}`);
  }
  return value;
}
