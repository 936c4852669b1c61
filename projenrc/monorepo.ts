import { JsonFile, TextFile, javascript, typescript } from 'projen';
import { NxProject } from './nx';
import { VERSIONS, WORKSPACE_VERSION } from './versions';
import { WorkspacePackage, WorkspaceRoot } from './workspace-package';

/** Environment that keeps every command free of background processes and calls home. */
export const QUIET_ENV: Record<string, string> = {
  NX_DAEMON: 'false',
  NX_NO_CLOUD: 'true',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
};

/** The targets `npm test` runs across the workspace (`test-all` only orders it: see IntegrationTestSuite.ALL_TARGET). */
export const TEST_TARGETS = ['build', 'lint', 'test', 'test-containers', 'test-all', 'synth', 'cfn-lint'];

/** The one command the README and CI both use to run every test. */
export const TEST_COMMAND = 'npm test';

/** The command that runs the project's main job (see `setMainJob`). */
export const MAIN_JOB_COMMAND = 'npm start';

/** Options of the monorepo root. */
export interface LakehouseMonorepoOptions {
  /** Name of the root package. */
  readonly name: string;
  /** One line on what the repository is. */
  readonly description: string;
  /** Where to synthesize (tests use a temporary folder). @default the current folder */
  readonly outdir?: string;
}

/**
 * The repository root: npm workspaces, Nx (`nx.json`), the projen components in `projenrc/`
 * (type-checked and tested like any package), `.ci/run` and the scripts a newcomer runs.
 */
export class LakehouseMonorepo extends typescript.TypeScriptProject implements WorkspaceRoot {
  /** The root's own Nx project (its tests are the projen components' tests). */
  public readonly nx: NxProject;
  private readonly workspaces = new Set<string>();

  constructor(options: LakehouseMonorepoOptions) {
    super({
      name: options.name,
      description: options.description,
      outdir: options.outdir,
      defaultReleaseBranch: 'main',
      packageManager: javascript.NodePackageManager.NPM,
      projenrcTs: true,
      srcdir: 'projenrc',
      testdir: 'test',
      sampleCode: false,
      github: false,
      release: false,
      package: false,
      depsUpgrade: false,
      buildWorkflow: false,
      pullRequestTemplate: false,
      typescriptVersion: VERSIONS.typescript,
      minNodeVersion: '20.10.0',
      projenVersion: '0.103.25',
      peerDependencyOptions: { pinnedDevDependency: false },
      devDeps: [
        `@types/node@${VERSIONS.typesNode}`,
        `ts-jest@${VERSIONS.tsJest}`,
        `ts-node@${VERSIONS.tsNode}`,
        `nx@${VERSIONS.nx}`,
        `constructs@${VERSIONS.constructs}`,
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `eslint-import-resolver-typescript@${VERSIONS.eslintImportResolverTypescript}`,
        `eslint-plugin-import@${VERSIONS.eslintPluginImport}`,
      ],
      jestOptions: {
        jestVersion: VERSIONS.jest,
        junitReporting: false,
        updateSnapshot: javascript.UpdateSnapshot.NEVER,
        jestConfig: { testEnvironment: 'node', collectCoverage: false, testTimeout: 60_000 },
      },
      tsconfig: { compilerOptions: { target: 'ES2022', lib: ['ES2022'], skipLibCheck: true } },
      gitignore: ['.nx/', 'cdk.out/', '*.tsbuildinfo', '/.tmp/'],
    });
    this.package.addField('private', true);
    this.package.addField('version', WORKSPACE_VERSION);
    this.package.addField('workspaces', () => [...this.workspaces].sort());
    // Nx would otherwise turn package.json scripts (`projen build`, `projen test`) into targets of the
    // root project, and `npm test` would end up invoking itself
    this.package.addField('nx', { includedScripts: [] });

    new JsonFile(this, 'nx.json', {
      marker: false,
      obj: {
        $schema: './node_modules/nx/schemas/nx-schema.json',
        useDaemonProcess: false,
        neverConnectToCloud: true,
        parallel: 2,
        namedInputs: {
          sharedGlobals: ['{workspaceRoot}/nx.json'],
          default: ['{projectRoot}/**/*', 'sharedGlobals'],
          production: [
            'default',
            '!{projectRoot}/test/**/*',
            '!{projectRoot}/tests/**/*',
            '!{projectRoot}/.eslintrc.json',
            '!{projectRoot}/README.md',
          ],
        },
        targetDefaults: {
          build: { cache: true },
          test: { cache: true },
          lint: { cache: true },
        },
      },
    });

    // The root is an Nx project too: its tests are the projen components' own tests.
    const nx = new NxProject(this, 'workspace', ['type:workspace']);
    this.nx = nx;
    // `^build` builds the packages the projen tests compile generated code against
    nx.addTarget('test', { command: 'npx jest --ci', dependsOn: ['^build'], inputs: ['default', '^production'] });
    nx.addTarget('lint', {
      command: 'npx tsc -p test/tsconfig.json && ESLINT_USE_FLAT_CONFIG=false npx eslint --ext .ts --max-warnings 0 projenrc test .projenrc.ts',
      inputs: ['default'],
    });

    for (const [k, v] of Object.entries(QUIET_ENV)) this.tasks.addEnvironment(k, v);
    this.testTask.reset(`nx run-many -t ${TEST_TARGETS.join(' ')} --output-style=stream`);
    this.compileTask.reset();

    new TextFile(this, '.ci/run', { executable: true, lines: ciScript() });
  }

  /** Sets what `npm start`, the README's first command, runs. */
  public setMainJob(command: string, description: string): void {
    const task = this.tasks.tryFind('start') ?? this.addTask('start');
    task.reset(command);
    task.description = description;
  }

  public addWorkspace(pkg: WorkspacePackage): void {
    this.workspaces.add(pkg.outdir.slice(this.outdir.length + 1));
  }
}

function ciScript(): string[] {
  // The marker is assembled so that projen's cleanup does not take this source file for a generated one.
  const marker = ['~~ Generated', 'by projen'].join(' ');
  return [
    '#!/usr/bin/env bash',
    `# ${marker} (projenrc/monorepo.ts). To modify, edit it and run "npx projen".`,
    '# CI on a clean clone: system packages, install from the lockfile, prove generated files are current, test.',
    'set -euo pipefail',
    'cd "$(dirname "$0")/.."',
    'bash scripts/install-system-deps.sh',
    '# Exactly the committed lockfile (it lists every platform\'s optional packages, so npm ci accepts it).',
    'npm ci --no-audit --no-fund',
    'PROJEN_DISABLE_POST=true npx projen',
    'if [ -n "$(git status --porcelain)" ]; then',
    '  git status --porcelain',
    '  echo "generated files are stale: run npx projen, then commit the result" >&2',
    '  exit 1',
    'fi',
    '# Nx keeps its cache per user, outside the clone: CI runs every task rather than replaying an earlier run.',
    'export NX_SKIP_NX_CACHE=true',
    TEST_COMMAND,
  ];
}
