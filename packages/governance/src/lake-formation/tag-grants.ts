import { CfnResource, Stack } from 'aws-cdk-lib';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import { Construct } from 'constructs';

/** One condition of an LF-tag expression: the tag key and the values any of which matches. @internal */
export interface TagCondition {
  readonly key: string;
  readonly values: readonly string[];
}

/** A grant on the databases or tables an LF-tag expression matches. @internal */
export interface TagGrant {
  readonly principalArn: string;
  readonly resourceType: 'DATABASE' | 'TABLE';
  readonly expression: readonly TagCondition[];
  readonly permissions: readonly string[];
}

/**
 * Grants `grant.permissions` (never with grant option) on an LF-tag expression, depending on `dependencies`
 * (the data lake settings, which make the deploy role an admin, and the tag resources).
 *
 * @internal
 */
export function grantOnTags(scope: Construct, id: string, grant: TagGrant,
  dependencies: readonly CfnResource[]): lakeformation.CfnPrincipalPermissions {
  const lfTagPolicy = {
    catalogId: Stack.of(scope).account,
    resourceType: grant.resourceType,
    expression: grant.expression.map((c) => ({ tagKey: c.key, tagValues: [...c.values] })),
  };
  return grantOnResource(scope, id, grant.principalArn, { lfTagPolicy }, grant.permissions, dependencies);
}

/** Grants `permissions` (never with grant option) on one Lake Formation resource, depending on `dependencies`. @internal */
export function grantOnResource(scope: Construct, id: string, principalArn: string, resource: lakeformation.CfnPrincipalPermissions.ResourceProperty,
  permissions: readonly string[], dependencies: readonly CfnResource[]): lakeformation.CfnPrincipalPermissions {
  const grant = new lakeformation.CfnPrincipalPermissions(scope, id, {
    catalog: Stack.of(scope).account,
    principal: { dataLakePrincipalIdentifier: principalArn },
    resource,
    permissions: [...permissions],
    permissionsWithGrantOption: [],
  });
  for (const dependency of dependencies) grant.node.addDependency(dependency);
  return grant;
}
