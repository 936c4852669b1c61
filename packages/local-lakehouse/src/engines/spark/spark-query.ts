import { ChildProcess } from 'node:child_process';
import { Cell, ResultColumn, kindOfType } from '@cdc-lakehouse/query';
import { JobCoreResult, failureLine, runJobCore } from './job-core-process';
import { SparkEnvironment } from './spark-environment';
import { LakehouseError, errorMessage } from '../../errors';
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

/** The first line of `query --format rows`: the result's columns with their Spark types. */
function parseHeader(line: string | undefined): ResultColumn[] {
  const header = line === undefined ? undefined : parseLine(line);
  const columns = header !== null && typeof header === 'object' && !Array.isArray(header) ? (header as { columns?: unknown }).columns : undefined;
  if (!Array.isArray(columns)) {
    throw new LakehouseError(`query failed: the Spark job core printed no column header but: ${(line ?? '(nothing)').slice(0, 200)}`);
  }
  return columns.map((c: { name: string; type: string }) => ({ name: String(c.name), type: String(c.type), kind: kindOfType(String(c.type)) }));
}

function parseLine(line: string): unknown {
  try {
    return parseExactJson(line);
  } catch (err) {
    throw new LakehouseError(`query failed: the Spark job core printed a line that is not JSON (${errorMessage(err)}): ${line.slice(0, 200)}`);
  }
}

function parseRow(line: string, width: number): Cell[] {
  const row = parseLine(line);
  if (!Array.isArray(row) || row.length !== width) {
    throw new LakehouseError(`query failed: the Spark job core printed a row that is not an array of ${width} values: ${line.slice(0, 200)}`);
  }
  return row as Cell[];
}

/**
 * `python -m lakehouse_curation query --format rows`, its stdout read line by line as the reader takes rows: a header
 * with the columns and their Spark types, then one JSON array per row (the job core iterates the result partition by
 * partition, so neither side holds it whole).
 */
export async function streamSparkQuery<T>(env: SparkEnvironment, warehouse: string, sql: string, consume: RowConsumer<T>): Promise<T> {
  const queue = new LineQueue();
  const controller = new AbortController();
  const run: Promise<JobCoreResult> = runJobCore(env, ['query', '--warehouse', warehouse, '--format', 'rows', sql], {
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
    const columns = parseHeader((await queue.take(1))[0]);
    async function* batches(): AsyncGenerator<Cell[][]> {
      for (;;) {
        const lines = await queue.take(BATCH);
        if (lines.length === 0) break;
        yield lines.map((l) => parseRow(l, columns.length));
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
