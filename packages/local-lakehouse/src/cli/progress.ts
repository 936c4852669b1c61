/** Where progress goes: a single updating line on a terminal, plain lines in CI and logs. */
export interface ProgressReporter {
  /** A status that replaces the previous one (a terminal line; printed at most every few seconds otherwise). */
  status(text: string): void;
  /** A line that stays. */
  line(text: string): void;
  /** Clears the status line. */
  done(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /**
   * `tty`: one updating line; `plain`: status lines at most every `plainIntervalMs`; `quiet`: lines only.
   * @default `tty` when the stream is a terminal and CI is not set, else `plain`
   */
  readonly mode?: 'tty' | 'plain' | 'quiet';
  /**
   * Least time between two status lines in plain mode.
   * @default 5000
   */
  readonly plainIntervalMs?: number;
  /**
   * In plain mode, no status line before this many milliseconds have passed since the reporter was made, so a
   * short run prints only its lines (per-table progress of curate and verify) while a long one shows it is alive.
   * @default 0
   */
  readonly plainFirstAfterMs?: number;
}

/** A progress reporter writing to `stream` (normally stderr). */
export function createProgress(
  stream: NodeJS.WritableStream & { isTTY?: boolean; columns?: number }, options: ProgressOptions = {},
): ProgressReporter {
  const ci = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false';
  const mode = options.mode ?? (stream.isTTY && !ci ? 'tty' : 'plain');
  const interval = options.plainIntervalMs ?? 5000;
  const created = Date.now();
  const firstAfter = options.plainFirstAfterMs ?? 0;
  let lastPlain = 0;
  let shown = false;
  const clear = (): void => {
    if (shown) {
      stream.write('\r\u001b[2K');
      shown = false;
    }
  };
  return {
    status(text: string): void {
      if (mode === 'tty') {
        const width = Math.max(20, (stream.columns ?? 120) - 1);
        stream.write(`\r\u001b[2K${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
        shown = true;
      } else if (mode === 'plain' && Date.now() - lastPlain >= interval && Date.now() - created >= firstAfter) {
        lastPlain = Date.now();
        stream.write(`${text}\n`);
      }
    },
    line(text: string): void {
      clear();
      stream.write(`${text}\n`);
    },
    done(): void {
      clear();
    },
  };
}

/** A reporter that prints nothing. */
export const SILENT_PROGRESS: ProgressReporter = { status: () => undefined, line: () => undefined, done: () => undefined };

/** `1,234,567` */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** `1.23 M/s`, `12.3 k/s`, `123/s` */
export function formatRate(count: number, ms: number): string {
  const perSecond = ms > 0 ? (count * 1000) / ms : 0;
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(0)}/s`;
}

/** `1.2 s`, `340 ms` */
export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}
