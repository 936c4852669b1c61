import { JsonFile, Project, TextFile, typescript } from 'projen';
import { NxProject } from './nx';
import { VERSIONS } from './versions';
import { WorkspacePackage, WorkspacePackageOptions, WorkspaceRoot } from './workspace-package';

type Root = typescript.TypeScriptProject & WorkspaceRoot;

/** A library of CDK constructs in `packages/`: aws-cdk-lib and constructs are peers. */
export class ConstructLibrary extends WorkspacePackage {
  constructor(root: Root, options: WorkspacePackageOptions) {
    super(root, {
      ...options,
      folder: 'packages',
      kindTag: 'type:construct-library',
      devDeps: [
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `constructs@${VERSIONS.constructs}`,
        `cdk-nag@${VERSIONS.cdkNag}`,
        ...(options.devDeps ?? []),
      ],
    });
    this.addPeerDeps(`aws-cdk-lib@${VERSIONS.awsCdkLib}`, 'constructs@^10.0.0');
  }
}

/** A runtime library or command-line tool in `packages/` (no CDK). */
export interface RuntimeLibraryOptions extends WorkspacePackageOptions {
  /** Executables: command name → compiled file relative to the package, e.g. `lib/cli.js`. */
  readonly bin?: Record<string, string>;
}

/**
 * A runtime library or CLI in `packages/`. Each executable gets a committed launcher
 * `bin/<command>`: npm links a workspace's bin only if the file exists at install time, and
 * `lib/` is built after install, so pointing the bin at `lib/` left `npx <command>` on a fresh
 * clone asking the public registry for a package of that name. The launcher builds the package
 * with Nx on first use when its compiled entry point is missing.
 */
export class RuntimeLibrary extends WorkspacePackage {
  constructor(root: Root, options: RuntimeLibraryOptions) {
    super(root, { ...options, folder: 'packages', kindTag: 'type:runtime-library' });
    for (const [command, entry] of Object.entries(options.bin ?? {})) {
      const launcher = `bin/${command}`;
      new TextFile(this, launcher, { executable: true, committed: true, lines: launcherScript(this.nxName, entry) });
      this.addBins({ [command]: launcher });
    }
  }
}

function launcherScript(nxName: string, entry: string): string[] {
  return [
    '#!/usr/bin/env node',
    `// ${['~~ Generated', 'by projen'].join(' ')} (projenrc/kinds.ts). To modify, edit it and run "npx projen".`,
    "'use strict';",
    "const fs = require('fs');",
    "const path = require('path');",
    `const entry = path.join(__dirname, '..', ${JSON.stringify(entry)});`,
    'if (!fs.existsSync(entry)) {',
    `  process.stderr.write(${JSON.stringify(`first run: building ${nxName} (npx nx run ${nxName}:build)\n`)});`,
    "  const nxManifest = require.resolve('nx/package.json', { paths: [__dirname] });",
    '  const nx = path.join(path.dirname(nxManifest), require(nxManifest).bin.nx);',
    "  const result = require('child_process').spawnSync(process.execPath, [nx, 'run', " + JSON.stringify(`${nxName}:build`) + ", '--output-style=stream-without-prefixes'], {",
    "    stdio: ['ignore', process.stderr, process.stderr],",
    "    cwd: path.join(__dirname, '..', '..', '..'), // the workspace root: packages/<name>/bin",
    "    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },",
    '  });',
    '  if (result.status !== 0 || !fs.existsSync(entry)) {',
    `    process.stderr.write(${JSON.stringify(`could not build ${nxName}; run "npx nx run ${nxName}:build" and look at its errors\n`)});`,
    '    process.exit(2);',
    '  }',
    '}',
    'require(entry);',
  ];
}

/** Options of a {@link CdkApp}. */
export interface CdkAppOptions extends WorkspacePackageOptions {
  /**
   * A command run before every `cdk deploy` of the app (plain and per environment, which gets `--environment <name>`);
   * a non-zero exit stops the deploy. E.g. the lakehouse app's check that its platform is deployed.
   * @default - none
   */
  readonly preDeploy?: string;
}

/**
 * A deployable CDK app in `apps/`: compiled once, synthesized from `lib/main.js` (no ts-node on
 * the hot path), with Nx targets `synth`, `diff`, `deploy` and `cfn-lint`. Each environment added
 * with {@link CdkApp.addEnvironment} becomes a configuration of those four targets.
 */
export class CdkApp extends WorkspacePackage {
  /** The CDK context key that chooses an environment: `-c lakehouse:environment=<name>`. */
  public static readonly ENVIRONMENT_CONTEXT = 'lakehouse:environment';

  /** The cloud assembly folder of an environment's synth, diff and deploy (the unconfigured targets use `cdk.out`). */
  public static environmentOutput(environment: string): string {
    return `cdk.out.${environment}`;
  }

  private static readonly ENV = { CDK_DISABLE_CLI_TELEMETRY: 'true' };
  private readonly environmentNames: string[] = [];
  private readonly preDeploy?: string;

  constructor(root: Root, options: CdkAppOptions) {
    super(root, {
      ...options,
      folder: 'apps',
      kindTag: 'type:app',
      deps: [
        `aws-cdk-lib@${VERSIONS.awsCdkLib}`,
        `constructs@${VERSIONS.constructs}`,
        `cdk-nag@${VERSIONS.cdkNag}`,
        ...(options.deps ?? []),
      ],
      devDeps: [`aws-cdk@${VERSIONS.awsCdkCli}`, ...(options.devDeps ?? [])],
    });
    new JsonFile(this, 'cdk.json', {
      obj: {
        app: 'node lib/main.js',
        output: 'cdk.out',
        context: {
          'cli-telemetry': false,
          // explicit, so synth does not warn; strong references protect producers of cross-stack values
          '@aws-cdk/core:defaultCrossStackReferences': 'strong',
        },
      },
    });
    this.gitignore.exclude('cdk.out', `${CdkApp.environmentOutput('*')}`, 'cdk.context.json');
    const env = CdkApp.ENV;
    // `output` is passed on to cdk as `--output=<folder>` and names the cached outputs: an environment's
    // configuration writes its own folder, so a cached environment-agnostic cdk.out is never taken for it.
    this.defineTarget('synth', 'cdk synth --quiet', {
      dependsOn: ['build'],
      inputs: ['production', '^production'],
      outputs: ['{projectRoot}/{options.output}'],
      options: { output: 'cdk.out' },
    }, 'synth', env);
    // errors fail the target; warnings (e.g. on CDK's own custom-resource Lambdas) are printed
    this.defineTarget('cfn-lint', 'cfn-lint --non-zero-exit-code error cdk.out/*.template.json', {
      dependsOn: ['synth'],
      inputs: ['production', '^production'],
    }, 'cfn-lint', {}, false);
    this.defineTarget('diff', 'cdk diff', { dependsOn: ['build'], cache: false }, 'diff', env);
    this.preDeploy = options.preDeploy;
    this.defineTarget('deploy', 'cdk deploy --all', { dependsOn: ['build'], cache: false }, 'deploy', env);
    if (this.preDeploy) {
      const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
      this.tasks.tryFind('deploy')!.prependExec(this.preDeploy);
      this.nx.addTarget('deploy', { dependsOn: ['build'], cache: false, command: `${this.preDeploy} && ${prefix}npx cdk deploy --all` });
    }
  }

  /**
   * Adds an environment: the configuration `<name>` of `synth`, `diff`, `deploy` and `cfn-lint`
   * (`npx nx deploy <app> --configuration=<name>`), which passes `-c lakehouse:environment=<name>` to the CDK
   * and keeps its cloud assembly in `cdk.out.<name>`.
   */
  public addEnvironment(name: string): void {
    if (this.environmentNames.includes(name)) throw new Error(`app ${this.nxName}: environment "${name}" added twice`);
    this.environmentNames.push(name);
    const prefix = Object.entries(CdkApp.ENV).map(([k, v]) => `${k}=${v} `).join('');
    const context = `-c ${CdkApp.ENVIRONMENT_CONTEXT}=${name}`;
    const output = CdkApp.environmentOutput(name);
    this.nx.addConfiguration('synth', name, { command: `${prefix}npx cdk synth --quiet ${context}`, output });
    this.nx.addConfiguration('cfn-lint', name, { command: `cfn-lint --non-zero-exit-code error ${output}/*.template.json` });
    this.nx.addConfiguration('diff', name, { command: `${prefix}npx cdk diff ${context} --output ${output}` });
    const check = this.preDeploy ? `${this.preDeploy} --environment ${name} && ` : '';
    this.nx.addConfiguration('deploy', name, { command: `${check}${prefix}npx cdk deploy --all ${context} --output ${output}` });
  }

  /** The environments added so far, in order. */
  public get environments(): readonly string[] {
    return this.environmentNames;
  }
}

/** Options of the integration-test suite. */
export interface IntegrationTestSuiteOptions extends Omit<WorkspacePackageOptions, 'name'> {
  /** Per-test timeout; real servers start inside tests. @default 120000 */
  readonly testTimeoutMs?: number;
  /**
   * Test files (jest path patterns) that also run in the container mode, as the
   * `test-containers` target: their servers are containers started by testcontainers.
   */
  readonly containerSuites?: string[];
}

/** The environment variables that choose the fixtures' servers; part of the test targets' cache keys. */
const SERVER_SWITCHES = [
  'LAKEHOUSE_TEST_SERVERS',
  'LAKEHOUSE_TEST_POSTGRES',
  'LAKEHOUSE_TEST_MARIADB',
  'LAKEHOUSE_TEST_POSTGRES_IMAGE',
  'LAKEHOUSE_TEST_MARIADB_IMAGE',
  'DOCKER_HOST',
];

/**
 * Jest suites in `integration-tests/` against real database servers. Tests run one file at a
 * time: each file starts its own servers and the machine has two cores.
 *
 * Two targets run them: `test` on servers made from the machine's binaries (unless
 * LAKEHOUSE_TEST_SERVERS says otherwise), and `test-containers` with the container suites in
 * containers, through `containers/engine.sh` (which brings up podman and the local images where
 * no engine answers, and stops all it started).
 */
export class IntegrationTestSuite extends WorkspacePackage {
  /** The target that runs the container suites in containers. */
  public static readonly CONTAINERS_TARGET = 'test-containers';
  /**
   * Both test targets. The suites are the longest tasks of a full run (about 14 minutes on two cores); as dependencies
   * of this target, a `run-many` that names it starts them as soon as their builds are done instead of after every
   * other project's lint and test (Nx runs first the ready tasks that others wait for).
   */
  public static readonly ALL_TARGET = 'test-all';

  constructor(root: Root, options: IntegrationTestSuiteOptions) {
    const jestArgs = ['--runInBand'];
    super(root, {
      ...options,
      name: 'integration-tests',
      folder: '.',
      kindTag: 'type:integration-tests',
      emits: false,
      // each suite keeps the lakehouse's own state (capture's slot records) in a temp folder, not in the user's home
      jestConfig: { testTimeout: options.testTimeoutMs ?? 120_000, setupFilesAfterEnv: ['<rootDir>/test/setup/lakehouse-state-dir.ts'] },
      jestArgs,
    });
    const serverInputs = SERVER_SWITCHES.map((env) => ({ env }));
    // Local binaries unless the caller chose otherwise (e.g. LAKEHOUSE_TEST_SERVERS=container with Docker).
    this.defineTarget('test', ['LAKEHOUSE_TEST_SERVERS=${LAKEHOUSE_TEST_SERVERS:-local}', 'npx jest --ci', ...jestArgs].join(' '), {
      dependsOn: ['^build'],
      inputs: ['default', '^production', ...serverInputs],
    }, 'test', {}, false);
    const suites = options.containerSuites ?? [];
    if (suites.length > 0) {
      this.defineTarget(IntegrationTestSuite.CONTAINERS_TARGET, ['bash containers/engine.sh run --', 'npx jest --ci', ...jestArgs, ...suites].join(' '), {
        dependsOn: ['^build'],
        inputs: ['default', '^production', ...serverInputs],
      }, IntegrationTestSuite.CONTAINERS_TARGET, {}, false);
    }
    this.nx.addGroupTarget(IntegrationTestSuite.ALL_TARGET, suites.length > 0 ? ['test', IntegrationTestSuite.CONTAINERS_TARGET] : ['test']);
  }
}

/**
 * The Python scripts AWS Glue runs (`glue-scripts/`). Not an npm package: an Nx project whose
 * `spark-env` target installs the local rehearsal of Glue 5.0 (PySpark 3.5.4 + Iceberg 1.7.1,
 * pinned, cached outside the repository by `scripts/install-spark.sh`), whose `test` target runs
 * pytest in that environment and whose `lint` target byte-compiles every script.
 */
export class GlueScripts extends Project {
  /** The target that installs the Spark environment; every suite that runs Spark depends on it. */
  public static readonly SPARK_ENV_TARGET = 'spark-env';
  /** The Nx project name. */
  public readonly nxName = 'glue-scripts';
  /** The project's `project.json`. */
  public readonly nx: NxProject;

  constructor(root: Project) {
    super({ name: 'glue-scripts', parent: root, outdir: 'glue-scripts' });
    const nx = new NxProject(this, this.nxName, ['type:glue-scripts']);
    this.nx = nx;
    // idempotent and quick once installed; never cached, so a fresh machine always installs
    nx.addTarget(GlueScripts.SPARK_ENV_TARGET, { command: 'bash ../scripts/install-spark.sh', cache: false });
    nx.addTarget('test', {
      command: 'SPARK_ENV=$(bash ../scripts/install-spark.sh | tail -n 1) && "$SPARK_ENV/venv/bin/python" -m pytest -q -p no:cacheprovider tests',
      dependsOn: [GlueScripts.SPARK_ENV_TARGET],
      inputs: ['default', '{workspaceRoot}/scripts/install-spark.sh', '{workspaceRoot}/packages/curation/test/golden/**/*'],
    });
    nx.addTarget('bench', {
      command: 'SPARK_ENV=$(bash ../scripts/install-spark.sh | tail -n 1) && "$SPARK_ENV/venv/bin/python" bench/merge_bench.py',
      dependsOn: [GlueScripts.SPARK_ENV_TARGET],
      cache: false,
    });
    nx.addTarget('lint', {
      command: 'python3 -m py_compile $(find . -name "*.py" -not -path "*/node_modules/*")',
      inputs: ['default'],
    });
    this.gitignore.exclude('__pycache__/', '*.pyc', '.pytest_cache/');
  }

  /**
   * Declares that `pkg`'s `target` runs the Glue scripts on the local Spark: the environment is
   * installed first, and a change to the scripts invalidates the target's cache.
   */
  public usedBy(pkg: { nx: NxProject }, target = 'test'): void {
    pkg.nx.addImplicitDependency(this.nxName);
    pkg.nx.addTargetDependency(target, { projects: [this.nxName], target: GlueScripts.SPARK_ENV_TARGET });
  }
}

/**
 * The local Trino that rehearses Athena's SQL (`lakehouse local curate --engine trino`): a `trino-env` target on the
 * package whose engine runs it, installing Trino 476 and its JDK check (pinned, cached outside the repository by
 * `scripts/install-trino.sh`).
 */
export class TrinoRehearsal {
  /** The target that installs Trino; every suite that starts it depends on it. */
  public static readonly TRINO_ENV_TARGET = 'trino-env';

  constructor(private readonly host: WorkspacePackage) {
    const script = `${'../'.repeat(host.outdir.slice(host.root.outdir.length + 1).split('/').length)}scripts/install-trino.sh`;
    // idempotent and quick once installed; never cached, so a fresh machine always installs
    host.nx.addTarget(TrinoRehearsal.TRINO_ENV_TARGET, { command: `bash ${script}`, cache: false });
  }

  /** Declares that `pkg`'s `target` starts the local Trino: it is installed first. */
  public usedBy(pkg: { nx: NxProject }, target = 'test'): void {
    pkg.nx.addTargetDependency(target, { projects: [this.host.nxName], target: TrinoRehearsal.TRINO_ENV_TARGET });
  }
}
