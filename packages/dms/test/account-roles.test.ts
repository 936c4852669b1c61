import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Construct } from 'constructs';
import { DmsAccountRoles } from '../src';
import { flatten } from './helpers';

function calls(template: Template, type: string): Array<{ create: any; properties: any }> {
  return Object.values(template.findResources(type)).map(r => ({ create: JSON.parse(flatten(r.Properties.Create)), properties: r.Properties }));
}

describe('DmsAccountRoles', () => {
  test('creates both fixed-name roles, ignoring EntityAlreadyExists, and never updates or deletes them', () => {
    const stack = new Stack(new App(), 'Test');
    new DmsAccountRoles(stack, 'Roles');
    const template = Template.fromStack(stack);

    const creates = calls(template, 'Custom::DmsAccountRole');
    expect(creates.map(c => c.create.parameters.RoleName).sort()).toEqual(['dms-cloudwatch-logs-role', 'dms-vpc-role']);
    for (const { create, properties } of creates) {
      expect(create.service).toBe('IAM');
      expect(create.action).toBe('createRole');
      expect(create.ignoreErrorCodesMatching).toBe('EntityAlreadyExists');
      expect(create.physicalResourceId).toEqual({ id: create.parameters.RoleName });
      expect(JSON.parse(create.parameters.AssumeRolePolicyDocument)).toEqual({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'dms.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      });
      expect(properties.Update).toBeUndefined();
      expect(properties.Delete).toBeUndefined();
      expect(properties.InstallLatestAwsSdk).toBe(false);
    }

    const attaches = calls(template, 'Custom::DmsAccountRolePolicy');
    expect(attaches.map(a => [a.create.action, a.create.parameters.RoleName, a.create.parameters.PolicyArn]).sort()).toEqual([
      ['attachRolePolicy', 'dms-cloudwatch-logs-role', 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole'],
      ['attachRolePolicy', 'dms-vpc-role', 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonDMSVPCManagementRole'],
    ]);
    for (const { properties } of attaches) {
      expect(properties.Update).toBeUndefined();
      expect(properties.Delete).toBeUndefined();
    }
  });

  test('the policy is attached only after the role exists', () => {
    const stack = new Stack(new App(), 'Test');
    new DmsAccountRoles(stack, 'Roles');
    const template = Template.fromStack(stack);
    const resources = template.findResources('Custom::DmsAccountRolePolicy');
    expect(Object.keys(resources)).toHaveLength(2);
    for (const [id, r] of Object.entries(resources)) {
      const roleId = id.includes('Vpc') ? 'RolesCreateVpcRole' : 'RolesCreateCloudWatchLogsRole';
      expect((r.DependsOn as string[]).some(d => d.startsWith(roleId))).toBe(true);
    }
  });

  test('the custom resource may only create those two roles and attach those two policies', () => {
    const stack = new Stack(new App(), 'Test');
    new DmsAccountRoles(stack, 'Roles');
    const template = Template.fromStack(stack);
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap(p => p.Properties.PolicyDocument.Statement as any[]);
    const roleArn = (name: string) => `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${name}`;

    const creates = statements.filter(s => s.Action === 'iam:CreateRole');
    expect(creates.map(s => flatten(s.Resource)).sort()).toEqual([roleArn('dms-cloudwatch-logs-role'), roleArn('dms-vpc-role')]);

    const attaches = statements.filter(s => s.Action === 'iam:AttachRolePolicy');
    expect(attaches.map(s => [flatten(s.Resource), flatten(s.Condition.ArnEquals['iam:PolicyARN'])]).sort()).toEqual([
      [roleArn('dms-cloudwatch-logs-role'), 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonDMSCloudWatchLogsRole'],
      [roleArn('dms-vpc-role'), 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonDMSVPCManagementRole'],
    ]);
    expect(statements.filter(s => String(s.Action).startsWith('iam:'))).toHaveLength(4);
  });

  test('getOrCreate returns one instance per stack', () => {
    const app = new App();
    const stack = new Stack(app, 'Test');
    const a = DmsAccountRoles.getOrCreate(stack);
    const b = DmsAccountRoles.getOrCreate(new Construct(stack, 'Deeper'));
    expect(b).toBe(a);
    expect(DmsAccountRoles.getOrCreate(new Stack(app, 'Other'))).not.toBe(a);
    Template.fromStack(stack).resourceCountIs('Custom::DmsAccountRole', 2);
  });

  test('either role can be left out', () => {
    const stack = new Stack(new App(), 'Test');
    new DmsAccountRoles(stack, 'Roles', { createCloudWatchLogsRole: false });
    const creates = calls(Template.fromStack(stack), 'Custom::DmsAccountRole');
    expect(creates.map(c => c.create.parameters.RoleName)).toEqual(['dms-vpc-role']);
  });

  test('exposes the role ARNs', () => {
    const stack = new Stack(new App(), 'Test');
    const roles = new DmsAccountRoles(stack, 'Roles');
    expect(flatten(stack.resolve(roles.vpcRoleArn))).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/dms-vpc-role');
    expect(flatten(stack.resolve(roles.cloudWatchLogsRoleArn))).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:role/dms-cloudwatch-logs-role');
  });
});
