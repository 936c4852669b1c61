import { Duration } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { PostgresSource, PostgresSourceProps } from '../src';
import { flatten, testStack, TestStack } from './helpers';

function source(t: TestStack, props: Partial<PostgresSourceProps> = {}): PostgresSource {
  return new PostgresSource(t.stack, 'Billing', {
    sourceName: 'billing',
    network: t.network,
    rawZone: t.rawZone,
    secret: 'prod/billing/dms',
    databaseName: 'billing',
    tables: [{ schema: 'public', table: 'invoices', primaryKey: ['invoice_id'] }, { schema: 'sales', table: '%' }],
    ...props,
  });
}

function sourceEndpoint(template: Template): any {
  const endpoints = Object.values(template.findResources('AWS::DMS::Endpoint', { Properties: { EndpointType: 'source' } }));
  expect(endpoints).toHaveLength(1);
  return endpoints[0];
}

describe('PostgresSource', () => {
  test('source endpoint: secret from Secrets Manager, TLS required, test_decoding, heartbeat, no DDL capture, LOB truncation fails', () => {
    const t = testStack();
    const s = source(t);
    const template = Template.fromStack(t.stack);
    const endpoint = sourceEndpoint(template);
    expect(endpoint.Properties).toEqual({
      EndpointType: 'source',
      EngineName: 'postgres',
      DatabaseName: 'billing',
      SslMode: 'require',
      PostgreSqlSettings: {
        SecretsManagerSecretId: 'prod/billing/dms',
        SecretsManagerAccessRoleArn: t.stack.resolve(s.secretAccessRole.roleArn),
        PluginName: 'test-decoding',
        HeartbeatEnable: true,
        HeartbeatFrequency: 5,
        HeartbeatSchema: 'public',
        CaptureDdls: false,
        FailTasksOnLobTruncation: true,
      },
    });
    // DMS may only use the endpoint once the role can read the secret
    expect(endpoint.DependsOn).toEqual([expect.stringMatching(/^BillingSecretAccessPolicy/)]);
  });

  test('the secret-access role may read exactly that one secret (name → ARN with the -?????? suffix)', () => {
    const t = testStack();
    const s = source(t);
    const template = Template.fromStack(t.stack);
    const roleName = t.stack.resolve(s.secretAccessRole.roleName);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleName] } }));
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'] });
    expect(flatten(statements[0].Resource))
      .toBe('arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/billing/dms-??????');
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: { 'Fn::Join': ['', ['dms.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } })],
      },
      Description: 'Lets AWS DMS read the connection secret of one source endpoint',
    });
  });

  test('a secret ARN is used as is, and a KMS key adds kms:Decrypt through Secrets Manager only', () => {
    const t = testStack();
    const arn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/dms-a1B2c3';
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const s = source(t, { secret: arn, secretKmsKeyArn: keyArn });
    const template = Template.fromStack(t.stack);
    expect(sourceEndpoint(template).Properties.PostgreSqlSettings.SecretsManagerSecretId).toBe(arn);
    const roleName = t.stack.resolve(s.secretAccessRole.roleName);
    const [policy] = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [roleName] } }));
    const statements = policy.Properties.PolicyDocument.Statement;
    expect(statements).toHaveLength(2);
    expect(statements[0].Resource).toBe(arn);
    expect(statements[1]).toMatchObject({ Action: 'kms:Decrypt', Resource: keyArn });
  });

  test('pglogical, slot, heartbeat and DDL capture settings', () => {
    const t = testStack();
    source(t, {
      pluginName: 'pglogical',
      slotName: 'dms_billing',
      heartbeatFrequency: Duration.minutes(1),
      heartbeatSchema: 'dms',
      captureDdls: true,
      ddlArtifactsSchema: 'dms',
    });
    expect(sourceEndpoint(Template.fromStack(t.stack)).Properties.PostgreSqlSettings).toMatchObject({
      PluginName: 'pglogical',
      SlotName: 'dms_billing',
      HeartbeatEnable: true,
      HeartbeatFrequency: 1,
      HeartbeatSchema: 'dms',
      CaptureDdls: true,
      DdlArtifactsSchema: 'dms',
    });
  });

  test('heartbeat can be turned off', () => {
    const t = testStack();
    source(t, { heartbeatEnable: false });
    const settings = sourceEndpoint(Template.fromStack(t.stack)).Properties.PostgreSqlSettings;
    expect(settings.HeartbeatEnable).toBe(false);
    expect(settings.HeartbeatFrequency).toBeUndefined();
    expect(settings.HeartbeatSchema).toBeUndefined();
  });

  test.each(['pgoutput', 'no-preference', 'wal2json'])('pluginName %p is refused, naming the allowed values', (plugin) => {
    expect(() => source(testStack(), { pluginName: plugin as any }))
      .toThrow(new RegExp(`PostgresSource "billing": pluginName "${plugin}" is not supported.*; allowed values: test-decoding, pglogical`));
  });

  test('pgoutput gets a hint that DMS does not know it', () => {
    expect(() => source(testStack(), { pluginName: 'pgoutput' as any })).toThrow(/pgoutput is not a DMS plugin value/);
  });

  describe('TLS', () => {
    test('sslMode none is refused without allowUnencrypted', () => {
      expect(() => source(testStack(), { sslMode: 'none' }))
        .toThrow(/PostgresSource "billing": sslMode "none" sends credentials and data unencrypted.*allowUnencrypted: true/);
    });

    test('sslMode none is accepted with allowUnencrypted: true', () => {
      const t = testStack();
      source(t, { sslMode: 'none', allowUnencrypted: true });
      expect(sourceEndpoint(Template.fromStack(t.stack)).Properties.SslMode).toBe('none');
    });

    test('verify-full needs a certificate and passes it to the endpoint', () => {
      expect(() => source(testStack(), { sslMode: 'verify-full' })).toThrow(/sslMode "verify-full" verifies the server against a CA: set certificateArn/);
      const t = testStack();
      const certificateArn = 'arn:aws:dms:eu-west-1:123456789012:cert:RDSBUNDLE';
      source(t, { sslMode: 'verify-full', certificateArn });
      expect(sourceEndpoint(Template.fromStack(t.stack)).Properties).toMatchObject({ SslMode: 'verify-full', CertificateArn: certificateArn });
    });

    test('an unknown sslMode is refused', () => {
      expect(() => source(testStack(), { sslMode: 'prefer' as any })).toThrow(/sslMode "prefer" is not supported; allowed values: require, verify-ca, verify-full, none/);
    });
  });

  test('creates the S3 target, the mappings, the replication and its alarms, and exposes them', () => {
    const t = testStack();
    const s = source(t, { exclude: [{ schema: 'sales', table: 'tmp_%' }] });
    const template = Template.fromStack(t.stack);
    template.resourceCountIs('AWS::DMS::Endpoint', 2);
    template.resourceCountIs('AWS::DMS::ReplicationConfig', 1);
    template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationConfigIdentifier: 'billing-replication',
      SourceEndpointArn: t.stack.resolve(s.endpoint.ref),
      TargetEndpointArn: t.stack.resolve(s.target.endpointArn),
    });
    expect(s.tableMappings.included).toEqual([{ schema: 'public', table: 'invoices' }, { schema: 'sales', table: '%' }]);
    expect(s.tableMappings.excluded).toEqual([{ schema: 'sales', table: 'tmp_%' }]);
    expect(s.tables[0].primaryKey).toEqual(['invoice_id']);
    expect(s.alarms).toEqual([s.replication.cdcSourceLatencyAlarm, s.replication.cdcTargetLatencyAlarm, s.replication.failureAlarm]);
    expect(s.accountRoles).toBeDefined();
    expect(s.tls).toEqual({ sslMode: 'require', certificateArn: undefined });
  });

  test('the S3 target keeps deletes and writes the lake format', () => {
    const t = testStack();
    source(t);
    Template.fromStack(t.stack).hasResourceProperties('AWS::DMS::Endpoint', {
      EndpointType: 'target',
      S3Settings: Match.objectLike({
        BucketFolder: 'billing',
        DataFormat: 'parquet',
        ParquetVersion: 'parquet-2-0',
        IncludeOpForFullLoad: true,
        CdcInsertsOnly: false,
        CdcInsertsAndUpdates: false,
        TimestampColumnName: '_dms_commit_ts',
        EncryptionMode: 'SSE_KMS',
      }),
    });
  });

  test('replication, target and alarm options are passed through', () => {
    const t = testStack();
    const s = source(t, {
      replication: { maxCapacityUnits: 16, multiAz: true, replicationType: 'cdc' },
      target: { cdcMaxBatchInterval: Duration.minutes(5), datePartitioning: { sequence: 'YYYYMMDDHH' } },
      alarms: { cdcSourceLatencyThreshold: Duration.minutes(10), cdcTargetLatencyThreshold: Duration.minutes(20) },
    });
    const action: cloudwatch.IAlarmAction = { bind: () => ({ alarmActionArn: 'arn:aws:sns:eu-west-1:123456789012:ops' }) };
    s.addAlarmAction(action);
    const template = Template.fromStack(t.stack);
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationType: 'cdc',
      ComputeConfig: Match.objectLike({ MaxCapacityUnits: 16, MultiAZ: true }),
    });
    template.hasResourceProperties('AWS::DMS::Endpoint', {
      S3Settings: Match.objectLike({ CdcMaxBatchInterval: 300, DatePartitionEnabled: true, DatePartitionSequence: 'YYYYMMDDHH' }),
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CDCLatencySource', Threshold: 600 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CDCLatencyTarget', Threshold: 1200 });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarms.map(a => a.Properties.AlarmActions)).toEqual([
      ['arn:aws:sns:eu-west-1:123456789012:ops'], ['arn:aws:sns:eu-west-1:123456789012:ops'], ['arn:aws:sns:eu-west-1:123456789012:ops'],
    ]);
  });

  test('maxCapacityUnits outside the DMS list is refused with the allowed values', () => {
    expect(() => source(testStack(), { replication: { maxCapacityUnits: 10 } }))
      .toThrow('maxCapacityUnits 10 is not a DMS Serverless capacity; allowed values: 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384');
  });

  test('account roles: created once per stack by default, skipped with createAccountRoles: false', () => {
    let t = testStack();
    source(t);
    Template.fromStack(t.stack).resourceCountIs('Custom::DmsAccountRole', 2);

    t = testStack();
    const s = source(t, { createAccountRoles: false });
    const template = Template.fromStack(t.stack);
    template.resourceCountIs('Custom::DmsAccountRole', 0);
    template.resourceCountIs('Custom::DmsAccountRolePolicy', 0);
    expect(s.accountRoles).toBeUndefined();
  });

  test.each<[string, Partial<PostgresSourceProps>, RegExp]>([
    ['an invalid source name', { sourceName: 'Billing DB' }, /PostgresSource: sourceName "Billing DB" is invalid/],
    ['an invalid slot name', { slotName: 'Billing-Slot' }, /slotName "Billing-Slot" is invalid/],
    ['a fractional heartbeat', { heartbeatFrequency: Duration.seconds(90) }, /heartbeatFrequency must be a whole number of minutes/],
    ['heartbeat settings without heartbeat', { heartbeatEnable: false, heartbeatSchema: 'dms' }, /heartbeatFrequency and heartbeatSchema need heartbeatEnable: true/],
    ['ddlArtifactsSchema without captureDdls', { ddlArtifactsSchema: 'dms' }, /ddlArtifactsSchema is only used with captureDdls: true/],
    ['an invalid database name', { databaseName: 'billing db' }, /databaseName "billing db" is invalid/],
    ['an invalid secret', { secret: 'arn:aws:s3:::bucket' }, /is not a Secrets Manager secret ARN/],
    ['no table', { tables: [] }, /PostgresSource "billing": tables is empty/],
  ])('rejects %s', (_, props, error) => {
    expect(() => source(testStack(), props)).toThrow(error);
  });
});
