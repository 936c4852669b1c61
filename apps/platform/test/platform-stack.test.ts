import { PLATFORM_CONFIG, PlatformConfig, SOURCE_DATABASES, checkTemplate, platformEnv, sourcePorts } from '@cdc-lakehouse/app-config';
import { PLATFORM_PARAMETERS, PlatformParameterKey, platformParameterName } from '@cdc-lakehouse/platform-link';
import { App, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PlatformAppOptions, PlatformStack, buildPlatformApp } from '../src';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const S3_PREFIX_LIST_KEY = `cc-api-provider:account=${ACCOUNT}:expectedMatchCount=exactly-one:propertiesToReturn.0=PrefixListId`
  + `:propertyMatch.PrefixListName=com.amazonaws.${REGION}.s3:region=${REGION}:typeName=AWS$:$:EC2$:$:PrefixList`;

/** The app as main.ts builds it. */
function platformApp(options: PlatformAppOptions = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  return { app, ...buildPlatformApp(app, options) };
}

function logicalId(construct: { node: { defaultChild?: unknown } }, stack: Stack): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('the platform app', () => {
  test('one stack: network, logs, warehouse, governance, analysts, alarm topic; no source\'s replication or curation', () => {
    const { app, platform } = platformApp();
    expect(app.node.children.filter((c) => c instanceof Stack)).toEqual([platform]);
    const template = Template.fromStack(platform);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::S3::Bucket', 3); // access logs, warehouse, analysts' query results
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.resourceCountIs('AWS::DMS::ReplicationConfig', 0);
    template.resourceCountIs('AWS::Glue::Job', 0);
  });

  test('the warehouse logs to the shared log bucket; the curated databases are the sources\' (none here)', () => {
    const { platform } = platformApp();
    const template = Template.fromStack(platform);
    expect(platform.warehouse.sourceNames).toEqual([]);
    template.resourceCountIs('AWS::Glue::Database', 0);
    template.hasResourceProperties('AWS::S3::Bucket', {
      LoggingConfiguration: { DestinationBucketName: { Ref: logicalId(platform.accessLogs.bucket, platform) }, LogFilePrefix: 'warehouse/' },
    });
    // the raw zones (in the lakehouse app's stacks) log here: the bucket accepts S3 log delivery from the account
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'S3ServerAccessLogsFromThisAccount', Principal: { Service: 'logging.s3.amazonaws.com' } })]) },
    });
    // …but Lake Formation knows every source as a domain, and the analysts may read every curated database
    expect(platform.lakeFormation.domains).toEqual(SOURCE_DATABASES.map((s) => s.name));
  });

  test('publishes its shared pieces as SSM parameters under /cdc-lakehouse/<environment>/platform, and exports nothing', () => {
    const { platform } = platformApp();
    const template = Template.fromStack(platform);
    // every parameter of the contract (each one's name and type: packages/platform-link's tests)
    const names = Object.values(template.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name).sort();
    expect(names).toEqual(Object.keys(PLATFORM_PARAMETERS).map((k) => platformParameterName('/cdc-lakehouse/default/platform', k as PlatformParameterKey)).sort());
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdc-lakehouse/default/platform/lake-formation/domains', Value: 'orders,billing' });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/cdc-lakehouse/default/platform/warehouse/bucket-name', Value: { Ref: logicalId(platform.warehouse.bucket, platform) },
    });
    expect(Object.values(template.toJSON().Outputs ?? {}).filter((o) => (o as { Export?: unknown }).Export)).toEqual([]);

    const dev = platformApp({ environment: { name: 'dev', account: ACCOUNT, region: REGION, removal: 'retain' } }, {
      [S3_PREFIX_LIST_KEY]: [{ PrefixListId: 'pl-6da54004' }],
    }).platform;
    Template.fromStack(dev).hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdc-lakehouse/dev/platform/version' });
  });

  test('the alarm topic is KMS-encrypted, usable by CloudWatch alarms of this account, and mails the environment\'s recipients', () => {
    const { platform } = platformApp({ environment: { name: 'dev', account: ACCOUNT, region: REGION, removal: 'retain', alarmEmails: ['oncall@example.com'] } }, {
      [S3_PREFIX_LIST_KEY]: [{ PrefixListId: 'pl-6da54004' }],
    });
    const template = Template.fromStack(platform);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
    });
  });

  test('its template is well within CloudFormation\'s limits', () => {
    const { platform } = platformApp();
    expect(checkTemplate(platform.stackName, Template.fromStack(platform).toJSON()).violations).toEqual([]);
  });

  test('the account-wide DMS roles are created once, by the platform stack', () => {
    const { platform } = platformApp();
    Template.fromStack(platform).resourceCountIs('Custom::DmsAccountRole', 2);
  });

  test('createDmsAccountRoles: false leaves them to whoever owns them in the account', () => {
    const app = new App();
    const platform = new PlatformStack(app, 'P', { config: PLATFORM_CONFIG, createDmsAccountRoles: false });
    Template.fromStack(platform).resourceCountIs('Custom::DmsAccountRole', 0);
    expect(platform.dmsAccountRoles).toBeUndefined();
  });

  test('the replication security group reaches exactly the sources\' ports (5432, 3306) plus HTTPS to the endpoints', () => {
    const { platform } = platformApp();
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

  test('without CDK_DEFAULT_ACCOUNT/REGION the stack is environment-agnostic; with them it uses them', () => {
    expect(platformEnv({})).toBeUndefined();
    expect(platformEnv({ CDK_DEFAULT_ACCOUNT: ACCOUNT })).toBeUndefined();
    expect(platformEnv({ CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION })).toEqual({ account: ACCOUNT, region: REGION });

    const agnostic = platformApp().platform;
    expect(Token.isUnresolved(agnostic.account)).toBe(true);
    expect(Token.isUnresolved(agnostic.region)).toBe(true);

    const { platform } = platformApp({ env: { account: ACCOUNT, region: REGION } }, { [S3_PREFIX_LIST_KEY]: [{ PrefixListId: 'pl-6da54004' }] });
    expect(`${platform.account}/${platform.region}`).toBe(`${ACCOUNT}/${REGION}`);
    Template.fromStack(platform).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [logicalId(platform.network.replicationSecurityGroup, platform), 'GroupId'] },
      DestinationPrefixListId: 'pl-6da54004',
      FromPort: 443,
      ToPort: 443,
    });
  });

  test('data is retained by default, with a warning per bucket owner', () => {
    const { platform } = platformApp();
    const paths: string[] = [];
    for (const stack of [platform]) {
      const template = Template.fromStack(stack);
      const buckets = template.findResources('AWS::S3::Bucket');
      expect(Object.values(buckets).map((b) => b.DeletionPolicy)).toEqual(Object.keys(buckets).map(() => 'Retain'));
      paths.push(...Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained')).map((w) => w.id));
    }
    expect(paths.sort()).toEqual(['/CdcLakehousePlatform/AccessLogs', '/CdcLakehousePlatform/Warehouse']);
  });

  test('bucketNamePrefix names the warehouse', () => {
    const { platform } = platformApp({ config: { ...PLATFORM_CONFIG, bucketNamePrefix: 'acme-lake' } });
    Template.fromStack(platform).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-warehouse' });
  });

  test('the platform outputs the VPC, the replication security group, the access log bucket and the analysts\' role and workgroup', () => {
    const { platform } = platformApp();
    const outputs = Template.fromStack(platform).toJSON().Outputs;
    expect(Object.keys(outputs).filter(k => !k.startsWith('Bootstrap') && !k.startsWith('ExportsOutput')).sort()).toEqual(
      ['AccessLogsBucketName', 'AlarmTopicArn', 'AnalystRoleArn', 'AnalystWorkgroup', 'ParameterPrefix', 'ReplicationSecurityGroupId', 'VpcId', 'WarehouseBucketName'],
    );
  });

  test.each<[string, PlatformConfig, RegExp]>([
    ['no source', { sources: [] }, /^sources: configure at least one source database$/],
    ['duplicate names', { sources: [{ name: 'orders', engine: 'postgres' }, { name: 'orders', engine: 'mysql' }] }, /^sources: the name 'orders' is used twice/],
    ['unknown engine', { sources: [{ name: 'legacy', engine: 'oracle' as never }] },
      /^sources\[legacy\]\.engine: 'oracle' is not supported; allowed values: postgres, mysql, mariadb, aurora-mysql$/],
  ])('rejects a config with %s', (_name, config, message) => {
    expect(() => platformApp({ config })).toThrow(message);
  });
});

describe('the synthesized template', () => {
  const text = JSON.stringify(platformApp().app.synth().getStackByName('CdcLakehousePlatform').template);

  test('holds no password', () => {
    expect(text).not.toMatch(/password/i);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('the platform has no unsuppressed finding', () => {
    const { app } = platformApp();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`))).toEqual([]);
  });

  test('synth with the plugin registered, as in main.ts, succeeds', () => {
    const { app } = platformApp();
    expect(() => app.synth()).not.toThrow();
  });
});
