import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { SparkEnvironment, JOB_CORE_PACKAGE } from './spark-environment';
import { ProgressReporter, SILENT_PROGRESS } from '../../cli/progress';
import { LakehouseError } from '../../errors';

/** How one run of the Python job core goes. */
export interface JobCoreRunOptions {
  /** Receives each stderr line (the job's progress). @default silent */
  readonly progress?: ProgressReporter;
  /** Receives each stdout line as it arrives (curate's per-table JSON lines). @default collected only */
  readonly onStdoutLine?: (line: string) => void;
  /** Ctrl-C: SIGINT to the job (and its JVM), SIGKILL if it has not exited after `graceMs`. @default never */
  readonly signal?: AbortSignal;
  /** @default 15000 */
  readonly graceMs?: number;
  /** False: stdout goes to `onStdoutLine` only (a long query result), `JobCoreResult.stdout` is empty. @default true */
  readonly collectStdout?: boolean;
  /** Receives the started process, e.g. to pause its stdout while a reader catches up. @default none */
  readonly onStart?: (child: ChildProcess) => void;
  /**
   * How long to wait, once the job has exited, for the rest of its output; a caller that pauses stdout (`onStart`)
   * and reads all of it gives `Infinity`. @default 5000
   */
  readonly outputTimeoutMs?: number;
}

/** What a run produced. */
export interface JobCoreResult {
  /** The exit code (`null` when a signal ended it). */
  readonly code: number | null;
  /** The signal that ended it, if any. */
  readonly exitSignal: NodeJS.Signals | null;
  /** Everything it printed on stdout. */
  readonly stdout: string;
  /** Its last stderr lines (for error messages). */
  readonly stderrTail: readonly string[];
  /** True when `signal` aborted the run. */
  readonly interrupted: boolean;
}

// Jobs still running when this process exits (a second Ctrl-C, process.exit): killed by PID then.
const running = new Set<number>();
let exitHookInstalled = false;

/** Signals the job's process group (it runs detached, so the group is the job and its JVM). */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is empty: everything of the job has exited
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of running) killGroup(pid, 'SIGKILL');
  });
}

// Spark's start-up chatter that says nothing about the job.
const NOISE = [
  /WARN NativeCodeLoader: Unable to load native-hadoop library/,
  /^Setting default log level to/,
  /^To adjust logging level use sc\.setLogLevel/,
  /WARN Utils: (Your hostname|Set SPARK_LOCAL_IP)/,
];

function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  // a character split between two chunks stays whole
  const decoder = new StringDecoder('utf8');
  return {
    push(chunk) {
      const text = rest + decoder.write(chunk);
      const lines = text.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(/\r$/, ''));
    },
    end() {
      rest += decoder.end();
      if (rest !== '') onLine(rest);
      rest = '';
    },
  };
}

/** The child's environment: the job core on PYTHONPATH, the Spark home for the Iceberg jar, unbuffered output. */
export function jobCoreEnv(env: SparkEnvironment, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const src = path.join(env.glueScripts, 'src');
  return {
    ...base,
    PYTHONPATH: base.PYTHONPATH ? `${src}${path.delimiter}${base.PYTHONPATH}` : src,
    LAKEHOUSE_SPARK_HOME: env.home,
    PYTHONUNBUFFERED: '1',
  };
}

/**
 * Runs `python -m lakehouse_curation <args>` (paths in `args` absolute: it runs in a scratch
 * directory) from the Spark home's venv, streaming its stderr to
 * `progress`. The job gets its own process group, so Ctrl-C (forwarded through `signal`) and the
 * exit hook reach its JVM as well; nothing outlives this process.
 */
export async function runJobCore(env: SparkEnvironment, args: readonly string[], options: JobCoreRunOptions = {}): Promise<JobCoreResult> {
  const progress = options.progress ?? SILENT_PROGRESS;
  installExitHook();
  // Spark leaves a spark-warehouse/ folder in its working directory: give it a scratch one (paths in args are absolute)
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-spark-'));
  let child: ChildProcess;
  try {
    child = spawn(env.python, ['-m', JOB_CORE_PACKAGE, ...args], { cwd: scratch, env: jobCoreEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  } catch (err) {
    fs.rmSync(scratch, { recursive: true, force: true });
    throw new LakehouseError(`cannot start ${env.python}: ${(err as Error).message}; run \`bash scripts/install-spark.sh\` again`);
  }
  const pid = child.pid;
  if (pid !== undefined) running.add(pid);
  let stdout = '';
  const tail: string[] = [];
  const out = lineSplitter((line) => options.onStdoutLine?.(line));
  const err = lineSplitter((line) => {
    if (line.trim() === '' || NOISE.some((re) => re.test(line))) return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    progress.line(line);
  });
  const collect = options.collectStdout ?? true;
  child.stdout!.on('data', (chunk: Buffer) => {
    if (collect) stdout += chunk.toString('utf8');
    out.push(chunk);
  });
  child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));

  let interrupted = false;
  let killTimer: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    if (pid === undefined || interrupted) return;
    interrupted = true;
    // Python stops on SIGINT; its JVM ignores SIGINT (PySpark starts it so), hence the SIGKILL after the grace time
    killGroup(pid, 'SIGINT');
    killTimer = setTimeout(() => killGroup(pid, 'SIGKILL'), options.graceMs ?? 15_000);
  };
  options.onStart?.(child);
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    const [code, exitSignal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once('error', (e) => reject(new LakehouseError(`cannot start ${env.python}: ${e.message}; run \`bash scripts/install-spark.sh\` again`)));
      // not 'close': the JVM inherits Python's stdout and stderr and may outlive it, holding them open
      child.once('exit', (c, s) => {
        // whatever is left of the job (its JVM) goes with it: Python has written its results and committed
        if (pid !== undefined) killGroup(pid, 'SIGKILL');
        resolve([c, s]);
      });
    });
    await streamsClosed(child, options.outputTimeoutMs ?? 5000);
    out.end();
    err.end();
    return { code, exitSignal, stdout, stderrTail: tail, interrupted };
  } finally {
    if (killTimer) clearTimeout(killTimer);
    options.signal?.removeEventListener('abort', onAbort);
    if (pid !== undefined) {
      killGroup(pid, 'SIGKILL');
      running.delete(pid);
    }
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** Waits until the child's output pipes have closed (all output read), at most `timeoutMs`. */
async function streamsClosed(child: ChildProcess, timeoutMs: number): Promise<void> {
  const closed = (stream: NodeJS.ReadableStream | null): Promise<void> => new Promise((resolve) => {
    if (!stream || (stream as { closed?: boolean }).closed) resolve();
    else stream.once('close', () => resolve());
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([closed(child.stdout), closed(child.stderr)]),
    new Promise<void>((resolve) => {
      if (Number.isFinite(timeoutMs)) timer = setTimeout(resolve, timeoutMs);
    }),
  ]);
  if (timer) clearTimeout(timer);
  child.stdout?.destroy();
  child.stderr?.destroy();
}

/** The most useful line of a failed run's stderr: the last error-looking line, else the last line. */
export function failureLine(result: JobCoreResult): string {
  const lines = result.stderrTail;
  const error = [...lines].reverse().find((l) => /error|exception|failed|cannot|not /i.test(l));
  // the job core's own one-line errors start with its name (and a query's with "query failed")
  return (error ?? lines[lines.length - 1] ?? 'no output').trim().replace(/^lakehouse_curation:\s*(query failed:\s*)?/, '');
}
