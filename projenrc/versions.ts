/**
 * Every third-party version the workspace depends on, in one place.
 *
 * The pins encode traps seen on the build machines (see the README "Toolchain" section):
 * TypeScript 7 breaks ts-jest/ts-node, the aws-cdk CLI 3.x refuses aws-cdk-lib 2.x assemblies,
 * testcontainers 12 needs Node 22.
 */
export const VERSIONS = {
  node: '>=20.10.0',
  typescript: '~5.9.3',
  typesNode: '^20',
  constructs: '10.8.1',
  awsCdkLib: '^2.276.0',
  awsCdkCli: '^2.1148.1',
  glueAlpha: '2.192.0-alpha.0',
  cdkNag: '^3.0.2',
  jest: '^30',
  tsJest: '^29.4.15',
  nx: '^24.0.6',
  testcontainers: '^11.9.0',
  pg: '^8.23.1',
  typesPg: '^8.15.0',
  tsNode: '^10.9.2',
  mysql2: '^3.24.6',
  zongji: '^0.9.0',
  pgCopyStreams: '^7.0.0',
  typesPgCopyStreams: '^1.2.5',
  duckdb: '1.5.6-r.1',
  fastCheck: '^4.10.2',
  dtSqlParser: '4.5.1',
  esbuild: '^0.28.2',
  eslintImportResolverTypescript: '^4.4.5',
  eslintPluginImport: '^2.32.0',
  awsSdkS3: '^3.1175.0',
  awsSdkGlue: '^3.1169.0',
  awsSdkAthena: '^3.1164.0',
  awsSdkCloudWatch: '^3.1164.0',
  awsSdkLakeFormation: '^3.1048.0',
  awsSdkSsm: '^3.1164.0',
  awsSdkClientMock: '^4.1.0',
  aslValidator: '^4.0.0',
} as const;

/** The version every workspace package carries; workspace dependencies pin it exactly. */
export const WORKSPACE_VERSION = '0.0.0';

/** npm scope of every workspace package. */
export const SCOPE = '@cdc-lakehouse';
