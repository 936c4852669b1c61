import { Component, TextFile } from 'projen';
import type { typescript } from 'projen';
import { CdkApp, ConstructLibrary } from './kinds';
import { LakehouseMonorepo } from './monorepo';
import { SourceEntry, curationModeOf, validateEntry } from './source-entry';
import { VERSIONS } from './versions';
import { WorkspaceRoot } from './workspace-package';

/** The packages generated source packages build on. */
export interface SourceCatalogOptions {
  /** The CDK app that deploys every source (gets one stack per source). */
  readonly app: CdkApp;
  readonly networking: ConstructLibrary;
  readonly rawZone: ConstructLibrary;
  readonly dms: ConstructLibrary;
  readonly dmsPostgres: ConstructLibrary;
  readonly dmsMysql: ConstructLibrary;
  /** The warehouse and the Glue curation job every source stack creates. */
  readonly curationAws: ConstructLibrary;
}

/**
 * Generates one package per source database from a single entry, and wires it into the app that
 * deploys sources. `sources.add({...})` then `npx projen` is the whole "add a source" recipe.
 */
export class SourceCatalog extends Component {
  private readonly entries: SourcePackage[] = [];
  private readonly registry: TextFile;

  constructor(private readonly root: typescript.TypeScriptProject & WorkspaceRoot, private readonly options: SourceCatalogOptions) {
    super(root);
    // the root's tests build a generated source package against the engine packages
    if (root instanceof LakehouseMonorepo) {
      root.nx.addImplicitDependency(options.dmsPostgres.nxName);
      root.nx.addImplicitDependency(options.dmsMysql.nxName);
      root.nx.addImplicitDependency(options.curationAws.nxName);
    }
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
    const lines = [
      `// ${this.registry.marker}`,
      ...sortImports([
        "import { Stack, StackProps } from 'aws-cdk-lib';",
        "import { Construct } from 'constructs';",
        ...this.entries.map((s) => `import { ${s.stackClass} } from '${s.packageName}';`),
      ]),
      "import type { SourceConfig } from './config';",
      "import type { PlatformStack } from './platform-stack';",
      '',
      '/** The source databases listed in .projenrc.ts. */',
      'export const SOURCE_DATABASES: SourceConfig[] = [',
      ...this.entries.map((s) => `  { name: '${s.entry.name}', engine: '${s.entry.engine}' },`),
      '];',
      '',
      '/** Adds one stack per source database, each using the platform\'s network, log bucket, DMS account roles and warehouse. */',
      'export function addSourceStacks(scope: Construct, platform: PlatformStack, props: StackProps = {}): Stack[] {',
      '  const shared = platform.sourceStackDependencies();',
      '  return [',
      ...this.entries.map((s) => `    new ${s.stackClass}(scope, '${s.stackId}', { ...props, ...shared }),`),
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
      description: `Source "${entry.name}" (${entry.engine}): raw zone, DMS replication and Glue curation job, generated from .projenrc.ts`,
      workspaceDeps: [options.networking, options.rawZone, options.dms, enginePackage, options.curationAws],
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
    for (const line of renderTest(this.stackClass)) test.addLine(line);

    const readme = new TextFile(this, 'README.md', { readonly: true });
    for (const line of renderReadme(entry, this.stackClass, this.stackId)) readme.addLine(line);
  }
}

/** Orders import lines by module name, as the generated eslint config's import/order rule wants. */
function sortImports(lines: string[]): string[] {
  const moduleOf = (line: string) => line.slice(line.lastIndexOf(' from ') + 7, line.lastIndexOf("'")).toLowerCase();
  return [...lines].sort((a, b) => (moduleOf(a) < moduleOf(b) ? -1 : moduleOf(a) > moduleOf(b) ? 1 : 0));
}

function pascal(name: string): string {
  return name.split('-').map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** Renders a JSON-like value as a TypeScript literal in the repository's style (single quotes, bare keys). */
export function tsLiteral(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (typeof value === 'string') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => `${inner}${tsLiteral(v, inner)},`).join('\n')}\n${indent}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    const key = (k: string) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? k : tsLiteral(k));
    return `{\n${entries.map(([k, v]) => `${inner}${key(k)}: ${tsLiteral(v, inner)},`).join('\n')}\n${indent}}`;
  }
  throw new Error(`cannot render ${String(value)} as a TypeScript literal`);
}

function renderConfig(entry: SourceEntry): string[] {
  return [
    '/** The source as declared in .projenrc.ts. */',
    `export const SOURCE = ${tsLiteral(entry)} as const;`,
    '',
  ];
}

/** The job settings the entry overrides, as lines of GlueCurationJob props; the job's defaults apply to the rest. */
function renderCurationSettings(entry: SourceEntry): { lines: string[]; usesDuration: boolean; usesWorkerType: boolean } {
  const c = entry.curation ?? {};
  const lines: string[] = [];
  if (c.workerType !== undefined) lines.push(`      workerType: WorkerType.${c.workerType.replace('.', '_')},`);
  if (c.workerCount !== undefined) lines.push('      workerCount: SOURCE.curation.workerCount,');
  if (c.timeoutMinutes !== undefined) lines.push('      timeout: Duration.minutes(SOURCE.curation.timeoutMinutes),');
  if (c.maxRetries !== undefined) lines.push('      maxRetries: SOURCE.curation.maxRetries,');
  return { lines, usesDuration: c.timeoutMinutes !== undefined, usesWorkerType: c.workerType !== undefined };
}

function renderStack(entry: SourceEntry, stackClass: string): string[] {
  const isPostgres = entry.engine === 'postgres';
  const construct = isPostgres ? 'PostgresSource' : 'MysqlSource';
  const pkg = isPostgres ? '@cdc-lakehouse/dms-postgres' : '@cdc-lakehouse/dms-mysql';
  const curation = renderCurationSettings(entry);
  return [
    ...sortImports([
      `import { CfnOutput, ${curation.usesDuration ? 'Duration, ' : ''}Stack, StackProps } from 'aws-cdk-lib';`,
      ...(curation.usesWorkerType ? ["import { WorkerType } from 'aws-cdk-lib/aws-glue';"] : []),
      "import { IBucket } from 'aws-cdk-lib/aws-s3';",
      "import { Construct } from 'constructs';",
      "import { GlueCurationJob, LakehouseWarehouse } from '@cdc-lakehouse/curation-aws';",
      "import { DmsAccountRoles } from '@cdc-lakehouse/dms';",
      "import { LakehouseNetwork } from '@cdc-lakehouse/networking';",
      "import { RawZone } from '@cdc-lakehouse/raw-zone';",
      `import { ${construct} } from '${pkg}';`,
    ]),
    "import { SOURCE } from './config';",
    '',
    `/** Properties of {@link ${stackClass}}: what it shares with the platform stack. */`,
    `export interface ${stackClass}Props extends StackProps {`,
    '  /** The lakehouse network the replication runs in. */',
    '  readonly network: LakehouseNetwork;',
    `  /** The warehouse the curation job writes into; it must hold the curated database of source "${entry.name}". */`,
    '  readonly warehouse: LakehouseWarehouse;',
    '  /**',
    '   * Bucket for the raw zone\'s server access logs.',
    '   * @default - the raw zone creates its own',
    '   */',
    '  readonly serverAccessLogsBucket?: IBucket;',
    '  /**',
    '   * The account-wide DMS roles, created once by the platform.',
    '   * @default - created (or adopted if they exist) in this stack',
    '   */',
    '  readonly accountRoles?: DmsAccountRoles;',
    '  /**',
    '   * Prefix of the raw bucket\'s physical name.',
    '   * @default - a name generated by CloudFormation',
    '   */',
    '  readonly bucketNamePrefix?: string;',
    '}',
    '',
    `/** Source "${entry.name}": its raw zone, the DMS replication that fills it, and the Glue job that curates it. */`,
    `export class ${stackClass} extends Stack {`,
    '  public readonly rawZone: RawZone;',
    `  public readonly source: ${construct};`,
    '  public readonly curation: GlueCurationJob;',
    '',
    `  constructor(scope: Construct, id: string, props: ${stackClass}Props) {`,
    '    super(scope, id, props);',
    '    this.rawZone = new RawZone(this, \'RawZone\', {',
    '      sourceName: SOURCE.name,',
    '      serverAccessLogsBucket: props.serverAccessLogsBucket,',
    '      bucketNamePrefix: props.bucketNamePrefix,',
    '    });',
    `    this.source = new ${construct}(this, 'Source', {`,
    '      sourceName: SOURCE.name,',
    ...(isPostgres ? ['      databaseName: SOURCE.database,'] : ['      engine: SOURCE.engine,']),
    '      network: props.network,',
    '      rawZone: this.rawZone,',
    '      secret: SOURCE.secret,',
    // append-only tables have no key: DMS must see none rather than an empty list
    "      tables: SOURCE.tables.map((t) => ({ schema: t.schema, table: t.table, primaryKey: 'primaryKey' in t ? [...t.primaryKey] : undefined })),",
    '      accountRoles: props.accountRoles,',
    '    });',
    '    // keys, partitioning and delete handling come from the same entry: the job spec is generated from SOURCE.tables',
    "    this.curation = new GlueCurationJob(this, 'Curation', {",
    '      sourceName: SOURCE.name,',
    '      rawZone: this.rawZone,',
    '      rawPrefix: this.source.target.bucketFolder,',
    '      warehouse: props.warehouse,',
    '      tables: SOURCE.tables,',
    ...curation.lines,
    '    });',
    "    new CfnOutput(this, 'CurationJobName', {",
    '      value: this.curation.job.jobName,',
    "      description: 'Glue job that curates this source: aws glue start-job-run --job-name <value>',",
    '    });',
    '  }',
    '}',
    '',
  ];
}

function renderTest(stackClass: string): string[] {
  return [
    "import { LakehouseWarehouse, sourceJobSpec } from '@cdc-lakehouse/curation-aws';",
    "import { LakehouseNetwork } from '@cdc-lakehouse/networking';",
    "import { App, Stack } from 'aws-cdk-lib';",
    "import { Match, Template } from 'aws-cdk-lib/assertions';",
    "import { AwsSolutionsChecks } from 'cdk-nag';",
    `import { SOURCE, ${stackClass} } from '../src';`,
    '',
    `describe('${stackClass}', () => {`,
    '  const app = new App();',
    "  const platform = new Stack(app, 'Platform');",
    "  const network = new LakehouseNetwork(platform, 'Network', { sourcePorts: [5432, 3306] });",
    "  const warehouse = new LakehouseWarehouse(platform, 'Warehouse', { sourceNames: [SOURCE.name] });",
    `  const stack = new ${stackClass}(app, 'Source', { network, warehouse });`,
    '  const template = Template.fromStack(stack);',
    '',
    "  test('replicates the declared source with credentials from Secrets Manager only', () => {",
    "    const endpoints = template.findResources('AWS::DMS::Endpoint', { Properties: { EndpointType: 'source' } });",
    '    expect(Object.keys(endpoints)).toHaveLength(1);',
    '    const props = Object.values(endpoints)[0].Properties;',
    '    expect(JSON.stringify(props)).toContain(SOURCE.secret);',
    '    expect(JSON.stringify(template.toJSON())).not.toMatch(/password/i);',
    '  });',
    '',
    "  test('selects every declared table and adds the change sequence', () => {",
    "    const configs = template.findResources('AWS::DMS::ReplicationConfig');",
    '    const mappings = JSON.stringify(Object.values(configs)[0].Properties.TableMappings);',
    '    for (const t of SOURCE.tables) {',
    '      expect(mappings).toContain(`"table-name":"${t.table}"`);',
    '    }',
    "    expect(mappings).toContain('$AR_H_CHANGE_SEQ');",
    '  });',
    '',
    "  test('keeps deletes: the S3 target writes every change as Parquet', () => {",
    "    template.hasResourceProperties('AWS::DMS::Endpoint', {",
    "      EndpointType: 'target',",
    "      S3Settings: Match.objectLike({ DataFormat: 'parquet', CdcInsertsOnly: false, CdcInsertsAndUpdates: false }),",
    '    });',
    '  });',
    '',
    "  test('the raw zone is retained', () => {",
    "    template.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });",
    '  });',
    '',
    "  test('one Glue 5.0 curation job, one run at a time, with the job spec generated from this entry', () => {",
    "    template.resourceCountIs('AWS::Glue::Job', 1);",
    "    template.hasResourceProperties('AWS::Glue::Job', { GlueVersion: '5.0', ExecutionProperty: { MaxConcurrentRuns: 1 } });",
    '    expect(stack.curation.jobSpec).toEqual(sourceJobSpec(SOURCE.name, SOURCE.tables));',
    '    expect(stack.curation.jobSpec.tables.map((t) => t.source)).toEqual(SOURCE.tables.map((t) => ({ schema: t.schema, table: t.table })));',
    '  });',
    '',
    "  test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {",
    '    const report = new AwsSolutionsChecks().validateScope(app);',
    '    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`))).toEqual([]);',
    '  });',
    '});',
    '',
  ];
}

function renderReadme(entry: SourceEntry, stackClass: string, stackId: string): string[] {
  return [
    `# source-${entry.name}`,
    '',
    `Generated from the \`${entry.name}\` entry in \`.projenrc.ts\` — edit that entry and run \`npx projen\`;`,
    'every file in this package is regenerated.',
    '',
    `- engine: ${entry.engine}; database: \`${entry.database}\`; credentials: Secrets Manager \`${entry.secret}\``,
    `- stack: \`${stackClass}\`, deployed by the platform app as \`${stackId}\``,
    '',
    `- curation: a Glue 5.0 Spark job (\`GlueCurationJob\`) merging the raw zone into Iceberg tables of the warehouse database \`curated_${entry.name.replace(/-/g, '_')}\``,
    '',
    '| table | primary key | mode | deletes | partitioning |',
    '|---|---|---|---|---|',
    ...entry.tables.map((t) => `| ${t.schema}.${t.table} | ${(t.primaryKey ?? []).join(', ') || '—'} | ${curationModeOf(t)} | ${t.deletes ?? 'hard'} | ${
      (t.partitionBy ?? []).map((p) => `${typeof p.transform === 'string' ? p.transform : JSON.stringify(p.transform)}(${p.column})`).join(', ') || '—'} |`),
  ];
}
