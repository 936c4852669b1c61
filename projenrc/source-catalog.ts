import { Component, TextFile } from 'projen';
import type { typescript } from 'projen';
import { CdkApp, ConstructLibrary } from './kinds';
import { LakehouseMonorepo } from './monorepo';
import { VERSIONS } from './versions';
import { WorkspaceRoot } from './workspace-package';

/** Database engines a source can use, and the engine package that replicates each. */
export type SourceEngine = 'postgres' | 'mysql' | 'mariadb' | 'aurora-mysql';

/** Iceberg partition transform of one curated-table column. */
export type PartitionTransform =
  | 'identity' | 'year' | 'month' | 'day' | 'hour'
  | { readonly bucket: number }
  | { readonly truncate: number };

/** One replicated table of a source. */
export interface SourceTableEntry {
  /** Schema (PostgreSQL) or database (MySQL) of the table. */
  readonly schema: string;
  /** Table name. */
  readonly table: string;
  /** Primary-key columns; leave out for append-only tables (those need REPLICA IDENTITY FULL on PostgreSQL). */
  readonly primaryKey?: string[];
  /** Iceberg partitioning of the curated table. @default unpartitioned */
  readonly partitionBy?: { readonly column: string; readonly transform: PartitionTransform }[];
}

/** One source database: the single entry `.projenrc.ts` needs to generate its package. */
export interface SourceEntry {
  /** Source name: lowercase letters, digits and hyphens; names the package `source-<name>`. */
  readonly name: string;
  /** Database engine. */
  readonly engine: SourceEngine;
  /** Secrets Manager secret (name or ARN) holding host, port, username and password. */
  readonly secret: string;
  /** Database to replicate from. */
  readonly database: string;
  /** Tables to replicate. */
  readonly tables: SourceTableEntry[];
}

/** The packages generated source packages build on. */
export interface SourceCatalogOptions {
  /** The CDK app that deploys every source (gets one stack per source). */
  readonly app: CdkApp;
  readonly networking: ConstructLibrary;
  readonly rawZone: ConstructLibrary;
  readonly dms: ConstructLibrary;
  readonly dmsPostgres: ConstructLibrary;
  readonly dmsMysql: ConstructLibrary;
}

const NAME = /^[a-z][a-z0-9-]{0,38}[a-z0-9]$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_$]*$/;

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
      '/** Adds one stack per source database, each using the platform\'s network, log bucket and DMS account roles. */',
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
      description: `Source "${entry.name}" (${entry.engine}): raw zone and DMS replication, generated from .projenrc.ts`,
      workspaceDeps: [options.networking, options.rawZone, options.dms, enginePackage],
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

function validateEntry(entry: SourceEntry, existing: string[]): void {
  const where = `source "${entry.name}"`;
  if (!NAME.test(entry.name)) {
    throw new Error(`${where}: name must be 2-40 lowercase letters, digits or hyphens, starting with a letter`);
  }
  if (existing.includes(entry.name)) throw new Error(`${where}: defined twice in .projenrc.ts`);
  if (!['postgres', 'mysql', 'mariadb', 'aurora-mysql'].includes(entry.engine)) {
    throw new Error(`${where}: engine must be one of postgres, mysql, mariadb, aurora-mysql (got "${entry.engine}")`);
  }
  if (!entry.secret) throw new Error(`${where}: secret must name a Secrets Manager secret (name or ARN)`);
  if (!entry.database) throw new Error(`${where}: database is required`);
  if (entry.tables.length === 0) throw new Error(`${where}: list at least one table`);
  const seen = new Set<string>();
  for (const t of entry.tables) {
    const id = `${t.schema}.${t.table}`;
    if (!IDENT.test(t.schema) || !IDENT.test(t.table)) {
      throw new Error(`${where}: table "${id}" must be a plain identifier (letters, digits, _ or $)`);
    }
    if (seen.has(id)) throw new Error(`${where}: table ${id} is listed twice`);
    seen.add(id);
    for (const k of t.primaryKey ?? []) {
      if (!IDENT.test(k)) throw new Error(`${where}: table ${id} has an invalid primary-key column "${k}"`);
    }
    for (const p of t.partitionBy ?? []) {
      if (!IDENT.test(p.column)) throw new Error(`${where}: table ${id} partitions on an invalid column "${p.column}"`);
      if (typeof p.transform === 'object') {
        const n = 'bucket' in p.transform ? p.transform.bucket : p.transform.truncate;
        if (!Number.isInteger(n) || n <= 0) {
          throw new Error(`${where}: table ${id} partition on ${p.column}: bucket/truncate width must be a positive integer (got ${n})`);
        }
      }
    }
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

function renderStack(entry: SourceEntry, stackClass: string): string[] {
  const isPostgres = entry.engine === 'postgres';
  const construct = isPostgres ? 'PostgresSource' : 'MysqlSource';
  const pkg = isPostgres ? '@cdc-lakehouse/dms-postgres' : '@cdc-lakehouse/dms-mysql';
  return [
    ...sortImports([
      "import { Stack, StackProps } from 'aws-cdk-lib';",
      "import { IBucket } from 'aws-cdk-lib/aws-s3';",
      "import { Construct } from 'constructs';",
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
    `/** Source "${entry.name}": its raw zone and the DMS replication that fills it. */`,
    `export class ${stackClass} extends Stack {`,
    '  public readonly rawZone: RawZone;',
    `  public readonly source: ${construct};`,
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
    '      tables: SOURCE.tables.map((t) => ({ schema: t.schema, table: t.table, primaryKey: [...(t.primaryKey ?? [])] })),',
    '      accountRoles: props.accountRoles,',
    '    });',
    '  }',
    '}',
    '',
  ];
}

function renderTest(stackClass: string): string[] {
  return [
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
    `  const stack = new ${stackClass}(app, 'Source', { network });`,
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
    '| table | primary key | partitioning |',
    '|---|---|---|',
    ...entry.tables.map((t) => `| ${t.schema}.${t.table} | ${(t.primaryKey ?? []).join(', ') || '(append-only)'} | ${
      (t.partitionBy ?? []).map((p) => `${typeof p.transform === 'string' ? p.transform : JSON.stringify(p.transform)}(${p.column})`).join(', ') || '—'} |`),
  ];
}
