import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ICEBERG_RUNTIME_JAR } from '../../src/engines/spark/spark-environment';

/**
 * A Spark home whose `venv/bin/python` is a Node script standing in for `python -m lakehouse_curation`:
 * it speaks the job core's command-line protocol (one JSON line per table, progress on stderr, exit
 * codes 0/1/2) so the engine's plumbing is tested without Spark. Behaviour by environment:
 * FAKE_FAIL=db.t fails that table, FAKE_HANG=1 waits for a signal, FAKE_JVM=1 starts a child that ignores SIGINT
 * and holds stdout/stderr (as PySpark's JVM does), FAKE_LOG=FILE records PIDs, argv and PYTHONPATH, FAKE_ROWS=N makes
 * query print N rows (FAKE_FAIL_AFTER_ROWS=1: then fail). `export` prints an ok line per table of --tables and writes no file.
 */
export interface FakeSpark {
  readonly home: string;
  readonly glueScripts: string;
  /** Sets LAKEHOUSE_SPARK_HOME and LAKEHOUSE_GLUE_SCRIPTS (and more) for the duration of `work`. */
  withEnv<T>(extra: Record<string, string>, work: () => Promise<T>): Promise<T>;
  remove(): void;
}

const SCRIPT = String.raw`
const fs = require('node:fs');
const args = process.argv.slice(2);
const option = (name) => { const i = args.indexOf(name); return i < 0 ? undefined : args[i + 1]; };
let jvm;
if (process.env.FAKE_JVM) {
  // like PySpark's JVM: ignores SIGINT and holds the job's stdout and stderr
  jvm = require('node:child_process').spawn(process.execPath, ['-e', "process.on('SIGINT', () => undefined); setInterval(() => undefined, 1000)"], { stdio: ['ignore', 'inherit', 'inherit'] });
}
if (process.env.FAKE_LOG) fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify({ pid: process.pid, jvm: jvm && jvm.pid, args, pythonPath: process.env.PYTHONPATH, home: process.env.LAKEHOUSE_SPARK_HOME }) + '\n');
if (args[0] !== '-m' || args[1] !== 'lakehouse_curation') { process.stderr.write('usage: -m lakehouse_curation ...\n'); process.exit(2); }
const command = args[2];
process.stderr.write('24/12/01 10:00:00 WARN NativeCodeLoader: Unable to load native-hadoop library for your platform\n');
if (process.env.FAKE_HANG) process.on('SIGINT', () => { process.stderr.write('fake spark: interrupted\n'); process.exit(130); });
process.stderr.write('fake spark: ' + command + ' started\n');
if (process.env.FAKE_HANG) {
  setInterval(() => undefined, 1000);
} else if (command === 'curate') {
  const spec = JSON.parse(fs.readFileSync(option('--spec'), 'utf8'));
  let failed = false;
  for (const t of spec.tables) {
    if (process.env.FAKE_FAIL === t.name) {
      failed = true;
      process.stdout.write(JSON.stringify({ table: t.name, status: 'failed', error: 'column amount: decimal(12,2) cannot narrow to int' }) + '\n');
    } else {
      process.stdout.write(JSON.stringify({ table: t.name, status: 'ok', kind: 'initial', filesApplied: 2, batches: 1, schemaChanges: [] }) + '\n');
    }
  }
  process.exit(failed ? 1 : 0);
} else if (command === 'query') {
  if (args[args.length - 1].includes('missing')) { process.stderr.write('AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] missing\n'); process.exit(1); }
  if (process.env.FAKE_ROWS) {
    // a long result (query --format rows): the typed header, then one JSON array per row, written as fast as the pipe takes it
    const total = Number(process.env.FAKE_ROWS);
    let i = 0;
    process.stdout.write('{"columns": [{"name": "n", "type": "int"}, {"name": "big", "type": "bigint"}, {"name": "name", "type": "string"}]}\n');
    const more = () => {
      while (i < total) {
        const line = '[' + i + ', 9007199254740993' + i % 10 + ', "row ' + i + '"]\n';
        i++;
        if (!process.stdout.write(line)) return process.stdout.once('drain', more);
      }
      if (process.env.FAKE_FAIL_AFTER_ROWS) { process.stderr.write('AnalysisException: executor lost\n'); process.exitCode = 1; }
    };
    more();
  } else {
    process.stdout.write('{"columns": [{"name": "n", "type": "int"}, {"name": "name", "type": "string"}]}\n'
      + JSON.stringify([1, "o'neil"]) + '\n' + JSON.stringify([2, null]) + '\n');
  }
} else if (command === 'export') {
  // one result line per table asked for (the files themselves are left out: verify then says it found none)
  for (const t of option('--tables').split(',')) process.stdout.write(JSON.stringify({ table: t, status: 'ok' }) + '\n');
} else {
  process.stderr.write('lakehouse_curation: unknown command ' + command + '\n');
  process.exit(2);
}
`;

export function makeFakeSpark(): FakeSpark {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-spark-'));
  const home = path.join(root, 'home');
  const glueScripts = path.join(root, 'glue-scripts');
  fs.mkdirSync(path.join(home, 'venv', 'bin'), { recursive: true });
  fs.mkdirSync(path.join(home, 'jars'), { recursive: true });
  fs.writeFileSync(path.join(home, 'jars', ICEBERG_RUNTIME_JAR), '');
  fs.writeFileSync(path.join(home, 'venv', 'bin', 'python'), `#!${process.execPath}\n${SCRIPT}`, { mode: 0o755 });
  fs.mkdirSync(path.join(glueScripts, 'src', 'lakehouse_curation'), { recursive: true });
  fs.writeFileSync(path.join(glueScripts, 'curate_table.py'), '');
  return {
    home,
    glueScripts,
    async withEnv(extra, work) {
      const saved = { ...process.env };
      Object.assign(process.env, { LAKEHOUSE_SPARK_HOME: home, LAKEHOUSE_GLUE_SCRIPTS: glueScripts }, extra);
      try {
        return await work();
      } finally {
        for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
        Object.assign(process.env, saved);
      }
    },
    remove: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
