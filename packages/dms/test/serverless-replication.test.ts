import { IReplicationNetwork, ReplicationNetwork } from '@cdc-lakehouse/networking';
import { RawZone } from '@cdc-lakehouse/raw-zone';
import { App, Duration, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  DMS_SERVERLESS_METRIC_DIMENSION,
  DmsAccountRoles,
  DmsS3Target,
  DmsServerlessReplication,
  DmsServerlessReplicationProps,
  TableMappings,
} from '../src';
import { sourceEndpoint, testStack, TestStack } from './helpers';

/** What {@link replication} builds on: a test stack's, or an imported network in a stack of another app. */
type ReplicationBase = Pick<TestStack, 'stack' | 'rawZone'> & { readonly network: IReplicationNetwork };

function replication(t: ReplicationBase, props: Partial<DmsServerlessReplicationProps> = {}): DmsServerlessReplication {
  const target = new DmsS3Target(t.stack, 'Target', { sourceName: 'billing', rawZone: t.rawZone });
  return new DmsServerlessReplication(t.stack, 'Replication', {
    sourceName: 'billing',
    network: t.network,
    sourceEndpointArn: sourceEndpoint(t.stack).ref,
    targetEndpointArn: target.endpointArn,
    tableMappings: new TableMappings().include('public', '%'),
    ...props,
  });
}

describe('DmsServerlessReplication', () => {
  test('a full-load-and-cdc replication config in the private subnets behind the replication security group', () => {
    const t = testStack();
    const r = replication(t);
    const template = Template.fromStack(t.stack);

    template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationConfigIdentifier: 'billing-replication',
      ReplicationType: 'full-load-and-cdc',
      SourceEndpointArn: { Ref: 'SourceEndpoint' },
      TargetEndpointArn: { Ref: Match.stringLikeRegexp('^TargetEndpoint') },
      ComputeConfig: Match.objectEquals({
        MaxCapacityUnits: 4,
        MultiAZ: false,
        ReplicationSubnetGroupId: { Ref: Match.stringLikeRegexp('^ReplicationSubnetGroup') },
        VpcSecurityGroupIds: [t.stack.resolve(t.network.replicationSecurityGroup.securityGroupId)],
      }),
      TableMappings: {
        rules: [
          Match.objectLike({ 'rule-type': 'selection', 'rule-action': 'include', 'object-locator': { 'schema-name': 'public', 'table-name': '%' } }),
          Match.objectLike({ 'rule-type': 'transformation', 'rule-action': 'add-column', 'value': '_dms_change_seq', 'expression': '$AR_H_CHANGE_SEQ' }),
        ],
      },
    });
    const subnets = t.network.vpc.selectSubnets(t.network.privateSubnets).subnetIds;
    expect(subnets).toHaveLength(2);
    template.hasResourceProperties('AWS::DMS::ReplicationSubnetGroup', {
      ReplicationSubnetGroupIdentifier: 'billing-replication-subnets',
      SubnetIds: t.stack.resolve(subnets),
    });
    expect(r.replicationConfigIdentifier).toBe('billing-replication');
    expect(t.stack.resolve(r.replicationConfigArn)).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Replication/), 'ReplicationConfigArn'] });
  });

  test('task settings: CloudWatch logging, limited LOB mode, loud truncation and errors, raw history kept', () => {
    const t = testStack();
    replication(t, { maxLobSize: Size.kibibytes(256) });
    Template.fromStack(t.stack).hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationSettings: {
        Logging: {
          EnableLogging: true,
          LogComponents: Match.arrayWith([{ Id: 'SOURCE_CAPTURE', Severity: 'LOGGER_SEVERITY_DEFAULT' }]),
        },
        TargetMetadata: { SupportLobs: true, FullLobMode: false, LimitedSizeLobMode: true, LobMaxSize: 256 },
        ChangeProcessingDdlHandlingPolicy: { HandleSourceTableDropped: false, HandleSourceTableTruncated: false, HandleSourceTableAltered: true },
        ChangeProcessingTuning: Match.objectLike({ BatchApplyPreserveTransaction: true, MemoryLimitTotal: 1024 }),
        ErrorBehavior: Match.objectLike({
          DataErrorPolicy: 'STOP_TASK',
          DataTruncationErrorPolicy: 'STOP_TASK',
          TableErrorPolicy: 'STOP_TASK',
          FailOnNoTablesCaptured: true,
        }),
      },
    });
  });

  test('capacity, Multi-AZ, type, storage key and maintenance window are passed through', () => {
    const t = testStack();
    const key = new kms.Key(t.stack, 'ReplicationKey', { enableKeyRotation: true });
    replication(t, {
      replicationType: 'cdc',
      maxCapacityUnits: 16,
      minCapacityUnits: 2,
      multiAz: true,
      kmsKey: key,
      preferredMaintenanceWindow: 'sun:02:00-sun:03:00',
    });
    Template.fromStack(t.stack).hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ReplicationType: 'cdc',
      ComputeConfig: Match.objectLike({
        MaxCapacityUnits: 16,
        MinCapacityUnits: 2,
        MultiAZ: true,
        KmsKeyId: t.stack.resolve(key.keyArn),
        PreferredMaintenanceWindow: 'sun:02:00-sun:03:00',
      }),
    });
  });

  test.each([0, 3, 5, 500, 1.5])('maxCapacityUnits %p is refused with the allowed values', (value) => {
    expect(() => replication(testStack(), { maxCapacityUnits: value })).toThrow(
      `DmsServerlessReplication "billing": maxCapacityUnits ${value} is not a DMS Serverless capacity; `
      + 'allowed values: 1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384',
    );
  });

  test('every allowed capacity is accepted', () => {
    for (const value of [1, 2, 4, 8, 16, 32, 64, 128, 192, 256, 384]) {
      expect(() => replication(testStack(), { maxCapacityUnits: value })).not.toThrow();
    }
  });

  test('minCapacityUnits must be allowed and not above the maximum', () => {
    expect(() => replication(testStack(), { minCapacityUnits: 3 })).toThrow(/minCapacityUnits 3 is not a DMS Serverless capacity/);
    expect(() => replication(testStack(), { maxCapacityUnits: 4, minCapacityUnits: 8 }))
      .toThrow('DmsServerlessReplication "billing": minCapacityUnits (8) must not exceed maxCapacityUnits (4)');
  });

  test('other invalid props are refused by name', () => {
    expect(() => replication(testStack(), { replicationType: 'full' as any }))
      .toThrow(/replicationType "full" is not supported; allowed values: full-load-and-cdc, full-load, cdc/);
    expect(() => replication(testStack(), { preferredMaintenanceWindow: 'sunday 2am' })).toThrow(/preferredMaintenanceWindow "sunday 2am" is invalid/);
    expect(() => replication(testStack(), { maxLobSize: Size.bytes(100) })).toThrow(/maxLobSize must be a whole number of KiB/);
    expect(() => replication(testStack(), { alarms: { evaluationPeriods: 0 } })).toThrow(/alarms.evaluationPeriods must be a whole number/);
    expect(() => replication(testStack(), { alarms: { period: Duration.seconds(90) } })).toThrow(/alarms.period must be a whole number of minutes/);
  });

  describe('alarms', () => {
    test('CDC source and target latency alarms on the replication dimension', () => {
      const t = testStack();
      const r = replication(t);
      const template = Template.fromStack(t.stack);
      for (const [metricName, threshold, id] of [['CDCLatencySource', 300, 'CdcSourceLatencyAlarm'], ['CDCLatencyTarget', 900, 'CdcTargetLatencyAlarm']] as const) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/DMS',
          MetricName: metricName,
          Dimensions: [{ Name: DMS_SERVERLESS_METRIC_DIMENSION, Value: 'billing-replication' }],
          Statistic: 'Maximum',
          Period: 300,
          EvaluationPeriods: 3,
          Threshold: threshold,
          ComparisonOperator: 'GreaterThanThreshold',
          TreatMissingData: 'notBreaching',
        });
        expect(Object.keys(template.findResources('AWS::CloudWatch::Alarm')).some(k => k.startsWith(`Replication${id}`))).toBe(true);
      }
      expect(DMS_SERVERLESS_METRIC_DIMENSION).toBe('ReplicationConfigIdentifier');
      expect(r.metricCdcLatencySource().metricName).toBe('CDCLatencySource');
      expect(r.metricCdcLatencyTarget().dimensions).toEqual({ ReplicationConfigIdentifier: 'billing-replication' });
    });

    test('thresholds and periods are configurable', () => {
      const t = testStack();
      replication(t, {
        alarms: {
          cdcSourceLatencyThreshold: Duration.minutes(2),
          cdcTargetLatencyThreshold: Duration.minutes(30),
          period: Duration.minutes(1),
          evaluationPeriods: 5,
        },
      });
      const template = Template.fromStack(t.stack);
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CDCLatencySource', Threshold: 120, Period: 60, EvaluationPeriods: 5 });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'CDCLatencyTarget', Threshold: 1800, Period: 60, EvaluationPeriods: 5 });
    });

    test('failure: an EventBridge rule on this replication\'s failure events and an alarm on its matches', () => {
      const t = testStack();
      const r = replication(t);
      const template = Template.fromStack(t.stack);
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          'source': ['aws.dms'],
          'detail-type': ['DMS Replication State Change'],
          'resources': [t.stack.resolve(r.replicationConfigArn)],
          'detail': { $or: [{ eventType: [{ wildcard: '*FAIL*' }] }, { category: ['Failure'] }] },
        },
        State: 'ENABLED',
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Events',
        MetricName: 'TriggeredRules',
        Dimensions: [{ Name: 'RuleName', Value: t.stack.resolve(r.failureRule.ruleName) }],
        Statistic: 'Sum',
        Period: 60,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      });
      template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
      expect(r.alarms).toEqual([r.cdcSourceLatencyAlarm, r.cdcTargetLatencyAlarm, r.failureAlarm]);
    });

    test('addAlarmAction routes all three alarms', () => {
      const t = testStack();
      const r = replication(t);
      const action: cloudwatch.IAlarmAction = { bind: () => ({ alarmActionArn: 'arn:aws:sns:eu-west-1:123456789012:ops' }) };
      r.addAlarmAction(action);
      const alarms = Object.values(Template.fromStack(t.stack).findResources('AWS::CloudWatch::Alarm'));
      expect(alarms).toHaveLength(3);
      for (const alarm of alarms) {
        expect(alarm.Properties.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:ops']);
      }
    });
  });

  test('with account roles, the subnet group and the config wait for them', () => {
    const t = testStack();
    const roles = DmsAccountRoles.getOrCreate(t.stack);
    replication(t, { accountRoles: roles });
    const template = Template.fromStack(t.stack);
    const roleResources = [
      ...Object.keys(template.findResources('Custom::DmsAccountRole')),
      ...Object.keys(template.findResources('Custom::DmsAccountRolePolicy')),
    ];
    expect(roleResources).toHaveLength(4);
    for (const type of ['AWS::DMS::ReplicationConfig', 'AWS::DMS::ReplicationSubnetGroup']) {
      const [resource] = Object.values(template.findResources(type));
      expect(resource.DependsOn).toEqual(expect.arrayContaining(roleResources));
    }
  });

  test('without account roles, nothing waits and no role is created', () => {
    const t = testStack();
    replication(t);
    const template = Template.fromStack(t.stack);
    template.resourceCountIs('Custom::DmsAccountRole', 0);
    const [config] = Object.values(template.findResources('AWS::DMS::ReplicationConfig'));
    expect(config.DependsOn).toBeUndefined();
  });

  test('on a network imported from SSM parameters (another app), the subnet group and the security group reference the parameters', () => {
    const app = new App();
    const stack = new Stack(app, 'Source');
    const subnetIds = ssm.StringListParameter.valueForTypedListParameter(stack, '/lakehouse/network/replication-subnet-ids',
      ssm.ParameterValueType.AWS_EC2_SUBNET_ID);
    const securityGroupId = ssm.StringParameter.valueForStringParameter(stack, '/lakehouse/network/replication-security-group-id');
    const network = ReplicationNetwork.fromAttributes(stack, 'Network', { subnetIds, securityGroupId });
    replication({ stack, network, rawZone: new RawZone(stack, 'RawZone', { sourceName: 'billing' }) });
    const template = Template.fromStack(stack);

    const parameters = template.toJSON().Parameters as Record<string, { Type: string; Default: string }>;
    const parameterOf = (name: string) => Object.keys(parameters).find(id => parameters[id].Default === name);
    const subnetParameter = parameterOf('/lakehouse/network/replication-subnet-ids');
    const securityGroupParameter = parameterOf('/lakehouse/network/replication-security-group-id');
    expect(parameters[subnetParameter!].Type).toBe('AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>');
    template.hasResourceProperties('AWS::DMS::ReplicationSubnetGroup', {
      ReplicationSubnetGroupIdentifier: 'billing-replication-subnets',
      SubnetIds: { Ref: subnetParameter },
    });
    template.hasResourceProperties('AWS::DMS::ReplicationConfig', {
      ComputeConfig: Match.objectLike({ VpcSecurityGroupIds: [{ Ref: securityGroupParameter }] }),
    });
    template.resourceCountIs('AWS::EC2::VPC', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroupEgress', 0);
  });
});
