import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { GovernedSource, LakeFormationGovernance, LakeFormationGovernanceProps } from '../src/lake-formation';

/** A stack with a warehouse, one raw bucket per source and the roles a governed lakehouse has. */
export function governedLakehouse(overrides: Partial<LakeFormationGovernanceProps> = {}, sourceOverrides: Partial<GovernedSource> = {},
  options: { readonly shareRawBucket?: boolean; readonly doubleWriters?: boolean } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Governed');
  const bucket = (id: string) => {
    const key = new kms.Key(stack, `${id}Key`, { enableKeyRotation: true });
    const b = new s3.Bucket(stack, id, { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
    Validations.of(b).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test fixture: the real buckets (curation-aws, dms) log access.' });
    return { key, bucket: b };
  };
  const role = (id: string) => new iam.Role(stack, id, { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  const warehouse = bucket('Warehouse');
  const ordersRaw = bucket('OrdersRaw');
  const billingRaw = options.shareRawBucket ? ordersRaw : bucket('BillingRaw');
  const roles = {
    ordersJob: role('OrdersJob'),
    ordersOptimizer: role('OrdersOptimizer'),
    billingStateMachine: role('BillingStateMachine'),
    billingLambda: role('BillingLambda'),
    analyst: role('Analyst'),
    piiReader: role('PiiReader'),
  };
  const orders: GovernedSource = {
    sourceName: 'orders',
    curatedDatabaseName: 'curated_orders',
    rawBucket: ordersRaw.bucket,
    rawEncryptionKey: ordersRaw.key,
    piiColumns: { customers: ['email', 'phone'] },
    writers: options.doubleWriters ? [roles.ordersJob, roles.ordersJob] : [roles.ordersJob],
    maintainers: options.doubleWriters ? [roles.ordersOptimizer, roles.ordersOptimizer] : [roles.ordersOptimizer],
    ...sourceOverrides,
  };
  const billing: GovernedSource = {
    sourceName: 'billing',
    curatedDatabaseName: 'curated_billing',
    rawDatabaseName: 'raw_billing',
    rawBucket: billingRaw.bucket,
    rawEncryptionKey: billingRaw.key,
    piiColumns: {},
    writers: [roles.billingStateMachine, roles.billingLambda],
  };
  const governance = new LakeFormationGovernance(stack, 'Governance', {
    sources: [orders, billing],
    warehouseBucket: warehouse.bucket,
    warehouseEncryptionKey: warehouse.key,
    admins: ['arn:aws:iam::111122223333:role/platform-admin'],
    ...overrides,
  });
  return { app, stack, governance, roles, warehouse, ordersRaw, billingRaw };
}

/** Logical ID of a construct's CloudFormation resource. */
export function logicalId(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId((construct instanceof CfnElement ? construct : construct.node.defaultChild) as CfnElement);
}

/** Every AWS::LakeFormation::PrincipalPermissions of the template, by logical ID. */
export function principalPermissions(template: Template): [string, Record<string, any>][] {
  return Object.entries(template.findResources('AWS::LakeFormation::PrincipalPermissions'));
}

/** The tag expression of a PrincipalPermissions resource as `key=v1|v2` strings (empty for non-tag resources). */
export function expressionOf(resource: Record<string, any>): string[] {
  return (resource.Properties.Resource.LFTagPolicy?.Expression ?? []).map((c: any) => `${c.TagKey}=${c.TagValues.join('|')}`);
}

/** Unacknowledged cdk-nag AwsSolutions errors in `app`, as `rule @ construct path`. */
export function nagErrors(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations
    .filter((v) => v.severity === 'error')
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`));
}
