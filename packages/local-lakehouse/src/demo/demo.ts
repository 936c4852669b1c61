import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CROSS_SOURCE_ANALYST_QUERY } from './billing-schema';
import { DemoSource, startMariadbSource, startPostgresSource } from './demo-sources';
import { SAMPLE_ANALYST_QUERY } from './sample-schema';
import { startSourceCapture } from '../capture/start-capture';
import { createProgress, formatCount, formatDuration } from '../cli/progress';
import { findMariadbPrograms } from '../embedded-mariadb';
import { LakehouseError, errorMessage } from '../errors';
import { curateOnce } from '../lake/curate';
import { renderToString, streamLake } from '../lake/query';
import { TableVerification, formatVerification, verificationFailure, verifyLake } from '../lake/verify';
import type { CommandIo } from '../main';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /**
   * Orders in the sample data (customers are a tenth of it); the workload scales with it.
   * @default 20000
   */
  readonly rows?: number;
  /**
   * Keep the raw zone and the lake here instead of a temp dir that is removed at the end.
   * @default a temp dir
   */
  readonly keepDir?: string;
  /** Output streams. */
  readonly io: CommandIo;
}

/**
 * The main job on one machine, from two sources into one lake: an embedded PostgreSQL (sample schema `shop`) and an
 * embedded MariaDB (`billing`, whose invoices refer to shop's orders), both captured into one raw zone root (`raw/postgresql`,
 * `raw/mariadb`) while a workload runs on each, curated into one DuckDB lake, each verified against its own source, then an
 * analyst query that joins across them. Without MariaDB binaries it says so in one line and runs the PostgreSQL half.
 * Everything it starts is stopped at the end, on failure and on SIGINT/SIGTERM.
 * @returns 0 when every table verified, 1 otherwise
 */
export async function runDemo(options: DemoOptions): Promise<number> {
  const started = Date.now();
  const out = (line: string): void => {
    options.io.stdout.write(`${line}\n`);
  };
  const rows = options.rows ?? 20_000;
  const workDir = options.keepDir ? path.resolve(options.keepDir) : fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-demo-'));
  if (options.keepDir) {
    fs.mkdirSync(workDir, { recursive: true });
    if (fs.readdirSync(workDir).length > 0) throw new LakehouseError(`--keep ${workDir} is not empty; give an empty or new directory`);
  }
  const rawRoot = path.join(workDir, 'raw');
  const lakeFile = path.join(workDir, 'lake.duckdb');
  const sources: DemoSource[] = [];
  const timings: Array<[string, number]> = [];
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const stepStarted = Date.now();
    const result = await work();
    timings.push([name, Date.now() - stepStarted]);
    return result;
  };
  let interrupted = false;
  let failure: string | undefined;
  let verified = 0;
  /** The servers' starts while they run: a signal then waits for them (initdb, mariadb-install-db) and stops what they started. */
  let starting: Promise<unknown> = Promise.resolve();
  const stopAll = async (): Promise<void> => {
    await starting;
    await Promise.all(sources.map(async (s) => s.stop()));
  };
  /** Between steps: after a signal nothing new is started (the signal handler is stopping what runs). */
  const notInterrupted = (): void => {
    if (interrupted) throw new LakehouseError('demo: interrupted');
  };
  const onSignal = (): void => {
    interrupted = true;
    out('demo: interrupted, stopping what it started…');
    void (async () => {
      await stopAll();
      if (!options.keepDir) fs.rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    let withMariadb = true;
    try {
      findMariadbPrograms();
    } catch (err) {
      withMariadb = false;
      out(`demo: ${errorMessage(err)}; running the PostgreSQL half only`);
    }
    await step('start servers', async () => {
      const register = (source: DemoSource): DemoSource => {
        sources.push(source);
        out(`demo: ${source.engine}: ${source.description}`);
        return source;
      };
      const settling = Promise.allSettled([startPostgresSource().then(register), ...(withMariadb ? [startMariadbSource().then(register)] : [])]);
      starting = settling;
      const settled = await settling;
      // whichever started first, PostgreSQL comes first in what follows
      sources.sort((a, b) => Number(b.engine === 'PostgreSQL') - Number(a.engine === 'PostgreSQL'));
      const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (rejected) throw rejected.reason;
    });
    notInterrupted();
    out(`demo: work dir ${workDir}`);
    const made = await step('seed', async () => Promise.all(sources.map(async (s) => s.seed(rows))));
    sources.forEach((s, i) => out(`demo: ${s.engine} sample schema "${s.schema}": ${made[i]}`));

    notInterrupted();
    await step('full load', async () => Promise.all(sources.map(async (s) => {
      s.capture = await startSourceCapture({
        source: s.url,
        rawDir: path.join(rawRoot, s.engine.toLowerCase()),
        batchIntervalMs: 1000,
        progress: createProgress(options.io.stdout, { mode: 'quiet' }),
      });
      await s.capture.waitFor(await s.position());
    })));
    notInterrupted();
    const workloads = await step('workload + CDC', async () => Promise.all(sources.map(async (s) => {
      const summary = await s.workload(rows);
      await s.capture!.waitFor(await s.position());
      const stats = await s.capture!.stop();
      s.capture = undefined;
      return { summary, stats };
    })));
    sources.forEach((s, i) => {
      const { summary, stats } = workloads[i];
      out(`demo: ${s.engine}: workload of ${summary.transactions} transactions (${summary.statements} statements) while capturing; `
        + `capture caught up: ${formatCount(stats.fullLoadRows)} rows loaded, ${formatCount(stats.cdcRows)} changes in ${stats.cdcFiles} CDC files`);
    });

    notInterrupted();
    const curated = await step('curate', async () => {
      let tables = 0;
      for (const s of sources) {
        const rawDir = path.join(rawRoot, s.engine.toLowerCase());
        tables += (await curateOnce({ rawDir, lakeFile, progress: createProgress(options.io.stdout, { mode: 'quiet' }) })).length;
      }
      return tables;
    });
    out(`demo: curated ${curated} tables from ${sources.length} raw director${sources.length === 1 ? 'y' : 'ies'} under ${rawRoot} into ${lakeFile}`);

    const results: TableVerification[] = await step('verify', async () => {
      const all: TableVerification[] = [];
      for (const s of sources) all.push(...await verifyLake({ source: s.url, lakeFile, tables: [`${s.schema}.%`] }));
      return all;
    });
    out('');
    out(`demo: verify (${sources.map((s) => `${s.schema}.* against ${s.engine}`).join(', ')}):`);
    out(formatVerification(results));
    out('');
    const query = withMariadb ? CROSS_SOURCE_ANALYST_QUERY : SAMPLE_ANALYST_QUERY;
    out(`demo: sample analyst query (lakehouse local query)${withMariadb ? ', PostgreSQL orders joined with MariaDB invoices and payments' : ''}:`);
    out(query);
    out((await step('query', async () => streamLake(lakeFile, query, (result) => renderToString(result)))).trimEnd());
    out('');
    failure = verificationFailure(results);
    verified = results.length;
    return failure ? 1 : 0;
  } catch (err) {
    if (interrupted) return 130;
    if (err instanceof LakehouseError) throw err;
    throw new LakehouseError(`demo failed: ${errorMessage(err)}`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    if (!interrupted) {
      await step('stop', stopAll);
      if (!options.keepDir) fs.rmSync(workDir, { recursive: true, force: true });
      const servers = sources.map((s) => `${s.engine}`).join(' and ');
      if (sources.length > 0) {
        out(`demo: stopped the embedded ${servers}${options.keepDir ? `; raw zone and lake kept in ${workDir}` : ' and removed what it created'}`);
      }
      out(`demo: timings: ${timings.map(([name, ms]) => `${name} ${formatDuration(ms)}`).join(', ')}`);
      if (failure) options.io.stderr.write(`lakehouse: ${failure}\n`);
      else if (verified > 0) out(`demo: every table verified (${verified} tables) in ${formatDuration(Date.now() - started)}`);
    }
  }
}
