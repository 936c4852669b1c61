import type { CurationSettingsProps } from '@cdc-lakehouse/curation';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AthenaCurationWorkflow, AthenaCurationWorkflowProps } from '../src/athena';
import { LakehouseWarehouse } from '../src/warehouse/lakehouse-warehouse';

/** The `orders` source's tables as settings (no columns). */
export const ORDERS_TABLES: CurationSettingsProps[] = [
  { source: { schema: 'public', table: 'customers' }, curated: { database: 'curated_orders', table: 'customers' }, primaryKey: ['customer_id'] },
  {
    source: { schema: 'public', table: 'orders' },
    curated: { database: 'curated_orders', table: 'orders' },
    primaryKey: ['order_id'],
    partitionBy: [{ column: 'ordered_at', transform: 'day' }],
  },
];

/** A stack with a warehouse, a raw bucket and the workflow in a state machine. */
export function workflowStack(props: Partial<AthenaCurationWorkflowProps> = {}) {
  const app = new App({ context: { '@cdc-lakehouse/raw-zone:removeDataOnDestroy': true } });
  const stack = new Stack(app, 'Orders', { env: { account: '111111111111', region: 'eu-west-1' } });
  const warehouse = new LakehouseWarehouse(stack, 'Warehouse', { sourceNames: ['orders'] });
  const rawKey = new kms.Key(stack, 'RawKey', { enableKeyRotation: true });
  const rawBucket = new s3.Bucket(stack, 'Raw', { encryptionKey: rawKey, enforceSSL: true });
  Validations.of(rawBucket).acknowledge({ id: 'AwsSolutions-S1', reason: 'A stand-in for the raw zone (RawZone has access logs)' });
  const workflow = new AthenaCurationWorkflow(stack, 'Athena', {
    sourceName: 'orders', tables: ORDERS_TABLES, warehouse, rawBucket, rawPrefix: 'orders/', ...props,
  });
  const stateMachine = new sfn.StateMachine(stack, 'StateMachine', {
    definitionBody: sfn.DefinitionBody.fromChainable(workflow),
    tracingEnabled: true,
    logs: { destination: new logs.LogGroup(stack, 'StateMachineLogs', { retention: logs.RetentionDays.ONE_MONTH }), level: sfn.LogLevel.ALL },
  });
  workflow.grantStatements(stateMachine);
  return { app, stack, warehouse, rawBucket, workflow, stateMachine };
}
