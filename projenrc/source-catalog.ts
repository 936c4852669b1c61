import { Component, TextFile } from 'projen';
import type { typescript } from 'projen';
import { CdkApp, ConstructLibrary } from './kinds';
import { LakehouseMonorepo } from './monorepo';
import { SourceEntry, validateEntry } from './source-entry';
import { pascal, renderConfig, renderReadme, renderStack, sortImports } from './source-render';
import { renderTest } from './source-render-test';
import { VERSIONS } from './versions';
import { WorkspaceRoot } from './workspace-package';

/** The packages generated source packages build on. */
export interface SourceCatalogOptions {
  /** The CDK app that deploys every source (gets one stack per source, `src/sources.generated.ts`). */
  readonly app: CdkApp;
  /** The apps' configuration package: gets the list of sources, `src/config/sources.generated.ts`. */
  readonly config: ConstructLibrary;
  /** How a source stack finds the platform (`IPlatformLink`). */
  readonly platformLink: ConstructLibrary;
  readonly rawZone: ConstructLibrary;
  readonly dms: ConstructLibrary;
  readonly dmsPostgres: ConstructLibrary;
  readonly dmsMysql: ConstructLibrary;
  /** The warehouse and the Glue curation job every source stack creates. */
  readonly curationAws: ConstructLibrary;
  /** Lake Formation governance: each source stack governs itself (`SourceGovernance`) on the platform's `LakeFormationSettings`. */
  readonly governance: ConstructLibrary;
  /** The lakehouse dashboard: each source stack describes itself to it (`LakehouseDashboardSource`). */
  readonly operations: ConstructLibrary;
}

/**
 * Generates one package per source database from a single entry, and wires it into the app that
 * deploys sources. `sources.add({...})` then `npx projen` is the whole "add a source" recipe.
 */
export class SourceCatalog extends Component {
  private readonly entries: SourcePackage[] = [];
  private readonly registry: TextFile;
  private readonly list: TextFile;

  constructor(private readonly root: typescript.TypeScriptProject & WorkspaceRoot, private readonly options: SourceCatalogOptions) {
    super(root);
    // the root's tests build a generated source package against the engine packages
    if (root instanceof LakehouseMonorepo) {
      root.nx.addImplicitDependency(options.dmsPostgres.nxName);
      root.nx.addImplicitDependency(options.dmsMysql.nxName);
      root.nx.addImplicitDependency(options.curationAws.nxName);
      root.nx.addImplicitDependency(options.governance.nxName);
      root.nx.addImplicitDependency(options.operations.nxName);
      root.nx.addImplicitDependency(options.platformLink.nxName);
    }
    this.list = new TextFile(options.config, 'src/config/sources.generated.ts', { lines: [], readonly: true });
    this.registry = new TextFile(options.app, 'src/sources.generated.ts', {
      lines: [], // filled in preSynthesize, once every source is known
      readonly: true,
    });
  }

  /** Adds a source database; returns its generated package. */
  public add(entry: SourceEntry): SourcePackage {
    validateEntry(entry, this.entries.map((e) => e.entry.name));
    const pkg = new SourcePackage(this.root, entry, this.options);
    this.entries.push(pkg);
    this.options.app.addWorkspaceDeps(pkg);
    return pkg;
  }

  /** The generated source packages, in the order they were added. */
  public get sources(): readonly SourcePackage[] {
    return this.entries;
  }

  public preSynthesize(): void {
    const list = [
      `// ${this.list.marker}`,
      "import type { SourceConfig } from './config';",
      '',
      '/** The source databases listed in .projenrc.ts. */',
      'export const SOURCE_DATABASES: SourceConfig[] = [',
      ...this.entries.map((s) => `  { name: '${s.entry.name}', engine: '${s.entry.engine}' },`),
      '];',
      '',
    ];
    for (const line of list) this.list.addLine(line);
    const lines = [
      `// ${this.registry.marker}`,
      ...sortImports([
        "import type { SourceStackOptions } from '@cdc-lakehouse/app-config';",
        "import type { SourceGovernance } from '@cdc-lakehouse/governance';",
        "import type { LakehouseDashboardSource } from '@cdc-lakehouse/operations';",
        "import type { IPlatformLink } from '@cdc-lakehouse/platform-link';",
        "import { Stack } from 'aws-cdk-lib';",
        "import { Construct } from 'constructs';",
        ...this.entries.map((s) => `import { ${s.stackClass} } from '${s.packageName}';`),
      ]),
      '',
      '/** A source database\'s stack: its Lake Formation governance, and what it tells the dashboard about itself. */',
      'export type SourceStack = Stack & { readonly governance: SourceGovernance; readonly monitoring: LakehouseDashboardSource };',
      '',
      '/** The stack ids of the sources listed in .projenrc.ts, in order. */',
      'export const SOURCE_STACK_IDS: readonly string[] = [',
      ...this.entries.map((s) => `  '${s.stackId}',`),
      '];',
      '',
      '/** Adds one stack per source database, each importing the platform\'s network, log bucket, warehouse and Lake Formation settings. */',
      'export function addSourceStacks(scope: Construct, platform: IPlatformLink, props: SourceStackOptions = {}): SourceStack[] {',
      '  return [',
      ...this.entries.map((s) => `    new ${s.stackClass}(scope, '${s.stackId}', { ...props, platform }),`),
      '  ];',
      '}',
      '',
    ];
    for (const line of lines) this.registry.addLine(line);
  }
}

/** A generated package for one source database: config, stack and tests. */
export class SourcePackage extends ConstructLibrary {
  /** Name of the generated stack class, e.g. `OrdersSourceStack`. */
  public readonly stackClass: string;
  /** Construct id of the source's stack in the app, e.g. `LakehouseSource-orders`. */
  public readonly stackId: string;

  constructor(root: typescript.TypeScriptProject & WorkspaceRoot, public readonly entry: SourceEntry, options: SourceCatalogOptions) {
    const enginePackage = entry.engine === 'postgres' ? options.dmsPostgres : options.dmsMysql;
    super(root, {
      name: `source-${entry.name}`,
      description: `Source "${entry.name}" (${entry.engine}): raw zone, DMS replication and curation (${entry.curation?.engine ?? 'glue'}), generated from .projenrc.ts`,
      workspaceDeps: [options.platformLink, options.rawZone, options.dms, enginePackage, options.curationAws, options.governance, options.operations],
      tags: ['type:source', `engine:${entry.engine}`],
      devDeps: [`aws-cdk-lib@${VERSIONS.awsCdkLib}`],
    });
    this.stackClass = `${pascal(entry.name)}SourceStack`;
    this.stackId = `LakehouseSource-${entry.name}`;
    const marker = (f: TextFile) => `// ${f.marker}`;

    const config = new TextFile(this, 'src/config.ts', { readonly: true });
    config.addLine(marker(config));
    for (const line of renderConfig(entry)) config.addLine(line);

    const stack = new TextFile(this, 'src/stack.ts', { readonly: true });
    stack.addLine(marker(stack));
    for (const line of renderStack(entry, this.stackClass)) stack.addLine(line);

    const index = new TextFile(this, 'src/index.ts', { readonly: true });
    index.addLine(marker(index));
    index.addLine("export * from './config';");
    index.addLine("export * from './stack';");
    index.addLine('');

    const test = new TextFile(this, 'test/stack.test.ts', { readonly: true });
    test.addLine(marker(test));
    for (const line of renderTest(entry, this.stackClass)) test.addLine(line);

    const readme = new TextFile(this, 'README.md', { readonly: true });
    for (const line of renderReadme(entry, this.stackClass, this.stackId)) readme.addLine(line);
  }
}

export { tsLiteral } from './source-render';
