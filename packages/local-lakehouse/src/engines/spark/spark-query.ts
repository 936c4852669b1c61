import { ChildProcess } from 'node:child_process';
import { Cell, ResultColumn, ValueKind } from '@cdc-lakehouse/query';
import { JobCoreResult, failureLine, runJobCore } from './job-core-process';
import { SparkEnvironment } from './spark-environment';
import { LakehouseError } from '../../errors';
import { parseExactJson } from '../../lake/exact-json';
import { RowConsumer } from '../../lake/query';

/** Lines buffered before the job's stdout is paused, and the level at which it resumes. */
const HIGH_WATER = 8192;
const LOW_WATER = 1024;
/** Rows per batch handed to the reader. */
const BATCH = 1000;

/** The job's stdout lines, buffered up to a high-water mark (then its stdout is paused until the reader catches up). */
class LineQueue {
  private lines: string[] = [];
  private head = 0;
  private ended = false;
  private failure: unknown;
  private wake: (() => void) | undefined;
  private child: ChildProcess | undefined;
  private discard = false;

  attach(child: ChildProcess): void {
    this.child = child;
  }

  push(line: string): void {
    if (this.discard || line.trim() === '') return;
    this.lines.push(line);
    if (this.lines.length - this.head >= HIGH_WATER) this.child?.stdout?.pause();
    this.notify();
  }

  end(failure?: unknown): void {
    this.ended = true;
    this.failure = failure;
    this.notify();
  }

  /** The reader is gone: drop everything from now on (and let the job's output drain). */
  close(): void {
    this.discard = true;
    this.lines = [];
    this.head = 0;
    this.child?.stdout?.resume();
  }

  /** Up to `max` lines; waits for at least one; none once the job has ended and everything is read. */
  async take(max: number): Promise<string[]> {
    while (this.head >= this.lines.length && !this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    if (this.head >= this.lines.length && this.failure !== undefined) throw this.failure;
    const out = this.lines.slice(this.head, this.head + max);
    this.head += out.length;
    if (this.head > 4 * BATCH && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.head = 0;
    }
    if (this.lines.length - this.head <= LOW_WATER) this.child?.stdout?.resume();
    return out;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}

/** A value kind guessed from a JSON value (the job core prints rows without their Spark types). */
function kindOfValue(value: unknown): ValueKind {
  if (typeof value === 'bigint' || Number.isInteger(value)) return 'integer';
  if (typeof value === 'number') return 'float';
  if (typeof value === 'boolean') return 'boolean';
  if (value !== null && typeof value === 'object') return 'json';
  return 'text';
}

function parseRow(line: string): Record<string, unknown> {
  try {
    const row = parseExactJson(line);
    if (row !== null && typeof row === 'object' && !Array.isArray(row)) return row as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new LakehouseError(`query failed: the Spark job core printed a line that is not a JSON row: ${line.slice(0, 200)}`);
}

/**
 * `python -m lakehouse_curation query --format json`, its stdout read line by line as the reader takes rows (one
 * JSON object per row; the columns are the first row's keys, their kinds guessed from its values).
 */
export async function streamSparkQuery<T>(env: SparkEnvironment, warehouse: string, sql: string, consume: RowConsumer<T>): Promise<T> {
  const queue = new LineQueue();
  const controller = new AbortController();
  const run: Promise<JobCoreResult> = runJobCore(env, ['query', '--warehouse', warehouse, '--format', 'json', sql], {
    collectStdout: false,
    outputTimeoutMs: Number.POSITIVE_INFINITY,
    onStart: (child) => queue.attach(child),
    onStdoutLine: (line) => queue.push(line),
    signal: controller.signal,
    graceMs: 2000,
  });
  const failed = (result: JobCoreResult): LakehouseError | undefined =>
    (result.code === 0 || result.interrupted ? undefined : new LakehouseError(`query failed: ${failureLine(result)}`));
  run.then((result) => queue.end(failed(result)), (err: unknown) => queue.end(err));
  let finished = false;
  try {
    const first = await queue.take(1);
    const firstRow = first.length > 0 ? parseRow(first[0]) : undefined;
    const columns: ResultColumn[] = Object.entries(firstRow ?? {}).map(([name, value]) => ({ name, type: 'unknown', kind: kindOfValue(value) }));
    const toCells = (row: Record<string, unknown>): Cell[] => columns.map((c) => (row[c.name] ?? null) as Cell);
    async function* batches(): AsyncGenerator<Cell[][]> {
      if (firstRow) yield [toCells(firstRow)];
      for (;;) {
        const lines = await queue.take(BATCH);
        if (lines.length === 0) break;
        yield lines.map((l) => toCells(parseRow(l)));
      }
      finished = true;
    }
    // a failure of the job after its last row reaches the reader as the last batch's error
    return await consume({ columns, batches: batches() });
  } finally {
    if (!finished) {
      // the reader stopped early (or the job failed): stop the job, drop the rest of its output
      queue.close();
      controller.abort();
    }
    await run.catch(() => undefined);
  }
}
