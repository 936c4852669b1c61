import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DmsSecretAccessRole } from '../src';
import { flatten } from './helpers';

function policyStatements(stack: Stack): any[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Policy'))
    .flatMap(p => p.Properties.PolicyDocument.Statement as any[]);
}

describe('DmsSecretAccessRole', () => {
  test('a secret name is scoped to its ARN with the six-character suffix pattern', () => {
    const stack = new Stack(new App(), 'Test');
    const r = new DmsSecretAccessRole(stack, 'Secret', { secret: 'prod/billing/dms' });
    const statements = policyStatements(stack);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']);
    expect(flatten(statements[0].Resource))
      .toBe('arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:prod/billing/dms-??????');
    expect(r.secretId).toBe('prod/billing/dms');
  });

  test('a complete ARN is used as is; an ARN without the suffix gets the pattern', () => {
    const full = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/billing/dms-AbC123';
    let stack = new Stack(new App(), 'Test');
    new DmsSecretAccessRole(stack, 'Secret', { secret: full });
    expect(policyStatements(stack)[0].Resource).toBe(full);

    stack = new Stack(new App(), 'Test');
    new DmsSecretAccessRole(stack, 'Secret', { secret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing' });
    expect(policyStatements(stack)[0].Resource).toBe('arn:aws:secretsmanager:eu-west-1:123456789012:secret:billing-??????');
  });

  test('the role trusts the regional DMS principal of this account', () => {
    const stack = new Stack(new App(), 'Test');
    new DmsSecretAccessRole(stack, 'Secret', { secret: 'billing' });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: { 'Fn::Join': ['', ['dms.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
          Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
        }],
      },
    });
  });

  test('kms:Decrypt only when a key is named, and only through Secrets Manager', () => {
    const stack = new Stack(new App(), 'Test');
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    new DmsSecretAccessRole(stack, 'Secret', { secret: 'billing', secretKmsKeyArn: keyArn });
    const kms = policyStatements(stack).filter(s => JSON.stringify(s.Action).includes('kms:'));
    expect(kms).toHaveLength(1);
    expect(kms[0].Action).toBe('kms:Decrypt');
    expect(kms[0].Resource).toBe(keyArn);
    expect(flatten(kms[0].Condition.StringEquals['kms:ViaService'])).toBe('secretsmanager.${AWS::Region}.amazonaws.com');
  });

  test.each([
    ['arn:aws:s3:::bucket', /secret "arn:aws:s3:::bucket" is not a Secrets Manager secret ARN/],
    ['my secret', /secret "my secret" is neither a secret ARN nor a valid secret name/],
    ['', /secret "" is neither a secret ARN nor a valid secret name/],
  ])('rejects %p', (secret, error) => {
    expect(() => new DmsSecretAccessRole(new Stack(new App(), 'Test'), 'Secret', { secret })).toThrow(error);
  });

  test('rejects a key ARN that is not a KMS key', () => {
    expect(() => new DmsSecretAccessRole(new Stack(new App(), 'Test'), 'Secret', { secret: 'x', secretKmsKeyArn: 'alias/aws/secretsmanager' }))
      .toThrow(/secretKmsKeyArn "alias\/aws\/secretsmanager" is not a KMS key ARN/);
  });
});
