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
}

/**
 * Writes a project's `project.json`: its Nx name, tags and targets. Every target runs a
 * plain command through `nx:run-commands`, so Nx does orchestration and caching only.
 */
export class NxProject extends Component {
  private readonly targets: Record<string, NxTarget> = {};
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

  /** Runs `dependency` before this project's `target` (which must exist). */
  public addTargetDependency(target: string, dependency: string | NxProjectTargetDependency): void {
    const existing = this.targets[target];
    if (!existing) throw new Error(`Nx project ${this.nxName} has no target ${target}`);
    this.targets[target] = { ...existing, dependsOn: [...(existing.dependsOn ?? []), dependency] };
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
        options: { command: t.command, cwd: root },
      };
    }
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
