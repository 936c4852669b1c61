import { App, Token, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PLATFORM_CONFIG, PlatformConfig, platformEnv, PlatformStack, sourcePorts } from '../src';

const ACCOUNT = '111111111111';
const REGION = 'eu-west-1';
const S3_PREFIX_LIST_KEY = `cc-api-provider:account=${ACCOUNT}:expectedMatchCount=exactly-one:propertiesToReturn.0=PrefixListId`
  + `:propertyMatch.PrefixListName=com.amazonaws.${REGION}.s3:region=${REGION}:typeName=AWS$:$:EC2$:$:PrefixList`;

/** The app as main.ts builds it. */
function platformApp(config: PlatformConfig = PLATFORM_CONFIG, vars: NodeJS.ProcessEnv = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  const stack = new PlatformStack(app, 'CdcLakehousePlatform', { env: platformEnv(vars), config });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

function logicalId(construct: { node: { defaultChild?: unknown } }, stack: PlatformStack): string {
  return stack.getLogicalId(construct.node.defaultChild as never);
}

describe('PlatformStack', () => {
  test('one network and one raw zone per configured source, all logging to one access log bucket', () => {
    const { stack } = platformApp();
    const template = Template.fromStack(stack);
    expect(Object.keys(stack.rawZones)).toEqual(['orders', 'billing']);
    template.resourceCountIs('AWS::EC2::VPC', 1);
    template.resourceCountIs('AWS::S3::Bucket', 3);
    const logBucket = { Ref: logicalId(stack.accessLogs.bucket, stack) };
    for (const source of ['orders', 'billing']) {
      const zone = stack.rawZones[source];
      template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: logBucket, LogFilePrefix: `${source}/` },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': [logicalId(zone.encryptionKey, stack), 'Arn'] } },
          }],
        },
        VersioningConfiguration: { Status: 'Enabled' },
      });
    }
    // flow log key + one key per raw zone, all rotated
    template.resourceCountIs('AWS::KMS::Key', 3);
    template.allResourcesProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('the replication security group reaches exactly the sources\' ports (5432, 3306) plus HTTPS to the endpoints', () => {
    const { stack } = platformApp();
    expect(sourcePorts(PLATFORM_CONFIG)).toEqual([5432, 3306]);
    const template = Template.fromStack(stack);
    const group = template.toJSON().Resources[logicalId(stack.network.replicationSecurityGroup, stack)];
    expect(group.Properties.SecurityGroupEgress.map((r: { FromPort: number; ToPort: number; CidrIp: string }) => `${r.CidrIp}:${r.FromPort}-${r.ToPort}`))
      .toEqual(['10.40.0.0/16:5432-5432', '10.40.0.0/16:3306-3306']);
    template.hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [logicalId(stack.network.replicationSecurityGroup, stack), 'GroupId'] },
      DestinationSecurityGroupId: { 'Fn::GetAtt': [logicalId(stack.network.endpointSecurityGroup!, stack), 'GroupId'] },
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
        { name: 'd', engine: 'postgres' },
      ],
    };
    expect(sourcePorts(config)).toEqual([5432, 3306, 5433]);
  });

  test('without CDK_DEFAULT_ACCOUNT/REGION the stack is environment-agnostic; with them it uses them', () => {
    expect(platformEnv({})).toBeUndefined();
    expect(platformEnv({ CDK_DEFAULT_ACCOUNT: ACCOUNT })).toBeUndefined();
    expect(platformEnv({ CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION })).toEqual({ account: ACCOUNT, region: REGION });

    const agnostic = platformApp().stack;
    expect(Token.isUnresolved(agnostic.account)).toBe(true);
    expect(Token.isUnresolved(agnostic.region)).toBe(true);

    const { stack } = platformApp(PLATFORM_CONFIG, { CDK_DEFAULT_ACCOUNT: ACCOUNT, CDK_DEFAULT_REGION: REGION },
      { [S3_PREFIX_LIST_KEY]: [{ PrefixListId: 'pl-6da54004' }] });
    expect(stack.account).toBe(ACCOUNT);
    expect(stack.region).toBe(REGION);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupEgress', {
      GroupId: { 'Fn::GetAtt': [logicalId(stack.network.replicationSecurityGroup, stack), 'GroupId'] },
      DestinationPrefixListId: 'pl-6da54004',
      FromPort: 443,
      ToPort: 443,
    });
  });

  test('data is retained by default, with a warning per bucket owner', () => {
    const { stack } = platformApp();
    const template = Template.fromStack(stack);
    expect(Object.keys(template.findResources('AWS::S3::Bucket', { DeletionPolicy: 'Retain' }))).toHaveLength(3);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained'));
    expect(warnings.map(w => w.id).sort()).toEqual(['/CdcLakehousePlatform/AccessLogs', '/CdcLakehousePlatform/RawZone-billing', '/CdcLakehousePlatform/RawZone-orders']);
  });

  test('bucketNamePrefix names the raw buckets', () => {
    const { stack } = platformApp({ ...PLATFORM_CONFIG, bucketNamePrefix: 'acme-lake' });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-orders-raw' });
    template.hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-billing-raw' });
  });

  test('outputs the VPC, the replication security group and the raw buckets', () => {
    const { stack } = platformApp();
    const outputs = Template.fromStack(stack).toJSON().Outputs;
    expect(Object.keys(outputs).filter(k => !k.startsWith('Bootstrap')).sort()).toEqual(
      ['RawBucketbilling', 'RawBucketorders', 'ReplicationSecurityGroupId', 'VpcId'],
    );
  });

  test.each<[string, PlatformConfig, RegExp]>([
    ['no source', { sources: [] }, /^sources: configure at least one source database$/],
    ['duplicate names', { sources: [{ name: 'orders', engine: 'postgres' }, { name: 'orders', engine: 'mysql' }] }, /^sources: the name 'orders' is used twice/],
    ['unknown engine', { sources: [{ name: 'legacy', engine: 'oracle' as never }] }, /^sources\[legacy\]\.engine: 'oracle' is not supported; allowed values: postgres, mysql$/],
    ['bad source name', { sources: [{ name: 'Orders', engine: 'postgres' }] }, /^sourceName: 'Orders' is not allowed/],
  ])('rejects a config with %s', (_name, config, message) => {
    expect(() => platformApp(config)).toThrow(message);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('the platform stack has no unsuppressed finding', () => {
    const { app } = platformApp();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`))).toEqual([]);
  });

  test('synth with the plugin registered, as in main.ts, succeeds and reports no violation', () => {
    const { app } = platformApp();
    expect(() => app.synth()).not.toThrow();
  });
});
