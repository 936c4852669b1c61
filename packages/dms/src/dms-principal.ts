import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { IConstruct } from 'constructs';

/**
 * The regional DMS service principal (`dms.<region>.amazonaws.com`) that the DMS documentation
 * prescribes for the roles endpoints assume (S3 target access, Secrets Manager access), limited with
 * `aws:SourceAccount` to DMS acting for this account (confused-deputy prevention, DMS ≥ 3.4.7).
 */
export function dmsServicePrincipal(scope: IConstruct): iam.IPrincipal {
  const stack = Stack.of(scope);
  return new iam.ServicePrincipal(`dms.${stack.region}.amazonaws.com`, {
    conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
  });
}
