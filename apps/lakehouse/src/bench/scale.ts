// Scale bench (issue 12, "3. Scale"): generates lakehouse workspaces with projen from synthetic sources, compiles the
// generated source packages and a copy of this app with one tsc run, synthesizes the app environment-agnostic and checks
// every template against CloudFormation's limits (and each state machine and Lambda environment against theirs).
//
//   npx nx run lakehouse:bench           the baseline (platform + 3 sources × 3 tables) and 20 sources × 50 tables
//   node lib/bench/scale.js --keep       keeps the temporary workspaces under <root>/.tmp
//
// Exits 1 naming the stack and the limit when a template exceeds one, 2 when a step fails.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CFN_LIMITS, StackLimitReport, checkAssemblyDirectory, formatLimitsTable } from '@cdc-lakehouse/app-config';
import { SyntheticSource, syntheticSources } from './synthetic-sources';

interface Scenario {
  readonly slug: string;
  readonly label: string;
  readonly sources: SyntheticSource[];
  /** The goal for the synth, in seconds. */
  readonly goalSeconds: number;
  /** Run instead when synth stops, to measure the rest. */
  readonly fallback?: Scenario;
}

interface ScenarioResult {
  readonly scenario: Scenario;
  readonly generateSeconds: number;
  readonly compileSeconds: number;
  readonly synthSeconds: number;
  readonly synthDetail?: { loadMs: number; constructMs: number; synthMs: number; maxRssMb: number; sources: number };
  /** The error that stopped synth (a finding), if one did. */
  readonly synthError?: string;
  readonly reports: StackLimitReport[];
}

const SCENARIOS: Scenario[] = [
  { slug: 'baseline', label: 'platform + 3 sources × 3 tables', sources: syntheticSources(3, 3), goalSeconds: 30 },
  {
    slug: 'full',
    label: '20 sources × 50 tables',
    sources: syntheticSources(20, 50),
    goalSeconds: 120,
    fallback: {
      slug: 'full-without-pii',
      label: '20 sources × 50 tables, without pii columns',
      sources: syntheticSources(20, 50).map((s) => ({ ...s, tables: s.tables.map(({ pii: _pii, ...t }) => t) })),
      goalSeconds: 120,
    },
  },
];

/** The repository root: the folder holding .projenrc.ts and projenrc/. */
function repositoryRoot(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.projenrc.ts')) && fs.existsSync(path.join(dir, 'projenrc'))) return dir;
  }
  throw new Error(`no .projenrc.ts above ${__dirname}`);
}

/** Runs node with `args`; returns the wall time and the child's last stdout line parsed as JSON, or the error it stopped with. */
function tryNode<T>(args: string[], cwd: string): { seconds: number; result?: T; error?: string } {
  const started = performance.now();
  const child = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const seconds = (performance.now() - started) / 1000;
  if (child.status !== 0) {
    const output = `${child.stdout ?? ''}${child.stderr ?? ''}`.trim().split('\n');
    const thrown = output.find((l) => /^[A-Za-z]*Error\b/.test(l));
    return { seconds, error: thrown ?? `exit ${child.status ?? child.signal}:\n${output.slice(-40).join('\n')}` };
  }
  const last = child.stdout.trim().split('\n').pop() ?? '';
  return { seconds, result: (last.startsWith('{') ? JSON.parse(last) : undefined) as T };
}

/** {@link tryNode}, a failure being the bench's own. */
function runNode<T>(what: string, args: string[], cwd: string): { seconds: number; result?: T } {
  const run = tryNode<T>(args, cwd);
  if (run.error !== undefined) throw new BenchError(`${what} failed: ${run.error}`);
  return run;
}

class BenchError extends Error {}

/** The workspace packages compiled from the generated workspace (with its generated files) rather than taken from this one. */
const COPIED = [
  { module: '@cdc-lakehouse/app-config', dir: 'packages/app-config' },
  { module: '@cdc-lakehouse/platform', dir: 'apps/platform' },
  { module: '@cdc-lakehouse/lakehouse', dir: 'apps/lakehouse' },
];

/** tsconfig compiling every generated source package, the apps' configuration and both apps in one program, emitting into build/. */
function writeCompileConfig(root: string, workspace: string, sources: SyntheticSource[]): void {
  const generated = JSON.parse(fs.readFileSync(path.join(workspace, 'apps/lakehouse/tsconfig.json'), 'utf8').replace(/^\/\/.*$/m, ''));
  const compilerOptions = {
    ...generated.compilerOptions,
    rootDir: '.',
    outDir: 'build',
    declaration: false,
    inlineSourceMap: false,
    inlineSources: false,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules/@types')],
    paths: {
      '@cdc-lakehouse/source-*': ['./packages/source-*/src'],
      ...Object.fromEntries(COPIED.map((c) => [c.module, [`./${c.dir}/src`]])),
    },
  };
  fs.writeFileSync(path.join(workspace, 'tsconfig.bench.json'), JSON.stringify({
    compilerOptions,
    include: [...sources.map((s) => `packages/source-${s.name}/src/**/*.ts`), ...COPIED.map((c) => `${c.dir}/src/**/*.ts`)],
    exclude: ['apps/lakehouse/src/bench/**'],
  }, undefined, 2));
}

/** This repository's hand-written sources of the copied packages; their generated files are the workspace's, for its own sources. */
function copyAppSources(root: string, workspace: string): void {
  const copy = (from: string, to: string) => {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'bench') {copy(path.join(from, entry.name), path.join(to, entry.name));} else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.generated.ts')) {
        fs.copyFileSync(path.join(from, entry.name), path.join(to, entry.name));
      }
    }
  };
  for (const c of COPIED) copy(path.join(root, c.dir, 'src'), path.join(workspace, c.dir, 'src'));
}

/** Makes build/ resolvable: the source packages and the copied ones are compiled here; every other module is the workspace's. */
function linkCompiledSources(workspace: string, sources: SyntheticSource[]): void {
  const scope = path.join(workspace, 'build/node_modules/@cdc-lakehouse');
  fs.mkdirSync(scope, { recursive: true });
  const link = (module: string, dir: string) => {
    const pkg = path.join(workspace, 'build', dir);
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: module, main: 'src/index.js' }));
    fs.symlinkSync(pkg, path.join(scope, module.split('/')[1]), 'dir');
  };
  for (const s of sources) link(`@cdc-lakehouse/source-${s.name}`, `packages/source-${s.name}`);
  for (const c of COPIED) link(c.module, c.dir);
}

/** The context `cdk synth` gives the app: the app's cdk.json, path and asset metadata, version reporting. */
function cliContext(root: string): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(root, 'apps/lakehouse/cdk.json'), 'utf8')) as { context?: Record<string, unknown> };
  return {
    ...cdkJson.context,
    'aws:cdk:enable-path-metadata': true,
    'aws:cdk:enable-asset-metadata': true,
    'aws:cdk:version-reporting': true,
    'aws:cdk:bundling-stacks': ['**'],
    // the CDK stops synth above 500 resources; the bench measures past it and reports the stack instead
    '@aws-cdk/core:stackResourceLimit': 0,
  };
}

function runScenario(root: string, base: string, scenario: Scenario): ScenarioResult {
  const workspace = path.join(base, scenario.slug);
  fs.mkdirSync(workspace);
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(workspace, 'node_modules'), 'dir');
  const entriesFile = path.join(base, `${scenario.slug}.entries.json`);
  fs.writeFileSync(entriesFile, JSON.stringify(scenario.sources));

  const generate = runNode<{ loadMs: number; synthMs: number }>(
    'projen', [path.join(__dirname, 'generate.js'), root, workspace, entriesFile], workspace);

  copyAppSources(root, workspace);
  writeCompileConfig(root, workspace, scenario.sources);
  const compile = runNode<undefined>('tsc', [require.resolve('typescript/bin/tsc', { paths: [root] }), '-p', 'tsconfig.bench.json'], workspace);
  linkCompiledSources(workspace, scenario.sources);

  const contextFile = path.join(base, `${scenario.slug}.context.json`);
  fs.writeFileSync(contextFile, JSON.stringify(cliContext(root)));
  const outdir = path.join(workspace, 'cdk.out');
  const synth = tryNode<ScenarioResult['synthDetail']>(
    [path.join(__dirname, 'synth-child.js'), path.join(workspace, 'build'), outdir, contextFile], workspace);
  const measured = { scenario, generateSeconds: generate.seconds, compileSeconds: compile.seconds, synthSeconds: synth.seconds };
  if (synth.error !== undefined) return { ...measured, synthError: synth.error, reports: [] };
  if (synth.result?.sources !== scenario.sources.length) {
    throw new BenchError(`${scenario.label}: the app has ${synth.result?.sources} source stacks, expected ${scenario.sources.length}`);
  }
  const reports = ['platform', 'lakehouse'].flatMap((app) => checkAssemblyDirectory(path.join(outdir, app)));
  return { ...measured, synthDetail: synth.result, reports };
}

const s1 = (n: number) => n.toFixed(1);

function printScenario(r: ScenarioResult): void {
  const tables = r.scenario.sources.reduce((n, s) => n + s.tables.length, 0);
  const total = r.generateSeconds + r.compileSeconds + r.synthSeconds;
  const d = r.synthDetail;
  console.log(`\n== ${r.scenario.label} (${r.scenario.sources.length} sources, ${tables} tables) ==`);
  console.log(`generate (projen) ${s1(r.generateSeconds)} s | compile (one tsc, ${r.scenario.sources.length} packages + both apps) ${s1(r.compileSeconds)} s`);
  if (!d) {
    console.log(`synth STOPPED after ${s1(r.synthSeconds)} s: ${r.synthError}`);
    return;
  }
  console.log(`synth ${s1(r.synthSeconds)} s (load ${s1(d.loadMs / 1000)}, construct ${s1(d.constructMs / 1000)}, synth + cdk-nag ${s1(d.synthMs / 1000)})`
    + ` | peak RSS of synth ${Math.round(d.maxRssMb)} MB`);
  const verdict = r.synthSeconds <= r.scenario.goalSeconds ? 'met' : 'MISSED';
  console.log(`synth ${s1(r.synthSeconds)} s against the goal of ${r.scenario.goalSeconds} s: ${verdict}; `
    + `generate + compile + synth ${s1(total)} s`);
  console.log('');
  for (const line of formatLimitsTable(r.reports)) console.log(line);
  const totalResources = r.reports.reduce((n, x) => n + x.resources.used, 0);
  console.log(`${r.reports.length} stacks, ${totalResources} resources in all`);

  // what dominates the biggest stacks, for designing the split
  const biggest = [...r.reports].sort((a, b) => b.resources.used - a.resources.used).slice(0, 2);
  const heaviest = [...r.reports].sort((a, b) => b.templateBytes.used - a.templateBytes.used).slice(0, 2);
  const glueSource = r.reports.find((x) => x.resourceTypes.some(([t]) => t === 'AWS::Glue::Job'));
  for (const rep of new Set([...biggest, ...heaviest, ...(glueSource ? [glueSource] : []), ...r.reports.filter((x) => x.violations.length > 0)])) {
    const top = (xs: [string, number][]) => xs.slice(0, 6).map(([k, n]) => `${k} ${n}`).join(', ');
    console.log(`\n${rep.stackName}: ${rep.resources.used} resources`);
    console.log(`  by type:      ${top(rep.resourceTypes)}`);
    console.log(`  by construct: ${top(rep.resourcesByConstruct)}`);
    const kb = rep.bytesByConstructAndType.slice(0, 4).map(([k, n]) => `${k} ${Math.round(n / 1000)} kB`).join(', ');
    console.log(`  bytes:        ${kb} (of ${Math.round(rep.templateBytes.used / 1000)} kB)`);
    const sfn = [...rep.stateMachines].sort((a, b) => b.use.used - a.use.used)[0];
    if (sfn) console.log(`  state machine ${sfn.path ?? sfn.logicalId}: ${sfn.use.estimated ? '~' : ''}${sfn.use.used.toLocaleString('en-US')} bytes`);
    const env = [...rep.lambdaEnvironments].sort((a, b) => b.use.used - a.use.used)[0];
    if (env) console.log(`  largest Lambda environment ${env.path ?? env.logicalId}: ${env.use.estimated ? '~' : ''}${env.use.used.toLocaleString('en-US')} bytes`);
  }
}

function main(): number {
  const keep = process.argv.includes('--keep');
  const root = repositoryRoot();
  const tmpParent = path.join(root, '.tmp');
  fs.mkdirSync(tmpParent, { recursive: true });
  const base = fs.mkdtempSync(path.join(tmpParent, 'scale-bench-'));
  console.log(`scale bench: ${os.cpus().length} CPUs, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}; workspaces in ${base}`);
  console.log(`limits: ${CFN_LIMITS.resources} resources, ${CFN_LIMITS.templateBytes.toLocaleString('en-US')} template bytes via S3 `
    + `(${CFN_LIMITS.inlineTemplateBytes.toLocaleString('en-US')} inline), ${CFN_LIMITS.outputs} outputs, ${CFN_LIMITS.parameters} parameters per stack; `
    + 'state machine definition 1 MiB; Lambda environment 4 KiB (~ marks estimates: deploy-time values counted as 128 bytes)');
  try {
    const violations: string[] = [];
    const queue = [...SCENARIOS];
    for (let scenario = queue.shift(); scenario; scenario = queue.shift()) {
      const result = runScenario(root, base, scenario);
      printScenario(result);
      violations.push(...result.reports.flatMap((x) => x.violations.map((v) => `${result.scenario.label}: ${v}`)));
      if (result.synthError !== undefined) {
        violations.push(`${scenario.label}: synth stopped: ${result.synthError}`);
        if (scenario.fallback) queue.unshift(scenario.fallback);
      }
    }
    if (violations.length > 0) {
      console.log(`\nLIMITS EXCEEDED (${violations.length}):`);
      for (const v of violations) console.log(`  ${v}`);
      return 1;
    }
    console.log('\nevery template within the limits');
    return 0;
  } catch (e) {
    if (!(e instanceof BenchError)) throw e;
    console.error(e.message);
    return 2;
  } finally {
    if (keep) console.log(`kept ${base}`);
    else fs.rmSync(base, { recursive: true, force: true });
  }
}

process.exitCode = main();
