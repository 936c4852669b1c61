import { App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { acknowledgeAction, acknowledgeResource, nagResource } from '../src';

/** The IAM5 (wildcard) findings of an app, as cdk-nag names them: `rule[detail]`. */
function findings(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName).filter((id) => id.startsWith('AwsSolutions-IAM5'));
}

function setup() {
  const app = new App();
  const data = new Stack(app, 'Data');
  const bucket = new s3.Bucket(data, 'Bucket');
  const consumer = new Stack(app, 'Consumer');
  const role = new iam.Role(consumer, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [bucket.arnForObjects('orders/*')] }));
  role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:List*'], resources: [bucket.bucketArn] }));
  return { app, data, bucket, consumer, role };
}

describe('nagResource', () => {
  test('spells an ARN as cdk-nag does: references in angle brackets, joins flattened', () => {
    const { data, bucket } = setup();
    expect(nagResource(data, bucket.arnForObjects('orders/*'))).toBe(`<${data.getLogicalId(bucket.node.defaultChild as s3.CfnBucket)}.Arn>/orders/*`);
    expect(nagResource(data, 'arn:aws:s3:::plain/*')).toBe('arn:aws:s3:::plain/*');
  });
});

describe('acknowledgements', () => {
  test('without them, the wildcard resource and action are IAM5 findings of the consumer\'s policy', () => {
    const { app, data, bucket } = setup();
    expect(findings(app).sort()).toEqual([
      'AwsSolutions-IAM5[Action::s3:List*]',
      `AwsSolutions-IAM5[Resource::${nagResource(data, bucket.arnForObjects('orders/*'))}]`,
    ]);
  });

  test('each names exactly one finding, a bucket of another stack included', () => {
    const { app, bucket, role } = setup();
    acknowledgeResource(role, 'AwsSolutions-IAM5', bucket.arnForObjects('orders/*'), 'one source prefix');
    expect(findings(app)).toEqual(['AwsSolutions-IAM5[Action::s3:List*]']);
    acknowledgeAction(role, 'AwsSolutions-IAM5', 's3:List*', 'listing only');
    expect(findings(app)).toEqual([]);
  });

  test('acknowledging another prefix leaves the finding in place', () => {
    const { app, bucket, role } = setup();
    acknowledgeResource(role, 'AwsSolutions-IAM5', bucket.arnForObjects('billing/*'), 'not what the policy grants');
    acknowledgeAction(role, 'AwsSolutions-IAM5', 's3:List*', 'listing only');
    expect(findings(app)).toHaveLength(1);
  });
});
