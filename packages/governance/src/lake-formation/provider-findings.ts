import { acknowledgeRule, acknowledgeResource } from '@cdc-lakehouse/nag-support';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cr from 'aws-cdk-lib/custom-resources';

/** Acknowledges the cdk-nag findings on the CDK-owned provider framework of a custom resource, with reasons. @internal */
export function acknowledgeProviderFindings(provider: cr.Provider, handler: lambda.IFunction): void {
  acknowledgeRule(provider, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    'The CDK provider framework function (CDK-owned) only writes its own logs; AWSLambdaBasicExecutionRole grants exactly that.');
  acknowledgeResource(provider, 'AwsSolutions-IAM5', `${handler.functionArn}:*`,
    'The CDK provider framework may invoke any version of our handler function, and nothing else.');
}
