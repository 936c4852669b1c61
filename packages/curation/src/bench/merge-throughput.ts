import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { DmsRawWriter } from '../dms/raw-zone-writer';
import { LocalCurationRunner } from '../local/local-curation-runner';
import { CurationPlan } from '../plan';

/**
 * Merge throughput of the local runner: a batch of CDC changes (70% updates, 20% inserts,
 * 10% deletes, in one DMS file) merged into curated tables of different sizes, end to end
 * (listing, schema check, staging, dedup, MERGE, watermark, commit). Baselines measured in the
 * same run on the same database: a plain INSERT … SELECT of the same change file into an empty
 * table, and a full scan of the curated table.
 *
 *   node lib/bench/merge-throughput.js            1 M and 10 M rows, 100 k changes
 *   node lib/bench/merge-throughput.js --small    100 k and 1 M rows, 10 k changes
 */
interface Measurement {
  readonly targetRows: number;
  readonly changes: number;
  readonly loadSeconds: number;
  readonly mergeSeconds: number;
  /** Of `mergeSeconds`: from the start of the run to the end of the MERGE statement (listing, staging, dedup, MERGE). */
  readonly statementSeconds: number;
  /** Of `mergeSeconds`: COMMIT (DuckDB writes the changed row groups; a checkpoint may run). */
  readonly commitSeconds: number;
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
  const writer = await DmsRawWriter.open({ layout: { rootDir: path.join(dir, 'raw') }, compression: 'snappy' });
  let runner: LocalCurationRunner | undefined;
  try {
    await writer.writeLoadFromQuery(table, `SELECT ${dmsColumns("'I'", '2024-01-01 00:00:00.000000', 'i', 'i', "''")} FROM range(${targetRows}) AS t(i)`);
    const stageAt = new Map<string, bigint>();
    runner = await LocalCurationRunner.open({
      plan,
      rawZone: { rootDir: path.join(dir, 'raw') },
      databasePath: path.join(dir, 'bench.duckdb'),
      memoryLimit,
      onBatchStage: (stage) => void stageAt.set(stage, process.hrtime.bigint()),
    });
    const loadSeconds = await timed(async () => runner!.run());

    const op = "CASE WHEN k % 10 < 7 THEN 'U' WHEN k % 10 < 9 THEN 'I' ELSE 'D' END";
    const id = `CASE WHEN k % 10 IN (7, 8) THEN ${targetRows} + k ELSE CAST(hash(k) % ${targetRows} AS BIGINT) END`;
    const change = await writer.writeChangesFromQuery(
      table, `SELECT ${dmsColumns(op, '2024-01-02 00:00:00.000000', id, 'k + 7', "lpad(CAST(k + 1 AS VARCHAR), 35, '0')")} FROM range(${changes}) AS t(k)`,
    );

    const mergeStarted = process.hrtime.bigint();
    const mergeSeconds = await timed(async () => runner!.run());
    const statementSeconds = Number(stageAt.get('merged')! - mergeStarted) / 1e9;
    const commitSeconds = Number(stageAt.get('committed')! - stageAt.get('watermarked')!) / 1e9;
    await runner.query(`CREATE TEMP TABLE insert_baseline AS SELECT * FROM ${runner.qualifiedTableName} LIMIT 0`);
    const insertSeconds = await timed(async () => runner!.query(
      `INSERT INTO insert_baseline SELECT id, customer_id, status, amount, updated_at, _dms_commit_ts, _dms_change_seq FROM read_parquet('${change.path}')`,
    ));
    const scanSeconds = await timed(async () => runner!.query(`SELECT count(*), sum(hash(id, status, amount)) FROM ${runner!.qualifiedTableName}`));
    const [{ n }] = await runner.query(`SELECT count(*) AS n FROM ${runner.qualifiedTableName}`);
    return { targetRows, changes, loadSeconds, mergeSeconds, statementSeconds, commitSeconds, insertSeconds, scanSeconds, rowsAfter: Number(n) };
  } finally {
    runner?.close();
    writer.close();
    fs.rmSync(dir, { recursive: true, force: true });
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

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { 'small': { type: 'boolean' }, 'memory-limit': { type: 'string' } } });
  const sizes = values.small ? [100_000, 1_000_000] : [1_000_000, 10_000_000];
  const changes = values.small ? 10_000 : 100_000;
  const memoryLimit = values['memory-limit'] ?? '4GB';
  process.stdout.write(`merge throughput: ${format(changes)} changes (70% U, 20% I, 10% D) into curated tables of ${sizes.map((s) => format(s)).join(' and ')} rows\n`);
  process.stdout.write(`DuckDB @duckdb/node-api, ${os.cpus().length} cores, memory_limit ${memoryLimit}, temp dir ${os.tmpdir()}\n\n`);
  const results: Measurement[] = [];
  for (const size of sizes) {
    results.push(await measure(size, changes, memoryLimit));
  }
  const header = [
    'target rows', 'initial load s', 'load rows/s', 'merge s', '(MERGE s', 'COMMIT s)', 'merge rows/s', 'INSERT baseline s', 'scan baseline s', 'merge/INSERT', 'merge/scan',
  ];
  const rows = results.map((r) => [
    format(r.targetRows), format(r.loadSeconds, 2), format(r.targetRows / r.loadSeconds), format(r.mergeSeconds, 2),
    format(r.statementSeconds, 2), format(r.commitSeconds, 2), format(r.changes / r.mergeSeconds),
    format(r.insertSeconds, 3), format(r.scanSeconds, 3), format(r.mergeSeconds / r.insertSeconds, 1), format(r.mergeSeconds / r.scanSeconds, 1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const line of [header, ...rows]) {
    process.stdout.write(`${line.map((cell, i) => cell.padStart(widths[i])).join(' | ')}\n`);
  }
  const [small, large] = results;
  process.stdout.write(`\n${format(large.targetRows)} : ${format(small.targetRows)} merge time ratio: ${format(large.mergeSeconds / small.mergeSeconds, 2)} `
    + `(table ${format(large.targetRows / small.targetRows)}x larger; 1 = independent of table size)\n`);
  for (const r of results) {
    const expected = r.targetRows + Math.round(r.changes * 0.2) - Math.round(r.changes * 0.1);
    if (Math.abs(r.rowsAfter - expected) > r.changes * 0.1) {
      throw new Error(`sanity check: ${format(r.rowsAfter)} rows after merging into ${format(r.targetRows)}, expected about ${format(expected)}`);
    }
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
