import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeFakeSpark } from './helpers/fake-spark';
import { run } from './helpers/run-cli';
import { ProgressReporter } from '../src/cli/progress';
import { CURATION_ENGINES, curationEngine, engineAndTarget } from '../src/engines/registry';
import { failureLine, runJobCore } from '../src/engines/spark/job-core-process';
import { curateOutcome, parseTableResult, sparkEngine } from '../src/engines/spark/spark-engine';
import { defaultSparkHome, findGlueScripts, sparkEnvironment } from '../src/engines/spark/spark-environment';
import { processRunning } from '../src/os-process';

function recordingProgress(): ProgressReporter & { lines: string[] } {
  const lines: string[] = [];
  return { lines, status: () => undefined, line: (text) => lines.push(text), done: () => undefined };
}

describe('engine registry', () => {
  test('DuckDB is the default; every engine has its own name and a target option', () => {
    expect(curationEngine(undefined).name).toBe('duckdb');
    expect(CURATION_ENGINES.map((e) => [e.name, e.target.option])).toEqual([['duckdb', 'lake'], ['spark', 'warehouse'], ['trino', 'warehouse']]);
    expect(curationEngine('spark')).toBe(sparkEngine);
    expect(() => curationEngine('presto')).toThrow('--engine "presto" is not a curation engine; use duckdb or spark or trino');
  });

  test('curate: the engine decides the target option, and a foreign one is a one-line error', () => {
    expect(engineAndTarget('local curate', { lake: 'l.duckdb' }, false)).toMatchObject({ engine: { name: 'duckdb' }, target: 'l.duckdb' });
    expect(engineAndTarget('local curate', { engine: 'spark', warehouse: 'wh' }, false)).toMatchObject({ engine: { name: 'spark' }, target: 'wh' });
    expect(() => engineAndTarget('local curate', { warehouse: 'wh' }, false))
      .toThrow('local curate: --warehouse goes with --engine spark or trino; add --engine spark or --engine trino, or give --lake for the default engine duckdb; '
        + 'see `lakehouse local curate --help`');
    expect(() => engineAndTarget('local curate', { engine: 'duckdb', warehouse: 'wh' }, false))
      .toThrow('local curate: --warehouse goes with --engine spark or trino; use --lake (DuckDB database file (created when missing)) with --engine duckdb');
    expect(() => engineAndTarget('local curate', { engine: 'spark', lake: 'l.duckdb' }, false))
      .toThrow('local curate: --lake goes with --engine duckdb; use --warehouse');
    expect(() => engineAndTarget('local curate', { engine: 'spark' }, false))
      .toThrow('local curate: --warehouse is required with --engine spark, e.g. --warehouse ./warehouse');
    expect(() => engineAndTarget('local curate', {}, false)).toThrow('local curate: --lake is required with --engine duckdb, e.g. --lake ./lake.duckdb');
  });

  test('query and verify: the target option names the engine; a --warehouse, the marker file curate wrote in it', () => {
    expect(engineAndTarget('local query', { lake: 'l' }, true)).toMatchObject({ engine: { name: 'duckdb' }, target: 'l' });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-markers-'));
    try {
      const spark = path.join(dir, 'spark');
      const trino = path.join(dir, 'trino');
      const both = path.join(dir, 'both');
      const none = path.join(dir, 'none');
      for (const d of [spark, trino, both, none]) fs.mkdirSync(d);
      fs.writeFileSync(path.join(spark, '_lakehouse_tables.json'), '{}');
      fs.writeFileSync(path.join(trino, '_lakehouse_trino_tables.json'), '{}');
      fs.writeFileSync(path.join(both, '_lakehouse_tables.json'), '{}');
      fs.writeFileSync(path.join(both, '_lakehouse_trino_tables.json'), '{}');
      expect(engineAndTarget('local query', { warehouse: spark }, true)).toMatchObject({ engine: { name: 'spark' }, target: spark });
      expect(engineAndTarget('local verify', { warehouse: trino }, true)).toMatchObject({ engine: { name: 'trino' }, target: trino });
      expect(engineAndTarget('local verify', { warehouse: both, engine: 'trino' }, true)).toMatchObject({ engine: { name: 'trino' } });
      expect(() => engineAndTarget('local query', { warehouse: both }, true))
        .toThrow(`local query: --warehouse ${both} holds the tables of --engine spark and --engine trino; add --engine spark|trino; see`);
      expect(() => engineAndTarget('local query', { warehouse: none }, true))
        .toThrow(`local query: --warehouse ${none} has no _lakehouse_tables.json of --engine spark and no _lakehouse_trino_tables.json of --engine trino, `
          + `so no curate wrote it; create it with \`lakehouse local curate --engine spark|trino --raw <dir> --warehouse ${none}\`, or name the engine with`);
      expect(() => engineAndTarget('local query', { warehouse: trino, engine: 'spark' }, true))
        .toThrow(`local query: --warehouse ${trino} was written by \`curate --engine trino\`, not spark; use --engine trino; see`);
      // curate may write any engine into a new or another's directory; only query and verify read the marker
      expect(engineAndTarget('local curate', { warehouse: trino, engine: 'spark' }, false)).toMatchObject({ engine: { name: 'spark' } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => engineAndTarget('local query', { lake: 'l', warehouse: 'wh' }, true)).toThrow('local query: give one of --lake and --warehouse, not both');
    expect(() => engineAndTarget('local verify', {}, true))
      .toThrow('local verify: --lake or --warehouse is required, e.g. --lake ./lake.duckdb (duckdb) or --warehouse ./warehouse (spark)');
  });
});

describe('CLI combinations', () => {
  test.each([
    [['local', 'curate', '--raw', 'r', '--warehouse', 'w'], '--warehouse goes with --engine spark or trino; add --engine spark or --engine trino'],
    [['local', 'curate', '--engine', 'spark', '--raw', 'r', '--lake', 'l'], '--lake goes with --engine duckdb'],
    [['local', 'curate', '--engine', 'spark', '--raw', 'r', '--warehouse', 'w', '--follow'], '--follow is not supported by --engine spark'],
    [['local', 'curate', '--raw', 'r', '--lake', 'l', '--interval', '1s'], '--interval sets the pause between --follow rounds'],
    [['local', 'curate', '--engine', 'flink', '--raw', 'r', '--lake', 'l'], '--engine "flink" is not a curation engine'],
    [['local', 'query', '--lake', 'l', '--warehouse', 'w', 'SELECT 1'], 'give one of --lake and --warehouse, not both'],
    [['local', 'verify', '--source', 'postgres://u@h/db'], '--lake or --warehouse is required'],
  ])('%j: one line, exit 2', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  test('curate --help lists the engines and documents --plans', async () => {
    const result = await run(['local', 'curate', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('lakehouse local curate --engine spark|trino --raw DIR --warehouse DIR [--plans FILE]');
    expect(result.stdout).toContain('--warehouse DIR      Iceberg warehouse directory (created when missing), with --engine spark or trino');
    expect(result.stdout).toMatch(/ {2}spark {4}the Glue job's PySpark core/);
    expect(result.stdout).toContain('"partitionBy": [{ "column": "ordered_at", "transform": "day" }]');
  });

  test.each(['query', 'verify'])('%s --help names both warehouse engines and --engine', async (command) => {
    const result = await run(['local', command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[--engine NAME]');
    expect(result.stdout).toMatch(/spark[\s\S]*trino/);
  });

  test('a warehouse that does not exist: query and verify say how to create it', async () => {
    const query = await run(['local', 'query', '--warehouse', '/tmp/no-such-warehouse', 'SELECT 1']);
    expect(query).toMatchObject({
      code: 1, stderr: expect.stringContaining('--warehouse /tmp/no-such-warehouse does not exist, so no curate wrote it; create it with `lakehouse local curate --engine spark|trino'),
    });
    const verify = await run(['local', 'verify', '--source', 'postgres://u@h/db', '--warehouse', '/tmp/no-such-warehouse']);
    // verify could not run: exit 2 (1 means a table differs)
    expect(verify).toMatchObject({ code: 2, stderr: expect.stringContaining('--warehouse /tmp/no-such-warehouse does not exist') });
  });
});

describe('Spark environment', () => {
  test('without an installation: one line saying to run the installer', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'no-spark-'));
    try {
      expect(() => sparkEnvironment({ LAKEHOUSE_SPARK_HOME: home })).toThrow(
        `Spark 3.5.4 with Iceberg 1.7.1 is not installed in ${home} (no venv/bin/python); run \`bash scripts/install-spark.sh\` from the repository root`);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
    expect(defaultSparkHome()).toBe(path.join(os.homedir(), '.cache', 'cdc-lakehouse', 'spark-3.5.4-iceberg-1.7.1'));
  });

  test('glue-scripts is found above the package, or where LAKEHOUSE_GLUE_SCRIPTS points', () => {
    const repo = path.resolve(__dirname, '..', '..', '..');
    expect(findGlueScripts({}, __dirname)).toBe(path.join(repo, 'glue-scripts'));
    expect(() => findGlueScripts({}, os.tmpdir())).toThrow(/found none above .*; run from a checkout of the repository or set LAKEHOUSE_GLUE_SCRIPTS/);
    expect(() => findGlueScripts({ LAKEHOUSE_GLUE_SCRIPTS: os.tmpdir() })).toThrow(`LAKEHOUSE_GLUE_SCRIPTS=${os.tmpdir()} has no src/lakehouse_curation`);
  });
});

describe('the job core process', () => {
  const fake = makeFakeSpark();
  afterAll(() => fake.remove());

  test('stderr streams to progress (without Spark\'s start-up noise), the job core is on PYTHONPATH', async () => {
    const log = path.join(fake.home, 'log.jsonl');
    const progress = recordingProgress();
    const result = await fake.withEnv({ FAKE_LOG: log }, async () => runJobCore(sparkEnvironment(), ['query', '--warehouse', 'w', 'SELECT 1'], { progress }));
    expect(result).toMatchObject({ code: 0, interrupted: false });
    expect(progress.lines).toEqual(['fake spark: query started']);
    expect(result.stdout.trim().split('\n').map((l) => JSON.parse(l))).toEqual([
      { columns: [{ name: 'n', type: 'int' }, { name: 'name', type: 'string' }] }, [1, "o'neil"], [2, null],
    ]);
    const [call] = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(call).toEqual({
      pid: expect.any(Number),
      jvm: undefined,
      args: ['-m', 'lakehouse_curation', 'query', '--warehouse', 'w', 'SELECT 1'],
      pythonPath: expect.stringMatching(new RegExp(`^${path.join(fake.glueScripts, 'src')}`)),
      home: fake.home,
    });
  });

  test('verify --warehouse --tables / --exclude: the export job is asked for the selected tables only', async () => {
    const warehouse = fs.mkdtempSync(path.join(os.tmpdir(), 'lakehouse-verify-select-'));
    try {
      const entry = (table: string) => ({
        sourceSchema: 'shop', sourceTable: table, curatedDatabase: 'shop', curatedTable: table, mode: 'upsert', deletes: 'hard', rowIdentity: ['id'],
      });
      fs.writeFileSync(path.join(warehouse, '_lakehouse_tables.json'),
        JSON.stringify({ format: 'lakehouse-warehouse-tables', version: 1, tables: ['items', 'orders', 'customers'].map(entry) }));
      const log = path.join(fake.home, 'export.jsonl');
      // no server at this port: the source comes after the export, so the run ends with exit 2 once it has exported
      const source = 'postgres://nobody@127.0.0.1:1/none';
      const exported = async (...selection: string[]): Promise<string[]> => {
        fs.rmSync(log, { force: true });
        const result = await fake.withEnv({ FAKE_LOG: log }, () => run(['local', 'verify', '--source', source, '--warehouse', warehouse, ...selection]));
        expect(result.code).toBe(2);
        const calls = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { args: string[] });
        expect(calls).toHaveLength(1);
        return calls[0].args[calls[0].args.indexOf('--tables') + 1].split(',');
      };
      expect(await exported()).toEqual(['shop.items', 'shop.orders', 'shop.customers']);
      expect(await exported('--tables', 'shop.orders')).toEqual(['shop.orders']);
      expect(await exported('--tables', 'shop.%', '--exclude', 'shop.items')).toEqual(['shop.orders', 'shop.customers']);
    } finally {
      fs.rmSync(warehouse, { recursive: true, force: true });
    }
  });

  test('Ctrl-C reaches the job, which stops; nothing keeps running', async () => {
    const log = path.join(fake.home, 'hang.jsonl');
    const controller = new AbortController();
    const lines: string[] = [];
    const progress: ProgressReporter = {
      status: () => undefined,
      done: () => undefined,
      line: (text) => {
        lines.push(text);
        if (text.endsWith('started')) controller.abort();
      },
    };
    const result = await fake.withEnv({ FAKE_HANG: '1', FAKE_LOG: log }, async () => runJobCore(sparkEnvironment(), ['curate'], { signal: controller.signal, progress }));
    expect(result).toMatchObject({ interrupted: true, code: 130 });
    expect(lines).toContain('fake spark: interrupted');
    const { pid } = JSON.parse(fs.readFileSync(log, 'utf8').trim());
    expect(processRunning(pid)).toBe(false);
  });

  test('a JVM that ignores Ctrl-C and holds the pipes is killed after the grace time', async () => {
    const log = path.join(fake.home, 'jvm.jsonl');
    const controller = new AbortController();
    const progress: ProgressReporter = {
      status: () => undefined,
      done: () => undefined,
      line: (text) => {
        if (text.endsWith('started')) controller.abort();
      },
    };
    const result = await fake.withEnv({ FAKE_HANG: '1', FAKE_JVM: '1', FAKE_LOG: log },
      async () => runJobCore(sparkEnvironment(), ['curate'], { signal: controller.signal, progress, graceMs: 500 }));
    expect(result).toMatchObject({ interrupted: true, code: 130 });
    const { pid, jvm } = JSON.parse(fs.readFileSync(log, 'utf8').trim());
    expect(jvm).toEqual(expect.any(Number));
    expect([processRunning(pid), processRunning(jvm)]).toEqual([false, false]);
  });

  test('the failure line is the last error-looking line', () => {
    const base = { code: 1, exitSignal: null, stdout: '', interrupted: false };
    expect(failureLine({ ...base, stderrTail: ['starting', 'AnalysisException: no such table', 'stopping'] })).toBe('AnalysisException: no such table');
    expect(failureLine({ ...base, stderrTail: [] })).toBe('no output');
  });
});

describe('curate outcome', () => {
  const tables = [{ source: { schema: 'shop', table: 'orders' }, plan: { curated: { database: 'shop', table: 'orders' } } }] as never[];
  const ok = { code: 0, exitSignal: null, stdout: '', stderrTail: [], interrupted: false };

  test('one result per table, from the JSON lines', () => {
    const line = parseTableResult('{"table":"shop.orders","status":"ok","kind":"incremental","filesApplied":3,"batches":1,"schemaChanges":[]}')!;
    expect(parseTableResult('Spark says hello')).toBeUndefined();
    expect(() => parseTableResult('{"table": ')).toThrow(/printed a line that is not JSON/);
    expect(() => parseTableResult('{"rows": 3}')).toThrow(/printed a line that is not a table result: \{"rows": 3\}/);
    expect(curateOutcome(tables, ok, [line])).toEqual([{ source: 'shop.orders', curated: 'shop.orders', kind: 'incremental', filesApplied: 3 }]);
  });

  test('a failed table, a refused argument, a crash, an interruption: one line each', () => {
    expect(() => curateOutcome(tables, { ...ok, code: 1 }, [{ table: 'shop.orders', status: 'failed', error: 'narrowing\nrefused' }]))
      .toThrow('curate --engine spark: 1 of 1 table failed: shop.orders: narrowing refused');
    expect(() => curateOutcome(tables, { ...ok, code: 2, stderrTail: ['lakehouse_curation: --raw /x does not exist'] }, []))
      .toThrow('curate --engine spark: the Spark job refused its arguments: --raw /x does not exist');
    expect(() => curateOutcome(tables, { ...ok, code: null, exitSignal: 'SIGKILL', stderrTail: ['java.lang.OutOfMemoryError: Java heap space'] }, []))
      .toThrow('the Spark job was killed (SIGKILL): java.lang.OutOfMemoryError: Java heap space');
    expect(() => curateOutcome(tables, ok, [])).toThrow('ended without a result for shop.orders');
    let exitCode: number | undefined;
    try {
      curateOutcome(tables, { ...ok, interrupted: true, code: 130 }, []);
    } catch (err) {
      exitCode = (err as { exitCode: number }).exitCode;
    }
    expect(exitCode).toBe(130);
  });
});
