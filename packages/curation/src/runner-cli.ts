import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { BatchStage, LocalCurationRunner } from './local/local-curation-runner';
import { CurationPlan } from './plan';

const USAGE = `usage: node lib/runner-cli.js --plan <plan.json> --raw <raw zone dir> --db <curated.duckdb>
       [--max-files-per-batch <n>] [--leave-wal] [--pause-ms <ms>] [--kill-self-at <merged|watermarked|committed>:<batch>]

Applies the plan's raw files (DMS layout under <raw zone dir>/<schema>/<table>/) to the curated table in the
DuckDB file, and prints the run result as JSON. Each batch commits to DuckDB's write-ahead log; when the run is
done, one checkpoint writes them into the file (--leave-wal skips it: the next opener replays the log).
--pause-ms waits after each committed batch; --kill-self-at sends SIGKILL to this process at that point of that
batch (0-based), for crash tests.`;

/** Runs the local curation runner from the command line; returns the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'plan': { type: 'string' },
      'raw': { type: 'string' },
      'db': { type: 'string' },
      'max-files-per-batch': { type: 'string' },
      'pause-ms': { type: 'string' },
      'kill-self-at': { type: 'string' },
      'leave-wal': { type: 'boolean' },
      'help': { type: 'boolean' },
    },
  });
  if (values.help || !values.plan || !values.raw || !values.db) {
    process.stderr.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const plan = new CurationPlan(JSON.parse(fs.readFileSync(values.plan, 'utf8')));
  const pauseMs = Number(values['pause-ms'] ?? 0);
  const [killStage, killBatch] = (values['kill-self-at'] ?? '').split(':');
  const runner = await LocalCurationRunner.open({
    plan,
    rawZone: { rootDir: values.raw },
    databasePath: values.db,
    maxFilesPerBatch: values['max-files-per-batch'] ? Number(values['max-files-per-batch']) : undefined,
    onBatchStage: async (stage: BatchStage, batch: number) => {
      if (stage === killStage && batch === Number(killBatch)) {
        process.kill(process.pid, 'SIGKILL');
      }
      if (stage === 'committed' && pauseMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    },
  });
  try {
    const result = await runner.run();
    const checkpoint = values['leave-wal'] ? undefined : await runner.checkpoint();
    process.stdout.write(`${JSON.stringify({ ...result, checkpoint })}\n`);
    return 0;
  } finally {
    runner.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    },
  );
}
