import { CdkApp, ConstructLibrary, GlueScripts, IntegrationTestSuite, LakehouseMonorepo, RuntimeLibrary, VERSIONS } from './projenrc';

const repo = new LakehouseMonorepo({
  name: 'cdc-lakehouse',
  description: 'Multi-source CDC lakehouse on AWS: DMS to S3 raw zones, Glue/Athena MERGE into Iceberg, governed for analysts',
});

// Core building blocks
const networking = new ConstructLibrary(repo, {
  name: 'networking',
  description: 'Lakehouse network: VPC (created or looked up), endpoints, replication security group',
});
const rawZone = new ConstructLibrary(repo, {
  name: 'raw-zone',
  description: "One source's raw zone: encrypted, versioned, access-logged S3 bucket with lifecycle and scoped grants",
});

// Curation: CurationPlan, DMS raw format, SQL for Athena / Spark / DuckDB, local runner
const curation = new RuntimeLibrary(repo, {
  name: 'curation',
  description: 'Turns DMS change files into curated Iceberg tables: plans, SQL per engine, a local runner',
  deps: [`@duckdb/node-api@${VERSIONS.duckdb}`],
  devDeps: [`fast-check@${VERSIONS.fastCheck}`, `dt-sql-parser@${VERSIONS.dtSqlParser}`, `esbuild@${VERSIONS.esbuild}`],
});
curation.defineTarget('bench', 'node lib/bench/merge-throughput.js', { dependsOn: ['build'], cache: false }, 'bench', {}, false);

// Apps
new CdkApp(repo, {
  name: 'platform',
  description: 'The shared platform stack: network and raw zones',
  workspaceDeps: [networking, rawZone],
});

// Suites and scripts
new IntegrationTestSuite(repo, {
  description: 'Integration tests against real PostgreSQL and MySQL servers',
  deps: [`pg@${VERSIONS.pg}`, `testcontainers@${VERSIONS.testcontainers}`],
  workspaceDeps: [curation],
  devDeps: [`@types/pg@${VERSIONS.typesPg}`],
});
new GlueScripts(repo);

repo.setMainJob('nx run platform:synth --output-style=stream', 'Synthesize the platform app');

repo.synth();
