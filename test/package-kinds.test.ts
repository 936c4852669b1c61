import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import {
  CdkApp,
  ConstructLibrary,
  GlueScripts,
  IntegrationTestSuite,
  LakehouseMonorepo,
  MAIN_JOB_COMMAND,
  RuntimeLibrary,
  TEST_COMMAND,
  TEST_TARGETS,
  WORKSPACE_VERSION,
} from '../projenrc';
import { sampleOutdir } from './sample-outdir';

type Files = Record<string, any>;

function sampleWorkspace(): Files {
  const repo = new LakehouseMonorepo({ name: 'sample-lakehouse', description: 'test', outdir: sampleOutdir('package-kinds') });
  const net = new ConstructLibrary(repo, { name: 'networking', description: 'network' });
  const core = new RuntimeLibrary(repo, {
    name: 'curation',
    description: 'curation',
    deps: ['left-pad@^1.3.0'],
    bin: { lakehouse: 'lib/cli.js' },
  });
  new CdkApp(repo, { name: 'platform', description: 'app', workspaceDeps: [net, core] });
  const suite = new IntegrationTestSuite(repo, { description: 'suite', deps: ['pg@^8.23.1'], containerSuites: ['replication', 'preflight'] });
  new GlueScripts(repo).usedBy(suite);
  repo.setMainJob('nx run platform:synth', 'Synthesize the platform app');
  return Testing.synth(repo);
}

describe('the monorepo root', () => {
  const files = sampleWorkspace();

  test('lists every TypeScript package as an npm workspace, and only those', () => {
    expect(files['package.json'].workspaces).toEqual([
      'apps/platform',
      'integration-tests',
      'packages/curation',
      'packages/networking',
    ]);
    expect(files['package.json'].private).toBe(true);
  });

  test('npm test runs the workspace targets through Nx with no daemon', () => {
    const tasks = files['.projen/tasks.json'].tasks;
    expect(tasks.test.steps).toEqual([{ exec: `nx run-many -t ${TEST_TARGETS.join(' ')} --output-style=stream` }]);
    expect(files['.projen/tasks.json'].env).toMatchObject({ NX_DAEMON: 'false', CDK_DISABLE_CLI_TELEMETRY: 'true' });
    expect(files['package.json'].scripts.test).toBe('projen test');
  });

  test('npm start runs the main job', () => {
    expect(files['.projen/tasks.json'].tasks.start.steps).toEqual([{ exec: 'nx run platform:synth' }]);
    expect(files['package.json'].scripts.start).toBe('projen start');
  });

  test('Nx takes no targets from package.json scripts (they call projen, which calls Nx)', () => {
    expect(files['package.json'].nx).toEqual({ includedScripts: [] });
    expect(files['packages/networking/package.json'].nx).toEqual({ includedScripts: [] });
  });

  test('nx.json turns the daemon off and keeps tests out of production inputs', () => {
    const nx = files['nx.json'];
    expect(nx.useDaemonProcess).toBe(false);
    expect(nx.neverConnectToCloud).toBe(true);
    expect(nx.namedInputs.production).toEqual(expect.arrayContaining(['default', '!{projectRoot}/test/**/*']));
  });

  test('.ci/run installs exactly the lockfile, fails on projen drift, then runs the test command', () => {
    const lines: string[] = files['.ci/run'].split('\n').filter((l: string) => l && !l.startsWith('#'));
    expect(lines).toContain('npm ci --no-audit --no-fund');
    expect(lines.indexOf('npm ci --no-audit --no-fund')).toBeLessThan(lines.indexOf('PROJEN_DISABLE_POST=true npx projen'));
    expect(lines.some((l) => l.includes('git status --porcelain'))).toBe(true);
    expect(lines[lines.length - 1]).toBe(TEST_COMMAND);
  });
});

describe('package kinds', () => {
  const files = sampleWorkspace();

  test.each([
    ['packages/networking', 'networking', 'type:construct-library'],
    ['packages/curation', 'curation', 'type:runtime-library'],
    ['apps/platform', 'platform', 'type:app'],
    ['integration-tests', 'integration-tests', 'type:integration-tests'],
  ])('%s has build, test and lint targets that build dependencies first', (dir, name, tag) => {
    const project = files[`${dir}/project.json`];
    expect(project.name).toBe(name);
    expect(project.root).toBe(dir);
    expect(project.tags).toContain(tag);
    for (const target of ['build', 'test', 'lint']) {
      expect(project.targets[target]).toMatchObject({
        executor: 'nx:run-commands',
        cache: true,
        options: { cwd: dir },
      });
      expect(project.targets[target].dependsOn[0]).toBe('^build');
      expect(project.targets[target].inputs).toEqual(expect.arrayContaining(['^production']));
    }
  });

  test('a projen task and its Nx target run the same command', () => {
    const tasks = files['packages/networking/.projen/tasks.json'].tasks;
    const targets = files['packages/networking/project.json'].targets;
    expect(targets.build.options.command).toBe(`npx ${tasks.compile.steps[0].exec}`);
    expect(targets.test.options.command).toBe(`npx ${tasks.test.steps[0].exec}`);
    expect(targets.lint.options.command).toBe(
      tasks.eslint.steps.map((s: { exec: string }) => `ESLINT_USE_FLAT_CONFIG=false npx ${s.exec}`).join(' && '),
    );
    expect(tasks.eslint.steps[0].exec).toBe('tsc -p test/tsconfig.json');
  });

  test('libraries declare lib/ as build output; the integration suite only type-checks', () => {
    expect(files['packages/networking/project.json'].targets.build.outputs).toEqual(['{projectRoot}/lib']);
    expect(files['integration-tests/project.json'].targets.build.outputs).toEqual([]);
    expect(files['integration-tests/project.json'].targets.build.options.command).toBe('npx tsc -p test/tsconfig.json');
    expect(files['integration-tests/project.json'].targets.test.options.command).toContain('--runInBand');
  });

  test('construct libraries take aws-cdk-lib and constructs as peers', () => {
    const pkg = files['packages/networking/package.json'];
    expect(Object.keys(pkg.peerDependencies)).toEqual(['aws-cdk-lib', 'constructs']);
    expect(pkg.dependencies ?? {}).not.toHaveProperty('aws-cdk-lib');
  });

  test('workspace dependencies pin the workspace version', () => {
    const pkg = files['apps/platform/package.json'];
    expect(pkg.dependencies['@cdc-lakehouse/networking']).toBe(WORKSPACE_VERSION);
    expect(pkg.dependencies['@cdc-lakehouse/curation']).toBe(WORKSPACE_VERSION);
  });

  test('runtime libraries ship executables through a committed launcher that builds on first use', () => {
    expect(files['packages/curation/package.json'].bin).toEqual({ lakehouse: 'bin/lakehouse' });
    const launcher: string = files['packages/curation/bin/lakehouse'];
    expect(launcher).toMatch(/^#!\/usr\/bin\/env node\n/);
    expect(launcher).toContain("path.join(__dirname, '..', \"lib/cli.js\")");
    expect(launcher).toContain('"curation:build"');
    expect(files['packages/curation/.gitignore']).not.toMatch(/^\/?bin\/?$/m);
  });

  test('apps synthesize from compiled JavaScript and have synth, diff, deploy and cfn-lint targets', () => {
    expect(files['apps/platform/cdk.json']).toMatchObject({ app: 'node lib/main.js', output: 'cdk.out' });
    const targets = files['apps/platform/project.json'].targets;
    // `output` reaches cdk as --output=cdk.out; an environment's configuration moves it (test/environments.test.ts)
    expect(targets.synth).toMatchObject({ dependsOn: ['build'], outputs: ['{projectRoot}/{options.output}'], cache: true });
    expect(targets.synth.options).toMatchObject({ command: 'CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet', output: 'cdk.out' });
    expect(targets.synth.configurations).toBeUndefined();
    expect(targets['cfn-lint']).toMatchObject({ dependsOn: ['synth'], options: { command: 'cfn-lint --non-zero-exit-code error cdk.out/*.template.json' } });
    expect(targets.diff.cache).toBe(false);
    expect(targets.deploy.cache).toBe(false);
    // no pre-deploy command unless the app gives one (test/environments.test.ts)
    expect(targets.deploy.options.command).toBe('CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all');
    expect(files['apps/platform/.projen/tasks.json'].tasks.deploy.steps).toEqual([{ exec: 'cdk deploy --all' }]);
  });

  test('an app\'s pre-deploy command runs before cdk deploy, from Nx and from projen, and stops it when it fails', () => {
    const repo = new LakehouseMonorepo({ name: 'sample-lakehouse', description: 'test', outdir: sampleOutdir('package-kinds') });
    new CdkApp(repo, { name: 'lakehouse', description: 'app', preDeploy: 'node lib/check-platform.js' });
    const out = Testing.synth(repo);
    const deploy = out['apps/lakehouse/project.json'].targets.deploy;
    expect(deploy).toMatchObject({ dependsOn: ['build'], cache: false });
    expect(deploy.options).toEqual({ command: 'node lib/check-platform.js && CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all', cwd: 'apps/lakehouse' });
    expect(deploy.configurations).toBeUndefined();
    expect(out['apps/lakehouse/.projen/tasks.json'].tasks.deploy.steps).toEqual([{ exec: 'node lib/check-platform.js' }, { exec: 'cdk deploy --all' }]);
    // synth and diff are not checked: they need no deployed platform
    const targets = out['apps/lakehouse/project.json'].targets;
    expect(targets.synth.options.command).toBe('CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet');
    expect(targets.diff.options.command).toBe('CDK_DISABLE_CLI_TELEMETRY=true npx cdk diff');
  });

  test('glue scripts are an Nx project tested with pytest on the installed Spark, not an npm workspace', () => {
    const project = files['glue-scripts/project.json'];
    expect(project.targets['spark-env']).toMatchObject({ cache: false, options: { command: 'bash ../scripts/install-spark.sh' } });
    expect(project.targets.test.dependsOn).toEqual(['spark-env']);
    expect(project.targets.test.options.command).toContain('/venv/bin/python" -m pytest');
    expect(files['glue-scripts/package.json']).toBeUndefined();
  });

  test('the integration suite runs on local binaries by default, and its container suites again in containers', () => {
    const suite = files['integration-tests/project.json'];
    const switches = ['LAKEHOUSE_TEST_SERVERS', 'LAKEHOUSE_TEST_POSTGRES', 'LAKEHOUSE_TEST_MARIADB', 'DOCKER_HOST'].map((env) => ({ env }));
    expect(suite.targets.test.options.command).toBe('LAKEHOUSE_TEST_SERVERS=${LAKEHOUSE_TEST_SERVERS:-local} npx jest --ci --runInBand');
    expect(suite.targets['test-containers'].options.command).toBe('bash containers/engine.sh run -- npx jest --ci --runInBand replication preflight');
    for (const target of ['test', 'test-containers']) {
      // a cached result from one mode is never replayed for another
      expect(suite.targets[target].inputs).toEqual(expect.arrayContaining(switches));
    }
    const tasks = files['integration-tests/.projen/tasks.json'].tasks;
    expect(tasks['test-containers'].steps).toEqual([{ exec: suite.targets['test-containers'].options.command }]);
    expect(TEST_TARGETS).toContain('test-containers');
  });

  test('npm test names a group of both suites, so Nx starts them (the longest tasks) before the other projects\' lint and test', () => {
    const suite = files['integration-tests/project.json'];
    expect(suite.targets['test-all']).toEqual({ executor: 'nx:noop', dependsOn: ['test', 'test-containers'], cache: false });
    expect(TEST_TARGETS).toContain('test-all');
    // no other project has the target: the group orders this one project's tasks only
    const others = Object.entries(files).filter(([f]) => f.endsWith('project.json') && f !== 'integration-tests/project.json');
    expect(others.length).toBeGreaterThan(2);
    expect(others.filter(([, json]) => json.targets?.['test-all'] !== undefined)).toEqual([]);
  });

  test('a suite that runs the Glue scripts installs Spark first and is invalidated by script changes', () => {
    const suite = files['integration-tests/project.json'];
    expect(suite.implicitDependencies).toEqual(['glue-scripts']);
    expect(suite.targets.test.dependsOn).toContainEqual({ projects: ['glue-scripts'], target: 'spark-env' });
    expect(files['packages/curation/project.json'].targets.test.dependsOn).toEqual(['^build']);
  });
});

describe('this repository', () => {
  const root = path.join(__dirname, '..');

  test('the README runs the same test command as CI', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const ci = fs.readFileSync(path.join(root, '.ci/run'), 'utf8').trim().split('\n');
    expect(ci[ci.length - 1]).toBe(TEST_COMMAND);
    expect(readme).toContain(`\n${TEST_COMMAND}\n`);
    expect(readme).toContain(`\n${MAIN_JOB_COMMAND}\n`);
  });
});
