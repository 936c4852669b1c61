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

/** How a curated table follows its source: one row per key, or every change appended. */
export type CurationMode = 'merge' | 'append-only';

/** What a source DELETE does to the curated table. */
export type DeleteHandling = 'hard' | 'soft';

/** Glue worker types a Spark ETL job can use. */
export const GLUE_WORKER_TYPES = ['G.1X', 'G.2X', 'G.4X', 'G.8X', 'G.12X', 'G.16X', 'R.1X', 'R.2X', 'R.4X', 'R.8X'] as const;
/** A Glue worker type of a Spark ETL job. */
export type GlueWorkerType = typeof GLUE_WORKER_TYPES[number];

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
  /**
   * `merge` keeps one row per primary key; `append-only` appends every inserted or updated row (no primary key).
   * @default 'merge' with a primary key, 'append-only' without
   */
  readonly mode?: CurationMode;
  /**
   * `hard` removes deleted rows from the curated table; `soft` keeps them with `_deleted = true` (merge only).
   * @default 'hard'
   */
  readonly deletes?: DeleteHandling;
}

/** How the source's Glue curation job runs; every field has a default in `GlueCurationJob`. */
export interface SourceCurationEntry {
  /** Glue worker type. @default 'G.1X' */
  readonly workerType?: GlueWorkerType;
  /** Number of workers, at least 2. @default 2 */
  readonly workerCount?: number;
  /** Minutes after which a run is stopped, 1-2880. @default 60 */
  readonly timeoutMinutes?: number;
  /** Automatic retries of a failed run, 0-10. @default 0 */
  readonly maxRetries?: number;
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
  /** How the source's curation job (Glue 5.0 Spark) runs. @default the job's defaults */
  readonly curation?: SourceCurationEntry;
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
  /** The warehouse and the Glue curation job every source stack creates. */
  readonly curationAws: ConstructLibrary;
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
  const curatedNames = new Map<string, string>();
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
    validateCurationMode(where, id, t);
    const curated = t.table.toLowerCase();
    if (!/^[a-z][a-z0-9_]*$/.test(curated)) {
      throw new Error(`${where}: table ${id} cannot be curated as "${curated}"; Glue table names are lowercase letters, digits and underscores, starting with a letter`);
    }
    const sameName = curatedNames.get(curated);
    if (sameName) throw new Error(`${where}: tables ${sameName} and ${id} would both be curated as curated_${entry.name.replace(/-/g, '_')}.${curated}; curate one of them in another source`);
    curatedNames.set(curated, id);
  }
  validateCurationJob(where, entry.curation ?? {});
}

function validateCurationMode(where: string, id: string, t: SourceTableEntry): void {
  if (t.mode !== undefined && t.mode !== 'merge' && t.mode !== 'append-only') {
    throw new Error(`${where}: table ${id} has mode "${String(t.mode)}"; use 'merge' or 'append-only'`);
  }
  if (t.deletes !== undefined && t.deletes !== 'hard' && t.deletes !== 'soft') {
    throw new Error(`${where}: table ${id} has deletes "${String(t.deletes)}"; use 'hard' or 'soft'`);
  }
  const hasKey = (t.primaryKey ?? []).length > 0;
  const mode = curationModeOf(t);
  if (mode === 'merge' && !hasKey) {
    throw new Error(`${where}: table ${id} has mode 'merge' but no primaryKey; set primaryKey: [...] or mode: 'append-only'`);
  }
  if (mode === 'append-only' && hasKey) {
    throw new Error(`${where}: table ${id} has mode 'append-only' and a primaryKey; remove primaryKey or use mode: 'merge'`);
  }
  if (mode === 'append-only' && t.deletes === 'soft') {
    throw new Error(`${where}: table ${id} has deletes 'soft' in mode 'append-only'; soft deletes need a primaryKey (mode 'merge')`);
  }
}

/** The table's curation mode: as declared, else `merge` with a primary key and `append-only` without. */
export function curationModeOf(t: SourceTableEntry): CurationMode {
  return t.mode ?? ((t.primaryKey ?? []).length > 0 ? 'merge' : 'append-only');
}

function validateCurationJob(where: string, c: SourceCurationEntry): void {
  if (c.workerType !== undefined && !(GLUE_WORKER_TYPES as readonly string[]).includes(c.workerType)) {
    throw new Error(`${where}: curation.workerType "${c.workerType}" is not a Glue Spark worker type; use one of ${GLUE_WORKER_TYPES.join(', ')}`);
  }
  const integer = (field: keyof SourceCurationEntry, value: number | undefined, min: number, max: number): void => {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new Error(`${where}: curation.${field} must be a whole number from ${min} to ${max} (got ${value})`);
    }
  };
  integer('workerCount', c.workerCount, 2, 299);
  integer('timeoutMinutes', c.timeoutMinutes, 1, 2880);
  integer('maxRetries', c.maxRetries, 0, 10);
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
