import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** Logical ID of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as never);
}

/** `{ Fn::GetAtt: [<id>, attribute] }` of a construct's resource. */
export function getAtt(construct: IConstruct, attribute = 'Arn') {
  return { 'Fn::GetAtt': [logicalId(construct), attribute] };
}

/** The statements of the one IAM policy attached to `role`. */
export function rolePolicyStatements(template: Template, role: iam.IRole): Record<string, any>[] {
  const policies = Object.values(template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: logicalId(role) }] } }));
  expect(policies).toHaveLength(1);
  return policies[0].Properties.PolicyDocument.Statement;
}

/** Unacknowledged cdk-nag AwsSolutions errors in `app`, as `rule @ construct path`. */
export function nagErrors(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations
    .filter((v) => v.severity === 'error')
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
}

/** Resolves every token in `value` the way the template would show it from `stack`. */
export function resolved(stack: Stack, value: unknown): any {
  return stack.resolve(value);
}
