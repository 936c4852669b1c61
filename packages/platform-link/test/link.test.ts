import { LakehouseWarehouse } from '@cdc-lakehouse/curation-aws';
import { LakeFormationSettings } from '@cdc-lakehouse/governance';
import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { AccessLogsBucket } from '@cdc-lakehouse/raw-zone';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import {
  PLATFORM_LINK_VERSION, PLATFORM_PARAMETERS, PlatformParameterKey, PlatformParameters, PublishedPlatform, platformParameterName,
  platformParameterPrefix,
} from '../src';

/** A platform stack publishing its pieces, as the platform app's does. */
function publishingPlatform(environmentName?: string) {
  const stack = new Stack(new App(), 'Platform');
  const network = new LakehouseNetwork(stack, 'Network', { sourcePorts: [5432] });
  const logs = new AccessLogsBucket(stack, 'Logs');
  const warehouse = new LakehouseWarehouse(stack, 'Warehouse', { serverAccessLogsBucket: logs.bucket });
  const lakeFormation = new LakeFormationSettings(stack, 'LakeFormation', {
    sourceNames: ['orders', 'billing'], warehouseBucket: warehouse.bucket, warehouseEncryptionKey: warehouse.encryptionKey,
  });
  const published = new PublishedPlatform(stack, 'Parameters', {
    prefix: platformParameterPrefix(environmentName),
    network,
    serverAccessLogsBucket: logs.bucket,
    warehouse,
    lakeFormation,
    alarmTopic: new sns.Topic(stack, 'Alarms'),
  });
  return { stack, published, template: Template.fromStack(stack) };
}

/** The SSM parameter names a template reads, as its CloudFormation parameters' defaults. */
function readNames(template: Template): string[] {
  const parameters = Object.values(template.toJSON().Parameters ?? {}) as { Type: string; Default?: string }[];
  return parameters.filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value') && !p.Default!.startsWith('/cdk-bootstrap/')).map((p) => p.Default!).sort();
}

describe('platformParameterPrefix', () => {
  test('one path per environment, `default` without one; a bad name is one line', () => {
    expect(platformParameterPrefix('dev')).toBe('/cdc-lakehouse/dev/platform');
    expect(platformParameterPrefix()).toBe('/cdc-lakehouse/default/platform');
    expect(() => platformParameterPrefix('Prod/EU')).toThrow(/^environment name "Prod\/EU": use up to 32 lowercase letters, digits and hyphens/);
  });
});

describe('PublishedPlatform', () => {
  const { template } = publishingPlatform('dev');

  test('one Standard parameter per key, StringList where the value is a list, under the environment\'s prefix', () => {
    const keys = Object.keys(PLATFORM_PARAMETERS) as PlatformParameterKey[];
    template.resourceCountIs('AWS::SSM::Parameter', keys.length);
    for (const key of keys) {
      template.hasResourceProperties('AWS::SSM::Parameter', {
        Name: platformParameterName('/cdc-lakehouse/dev/platform', key),
        Type: PLATFORM_PARAMETERS[key].list ? 'StringList' : 'String',
        Tier: 'Standard',
      });
    }
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdc-lakehouse/dev/platform/version', Value: PLATFORM_LINK_VERSION });
    template.hasResourceProperties('AWS::SSM::Parameter', { Name: '/cdc-lakehouse/dev/platform/lake-formation/domains', Value: 'orders,billing' });
    template.hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/cdc-lakehouse/dev/platform/network/replication-subnet-ids',
      Value: { 'Fn::Join': [',', Match.arrayWith([{ Ref: Match.stringLikeRegexp('privateSubnet') }])] },
    });
  });
});

describe('PlatformParameters', () => {
  test('a source stack reads exactly what the platform publishes (but the alarm topic and the version), and exports nothing', () => {
    const names = Object.values(publishingPlatform('dev').template.findResources('AWS::SSM::Parameter')).map((p) => p.Properties.Name as string);

    const stack = new Stack(new App(), 'Source');
    const link = new PlatformParameters({ environmentName: 'dev', domains: ['orders', 'billing'] });
    const platform = link.bind(stack, 'orders');
    const role = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
    platform.warehouse.grantReadWrite(role, 'orders');
    const read = readNames(Template.fromStack(stack));
    const unread = names.filter((n) => !read.includes(n)).sort();
    // the version and the domains are read by the pre-deploy check; the alarm topic by the operations stack
    expect(unread).toEqual([
      '/cdc-lakehouse/dev/platform/alarms/topic-arn', '/cdc-lakehouse/dev/platform/lake-formation/domains', '/cdc-lakehouse/dev/platform/version',
    ]);
    expect(read.every((n) => names.includes(n))).toBe(true);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).not.toContain('Fn::ImportValue');
  });

  test('bind creates the source\'s curated database in the source\'s stack, in the imported warehouse bucket', () => {
    const stack = new Stack(new App(), 'Source');
    const platform = new PlatformParameters({ domains: ['orders'], bucketNamePrefix: 'acme' }).bind(stack, 'orders');
    expect(platform.bucketNamePrefix).toBe('acme');
    expect(platform.governance.domains).toEqual(['orders']);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::S3::Bucket', 0);
    template.resourceCountIs('AWS::KMS::Key', 0);
    template.hasResourceProperties('AWS::Glue::Database', {
      DatabaseInput: Match.objectLike({
        Name: 'curated_orders',
        LocationUri: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('warehousebucketname') }, '/curated_orders/']] },
      }),
    });
    expect(readNames(template)).toContain('/cdc-lakehouse/default/platform/warehouse/bucket-name');
  });

  test('the alarm topic is imported from its parameter', () => {
    const stack = new Stack(new App(), 'Operations');
    const topic = new PlatformParameters({ environmentName: 'prod', domains: ['orders'] }).alarmTopic(stack, 'Alarms');
    expect(JSON.stringify(stack.resolve(topic.topicArn))).toMatch(/^\{"Ref":"[A-Za-z0-9]*alarmstopicarn[A-Za-z0-9]*"\}$/i);
    expect(readNames(Template.fromStack(stack))).toEqual(['/cdc-lakehouse/prod/platform/alarms/topic-arn']);
  });
});
