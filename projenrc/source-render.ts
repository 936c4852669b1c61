// The files of a generated source package, rendered from its entry in .projenrc.ts.
import { SourceEntry, curationEngineOf, curationModeOf, freshnessAlarmMinutesOf, maintenanceOf } from './source-entry';

/** Orders import lines by module name, as the generated eslint config's import/order rule wants. */
export function sortImports(lines: string[]): string[] {
  const moduleOf = (line: string) => line.slice(line.lastIndexOf(' from ') + 7, line.lastIndexOf("'")).toLowerCase();
  return [...lines].sort((a, b) => (moduleOf(a) < moduleOf(b) ? -1 : moduleOf(a) > moduleOf(b) ? 1 : 0));
}

export function pascal(name: string): string {
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

export function renderConfig(entry: SourceEntry): string[] {
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

/** The curated tables each maintenance kind covers. */
export function maintenanceTables(entry: SourceEntry): { optimizer: string[]; sql: string[] } {
  const of = (kind: string) => entry.tables.filter((t) => maintenanceOf(t) === kind).map((t) => t.table.toLowerCase());
  return { optimizer: of('optimizer'), sql: of('sql') };
}

/** Lines creating the Athena engine: workgroup, raw tables, runtime Lambda and workflow (Athena sources). */
function renderAthena(entry: SourceEntry): string[] {
  const c = entry.curation ?? {};
  const sql = maintenanceTables(entry).sql;
  return [
    '    // raw tables, curated tables and the MERGE come from the same entry: one AthenaTableTask per table of SOURCE.tables',
    "    this.athena = new AthenaCuration(this, 'Athena', {",
    '      sourceName: SOURCE.name,',
    '      rawZone: this.rawZone,',
    '      rawPrefix: this.source.target.bucketFolder,',
    '      warehouse: platform.warehouse,',
    '      tables: SOURCE.tables,',
    ...(c.maxParallelTables !== undefined ? ['      maxParallelTables: SOURCE.curation.maxParallelTables,'] : []),
    ...(sql.length > 0 ? [`      sqlMaintenance: ${tsLiteral(sql, '      ')},`] : []),
    '    });',
  ];
}

/** The stack's `monitoring` description for the lakehouse dashboard: replication, state machine, job, tables' freshness alarms. */
function renderMonitoring(entry: SourceEntry): string[] {
  const athena = curationEngineOf(entry.curation) === 'athena';
  const tables = entry.tables.map((t) => {
    const minutes = freshnessAlarmMinutesOf(entry, t);
    // the `Table` dimension both engines publish: `<curated database>.<table>`
    const name = `'curated_${entry.name.replace(/-/g, '_')}.${t.table.toLowerCase()}'`;
    return minutes === undefined ? `        { name: ${name} },` : `        { name: ${name}, freshnessAlarmAfter: Duration.minutes(${minutes}) },`;
  });
  return [
    '    this.monitoring = {',
    '      sourceName: SOURCE.name,',
    '      replicationConfigIdentifier: this.source.replication.replicationConfigIdentifier,',
    '      stateMachineName: this.orchestration.stateMachineName,',
    athena ? '      athenaWorkgroupName: this.athena.workflow.workgroup.workgroupName,' : '      glueJobName: this.curation.jobName,',
    '      tables: [',
    ...tables,
    '      ],',
    '    };',
  ];
}

/** The source's `SourceGovernance`: PII columns by curated table name, its databases, the roles that write or maintain its tables. */
function renderGovernance(entry: SourceEntry): string[] {
  const athena = curationEngineOf(entry.curation) === 'athena';
  const pii = Object.fromEntries(entry.tables.filter((t) => (t.pii ?? []).length > 0).map((t) => [t.table.toLowerCase(), t.pii ?? []]));
  return [
    '    // this source\'s locations, tags, grants and PII tagger, on the platform\'s shared Lake Formation settings',
    "    this.governance = new SourceGovernance(this, 'Governance', {",
    '      settings: platform.governance,',
    '      source: {',
    '        sourceName: SOURCE.name,',
    '        curatedDatabaseName: curatedDatabaseName(SOURCE.name),',
    // the database's Ref (its name) so the tag association and the revocation come after the database
    ...(athena ? ['        rawDatabaseName: this.athena.workflow.rawTables.database.ref,'] : []),
    '        rawBucket: this.rawZone.bucket,',
    '        rawEncryptionKey: this.rawZone.encryptionKey,',
    `        piiColumns: ${tsLiteral(pii, '        ')},`,
    athena
      // Athena runs the MERGE with the state machine's credentials; the Lambda reads and adds table columns
      ? '        writers: [this.orchestration.stateMachine.role, this.athena.workflow.curationFunction.function.role!],'
      : '        writers: [this.curation.role, this.orchestration.stateMachine.role],',
    ...(maintenanceTables(entry).optimizer.length > 0 ? ['        maintainers: Object.values(this.tableOptimizers.roles),'] : []),
    '      },',
    '    });',
  ];
}

/** Lines creating the orchestration (state machine, triggers, alarms) and the optimizers, after the engine. */
function renderOrchestration(entry: SourceEntry): string[] {
  const c = entry.curation ?? {};
  const athena = curationEngineOf(c) === 'athena';
  const maintenance = maintenanceTables(entry);
  const lines: string[] = [];
  if (maintenance.optimizer.length > 0) {
    lines.push(
      "    this.tableOptimizers = new TableOptimizers(this, 'TableOptimizers', {",
      '      sourceName: SOURCE.name,',
      '      warehouse: platform.warehouse,',
      `      tables: ${tsLiteral(maintenance.optimizer, '      ')},`,
      '    });',
    );
  }
  const engine = athena
    ? '      engine: this.athena.engine(),'
    : `      engine: CurationEngine.glue(this.curation, { maintenance: ${maintenance.sql.length > 0} }),`;
  lines.push(
    "    this.orchestration = new SourceCuration(this, 'Orchestration', {",
    '      sourceName: SOURCE.name,',
    engine,
    c.schedule !== undefined ? '      schedule: props.curationSchedule ?? SOURCE.curation.schedule,' : '      schedule: props.curationSchedule,',
    ...(c.onNewFiles !== undefined ? [
      '      onNewFiles: {',
      '        rawZone: this.rawZone,',
      '        rawPrefix: this.source.target.bucketFolder,',
      ...(c.onNewFiles.debounceSeconds !== undefined ? ['        debounce: Duration.seconds(SOURCE.curation.onNewFiles.debounceSeconds),'] : []),
      '      },',
    ] : []),
    ...(c.stateMachineTimeoutMinutes !== undefined ? ['      timeout: Duration.minutes(SOURCE.curation.stateMachineTimeoutMinutes),'] : []),
    ...(maintenance.optimizer.length > 0 ? ['      tableOptimizers: this.tableOptimizers,'] : []),
    '      logRetention: props.logRetention,',
    '    });',
    '    // one topic for the source\'s alarms: the replication\'s join the curation\'s, and the environment\'s recipients get both',
    '    const alarmAction = new SnsAction(this.orchestration.alarms.topic);',
    '    const replication = this.source.replication;',
    '    for (const alarm of [replication.cdcSourceLatencyAlarm, replication.cdcTargetLatencyAlarm, replication.failureAlarm]) {',
    '      alarm.addAlarmAction(alarmAction);',
    '    }',
    '    for (const email of props.alarmEmails ?? []) {',
    '      this.orchestration.alarms.topic.addSubscription(new EmailSubscription(email));',
    '    }',
    "    new CfnOutput(this, 'CurationStateMachineArn', {",
    '      value: this.orchestration.stateMachine.stateMachineArn,',
    "      description: 'Step Functions state machine that curates this source: aws stepfunctions start-execution --state-machine-arn <value>',",
    '    });',
    "    new CfnOutput(this, 'CurationAlarmTopicArn', {",
    '      value: this.orchestration.alarms.topic.topicArn,',
    "      description: 'SNS topic of the source alarms (replication and curation): subscribe to it',",
    '    });',
  );
  return lines;
}

export function renderStack(entry: SourceEntry, stackClass: string): string[] {
  const isPostgres = entry.engine === 'postgres';
  const construct = isPostgres ? 'PostgresSource' : 'MysqlSource';
  const pkg = isPostgres ? '@cdc-lakehouse/dms-postgres' : '@cdc-lakehouse/dms-mysql';
  const curation = renderCurationSettings(entry);
  const c = entry.curation ?? {};
  const athena = curationEngineOf(c) === 'athena';
  const optimizers = maintenanceTables(entry).optimizer.length > 0;
  const usesDuration = curation.usesDuration || c.onNewFiles?.debounceSeconds !== undefined || c.stateMachineTimeoutMinutes !== undefined
    || entry.tables.some((t) => freshnessAlarmMinutesOf(entry, t) !== undefined);
  const curationAws = [
    ...(athena ? ['AthenaCuration'] : ['CurationEngine', 'GlueCurationJob']), 'SourceCuration',
    ...(optimizers ? ['TableOptimizers'] : []), 'curatedDatabaseName',
  ];
  return [
    ...sortImports([
      `import { CfnOutput, ${usesDuration ? 'Duration, ' : ''}Stack, StackProps } from 'aws-cdk-lib';`,
      ...(curation.usesWorkerType ? ["import { WorkerType } from 'aws-cdk-lib/aws-glue';"] : []),
      "import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';",
      "import { RetentionDays } from 'aws-cdk-lib/aws-logs';",
      "import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';",
      "import { Construct } from 'constructs';",
      `import { ${curationAws.join(', ')} } from '@cdc-lakehouse/curation-aws';`,
      "import type { ReplicationOptions } from '@cdc-lakehouse/dms';",
      "import { SourceGovernance } from '@cdc-lakehouse/governance';",
      "import type { LakehouseDashboardSource } from '@cdc-lakehouse/operations';",
      "import type { IPlatformLink, SourcePlatform } from '@cdc-lakehouse/platform-link';",
      "import { RawZone } from '@cdc-lakehouse/raw-zone';",
      `import { ${construct} } from '${pkg}';`,
    ]),
    "import { SOURCE } from './config';",
    '',
    `/** Properties of {@link ${stackClass}}: where the platform is, and the environment's settings. */`,
    `export interface ${stackClass}Props extends StackProps {`,
    '  /**',
    '   * The platform this source runs on: its network, access-log bucket, warehouse and Lake Formation settings, imported',
    '   * into this stack (the lakehouse app reads them from the SSM parameters the platform app publishes).',
    '   */',
    '  readonly platform: IPlatformLink;',
    '  /**',
    '   * DMS Serverless capacity and other replication settings (an environment\'s `dms`).',
    '   * @default - the replication\'s defaults (1 to 4 DCU)',
    '   */',
    '  readonly replication?: ReplicationOptions;',
    '  /**',
    '   * Curation schedule replacing the entry\'s (an environment\'s `curationSchedule`), `rate(…)` or `cron(…)`.',
    `   * @default - ${c.schedule !== undefined ? `the entry's, \`${c.schedule}\`` : 'none, as in the entry'}`,
    '   */',
    '  readonly curationSchedule?: string;',
    '  /**',
    `   * How long the curation logs are kept (the state machine's${athena ? '' : ' and the Glue job\'s'}).`,
    '   * @default RetentionDays.THREE_MONTHS',
    '   */',
    '  readonly logRetention?: RetentionDays;',
    '  /**',
    '   * E-mail addresses subscribed to the source\'s alarm topic (replication and curation alarms); each confirms once.',
    '   * @default - none',
    '   */',
    '  readonly alarmEmails?: string[];',
    '}',
    '',
    `/** Source "${entry.name}": its raw zone, the DMS replication that fills it, and its curation. */`,
    `export class ${stackClass} extends Stack {`,
    '  public readonly rawZone: RawZone;',
    `  public readonly source: ${construct};`,
    ...(athena ? ['  public readonly athena: AthenaCuration;'] : ['  public readonly curation: GlueCurationJob;']),
    ...(optimizers ? ['  public readonly tableOptimizers: TableOptimizers;'] : []),
    '  public readonly orchestration: SourceCuration;',
    '  /** The source\'s Lake Formation governance: its raw location, database tags, writers\' grants and PII tagger. */',
    '  public readonly governance: SourceGovernance;',
    '  /** What the lakehouse dashboard and its freshness alarms need to know about this source. */',
    '  public readonly monitoring: LakehouseDashboardSource;',
    '  /** The platform\'s pieces as imported into this stack; the curated database of this source is created here. */',
    '  public readonly platform: SourcePlatform;',
    '',
    `  constructor(scope: Construct, id: string, props: ${stackClass}Props) {`,
    '    super(scope, id, props);',
    '    this.platform = props.platform.bind(this, SOURCE.name);',
    '    const platform = this.platform;',
    '    this.rawZone = new RawZone(this, \'RawZone\', {',
    '      sourceName: SOURCE.name,',
    '      serverAccessLogsBucket: platform.serverAccessLogsBucket,',
    '      bucketNamePrefix: platform.bucketNamePrefix,',
    '    });',
    `    this.source = new ${construct}(this, 'Source', {`,
    '      sourceName: SOURCE.name,',
    ...(isPostgres ? ['      databaseName: SOURCE.database,'] : ['      engine: SOURCE.engine,']),
    '      network: platform.network,',
    '      rawZone: this.rawZone,',
    '      secret: SOURCE.secret,',
    // append-only tables have no key: DMS must see none rather than an empty list
    "      tables: SOURCE.tables.map((t) => ({ schema: t.schema, table: t.table, primaryKey: 'primaryKey' in t ? [...t.primaryKey] : undefined })),",
    '      createAccountRoles: false, // the platform creates the account-wide DMS roles once',
    '      replication: props.replication,',
    '    });',
    ...(athena ? renderAthena(entry) : [
      '    // keys, partitioning and delete handling come from the same entry: the job spec is generated from SOURCE.tables',
      "    this.curation = new GlueCurationJob(this, 'Curation', {",
      '      sourceName: SOURCE.name,',
      '      rawZone: this.rawZone,',
      '      rawPrefix: this.source.target.bucketFolder,',
      '      warehouse: platform.warehouse,',
      '      tables: SOURCE.tables,',
      ...curation.lines,
      '      logRetention: props.logRetention,',
      '    });',
      "    new CfnOutput(this, 'CurationJobName', {",
      '      value: this.curation.job.jobName,',
      "      description: 'Glue job that curates this source (started by the curation state machine)',",
      '    });',
    ]),
    ...renderOrchestration(entry),
    ...renderGovernance(entry),
    ...renderMonitoring(entry),
    '  }',
    '}',
    '',
  ];
}

export function renderReadme(entry: SourceEntry, stackClass: string, stackId: string): string[] {
  return [
    `# source-${entry.name}`,
    '',
    `Generated from the \`${entry.name}\` entry in \`.projenrc.ts\` — edit that entry and run \`npx projen\`;`,
    'every file in this package is regenerated.',
    '',
    `- engine: ${entry.engine}; database: \`${entry.database}\`; credentials: Secrets Manager \`${entry.secret}\``,
    `- stack: \`${stackClass}\`, deployed by the lakehouse app as \`${stackId}\``,
    '',
    ...renderReadmeCuration(entry),
    '',
    '| table | primary key | mode | deletes | partitioning | maintenance |',
    '|---|---|---|---|---|---|',
    ...entry.tables.map((t) => `| ${t.schema}.${t.table} | ${(t.primaryKey ?? []).join(', ') || '—'} | ${curationModeOf(t)} | ${t.deletes ?? 'hard'} | ${
      (t.partitionBy ?? []).map((p) => `${typeof p.transform === 'string' ? p.transform : JSON.stringify(p.transform)}(${p.column})`).join(', ') || '—'} | ${
      maintenanceOf(t)} |`),
  ];
}

function renderReadmeCuration(entry: SourceEntry): string[] {
  const c = entry.curation ?? {};
  const database = `curated_${entry.name.replace(/-/g, '_')}`;
  const engine = curationEngineOf(c) === 'athena'
    ? `Athena MERGE statements (\`AthenaCurationWorkflow\`, up to ${c.maxParallelTables ?? 4} tables at a time, in the source's curation workgroup)`
    : 'a Glue 5.0 Spark job (`GlueCurationJob`, started with `.sync`)';
  const triggers = [
    ...(c.schedule ? [`on \`${c.schedule}\``] : []),
    ...(c.onNewFiles ? [`when DMS writes new raw files (debounced ${c.onNewFiles.debounceSeconds ?? 120} s)`] : []),
  ];
  return [
    `- curation: ${engine} merging the raw zone into Iceberg tables of the warehouse database \`${database}\``,
    `- runs: ${triggers.length ? triggers.join(' and ') : 'when you start the state machine (no schedule or file trigger set)'}; one Step Functions`,
    '  state machine (`SourceCuration`, output `CurationStateMachineArn`) holds a DynamoDB lock per source, so runs never overlap:',
    '  a run that finds the lock taken asks the running one for one more round and ends as coalesced',
    '- failures: CloudWatch alarms (executions failed / timed out, Glue job failed, no successful round in time) and the',
    '  replication\'s (CDC source / target latency, failure) on the SNS topic of output `CurationAlarmTopicArn`',
    '- per environment (`environments.add` in `.projenrc.ts`): DMS capacity, a curation schedule replacing this one, log',
    '  retention and the e-mail recipients of that topic',
  ];
}
