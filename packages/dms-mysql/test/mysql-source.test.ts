import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { MYSQL_ENGINE_NAMES, MysqlSource, MysqlSourceProps } from '../src';
import { flatten, testStack, TestStack } from './helpers';

function source(t: TestStack, props: Partial<MysqlSourceProps> = {}): MysqlSource {
  return new MysqlSource(t.stack, 'Shop', {
    sourceName: 'shop',
    network: t.network,
    rawZone: t.rawZone,
    secret: 'prod/shop/dms',
    tables: [{ schema: 'shop', table: 'orders', primaryKey: ['order_id'] }, { schema: 'shop', table: 'order_%' }],
    ...props,
  });
}

function sourceEndpoint(template: Template): any {
  const endpoints = Object.values(template.findResources('AWS::DMS::Endpoint', { Properties: { EndpointType: 'source' } }));
  expect(endpoints).toHaveLength(1);
  return endpoints[0];
}

describe('MysqlSource', () => {
  test('source endpoint: MySQL engine, secret from Secrets Manager, TLS required, no database name', () => {
    const t = testStack('shop');
    const s = source(t);
    const endpoint = sourceEndpoint(Template.fromStack(t.stack));
    expect(endpoint.Properties).toEqual({
      EndpointType: 'source',
      EngineName: 'mysql',
      SslMode: 'require',
      MySqlSettings: {
        SecretsManagerSecretId: 'prod/shop/dms',
        SecretsManagerAccessRoleArn: t.stack.resolve(s.secretAccessRole.roleArn),
      },
    });
    expect(endpoint.DependsOn).toEqual([expect.stringMatching(/^ShopSecretAccessPolicy/)]);
    expect(s.engine).toBe('mysql');
  });

  test.each([
    ['mysql', 'mysql'],
    ['mariadb', 'mariadb'],
    ['aurora-mysql', 'aurora'],
  ] as const)('engine %p is DMS engine %p', (engine, engineName) => {
    const t = testStack('shop');
    source(t, { engine });
    expect(sourceEndpoint(Template.fromStack(t.stack)).Properties.EngineName).toBe(engineName);
    expect(MYSQL_ENGINE_NAMES[engine]).toBe(engineName);
  });

  test('an unknown engine is refused with the allowed values', () => {
    expect(() => source(testStack('shop'), { engine: 'percona' as any }))
      .toThrow('MysqlSource "shop": engine "percona" is not supported; allowed values: mysql, mariadb, aurora-mysql');
  });

  test('the schema of a table is the MySQL database, in the selection rules', () => {
    const t = testStack('shop');
    source(t, { exclude: [{ schema: 'shop', table: 'order_tmp' }] });
    Template.fromStack(t.stack).hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationConfigIdentifier: 'shop-replication',
      TableMappings: {
        rules: [
          Match.objectLike({ 'rule-action': 'include', 'object-locator': { 'schema-name': 'shop', 'table-name': 'orders' } }),
          Match.objectLike({ 'rule-action': 'include', 'object-locator': { 'schema-name': 'shop', 'table-name': 'order_%' } }),
          Match.objectLike({ 'rule-action': 'exclude', 'object-locator': { 'schema-name': 'shop', 'table-name': 'order_tmp' } }),
          Match.objectLike({
            'rule-type': 'transformation',
            'rule-action': 'add-column',
            'value': '_dms_change_seq',
            'expression': '$AR_H_CHANGE_SEQ',
            'data-type': { type: 'string', length: 50 },
          }),
        ],
      },
    });
  });

  test('the secret-access role may read exactly that one secret', () => {
    const t = testStack('shop');
    const s = source(t);
    const [policy] = Object.values(Template.fromStack(t.stack).findResources('AWS::IAM::Policy', {
      Properties: { Roles: [t.stack.resolve(s.secretAccessRole.roleName)] },
    }));
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(flatten(statements[0].Resource))
      .toBe('arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/shop/dms-??????');
  });

  test('server time zone is passed to the endpoint', () => {
    const t = testStack('shop');
    source(t, { serverTimezone: 'Europe/Paris' });
    expect(sourceEndpoint(Template.fromStack(t.stack)).Properties.MySqlSettings.ServerTimezone).toBe('Europe/Paris');
    expect(() => source(testStack('shop'), { serverTimezone: 'CET+1' })).toThrow(/serverTimezone "CET\+1" is invalid/);
  });

  describe('TLS', () => {
    test('sslMode none is refused without allowUnencrypted, accepted with it', () => {
      expect(() => source(testStack('shop'), { sslMode: 'none' })).toThrow(/MysqlSource "shop": sslMode "none" sends credentials and data unencrypted/);
      const t = testStack('shop');
      source(t, { sslMode: 'none', allowUnencrypted: true });
      expect(sourceEndpoint(Template.fromStack(t.stack)).Properties.SslMode).toBe('none');
    });

    test('verify-ca needs a certificate', () => {
      expect(() => source(testStack('shop'), { sslMode: 'verify-ca' })).toThrow(/set certificateArn/);
      const t = testStack('shop');
      source(t, { sslMode: 'verify-ca', certificateArn: 'arn:aws:dms:eu-west-1:123456789012:cert:RDSBUNDLE' });
      expect(sourceEndpoint(Template.fromStack(t.stack)).Properties).toMatchObject({
        SslMode: 'verify-ca',
        CertificateArn: 'arn:aws:dms:eu-west-1:123456789012:cert:RDSBUNDLE',
      });
    });
  });

  test('S3 target, replication and alarms as for every source; options passed through', () => {
    const t = testStack('shop');
    const s = source(t, {
      replication: { maxCapacityUnits: 2 },
      target: { cdcMaxBatchInterval: Duration.seconds(30) },
      alarms: { cdcSourceLatencyThreshold: Duration.minutes(1) },
    });
    const template = Template.fromStack(t.stack);
    template.hasResourceProperties('AWS::DMS::Endpoint', {
      EndpointType: 'target',
      S3Settings: Match.objectLike({ BucketFolder: 'shop', CdcMaxBatchInterval: 30, CdcInsertsOnly: false, CdcInsertsAndUpdates: false }),
    });
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', { ComputeConfig: Match.objectLike({ MaxCapacityUnits: 2 }) });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CDCLatencySource', Threshold: 60 });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    expect(s.alarms).toHaveLength(3);
  });

  test('account roles skipped with createAccountRoles: false', () => {
    const t = testStack('shop');
    source(t, { createAccountRoles: false });
    Template.fromStack(t.stack).resourceCountIs('Custom::DmsAccountRole', 0);
  });

  test.each<[string, Partial<MysqlSourceProps>, RegExp]>([
    ['an invalid source name', { sourceName: 'shop_db' }, /MysqlSource: sourceName "shop_db" is invalid/],
    ['an invalid capacity', { replication: { maxCapacityUnits: 6 } }, /maxCapacityUnits 6 is not a DMS Serverless capacity; allowed values: 1, 2, 4/],
    ['an invalid database (schema) name', { tables: [{ schema: 'my-shop', table: '%' }] }, /schema name "my-shop" is invalid/],
  ])('rejects %s', (_, props, error) => {
    expect(() => source(testStack('shop'), props)).toThrow(error);
  });
});
