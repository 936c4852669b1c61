import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { SAMPLE_ANALYST_QUERY, SAMPLE_SCHEMA_SQL, loadSampleData, runSampleWorkload } from './sample-schema';
import { startCapture, CaptureHandle } from '../capture/capture';
import { createProgress, formatCount, formatDuration } from '../cli/progress';
import { LOGICAL_REPLICATION_SETTINGS, LocalPostgresServer } from '../embedded-postgres';
import { LakehouseError, errorMessage } from '../errors';
import { curateOnce } from '../lake/curate';
import { renderToString, streamLake } from '../lake/query';
import { formatVerification, verificationFailure, verifyLake } from '../lake/verify';
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
 * The main job on one machine: an embedded PostgreSQL with a sample schema, capture (full load and
 * change stream) while a workload runs, curation, verification of every table, an analyst query.
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
  const rawDir = path.join(workDir, 'raw');
  const lakeFile = path.join(workDir, 'lake.duckdb');
  let server: LocalPostgresServer | undefined;
  let client: Client | undefined;
  let capture: CaptureHandle | undefined;
  let interrupted = false;
  let failure: string | undefined;
  let verified = 0;
  const onSignal = (): void => {
    interrupted = true;
    out('demo: interrupted, stopping what it started…');
    void (async () => {
      await capture?.stop().catch(() => undefined);
      await client?.end().catch(() => undefined);
      await server?.stop();
      if (!options.keepDir) fs.rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    })();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    server = await LocalPostgresServer.start({
      settings: { ...LOGICAL_REPLICATION_SETTINGS, fsync: 'off', full_page_writes: 'off', synchronous_commit: 'on' },
      superuser: 'postgres',
      startupTimeoutMs: 60_000,
      tempDirPrefix: 'lakehouse-demo-pg-',
    });
    const url = `postgres://postgres@${server.host}:${server.port}/postgres`;
    client = new Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    const version = (await client.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0].v.split(' ')[0];
    out(`demo: embedded PostgreSQL ${version} on ${server.host}:${server.port} (wal_level=logical), work dir ${workDir}`);
    await client.query(SAMPLE_SCHEMA_SQL);
    await loadSampleData(client, rows);
    out(`demo: sample schema "shop": customers, products (TOASTed descriptions), orders, order_events (no primary key, REPLICA IDENTITY FULL); ${formatCount(rows)} orders`);

    capture = await startCapture({
      source: url, rawDir, batchIntervalMs: 1000, progress: createProgress(options.io.stdout, { mode: 'quiet' }),
    });
    await capture.waitFor(await currentLsn(client));
    const workloadStarted = Date.now();
    const workload = await runSampleWorkload(client, rows);
    const end = await currentLsn(client);
    out(`demo: workload: ${workload.transactions} transactions, ${workload.statements} statements in ${formatDuration(Date.now() - workloadStarted)} while capturing`);
    await capture.waitFor(end);
    const stats = await capture.stop();
    capture = undefined;
    out(`demo: capture caught up: ${formatCount(stats.fullLoadRows)} rows loaded, ${formatCount(stats.cdcRows)} changes in ${stats.cdcFiles} CDC files`);

    const curated = await curateOnce({ rawDir, lakeFile, progress: createProgress(options.io.stdout, { mode: 'quiet' }) });
    out(`demo: curated ${curated.length} tables into ${lakeFile}`);

    const results = await verifyLake({ source: url, lakeFile });
    out('');
    out(formatVerification(results));
    out('');
    out('demo: sample analyst query (lakehouse local query):');
    out(SAMPLE_ANALYST_QUERY);
    out((await streamLake(lakeFile, SAMPLE_ANALYST_QUERY, (result) => renderToString(result))).trimEnd());
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
    await capture?.stop().catch(() => undefined);
    await client?.end().catch(() => undefined);
    await server?.stop();
    if (!options.keepDir) fs.rmSync(workDir, { recursive: true, force: true });
    if (!interrupted) {
      out(`demo: stopped the embedded PostgreSQL${options.keepDir ? `; raw zone and lake kept in ${workDir}` : ' and removed what it created'}`);
    }
    if (failure) options.io.stderr.write(`lakehouse: ${failure}\n`);
    else if (verified > 0) out(`demo: every table verified (${verified} tables) in ${formatDuration(Date.now() - started)}`);
  }
}

async function currentLsn(client: Client): Promise<string> {
  return (await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).rows[0].lsn;
}
