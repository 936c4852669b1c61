import * as fs from 'node:fs';
import * as path from 'node:path';
import { exportedTablesView } from './exported-tables';
import { sparkTableWatermark } from './iceberg-watermark';
import { JobCoreResult, failureLine, runJobCore } from './job-core-process';
import { sparkEnvironment } from './spark-environment';
import { streamSparkQuery } from './spark-query';
import { WAREHOUSE_REGISTRY_FILE, readWarehouseRegistry, registerWarehouseTables, writeJobSpec } from './warehouse';
import { SILENT_PROGRESS, formatCount } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';
import { CuratedTableResult } from '../../lake/curate';
import { LakeTable } from '../../lake/plans';
import { RowConsumer } from '../../lake/query';
import { checkRawFiles } from '../../lake/raw-file-check';
import { CuratedTableFilter, CurationEngine, CurateRequest } from '../curation-engine';

/** One line of `python -m lakehouse_curation curate` output: the result of one table. */
export interface SparkTableResult {
  /** `database.table` of the Iceberg table. */
  readonly table: string;
  readonly status: 'ok' | 'failed';
  /** `initial`, `reload`, `incremental` or `up-to-date`. */
  readonly kind?: string;
  readonly filesApplied?: number;
  readonly batches?: number;
  readonly schemaChanges?: readonly unknown[];
  /** Why the table failed. */
  readonly error?: string;
}

/**
 * Parses one stdout line of `curate`: a table's result. Lines that are not JSON objects (none are
 * expected) are ignored; a JSON line that is not a result is an error naming the line.
 */
export function parseTableResult(line: string): SparkTableResult | undefined {
  if (!line.startsWith('{')) return undefined;
  let parsed: Partial<SparkTableResult>;
  try {
    parsed = JSON.parse(line) as Partial<SparkTableResult>;
  } catch (err) {
    throw new LakehouseError(`curate --engine spark: the Spark job printed a line that is not JSON (${errorMessage(err)}): ${line.slice(0, 200)}`);
  }
  if (typeof parsed.table !== 'string' || (parsed.status !== 'ok' && parsed.status !== 'failed')) {
    throw new LakehouseError(`curate --engine spark: the Spark job printed a line that is not a table result: ${line.slice(0, 200)}`);
  }
  return parsed as SparkTableResult;
}

/** Turns a finished run into per-table results, or one line naming what failed and how to fix it. */
export function curateOutcome(tables: readonly LakeTable[], run: JobCoreResult, lines: readonly SparkTableResult[]): CuratedTableResult[] {
  if (run.interrupted) {
    throw new LakehouseError('curate --engine spark: stopped by a signal; every table keeps its last committed state, run curate again to continue', 130);
  }
  const failed = lines.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    const names = failed.map((r) => `${r.table}: ${(r.error ?? 'no reason given').replace(/\s*\n\s*/g, ' ')}`);
    throw new LakehouseError(`curate --engine spark: ${failed.length} of ${tables.length} table${tables.length === 1 ? '' : 's'} failed: ${names.join(' | ')}`);
  }
  if (run.code === 2) throw new LakehouseError(`curate --engine spark: the Spark job refused its arguments: ${failureLine(run)}`);
  if (run.code !== 0) {
    throw new LakehouseError(`curate --engine spark: the Spark job ${run.code === null ? `was killed (${run.exitSignal})` : `exited with code ${run.code}`}: ${failureLine(run)}`);
  }
  const byCurated = new Map(lines.map((r) => [r.table, r]));
  return tables.map((t) => {
    const curated = `${t.plan.curated.database}.${t.plan.curated.table}`;
    const line = byCurated.get(curated);
    if (!line) throw new LakehouseError(`curate --engine spark: the Spark job ended without a result for ${curated}; run curate again`);
    return { source: `${t.source.schema}.${t.source.table}`, curated, kind: line.kind ?? 'up-to-date', filesApplied: line.filesApplied ?? 0 };
  });
}

function describe(line: SparkTableResult): string {
  const files = line.filesApplied ?? 0;
  const batches = line.batches ?? 0;
  const changes = (line.schemaChanges ?? []).length;
  return `curate ${line.table} (spark): ${line.kind ?? '?'}, ${formatCount(files)} file${files === 1 ? '' : 's'} in ${batches} batch${batches === 1 ? '' : 'es'}`
    + (changes > 0 ? `, ${changes} schema change${changes === 1 ? '' : 's'}` : '');
}

function requireWarehouse(warehouse: string): void {
  if (!fs.existsSync(warehouse)) {
    throw new LakehouseError(`--warehouse ${warehouse} does not exist; create it with \`lakehouse local curate --engine spark --raw <dir> --warehouse ${warehouse}\``);
  }
}

/**
 * Spark 3.5 with Iceberg 1.7 (AWS Glue 5.0's versions), running the Glue job's own core
 * (`glue-scripts/src/lakehouse_curation`) on a local Iceberg warehouse directory (a Hadoop catalog
 * named like the Glue one), with the job spec `sparkJobSpec` generates from the same plans.
 */
export const sparkEngine: CurationEngine = {
  name: 'spark',
  summary: 'the Glue job\'s PySpark core into Iceberg tables, --warehouse (bash scripts/install-spark.sh)',
  target: { option: 'warehouse', description: 'Iceberg warehouse directory (created when missing)', example: './warehouse' },
  marker: WAREHOUSE_REGISTRY_FILE,
  // Ctrl-C goes to the job and its JVM, which stop before their next commit
  stoppable: true,

  async curate(request: CurateRequest) {
    const env = sparkEnvironment();
    const progress = request.progress ?? SILENT_PROGRESS;
    // the files this run applies are readable Parquet, or one line naming the first that is not, before Spark starts
    // and before anything (spec, registry, table) is written
    const watermarks = request.tables.map((table) => ({ table, watermark: sparkTableWatermark(request.target, table.plan.curated) }));
    await checkRawFiles(request.rawDir, watermarks);
    fs.mkdirSync(request.target, { recursive: true });
    const spec = writeJobSpec(request.target, request.tables);
    registerWarehouseTables(request.target, request.tables);
    const lines: SparkTableResult[] = [];
    let unreadable: unknown; // raised once the job has ended: a stream callback must not throw
    progress.line(`curate: starting Spark for ${request.tables.length} table${request.tables.length === 1 ? '' : 's'} (job spec ${spec})`);
    const run = await runJobCore(env, ['curate', '--spec', path.resolve(spec), '--raw', path.resolve(request.rawDir), '--warehouse', path.resolve(request.target)], {
      progress,
      signal: request.signal,
      onStdoutLine: (text) => {
        let line: SparkTableResult | undefined;
        try {
          line = parseTableResult(text);
        } catch (err) {
          unreadable ??= err;
          return;
        }
        if (!line) return;
        lines.push(line);
        if (line.status === 'ok' && (line.filesApplied ?? 0) > 0) progress.line(describe(line));
      },
    });
    if (unreadable !== undefined) throw unreadable;
    return curateOutcome(request.tables, run, lines);
  },

  async query<T>(target: string, sql: string, consume: RowConsumer<T>) {
    requireWarehouse(target);
    return streamSparkQuery(sparkEnvironment(), path.resolve(target), sql, consume);
  },

  async openCuratedTables(target: string, progress = SILENT_PROGRESS, select?: CuratedTableFilter) {
    const tables = readWarehouseRegistry(target);
    return exportedTablesView(sparkEnvironment(), target, tables, progress, select ? select(tables) : tables);
  },
};
