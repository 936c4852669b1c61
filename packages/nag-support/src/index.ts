import { Stack, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Acknowledges exactly one cdk-nag finding: `rule` on the resource ARN `value` in the policies of `scope`.
 * cdk-nag names a finding by the ARN as the template spells it, and a value from another stack is spelled
 * differently before synthesis (`<Bucket.Arn>`) and after it (the export's name): the id is computed both now
 * and once cross-stack references are resolved, just before validation.
 */
export function acknowledgeResource(scope: IConstruct, rule: string, value: string, reason: string): void {
  const acknowledge = () => Validations.of(scope).acknowledge({ id: `${rule}[Resource::${nagResource(scope, value)}]`, reason });
  acknowledge();
  scope.node.addValidation({ validate: () => { acknowledge(); return []; } });
}

/** Acknowledges `rule` for the action pattern `action` (e.g. `s3:GetObject*`) in the policies of `scope`. */
export function acknowledgeAction(scope: IConstruct, rule: string, action: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `${rule}[Action::${action}]`, reason });
}

/** Acknowledges the finding `id` (the rule and its `[...]` part, as cdk-nag reports it) on `scope`. */
export function acknowledgeRule(scope: IConstruct, id: string, reason: string): void {
  Validations.of(scope).acknowledge({ id, reason });
}

/**
 * The text cdk-nag uses for a resource in a finding id (e.g. `<Bucket1234.Arn>/billing/*`), so an acknowledgement can
 * name one finding rather than a whole rule. Mirrors cdk-nag's flattening of CloudFormation references.
 */
export function nagResource(scope: IConstruct, value: string): string {
  return flatten(Stack.of(scope).resolve(value));
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const n = node as Record<string, unknown>;
  if (n['Fn::Join']) {
    const [delimiter, items] = n['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(delimiter);
  }
  if (n['Fn::Sub']) return flatten(n['Fn::Sub']);
  if (n['Fn::GetAtt']) {
    const [resource, attribute] = n['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (n['Fn::ImportValue']) return flatten(n['Fn::ImportValue']);
  if (n.Ref) return `<${flatten(n.Ref)}>`;
  return JSON.stringify(node);
}
