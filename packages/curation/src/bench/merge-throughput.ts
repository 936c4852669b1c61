import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { DmsRawWriter } from '../dms/raw-zone-writer';
import { LocalCurationRunner } from '../local/local-curation-runner';
import { CurationPlan } from '../plan';
import { CurationSql } from '../sql/curation-sql';
import { DuckDbDialect, STAGED_CHANGES_VIEW } from '../sql/duckdb-dialect';

/**
 * Merge throughput of the local runner: a batch of CDC changes (70% updates, 20% inserts,
 * 10% deletes, in one DMS file) merged into curated tables of different sizes, end to end
 * (listing, schema check, staging, dedup, delete + insert, watermark, commit). The runner defers
 * checkpoints, so the batch's COMMIT only appends to the write-ahead log; the bench then measures
 * what that deferral costs elsewhere: a read-only open (which replays the log) and the deferred
 * checkpoint. Baselines measured in the same run on the same database: a plain INSERT … SELECT of
 * the same change file into an empty table, a full scan of the curated table, and the way the
 * runner merged before (one MERGE that updates rows in place, DuckDB's default checkpoints) on a
 * copy of the database taken before the merge. Each size runs
 * `--runs` times (the sizes alternate), and every figure is printed as median (min–max).
 *
 *   node lib/bench/merge-throughput.js            1 M and 10 M rows, 100 k changes, 3 runs
 *   node lib/bench/merge-throughput.js --small    100 k and 1 M rows, 10 k changes
 *   node lib/bench/merge-throughput.js --runs 5
 */
interface Measurement {
  readonly targetRows: number;
  readonly changes: number;
  /** The initial load's run and its checkpoint (so the merge starts from an empty write-ahead log). */
  readonly loadSeconds: number;
  /** The merge's `runner.run()`: statement and COMMIT, checkpoint deferred. */
  readonly mergeSeconds: number;
  /** Of `mergeSeconds`: from the start of the run to the end of the apply statements (listing, staging, dedup, delete + insert). */
  readonly statementSeconds: number;
  /** Of `mergeSeconds`: COMMIT (the batch appended to the write-ahead log and fsynced). */
  readonly commitSeconds: number;
  /** Write-ahead log after the merge. */
  readonly walBytes: number;
  /** Opening the database read-only after the merge, as `lakehouse local query` does: DuckDB replays the log in memory. */
  readonly readerOpenSeconds: number;
  /** The deferred checkpoint, run by the reopened runner (what `curate` pays when idle). */
  readonly checkpointSeconds: number;
  /** Baseline: the same changes as one in-place MERGE (the runner's former way), DuckDB's default checkpoints; statement and COMMIT. */
  readonly inPlaceSeconds: number;
  /** Of `inPlaceSeconds`: the COMMIT (DuckDB checkpoints inside it when the log would pass its threshold). */
  readonly inPlaceCommitSeconds: number;
  /** A CHECKPOINT right after the in-place MERGE's COMMIT (0 when the commit already checkpointed). */
  readonly inPlaceCheckpointSeconds: number;
  readonly insertSeconds: number;
  readonly scanSeconds: number;
  readonly rowsAfter: number;
}

const table = { schema: 'public', table: 'orders' };
const plan = new CurationPlan({
  source: table,
  curated: { database: 'curated', table: 'orders' },
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'customer_id', type: 'int' },
    { name: 'status', type: 'string' },
    { name: 'amount', type: 'decimal(12,2)' },
    { name: 'updated_at', type: 'timestamp' },
  ],
  primaryKey: ['id'],
});

/** DMS columns in DMS order for row number `i` (an SQL expression), as a SELECT list. */
function dmsColumns(op: string, commitTimestamp: string, id: string, i: string, changeSequence: string): string {
  return [
    `${op} AS "Op"`,
    `'${commitTimestamp}' AS "_dms_commit_ts"`,
    `CAST(${id} AS BIGINT) AS id`,
    `CAST(${i} % 100000 AS INTEGER) AS customer_id`,
    `['new', 'paid', 'shipped', 'cancelled'][1 + ${i} % 4] AS status`,
    `CAST((${i} % 1000000) / 100.0 AS DECIMAL(12,2)) AS amount`,
    `TIMESTAMP '2024-01-01 00:00:00' + to_seconds(CAST(${i} % 31536000 AS BIGINT)) AS updated_at`,
    `${changeSequence} AS "_dms_change_seq"`,
  ].join(', ');
}

async function measure(targetRows: number, changes: number, memoryLimit: string): Promise<Measurement> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'curation-bench-'));
  const databasePath = path.join(dir, 'bench.duckdb');
  const writer = await DmsRawWriter.open({ layout: { rootDir: path.join(dir, 'raw') }, compression: 'snappy' });
  const stageAt = new Map<string, bigint>();
  const open = async (): Promise<LocalCurationRunner> => LocalCurationRunner.open({
    plan,
    rawZone: { rootDir: path.join(dir, 'raw') },
    databasePath,
    memoryLimit,
    onBatchStage: (stage) => void stageAt.set(stage, process.hrtime.bigint()),
  });
  let runner: LocalCurationRunner | undefined;
  try {
    await writer.writeLoadFromQuery(table, `SELECT ${dmsColumns("'I'", '2024-01-01 00:00:00.000000', 'i', 'i', "''")} FROM range(${targetRows}) AS t(i)`);
    runner = await open();
    const loadSeconds = await timed(async () => {
      await runner!.run();
      await runner!.checkpoint();
    });

    const op = "CASE WHEN k % 10 < 7 THEN 'U' WHEN k % 10 < 9 THEN 'I' ELSE 'D' END";
    const id = `CASE WHEN k % 10 IN (7, 8) THEN ${targetRows} + k ELSE CAST(hash(k) % ${targetRows} AS BIGINT) END`;
    const change = await writer.writeChangesFromQuery(
      table, `SELECT ${dmsColumns(op, '2024-01-02 00:00:00.000000', id, 'k + 7', "lpad(CAST(k + 1 AS VARCHAR), 35, '0')")} FROM range(${changes}) AS t(k)`,
    );

    // the in-place baseline runs later on a copy of the database as it is now (checkpointed, no log)
    runner.close();
    runner = undefined;
    const copyPath = path.join(dir, 'in-place.duckdb');
    fs.copyFileSync(databasePath, copyPath);
    runner = await open();

    const mergeStarted = process.hrtime.bigint();
    const mergeSeconds = await timed(async () => runner!.run());
    const statementSeconds = Number(stageAt.get('merged')! - mergeStarted) / 1e9;
    const commitSeconds = Number(stageAt.get('committed')! - stageAt.get('watermarked')!) / 1e9;
    const walBytes = runner.walBytes();
    runner.close();
    runner = undefined;
    const readerOpenSeconds = await timed(async () => {
      const reader = await DuckDBInstance.create(databasePath, { access_mode: 'READ_ONLY' });
      (await reader.connect()).closeSync();
      reader.closeSync();
    });
    runner = await open();
    const { seconds: checkpointSeconds } = await runner.checkpoint();

    await runner.query(`CREATE TEMP TABLE insert_baseline AS SELECT * FROM ${runner.qualifiedTableName} LIMIT 0`);
    const insertSeconds = await timed(async () => runner!.query(
      `INSERT INTO insert_baseline SELECT id, customer_id, status, amount, updated_at, _dms_commit_ts, _dms_change_seq FROM read_parquet('${change.path}')`,
    ));
    const scanSeconds = await timed(async () => runner!.query(`SELECT count(*), sum(hash(id, status, amount)) FROM ${runner!.qualifiedTableName}`));
    const [{ n }] = await runner.query(`SELECT count(*) AS n FROM ${runner.qualifiedTableName}`);
    runner.close();
    runner = undefined;
    const inPlace = await mergeInPlace(copyPath, change.path, memoryLimit);
    const measurement: Measurement = {
      targetRows,
      changes,
      loadSeconds,
      mergeSeconds,
      statementSeconds,
      commitSeconds,
      walBytes,
      readerOpenSeconds,
      checkpointSeconds,
      inPlaceSeconds: inPlace.statementSeconds + inPlace.commitSeconds,
      inPlaceCommitSeconds: inPlace.commitSeconds,
      inPlaceCheckpointSeconds: inPlace.checkpointSeconds,
      insertSeconds,
      scanSeconds,
      rowsAfter: Number(n),
    };
    return measurement;
  } finally {
    runner?.close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The baseline: the change file applied the way the runner did before, as one MERGE that updates rows in place, with
 * DuckDB's default checkpoint settings (the commit checkpoints when the log would pass 16 MiB), then a CHECKPOINT.
 */
async function mergeInPlace(
  databasePath: string, changeFile: string, memoryLimit: string,
): Promise<{ statementSeconds: number; commitSeconds: number; checkpointSeconds: number }> {
  const instance = await DuckDBInstance.create(databasePath, { memory_limit: memoryLimit });
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    const catalog = String((await connection.runAndReadAll('SELECT current_database() AS c')).getRowObjectsJson()[0].c);
    // the staged view the runner builds: the file's columns (already of the curated types), file order and row order
    await connection.run([
      `CREATE OR REPLACE TEMP VIEW ${STAGED_CHANGES_VIEW} AS`,
      'SELECT "Op", "_dms_commit_ts", "_dms_change_seq", id, customer_id, status, amount, updated_at, 1 AS _file_order, file_row_number AS _row_in_file',
      `FROM read_parquet('${changeFile}', file_row_number = true)`,
    ].join('\n'));
    const merge = new CurationSql(plan, new DuckDbDialect({ catalog })).merge();
    await connection.run('BEGIN TRANSACTION');
    const statementSeconds = await timed(async () => connection.run(merge));
    const commitSeconds = await timed(async () => connection.run('COMMIT'));
    const checkpointSeconds = fs.existsSync(`${databasePath}.wal`) ? await timed(async () => connection.run('CHECKPOINT')) : 0;
    return { statementSeconds, commitSeconds, checkpointSeconds };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

function format(n: number, digits = 0): string {
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** `median (min–max)` of a figure over the runs (just the figure for one run). */
function spread(values: readonly number[], digits: number): string {
  const m = format(median(values), digits);
  return values.length === 1 ? m : `${m} (${format(Math.min(...values), digits)}–${format(Math.max(...values), digits)})`;
}

function check(r: Measurement): void {
  const expected = r.targetRows + Math.round(r.changes * 0.2) - Math.round(r.changes * 0.1);
  if (Math.abs(r.rowsAfter - expected) > r.changes * 0.1) {
    throw new Error(`sanity check: ${format(r.rowsAfter)} rows after merging into ${format(r.targetRows)}, expected about ${format(expected)}`);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'small': { type: 'boolean' }, 'memory-limit': { type: 'string' }, 'runs': { type: 'string' } } });
  const sizes = values.small ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
  const changes = values.small ? 10_000 : 100_000;
  const memoryLimit = values['memory-limit'] ?? '4GB';
  const runs = Number(values.runs ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs ${values.runs}: give a whole number of runs, 1 or more`);
  process.stdout.write(`merge throughput: ${format(changes)} changes (70% U, 20% I, 10% D) into curated tables of ${sizes.map((s) => format(s)).join(' and ')} rows, `
    + `${runs} run${runs === 1 ? '' : 's'} each (sizes alternate); figures are median (min–max)\n`);
  process.stdout.write(`DuckDB @duckdb/node-api, ${os.cpus().length} cores, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}, `
    + `memory_limit ${memoryLimit}, temp dir ${os.tmpdir()}\n\n`);
  const results = new Map<number, Measurement[]>(sizes.map((s) => [s, []]));
  for (let run = 0; run < runs; run++) {
    for (const size of sizes) {
      const r = await measure(size, changes, memoryLimit);
      check(r);
      results.get(size)!.push(r);
      process.stderr.write(`run ${run + 1}/${runs}, ${format(size)} rows: merge ${format(r.mergeSeconds, 2)} s, deferred checkpoint ${format(r.checkpointSeconds, 2)} s\n`);
    }
  }
  const columns: [string, (r: Measurement) => number, number][] = [
    ['initial load s', (r) => r.loadSeconds, 2],
    ['merge s', (r) => r.mergeSeconds, 2],
    ['(statements s', (r) => r.statementSeconds, 2],
    ['COMMIT s)', (r) => r.commitSeconds, 2],
    ['merge rows/s', (r) => r.changes / r.mergeSeconds, 0],
    ['WAL MiB', (r) => r.walBytes / 1024 / 1024, 1],
    ['read-only open s', (r) => r.readerOpenSeconds, 2],
    ['deferred checkpoint s', (r) => r.checkpointSeconds, 2],
    ['MERGE in place s', (r) => r.inPlaceSeconds, 2],
    ['(its COMMIT s)', (r) => r.inPlaceCommitSeconds, 2],
    ['its checkpoint s', (r) => r.inPlaceCheckpointSeconds, 2],
    ['INSERT baseline s', (r) => r.insertSeconds, 3],
    ['scan baseline s', (r) => r.scanSeconds, 3],
    ['merge/INSERT', (r) => r.mergeSeconds / r.insertSeconds, 1],
    ['merge/scan', (r) => r.mergeSeconds / r.scanSeconds, 1],
  ];
  const header = ['target rows', ...columns.map(([name]) => name)];
  const rows = sizes.map((size) => [format(size), ...columns.map(([, pick, digits]) => spread(results.get(size)!.map(pick), digits))]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const line of [header, ...rows]) {
    process.stdout.write(`${line.map((cell, i) => cell.padStart(widths[i])).join(' | ')}\n`);
  }
  // each run's large size against the same run's small size
  const inPlaceTotal = (r: Measurement): number => r.inPlaceSeconds + r.inPlaceCheckpointSeconds;
  const [small, large] = sizes.map((s) => results.get(s)!);
  const ratio = (pick: (r: Measurement) => number): string => spread(large.map((r, i) => pick(r) / pick(small[i])), 2);
  process.stdout.write(`\n${format(sizes[1])} : ${format(sizes[0])} time ratios per run (table ${format(sizes[1] / sizes[0])}x larger; `
    + '1 = independent of table size), median (min–max):\n');
  process.stdout.write(`  merge (statements + COMMIT)         ${ratio((r) => r.mergeSeconds)}\n`);
  process.stdout.write(`  deferred checkpoint                 ${ratio((r) => r.checkpointSeconds)}\n`);
  process.stdout.write(`  merge + its checkpoint              ${ratio((r) => r.mergeSeconds + r.checkpointSeconds)}\n`);
  process.stdout.write(`  scan baseline                       ${ratio((r) => r.scanSeconds)}\n`);
  process.stdout.write(`  MERGE in place + its checkpoint     ${ratio(inPlaceTotal)}  (the former way)\n`);
  const gain = (rs: Measurement[]): string => spread(rs.map((r) => inPlaceTotal(r) / (r.mergeSeconds + r.checkpointSeconds)), 2);
  const gains = sizes.map((s, i) => `${format(s)} rows ${gain([small, large][i])}`).join(', ');
  process.stdout.write(`\nMERGE in place + checkpoint : merge + deferred checkpoint, per run: ${gains}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
