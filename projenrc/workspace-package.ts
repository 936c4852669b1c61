import * as path from 'path';
import { javascript, typescript } from 'projen';
import { NxProject, NxTarget } from './nx';
import { SCOPE, VERSIONS, WORKSPACE_VERSION } from './versions';

/** Options every kind of workspace package shares. */
export interface WorkspacePackageOptions {
  /** Short name: folder name, Nx project name and npm name after the scope. */
  readonly name: string;
  /** One line on what the package is for (goes into package.json). */
  readonly description: string;
  /** Third-party runtime dependencies, each `name@range`. */
  readonly deps?: string[];
  /** Third-party development dependencies, each `name@range`. */
  readonly devDeps?: string[];
  /** Other workspace packages this one imports. */
  readonly workspaceDeps?: WorkspacePackage[];
  /** Extra Nx tags (the kind adds `type:<kind>`). */
  readonly tags?: string[];
}

/** What a kind decides for its packages. */
export interface PackageKindOptions extends WorkspacePackageOptions {
  /** Folder under the repository root that holds packages of this kind. */
  readonly folder: string;
  /** Tag naming the kind, e.g. `type:construct-library`. */
  readonly kindTag: string;
  /** Whether the package compiles to `lib/` (integration suites only type-check). */
  readonly emits?: boolean;
  /** Extra jest configuration. */
  readonly jestConfig?: javascript.JestConfigOptions;
  /** Extra command-line flags for jest. */
  readonly jestArgs?: string[];
}

/** The root project a workspace package belongs to. */
export interface WorkspaceRoot {
  readonly outdir: string;
  /** Registers a package in the npm workspaces list. */
  addWorkspace(pkg: WorkspacePackage): void;
}

/**
 * Base of every TypeScript package in the monorepo: an npm workspace member whose package.json,
 * tsconfigs, jest and eslint config are generated here, and whose Nx targets run the same
 * commands as its projen tasks (one definition, two entry points).
 */
export class WorkspacePackage extends typescript.TypeScriptProject {
  /** npm package name, e.g. `@cdc-lakehouse/networking`. */
  public readonly packageName: string;
  /** Nx project name (the short name). */
  public readonly nxName: string;
  /** The package's `project.json`. */
  public readonly nx: NxProject;

  constructor(root: typescript.TypeScriptProject & WorkspaceRoot, options: PackageKindOptions) {
    const emits = options.emits ?? true;
    const outdir = path.posix.join(options.folder, options.name);
    const toRoot = path.posix.relative(outdir, '.');
    super({
      parent: root,
      outdir,
      name: `${SCOPE}/${options.name}`,
      description: options.description,
      defaultReleaseBranch: 'main',
      packageManager: javascript.NodePackageManager.NPM,
      projenrcTs: false,
      sampleCode: false,
      licensed: false,
      github: false,
      release: false,
      package: false,
      depsUpgrade: false,
      buildWorkflow: false,
      pullRequestTemplate: false,
      typescriptVersion: VERSIONS.typescript,
      minNodeVersion: undefined,
      deps: options.deps,
      peerDependencyOptions: { pinnedDevDependency: false },
      devDeps: [
        `@types/node@${VERSIONS.typesNode}`,
        `ts-jest@${VERSIONS.tsJest}`,
        `eslint-import-resolver-typescript@${VERSIONS.eslintImportResolverTypescript}`,
        `eslint-plugin-import@${VERSIONS.eslintPluginImport}`,
        ...(options.devDeps ?? []),
      ],
      jestOptions: {
        jestVersion: VERSIONS.jest,
        junitReporting: false,
        updateSnapshot: javascript.UpdateSnapshot.NEVER,
        jestConfig: {
          testEnvironment: 'node',
          collectCoverage: false,
          ...options.jestConfig,
        },
      },
      tsconfig: {
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022'],
          typeRoots: [`${toRoot}/node_modules/@types`],
          skipLibCheck: true,
          noEmit: !emits,
        },
      },
      // ts-jest then transpiles file by file (fast); the `lint` target type-checks the tests instead.
      tsconfigDev: { compilerOptions: { isolatedModules: true } },
    });
    this.packageName = `${SCOPE}/${options.name}`;
    this.nxName = options.name;
    this.package.addField('version', WORKSPACE_VERSION);
    this.package.addField('private', true);
    // targets come from project.json only, not from the package.json scripts projen writes
    this.package.addField('nx', { includedScripts: [] });

    // The root `npm install` installs every workspace; a package installing on its own would
    // create a second node_modules tree and lockfile. Versions are explicit, so nothing to resolve.
    this.package.postSynthesize = () => {};

    this.addWorkspaceDeps(...(options.workspaceDeps ?? []));
    root.addWorkspace(this);

    this.nx = new NxProject(this, options.name, [options.kindTag, ...(options.tags ?? [])]);

    this.defineTarget('build', emits ? 'tsc -p tsconfig.json' : 'tsc -p test/tsconfig.json', {
      dependsOn: ['^build'],
      inputs: emits ? ['production', '^production'] : ['default', '^production'],
      outputs: emits ? ['{projectRoot}/lib'] : [],
    }, 'compile');
    this.defineTarget('test', ['jest', '--ci', ...(options.jestArgs ?? [])].join(' '), {
      dependsOn: ['^build'],
      inputs: ['default', '^production'],
    }, 'test');
    const eslint = 'eslint --ext .ts --max-warnings 0 src test';
    this.defineTarget('lint', emits ? ['tsc -p test/tsconfig.json', eslint] : [eslint], {
      dependsOn: ['^build'],
      inputs: ['default', '^production'],
    }, 'eslint', { ESLINT_USE_FLAT_CONFIG: 'false' });
  }

  /** Depends on other workspace packages (pinned to the workspace version). */
  public addWorkspaceDeps(...packages: WorkspacePackage[]): void {
    for (const dep of packages) this.addDeps(`${dep.packageName}@${WORKSPACE_VERSION}`);
  }

  /**
   * Defines a command once: as the Nx target `target` and as the projen task `task`, so
   * `npx nx run <pkg>:<target>` and `npx projen <task>` inside the package do the same thing.
   */
  public defineTarget(
    target: string,
    command: string | string[],
    nx: Omit<NxTarget, 'command'> = {},
    task: string = target,
    env: Record<string, string> = {},
    viaNpx: boolean = true,
  ): void {
    const commands = Array.isArray(command) ? command : [command];
    const prefix = Object.entries(env).map(([k, v]) => `${k}=${v} `).join('');
    const projenTask = this.tasks.tryFind(task) ?? this.addTask(task);
    projenTask.reset();
    for (const c of commands) projenTask.exec(c);
    for (const [k, v] of Object.entries(env)) projenTask.env(k, v);
    const nxCommand = commands.map((c) => `${prefix}${viaNpx ? 'npx ' : ''}${c}`).join(' && ');
    this.nx.addTarget(target, { ...nx, command: nxCommand });
  }
}
