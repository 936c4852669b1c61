import { App, CfnElement, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { IConstruct } from 'constructs';
import { GovernedSource, LakeFormationSettings, LakeFormationSettingsProps, SourceGovernance } from '../src/lake-formation';

/**
 * A settings stack (`Platform`: warehouse, settings, reader roles) and two governed sources, `orders` (Glue-curated,
 * with an optimizer) and `billing` (Athena-curated, with a raw database): each in a stack of its own (as the app does)
 * or, with `sameStack`, all in the settings stack.
 */
export function governedLakehouse(overrides: Partial<LakeFormationSettingsProps> = {}, sourceOverrides: Partial<GovernedSource> = {},
  options: { readonly shareRawBucket?: boolean; readonly doubleWriters?: boolean; readonly sameStack?: boolean } = {}) {
  const app = new App();
  const stack = new Stack(app, 'Platform');
  const ordersStack = options.sameStack ? stack : new Stack(app, 'Orders');
  const billingStack = options.sameStack ? stack : new Stack(app, 'Billing');
  const bucket = (scope: Stack, id: string) => {
    const key = new kms.Key(scope, `${id}Key`, { enableKeyRotation: true });
    const b = new s3.Bucket(scope, id, { encryption: s3.BucketEncryption.KMS, encryptionKey: key, enforceSSL: true });
    Validations.of(b).acknowledge({ id: 'AwsSolutions-S1', reason: 'Test fixture: the real buckets (curation-aws, dms) log access.' });
    return { key, bucket: b };
  };
  const role = (scope: Stack, id: string) => new iam.Role(scope, id, { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  const warehouse = bucket(stack, 'Warehouse');
  const ordersRaw = bucket(ordersStack, 'OrdersRaw');
  const billingRaw = options.shareRawBucket ? ordersRaw : bucket(billingStack, 'BillingRaw');
  const roles = {
    ordersJob: role(ordersStack, 'OrdersJob'),
    ordersOptimizer: role(ordersStack, 'OrdersOptimizer'),
    billingStateMachine: role(billingStack, 'BillingStateMachine'),
    billingLambda: role(billingStack, 'BillingLambda'),
    analyst: role(stack, 'Analyst'),
    piiReader: role(stack, 'PiiReader'),
  };
  const settings = new LakeFormationSettings(stack, 'Settings', {
    sourceNames: ['orders', 'billing'],
    warehouseBucket: warehouse.bucket,
    warehouseEncryptionKey: warehouse.key,
    admins: ['arn:aws:iam::111122223333:role/platform-admin'],
    ...overrides,
  });
  const orders = new SourceGovernance(ordersStack, 'OrdersGovernance', {
    settings,
    source: {
      sourceName: 'orders',
      curatedDatabaseName: 'curated_orders',
      rawBucket: ordersRaw.bucket,
      rawEncryptionKey: ordersRaw.key,
      piiColumns: { customers: ['email', 'phone'] },
      writers: options.doubleWriters ? [roles.ordersJob, roles.ordersJob] : [roles.ordersJob],
      maintainers: options.doubleWriters ? [roles.ordersOptimizer, roles.ordersOptimizer] : [roles.ordersOptimizer],
      ...sourceOverrides,
    },
  });
  const billing = new SourceGovernance(billingStack, 'BillingGovernance', {
    settings,
    source: {
      sourceName: 'billing',
      curatedDatabaseName: 'curated_billing',
      rawDatabaseName: 'raw_billing',
      rawBucket: billingRaw.bucket,
      rawEncryptionKey: billingRaw.key,
      piiColumns: { invoices: ['iban'] },
      writers: [roles.billingStateMachine, roles.billingLambda],
    },
  });
  return { app, stack, ordersStack, billingStack, settings, orders, billing, roles, warehouse, ordersRaw, billingRaw };
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
