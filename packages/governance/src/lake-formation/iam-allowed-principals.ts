import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { CustomResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { GovernanceFunction } from './governance-function';
import { acknowledgeProviderFindings } from './provider-findings';

/**
 * Revokes `IAM_ALLOWED_PRINCIPALS` (Lake Formation's "plain IAM decides") on each database and on each of its
 * existing tables at deploy, so only Lake Formation grants decide who reads them. CloudFormation has no resource for
 * this. Create and Update revoke (idempotently: a grant already gone is fine; any other error fails the deploy with
 * the API's message). Delete leaves them revoked: giving plain IAM access back on delete would silently open the data.
 * The Lambda's role must be a data lake admin (`role`, which `LakeFormationGovernance` adds to the admins).
 *
 * @internal
 */
export class IamAllowedPrincipalsRevocation extends Construct {
  public readonly role: iam.IRole;
  public readonly resource: CustomResource;

  constructor(scope: Construct, id: string, databaseNames: readonly string[]) {
    super(scope, id);
    const stack = Stack.of(this);
    const handler = new GovernanceFunction(this, 'Handler', {
      handlerFile: 'revoke-iam-allowed-principals',
      description: 'Revokes IAM_ALLOWED_PRINCIPALS on the lakehouse databases and their tables (custom resource)',
    });
    this.role = handler.role;
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    const tableArns = databaseNames.map((d) => glueArn(`table/${d}/*`));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['glue:GetDatabase', 'glue:GetTables'],
      resources: [glueArn('catalog'), ...databaseNames.map((d) => glueArn(`database/${d}`)), ...tableArns],
    }));
    for (const arn of tableArns) acknowledgeResource(handler.role, 'AwsSolutions-IAM5', arn, 'Lists the tables of one lakehouse database (created at run time).');
    // Lake Formation permission APIs have no resource-level IAM permissions: LF decides (the role is a data lake admin)
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lakeformation:RevokePermissions'], resources: ['*'] }));
    acknowledgeResource(handler.role, 'AwsSolutions-IAM5', '*', 'lakeformation:RevokePermissions has no resource-level permissions; Lake Formation authorizes it.');
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: handler.function });
    acknowledgeProviderFindings(provider, handler.function);
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::LakeFormationIamAllowedPrincipalsRevocation',
      properties: { Databases: [...databaseNames] },
    });
  }
}
