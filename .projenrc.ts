import {
  CdkApp, ConstructLibrary, EnvironmentCatalog, GlueScripts, IntegrationTestSuite, LakehouseMonorepo, RuntimeLibrary, SourceCatalog, TrinoRehearsal,
  VERSIONS, WORKSPACE_VERSION,
} from './projenrc';

const repo = new LakehouseMonorepo({
  name: 'cdc-lakehouse',
  description: 'Multi-source CDC lakehouse on AWS: DMS to S3 raw zones, Glue/Athena MERGE into Iceberg, governed for analysts',
});

// Core building blocks
const nagSupport = new ConstructLibrary(repo, {
  name: 'nag-support',
  description: 'cdk-nag acknowledgements that name exactly one finding (one resource ARN or action), across stacks',
});
const networking = new ConstructLibrary(repo, {
  name: 'networking',
  description: 'Lakehouse network: VPC (created or looked up), endpoints, replication security group',
});
const rawZone = new ConstructLibrary(repo, {
  name: 'raw-zone',
  description: "One source's raw zone: encrypted, versioned, access-logged S3 bucket with lifecycle and scoped grants",
});

// DMS replication: shared building blocks, one package per source engine
const dms = new ConstructLibrary(repo, {
  name: 'dms',
  description: 'DMS building blocks: S3 Parquet target, table mappings, Serverless replication, account roles, alarms',
  workspaceDeps: [networking, rawZone, nagSupport],
});
const dmsPostgres = new ConstructLibrary(repo, {
  name: 'dms-postgres',
  description: 'PostgreSQL source for DMS: endpoint from Secrets Manager, TLS, test_decoding/pglogical, heartbeat',
  workspaceDeps: [dms, networking, rawZone],
});
const dmsMysql = new ConstructLibrary(repo, {
  name: 'dms-mysql',
  description: 'MySQL / MariaDB / Aurora MySQL source for DMS: endpoint from Secrets Manager, TLS',
  workspaceDeps: [dms, networking, rawZone],
});

// Source-side setup: prerequisite SQL and preflight checks against a live database, per engine
const sourceSetup = new RuntimeLibrary(repo, {
  name: 'source-setup',
  description: 'Replication prerequisites as code: least-privilege users, server settings, preflight checks',
  deps: [`pg@${VERSIONS.pg}`, `mysql2@${VERSIONS.mysql2}`],
  devDeps: [`@types/pg@${VERSIONS.typesPg}`],
});

// Curation: CurationPlan, DMS raw format, SQL for Athena / Spark / DuckDB, local runner
const curation = new RuntimeLibrary(repo, {
  name: 'curation',
  description: 'Turns DMS change files into curated Iceberg tables: plans, SQL per engine, a local runner',
  deps: [`@duckdb/node-api@${VERSIONS.duckdb}`],
  devDeps: [`fast-check@${VERSIONS.fastCheck}`, `dt-sql-parser@${VERSIONS.dtSqlParser}`, `esbuild@${VERSIONS.esbuild}`],
});
curation.defineTarget('bench', 'node lib/bench/merge-throughput.js', { dependsOn: ['build'], cache: false }, 'bench', {}, false);

// Query results for people: streaming table/csv/json rendering by column type, and the Athena query client
const query = new RuntimeLibrary(repo, {
  name: 'query',
  description: 'Query results for analysts: a streaming table/csv/json renderer and an Athena client (pages, cost, stop, time travel)',
  deps: [`@aws-sdk/client-athena@${VERSIONS.awsSdkAthena}`],
  devDeps: [`aws-sdk-client-mock@${VERSIONS.awsSdkClientMock}`],
});

// Local lakehouse: DMS-format capture from PostgreSQL and MySQL/MariaDB, curation and verification on one machine
const localLakehouse = new RuntimeLibrary(repo, {
  name: 'local-lakehouse',
  description: 'Runs source -> CDC -> DMS-format raw zone -> merge -> query on one machine, without AWS',
  deps: [`pg@${VERSIONS.pg}`, `pg-copy-streams@${VERSIONS.pgCopyStreams}`, `@duckdb/node-api@${VERSIONS.duckdb}`,
    `mysql2@${VERSIONS.mysql2}`, `@vlasky/zongji@${VERSIONS.zongji}`],
  devDeps: [`@types/pg@${VERSIONS.typesPg}`, `@types/pg-copy-streams@${VERSIONS.typesPgCopyStreams}`],
  workspaceDeps: [curation, sourceSetup, query],
});
localLakehouse.defineTarget('bench', 'node lib/bench/index.js', { dependsOn: ['build'], cache: false }, 'bench', {}, false);
localLakehouse.defineTarget('bench-mysql', 'node lib/bench/mysql-capture.js', { dependsOn: ['build'], cache: false }, 'bench-mysql', {}, false);

// The `lakehouse` command line
const cli = new RuntimeLibrary(repo, {
  name: 'cli',
  description: 'The lakehouse command: preflight checks, the local lakehouse, queries and table history on Athena',
  bin: { lakehouse: 'lib/main.js' },
  workspaceDeps: [sourceSetup, curation, localLakehouse, query],
});
cli.defineTarget('demo', 'node lib/main.js demo', { dependsOn: ['build'], cache: false }, 'demo', {}, false);

// Curation on AWS: the warehouse and a Glue 5.0 Spark job per source, running glue-scripts/ with the spec from `curation`
const curationAws = new ConstructLibrary(repo, {
  name: 'curation-aws',
  description: 'Curation on AWS: the lakehouse warehouse (bucket, curated Glue databases) and a Glue 5.0 Spark job per source',
  workspaceDeps: [rawZone, curation, nagSupport],
  // the Athena curation Lambda
  deps: [`@aws-sdk/client-s3@${VERSIONS.awsSdkS3}`, `@aws-sdk/client-glue@${VERSIONS.awsSdkGlue}`, `@aws-sdk/client-cloudwatch@${VERSIONS.awsSdkCloudWatch}`],
  devDeps: [`aws-sdk-client-mock@${VERSIONS.awsSdkClientMock}`, `asl-validator@${VERSIONS.aslValidator}`, `esbuild@${VERSIONS.esbuild}`],
});
curationAws.nx.addImplicitDependency('glue-scripts'); // the job ships glue-scripts/ as assets

// Governance: Lake Formation (admins, locations, LF-tags, grants by tag, PII columns), analysts' workgroups and roles
const governance = new ConstructLibrary(repo, {
  name: 'governance',
  description: "Governance: Lake Formation settings, locations, LF-tags and grants by tag, PII column tags, analysts' workgroups and roles",
  workspaceDeps: [nagSupport],
  deps: [`@aws-sdk/client-lakeformation@${VERSIONS.awsSdkLakeFormation}`, `@aws-sdk/client-glue@${VERSIONS.awsSdkGlue}`], // the runtime Lambdas
  devDeps: [`aws-sdk-client-mock@${VERSIONS.awsSdkClientMock}`, `esbuild@${VERSIONS.esbuild}`],
});

// Operations: one dashboard per lakehouse (replication, curation, freshness, Athena) and freshness alarms
const operations = new ConstructLibrary(repo, {
  name: 'operations',
  description: 'Operations: a CloudWatch dashboard per lakehouse (DMS, curation runs, per-table freshness, Athena bytes) and freshness alarms',
  workspaceDeps: [dms, curationAws, nagSupport],
});

// How the apps find each other: the platform publishes its shared pieces as SSM parameters, each source stack reads them
const platformLink = new ConstructLibrary(repo, {
  name: 'platform-link',
  description: "The platform's shared pieces as SSM parameters: published by the platform app, imported by each source stack, checked before a deploy",
  workspaceDeps: [networking, rawZone, curationAws, governance],
  deps: [`@aws-sdk/client-ssm@${VERSIONS.awsSdkSsm}`], // the pre-deploy check
  devDeps: [`aws-sdk-client-mock@${VERSIONS.awsSdkClientMock}`],
});

// What both apps are configured from: the sources and environments declared below, governance context, CloudFormation's limits
const appConfig = new ConstructLibrary(repo, {
  name: 'app-config',
  description: 'Configuration of the platform and lakehouse apps: sources and environments from .projenrc.ts, governance context, template limits',
  workspaceDeps: [rawZone],
});

// Apps: the platform (once per account and region), then the lakehouse composing the sources on it
const platform = new CdkApp(repo, {
  name: 'platform',
  description: 'The platform: network, access logs, DMS account roles, warehouse, Lake Formation settings, analysts\' workgroups, alarm topic',
  workspaceDeps: [appConfig, platformLink, networking, rawZone, dms, curationAws, governance],
});
const lakehouse = new CdkApp(repo, {
  name: 'lakehouse',
  description: 'The lakehouse: one stack per source database (raw zone, replication, curation, governance) and its dashboard, on the platform',
  workspaceDeps: [appConfig, platformLink, curationAws, governance, operations],
  deps: [`@aws-sdk/client-ssm@${VERSIONS.awsSdkSsm}`],
  // stops with "deploy the platform first" when the platform's parameters are missing in the account and region
  preDeploy: 'node lib/check-platform.js',
});
// Scale bench: 20 sources × 50 tables generated, compiled and synthesized, every template against CloudFormation's limits
lakehouse.defineTarget('bench', 'node lib/bench/scale.js', { dependsOn: ['build'], cache: false }, 'bench', {}, false);

// the root's tests build both apps together (test/apps-*.test.ts): governance and environments across the two
repo.nx.addImplicitDependency(platform.nxName);
repo.nx.addImplicitDependency(lakehouse.nxName);
repo.addDevDeps(...[appConfig, platform, lakehouse, governance, rawZone].map((p) => `${p.packageName}@${WORKSPACE_VERSION}`), `cdk-nag@${VERSIONS.cdkNag}`);

// Source databases. Adding one: a new entry here, then `npx projen` (see README "Add a source").
const sources = new SourceCatalog(repo, {
  app: lakehouse, config: appConfig, platformLink, rawZone, dms, dmsPostgres, dmsMysql, curationAws, governance, operations,
});
sources.add({
  name: 'orders',
  engine: 'postgres',
  secret: 'lakehouse/sources/orders',
  database: 'orders',
  tables: [
    { schema: 'public', table: 'customers', primaryKey: ['customer_id'], pii: ['email', 'phone'] }, // only the PII-reader role sees these
    { schema: 'public', table: 'orders', primaryKey: ['order_id'], partitionBy: [{ column: 'ordered_at', transform: 'day' }] },
    { schema: 'public', table: 'order_lines', primaryKey: ['order_id', 'line_no'], partitionBy: [{ column: 'order_id', transform: { bucket: 16 } }] },
  ],
  // the Glue Spark job, hourly and when DMS writes new files (a burst of files makes one run)
  // freshness alarm per table after 3 hours: an hourly round, its run and DMS's latency fit well inside
  curation: { engine: 'glue', schedule: 'rate(1 hour)', onNewFiles: { debounceSeconds: 120 }, freshnessAlarmMinutes: 180 },
});
sources.add({
  name: 'billing',
  engine: 'mysql',
  secret: 'lakehouse/sources/billing',
  database: 'billing',
  tables: [
    // compacted and vacuumed by the state machine after each run (Athena OPTIMIZE / VACUUM); payments by Glue's optimizers
    { schema: 'billing', table: 'invoices', primaryKey: ['invoice_id'], partitionBy: [{ column: 'issued_at', transform: 'month' }], maintenance: 'sql' },
    { schema: 'billing', table: 'payments', primaryKey: ['payment_id'], pii: ['card_holder'] },
  ],
  // Athena MERGE (no cluster: cheap for small, frequent batches), every 15 minutes
  curation: { engine: 'athena', schedule: 'rate(15 minutes)', maxParallelTables: 2, freshnessAlarmMinutes: 60 },
});

// Environments both apps deploy to: `npx nx deploy platform -c <name>`, then `npx nx deploy lakehouse -c <name>` (README "Environments").
// One account and region each; every field but those has a default.
const environments = new EnvironmentCatalog({ apps: [platform, lakehouse], config: appConfig });
environments.add({
  name: 'dev',
  account: '111111111111',
  region: 'eu-west-1',
  removal: 'destroy', // cdk destroy deletes the data too
  dms: { minCapacityUnits: 1, maxCapacityUnits: 2 },
  curationSchedule: 'rate(6 hours)', // every source, whatever its own schedule
  logRetentionDays: 14,
  alarmEmails: ['lakehouse-dev@example.com'],
});
environments.add({
  name: 'prod',
  account: '222222222222',
  region: 'eu-west-1',
  removal: 'retain',
  dms: { minCapacityUnits: 2, maxCapacityUnits: 16 },
  logRetentionDays: 365,
  alarmEmails: ['lakehouse-oncall@example.com', 'data-platform@example.com'],
});

// Suites and scripts
const integrationTests = new IntegrationTestSuite(repo, {
  description: 'Integration tests against real PostgreSQL and MySQL servers, and moto_server',
  deps: [`pg@${VERSIONS.pg}`, `mysql2@${VERSIONS.mysql2}`, `testcontainers@${VERSIONS.testcontainers}`, `@aws-sdk/client-ssm@${VERSIONS.awsSdkSsm}`],
  // the lakehouse app's pre-deploy check runs as `nx deploy lakehouse` runs it
  workspaceDeps: [curation, sourceSetup, localLakehouse, cli, query, appConfig, platformLink, lakehouse],
  devDeps: [`@types/pg@${VERSIONS.typesPg}`],
  // Also run in containers (podman here, or the caller's Docker): every suite that starts a database server, except the Spark ones.
  containerSuites: [
    'postgres-fixture', 'mysql-fixture', 'server-mode', 'logical-replication', 'preflight-postgres', 'preflight-mysql',
    'local-capture', 'local-crash', 'local-bad-input', 'local-pgbench',
  ],
});
// The integration suites run the Glue job's core on the local Spark: the Spark environment is installed first
const glueScripts = new GlueScripts(repo);
glueScripts.usedBy(integrationTests);
// … and Athena's SQL on the local Trino (curate --engine trino): Trino is installed first
new TrinoRehearsal(localLakehouse).usedBy(integrationTests);

repo.setMainJob('nx run cli:demo --output-style=stream-without-prefixes', 'Run the local lakehouse demo: PostgreSQL and MariaDB, capture, curate, verify, a query joining both');

repo.synth();
