import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { GovernanceFunction } from './governance-function';
import { acknowledgeProviderFindings } from './provider-findings';

/** The resource type of a revocation (one per source, see {@link revokeIamAllowedPrincipals}). */
export const REVOCATION_RESOURCE_TYPE = 'Custom::LakeFormationIamAllowedPrincipalsRevocation';

/**
 * The shared provider of the `IAM_ALLOWED_PRINCIPALS` revocations (Lake Formation's "plain IAM decides"): a Lambda
 * whose role must be a data lake admin (`LakeFormationSettings` adds it) and may call RevokePermissions; each source
 * lets it read its own databases ({@link revokeIamAllowedPrincipals}). Create and Update revoke on each database and
 * on each of its existing tables (idempotently: a grant already gone is fine; any other error fails the deploy with
 * the API's message). Delete leaves them revoked: giving plain IAM access back on delete would silently open the data.
 *
 * @internal
 */
export class IamAllowedPrincipalsProvider extends Construct {
  public readonly role: iam.IRole;
  /** The service token of the revocation custom resources, in this stack or in any stack deployed after it. */
  public readonly serviceToken: string;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const handler = new GovernanceFunction(this, 'Handler', {
      handlerFile: 'revoke-iam-allowed-principals',
      description: 'Revokes IAM_ALLOWED_PRINCIPALS on the lakehouse databases and their tables (custom resource)',
    });
    this.role = handler.role;
    // Lake Formation permission APIs have no resource-level IAM permissions: LF decides (the role is a data lake admin)
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lakeformation:RevokePermissions'], resources: ['*'] }));
    acknowledgeResource(handler.role, 'AwsSolutions-IAM5', '*', 'lakeformation:RevokePermissions has no resource-level permissions; Lake Formation authorizes it.');
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: handler.function });
    acknowledgeProviderFindings(provider, handler.function);
    this.serviceToken = provider.serviceToken;
  }
}

/**
 * Revokes `IAM_ALLOWED_PRINCIPALS` on `databaseNames` and their existing tables through the shared provider, after
 * a policy (in `scope`'s stack) lets the provider's `role` read exactly those databases. Add the grants that replace
 * plain IAM access as dependencies of the returned resource.
 *
 * @internal
 */
export function revokeIamAllowedPrincipals(scope: Construct, id: string, serviceToken: string, role: iam.IRole,
  databaseNames: readonly string[]): CustomResource {
  const stack = Stack.of(scope);
  const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
  const tableArns = databaseNames.map((d) => glueArn(`table/${d}/*`));
  const policy = new iam.Policy(scope, `${id}Access`, {
    roles: [role],
    statements: [new iam.PolicyStatement({
      actions: ['glue:GetDatabase', 'glue:GetTables'],
      resources: [glueArn('catalog'), ...databaseNames.map((d) => glueArn(`database/${d}`)), ...tableArns],
    })],
  });
  for (const arn of tableArns) acknowledgeResource(policy, 'AwsSolutions-IAM5', arn, 'Lists the tables of one lakehouse database (created at run time).');
  const resource = new CustomResource(scope, id, {
    serviceToken,
    resourceType: REVOCATION_RESOURCE_TYPE,
    properties: { Databases: [...databaseNames] },
  });
  resource.node.addDependency(policy);
  return resource;
}
