import { Component, JsonFile, Project } from 'projen';

/** A target of other projects that must run first. */
export interface NxProjectTargetDependency {
  /** Nx project names. */
  readonly projects: string[];
  /** Their target. */
  readonly target: string;
}

/** An Nx input: a named input or file pattern, or an environment variable whose value keys the cache. */
export type NxInput = string | { readonly env: string };

/** One Nx target of a workspace project. */
export interface NxTarget {
  /** Shell command, run from the project's root folder. */
  readonly command: string;
  /** Targets that must run first (`^build` = build of every dependency). */
  readonly dependsOn?: (string | NxProjectTargetDependency)[];
  /** Files (and environment variables) whose content decides whether a cached result may be reused. */
  readonly inputs?: NxInput[];
  /** Files the target writes, restored from the cache on a hit. */
  readonly outputs?: string[];
  /** Whether Nx may serve this target from its cache. @default true */
  readonly cache?: boolean;
  /**
   * More `nx:run-commands` options. One that is not a run-commands setting is also passed to the command as
   * `--<name>=<value>`, and `outputs` may name it as `{options.<name>}` (so a configuration can move the outputs).
   */
  readonly options?: Record<string, string>;
  /**
   * Named variants, chosen with `--configuration=<name>` (or `-c <name>`, `nx run <project>:<target>:<name>`): options
   * that replace the target's, e.g. another `command`. The configuration's name is part of the cache key.
   */
  readonly configurations?: Record<string, Record<string, string>>;
}

/**
 * Writes a project's `project.json`: its Nx name, tags and targets. Every target runs a
 * plain command through `nx:run-commands`, so Nx does orchestration and caching only.
 */
export class NxProject extends Component {
  private readonly targets: Record<string, NxTarget> = {};
  private readonly groups: Record<string, string[]> = {};
  private readonly implicitDependencies = new Set<string>();

  constructor(project: Project, private readonly nxName: string, private readonly tags: string[] = []) {
    super(project);
    new JsonFile(project, 'project.json', {
      obj: () => this.render(),
      marker: false,
      committed: true,
    });
  }

  /** Adds (or replaces) a target. */
  public addTarget(name: string, target: NxTarget): void {
    this.targets[name] = target;
  }

  /**
   * Adds a target that runs nothing itself (`nx:noop`) but this project's `targets`. Besides naming a group, it changes
   * the order of a `run-many`: Nx starts ready tasks that other tasks wait for before those that nothing waits for.
   */
  public addGroupTarget(name: string, targets: string[]): void {
    for (const t of targets) if (!this.targets[t]) throw new Error(`Nx project ${this.nxName} has no target ${t}`);
    this.groups[name] = targets;
  }

  /** Runs `dependency` before this project's `target` (which must exist). */
  public addTargetDependency(target: string, dependency: string | NxProjectTargetDependency): void {
    const existing = this.targets[target];
    if (!existing) throw new Error(`Nx project ${this.nxName} has no target ${target}`);
    this.targets[target] = { ...existing, dependsOn: [...(existing.dependsOn ?? []), dependency] };
  }

  /** Adds (or replaces) a configuration of `target` (which must exist): options replacing the target's. */
  public addConfiguration(target: string, configuration: string, options: Record<string, string>): void {
    const existing = this.targets[target];
    if (!existing) throw new Error(`Nx project ${this.nxName} has no target ${target}`);
    this.targets[target] = { ...existing, configurations: { ...existing.configurations, [configuration]: options } };
  }

  /** Makes this project depend on another one that it does not import (so `^build` builds it first). */
  public addImplicitDependency(nxName: string): void {
    this.implicitDependencies.add(nxName);
  }

  private render(): Record<string, unknown> {
    const root = this.project.parent
      ? this.project.outdir.slice(this.project.root.outdir.length + 1)
      : '.';
    const targets: Record<string, unknown> = {};
    for (const [name, t] of Object.entries(this.targets).sort(([a], [b]) => a.localeCompare(b))) {
      targets[name] = {
        executor: 'nx:run-commands',
        ...(t.dependsOn ? { dependsOn: t.dependsOn } : {}),
        ...(t.inputs ? { inputs: t.inputs } : {}),
        ...(t.outputs ? { outputs: t.outputs } : {}),
        cache: t.cache ?? true,
        options: { command: t.command, cwd: root, ...t.options },
        ...(t.configurations ? { configurations: t.configurations } : {}),
      };
    }
    for (const [name, members] of Object.entries(this.groups)) targets[name] = { executor: 'nx:noop', dependsOn: members, cache: false };
    return {
      $schema: `${root === '.' ? '.' : root.split('/').map(() => '..').join('/')}/node_modules/nx/schemas/project-schema.json`,
      name: this.nxName,
      root,
      projectType: this.tags.includes('type:app') ? 'application' : 'library',
      tags: this.tags,
      ...(this.implicitDependencies.size ? { implicitDependencies: [...this.implicitDependencies].sort() } : {}),
      targets,
    };
  }
}
