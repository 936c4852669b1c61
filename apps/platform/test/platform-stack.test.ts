import { GlueCurationJob } from '@cdc-lakehouse/curation-aws';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  LakehouseAppOptions, PLATFORM_CONFIG, PlatformConfig, PlatformStack, SOURCE_DATABASES, buildLakehouseApp, platformEnv, sourcePorts,
} from '../src';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const S3_PREFIX_LIST_KEY = `cc-api-provider:account=${ACCOUNT}:expectedMatchCount=exactly-one:propertiesToReturn.0=PrefixListId`
  + `:propertyMatch.PrefixListName=com.amazonaws.${REGION}.s3:region=${REGION}:typeName=AWS$:$:EC2$:$:PrefixList`;

/** The app as main.ts builds it. */
function lakehouseApp(options: LakehouseAppOptions = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  return { app, ...buildLakehouseApp(app, options) };
}

function logicalId(construct: { node: { defaultChild?: unknown } }, stack: Stack): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('the lakehouse app', () => {
  test('one platform stack and one stack per source database listed in .projenrc.ts', () => {
    const { platform, sources } = lakehouseApp();
    expect(SOURCE_DATABASES.map((s) => s.name)).toEqual(['orders', 'billing']);
    expect(sources.map((s) => s.stackName)).toEqual(['LakehouseSource-orders', 'LakehouseSource-billing']);
    const template = Template.fromStack(platform);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::S3::Bucket', 3); // access logs, warehouse, analysts' query results
    template.resourceCountIs('AWS::DMS::ReplicationConfig', 0);
    template.resourceCountIs('AWS::Glue::Job', 0);
  });

  test('the platform holds the warehouse, with one curated database per source, logging to the shared log bucket', () => {
    const { platform } = lakehouseApp();
    const template = Template.fromStack(platform);
    expect(platform.warehouse.sourceNames).toEqual(SOURCE_DATABASES.map((s) => s.name));
    for (const name of ['curated_orders', 'curated_billing']) {
      template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: name }) });
    }
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(platform.accessLogs.bucket, platform) }, LogFilePrefix: 'warehouse/' },
    });
  });

  test('each source stack curates its source with its engine (a Glue 5.0 job, or Athena), from one state machine, into its own database', () => {
    const { platform, sources } = lakehouseApp();
    const engines: string[] = [];
    for (const [i, stack] of sources.entries()) {
      const name = SOURCE_DATABASES[i].name;
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      const job = stack.node.tryFindChild('Curation');
      if (job instanceof GlueCurationJob) {
        engines.push('glue');
        template.resourceCountIs('AWS::Glue::Job', 1);
        template.hasResourceProperties('AWS::Glue::Job', {
          GlueVersion: '5.0',
          ExecutionProperty: { MaxConcurrentRuns: 1 },
          DefaultArguments: Match.objectLike({ '--datalake-formats': 'iceberg', '--catalog': 'glue_catalog' }),
        });
        expect(new Set(job.jobSpec.tables.map((t) => t.database))).toEqual(new Set([`curated_${name}`]));
      } else {
        engines.push('athena');
        template.resourceCountIs('AWS::Glue::Job', 0);
        template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: `lakehouse-curation-${name}` });
      }
    }
    // both engines deploy from the source entries in .projenrc.ts
    expect(new Set(engines)).toEqual(new Set(['glue', 'athena']));
    expect(platform.sourceStackDependencies().warehouse).toBe(platform.warehouse);
  });

  test('each source stack has its raw zone, logging to the platform access log bucket, and one replication', () => {
    const { sources } = lakehouseApp();
    for (const [i, stack] of sources.entries()) {
      const name = SOURCE_DATABASES[i].name;
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.resourceCountIs('AWS::DMS::ReplicationConfig', 1);
      template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: { 'Fn::ImportValue': Match.stringLikeRegexp('AccessLogs') }, LogFilePrefix: `${name}/` },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [Match.objectLike({ BucketKeyEnabled: true, ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) })],
        },
        VersioningConfiguration: { Status: 'Enabled' },
      });
      template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    }
  });

  test('the account-wide DMS roles are created once, by the platform stack', () => {
    const { platform, sources } = lakehouseApp();
    Template.fromStack(platform).resourceCountIs('Custom::DmsAccountRole', 2);
    for (const stack of sources) Template.fromStack(stack).resourceCountIs('Custom::DmsAccountRole', 0);
  });

  test('createDmsAccountRoles: false leaves them to whoever owns them in the account', () => {
    const app = new App();
    const platform = new PlatformStack(app, 'P', { config: PLATFORM_CONFIG, createDmsAccountRoles: false });
    Template.fromStack(platform).resourceCountIs('Custom::DmsAccountRole', 0);
    expect(platform.sourceStackDependencies().accountRoles).toBeUndefined();
  });

  test('the replication security group reaches exactly the sources\' ports (5432, 3306) plus HTTPS to the endpoints', () => {
    const { platform } = lakehouseApp();
    expect(sourcePorts(PLATFORM_CONFIG)).toEqual([5432, 3306]);
    const template = Template.fromStack(platform);
    const group = template.toJSON().Resources[logicalId(platform.network.replicationSecurityGroup, platform)];
    expect(group.Properties.SecurityGroupEgress.map((r: { FromPort: number; ToPort: number; CidrIp: string }) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`))
      .toEqual(['10.40.0.0/16:5432-5432', '10.40.0.0/16:3306-3306']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [logicalId(platform.network.replicationSecurityGroup, platform), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [logicalId(platform.network.endpointSecurityGroup!, platform), 'GroupId'] },
      FromPort: 443,
      ToPort: 443,
    });
  });

  test('ports are derived from the sources: engine defaults, explicit ports, duplicates once', () => {
    const config: PlatformConfig = {
      sources: [
        { name: 'a', engine: 'postgres' },
        { name: 'b', engine: 'mysql' },
        { name: 'c', engine: 'postgres', port: 5433 },
        { name: 'd', engine: 'aurora-mysql' },
        { name: 'e', engine: 'mariadb', port: 3307 },
      ],
    };
    expect(sourcePorts(config)).toEqual([5432, 3306, 5433, 3307]);
  });

  test('without CDK_DEFAULT_ACCOUNT/REGION the stacks are environment-agnostic; with them they use them', () => {
    expect(platformEnv({})).toBeUndefined();
    expect(platformEnv({ CDK_DEFAULT_ACCOUNT: ACCOUNT })).toBeUndefined();
    expect(platformEnv({ CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION })).toEqual({ account: ACCOUNT, region: REGION });

    const agnostic = lakehouseApp().platform;
    expect(Token.isUnresolved(agnostic.account)).toBe(true);
    expect(Token.isUnresolved(agnostic.region)).toBe(true);

    const { platform, sources } = lakehouseApp({ env: { account: ACCOUNT, region: REGION } }, { [S3_PREFIX_LIST_KEY]: [{ PrefixListId: 'pl-6da54004' }] });
    expect([platform, ...sources].map((s) => `${s.account}/${s.region}`)).toEqual(Array(3).fill(`${ACCOUNT}/${REGION}`));
    Template.fromStack(platform).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [logicalId(platform.network.replicationSecurityGroup, platform), 'GroupId'] },
      DestinationPrefixListId: 'pl-6da54004',
      FromPort: 443,
      ToPort: 443,
    });
  });

  test('data is retained by default, with a warning per bucket owner', () => {
    const { platform, sources } = lakehouseApp();
    const paths: string[] = [];
    for (const stack of [platform, ...sources]) {
      const template = Template.fromStack(stack);
      const buckets = template.findResources('AWS::S3::Bucket');
      expect(Object.values(buckets).map((b) => b.DeletionPolicy)).toEqual(Object.keys(buckets).map(() => 'Retain'));
      paths.push(...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained')).map((w) => w.id));
    }
    expect(paths.sort()).toEqual([
      '/CdcLakehousePlatform/AccessLogs', '/CdcLakehousePlatform/Warehouse', '/LakehouseSource-billing/RawZone', '/LakehouseSource-orders/RawZone',
    ]);
  });

  test('bucketNamePrefix names the raw buckets and the warehouse', () => {
    const { platform, sources } = lakehouseApp({ config: { ...PLATFORM_CONFIG, bucketNamePrefix: 'acme-lake' } });
    Template.fromStack(platform).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-warehouse' });
    Template.fromStack(sources[0]).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-orders-raw' });
    Template.fromStack(sources[1]).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-billing-raw' });
  });

  test('the platform outputs the VPC, the replication security group, the access log bucket and the analysts\' role and workgroup', () => {
    const { platform } = lakehouseApp();
    const outputs = Template.fromStack(platform).toJSON().Outputs;
    expect(Object.keys(outputs).filter(k => !k.startsWith('Bootstrap') && !k.startsWith('ExportsOutput')).sort()).toEqual(
      ['AccessLogsBucketName', 'AnalystRoleArn', 'AnalystWorkgroup', 'ReplicationSecurityGroupId', 'VpcId', 'WarehouseBucketName'],
    );
  });

  test.each<[string, PlatformConfig, RegExp]>([
    ['no source', { sources: [] }, /^sources: configure at least one source database$/],
    ['duplicate names', { sources: [{ name: 'orders', engine: 'postgres' }, { name: 'orders', engine: 'mysql' }] }, /^sources: the name 'orders' is used twice/],
    ['unknown engine', { sources: [{ name: 'legacy', engine: 'oracle' as never }] },
      /^sources\[legacy\]\.engine: 'oracle' is not supported; allowed values: postgres, mysql, mariadb, aurora-mysql$/],
  ])('rejects a config with %s', (_name, config, message) => {
    expect(() => lakehouseApp({ config })).toThrow(message);
  });
});

describe('every synthesized template', () => {
  const { app } = lakehouseApp();
  const assembly = app.synth();
  const templates = assembly.stacks.map((stack) => ({ name: stack.stackName, text: JSON.stringify(stack.template) }));

  test('covers the platform and every source', () => {
    expect(templates.map((t) => t.name).sort()).toEqual([
      'CdcLakehouseOperations', 'CdcLakehousePlatform', 'LakehouseSource-billing', 'LakehouseSource-orders',
    ]);
  });

  test.each(['CdcLakehousePlatform', 'LakehouseSource-orders', 'LakehouseSource-billing', 'CdcLakehouseOperations'])('%s holds no password and never drops deletes', (name) => {
    const text = templates.find((t) => t.name === name)!.text;
    expect(text).not.toMatch(/password/i);
    expect(text).not.toMatch(/"CdcInserts(Only|AndUpdates)":true/);
  });

  test('each source target sets both CDC filters to false explicitly', () => {
    for (const stack of assembly.stacks.filter((s) => s.stackName.startsWith('LakehouseSource-'))) {
      const text = JSON.stringify(stack.template);
      expect(text).toContain('"CdcInsertsOnly":false');
      expect(text).toContain('"CdcInsertsAndUpdates":false');
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no stack of the app has an unsuppressed finding', () => {
    const { app } = lakehouseApp();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`))).toEqual([]);
  });

  test('synth with the plugin registered, as in main.ts, succeeds', () => {
    const { app } = lakehouseApp();
    expect(() => app.synth()).not.toThrow();
  });
});
