import { App, CfnOutput, CfnWaitConditionHandle, Fn, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { IReplicationNetwork, LakehouseNetwork, ReplicationNetwork } from '../src';

const SUBNETS = ['subnet-000000000000000a1', 'subnet-000000000000000b1'];
const SECURITY_GROUP = 'sg-0123456789abcdef0';

/** A stack with one placeholder resource, so that a template of imports alone is still a valid template. */
function stack(): Stack {
  const s = new Stack(new App(), 'Source');
  new CfnWaitConditionHandle(s, 'Placeholder');
  return s;
}

describe('LakehouseNetwork as an IReplicationNetwork', () => {
  test('replicationSubnetIds are the subnets of privateSubnets', () => {
    const s = stack();
    const network: IReplicationNetwork = new LakehouseNetwork(s, 'Network', { sourcePorts: [5432], s3PrefixListId: 'pl-0123456789abcdef0' });
    const concrete = network as LakehouseNetwork;
    expect(network.replicationSubnetIds).toEqual(concrete.vpc.selectSubnets(concrete.privateSubnets).subnetIds);
    expect(network.replicationSubnetIds).toHaveLength(2);
    expect(network.replicationSecurityGroup).toBe(concrete.replicationSecurityGroup);
  });
});

describe('ReplicationNetwork.fromAttributes', () => {
  test('keeps literal subnet IDs and imports the security group', () => {
    const s = stack();
    const network = ReplicationNetwork.fromAttributes(s, 'Network', { subnetIds: SUBNETS, securityGroupId: SECURITY_GROUP });
    expect(network.replicationSubnetIds).toEqual(SUBNETS);
    expect(network.replicationSecurityGroup.securityGroupId).toBe(SECURITY_GROUP);
  });

  test('imports the security group immutable: adding a rule creates nothing', () => {
    const s = stack();
    const network = ReplicationNetwork.fromAttributes(s, 'Network', { subnetIds: SUBNETS, securityGroupId: SECURITY_GROUP });
    network.replicationSecurityGroup.addEgressRule(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(5432));
    network.replicationSecurityGroup.addIngressRule(ec2.Peer.ipv4('10.0.0.0/16'), ec2.Port.tcp(443));
    const template = Template.fromStack(s);
    expect(Object.keys(template.toJSON().Resources)).toEqual(['Placeholder']);
  });

  test('accepts a list token and a string token read from SSM parameters', () => {
    const s = stack();
    const subnetIds = ssm.StringListParameter.valueForTypedListParameter(s, '/lakehouse/network/subnet-ids', ssm.ParameterValueType.AWS_EC2_SUBNET_ID);
    const securityGroupId = ssm.StringParameter.valueForStringParameter(s, '/lakehouse/network/replication-security-group-id');
    const network = ReplicationNetwork.fromAttributes(s, 'Network', { subnetIds, securityGroupId });
    expect(network.replicationSubnetIds).toBe(subnetIds);
    expect(s.resolve(network.replicationSecurityGroup.securityGroupId)).toEqual({ Ref: expect.stringMatching(/^SsmParameterValue/) });
    new CfnOutput(s, 'SubnetIds', { value: Fn.join(',', network.replicationSubnetIds) });
    new CfnOutput(s, 'SecurityGroupId', { value: network.replicationSecurityGroup.securityGroupId });
    const parameters = Template.fromStack(s).toJSON().Parameters;
    expect(Object.values(parameters).map((p: any) => p.Type)).toEqual(expect.arrayContaining([
      'AWS::SSM::Parameter::Value<List<AWS::EC2::Subnet::Id>>',
      'AWS::SSM::Parameter::Value<String>',
    ]));
  });

  test.each<[string, { subnetIds: string[]; securityGroupId: string }, RegExp]>([
    ['an empty subnet list', { subnetIds: [], securityGroupId: SECURITY_GROUP }, /^subnetIds: give at least one private subnet ID/],
    ['a malformed subnet ID', { subnetIds: ['subnet-xyz'], securityGroupId: SECURITY_GROUP }, /^subnetIds: 'subnet-xyz' is not a subnet ID/],
    ['a malformed security group ID', { subnetIds: SUBNETS, securityGroupId: 'default' }, /^securityGroupId: 'default' is not a security group ID/],
  ])('rejects %s', (_name, attrs, message) => {
    expect(() => ReplicationNetwork.fromAttributes(stack(), 'Network', attrs)).toThrow(message);
  });
});
