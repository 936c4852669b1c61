import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { logicalId, nagErrors, rolePolicyStatements } from './helpers';
import { LakehouseWarehouse, TABLE_OPTIMIZER_TYPES, TableOptimizers, TableOptimizersProps } from '../src';

function synth(props: Partial<TableOptimizersProps> = {}) {
  const app = new App();
  const stack = new Stack(app, 'Source');
  const warehouse = new LakehouseWarehouse(stack, 'Warehouse', { sourceNames: ['orders'] });
  const optimizers = new TableOptimizers(stack, 'Optimizers', { sourceName: 'orders', warehouse, tables: ['customers', 'orders'], ...props });
  return { app, stack, warehouse, optimizers, template: Template.fromStack(stack) };
}

describe('TableOptimizers deployed by CloudFormation', () => {
  const { app, optimizers, template } = synth({ deployment: 'cloudformation', snapshotRetentionDays: 7 });

  test('one AWS::Glue::TableOptimizer per table and type, each type with its own role', () => {
    template.resourceCountIs('AWS::Glue::TableOptimizer', 6);
    const resources = Object.values(template.findResources('AWS::Glue::TableOptimizer')).map((r) => r.Properties);
    for (const type of TABLE_OPTIMIZER_TYPES) {
      const ofType = resources.filter((r) => r.Type === type);
      expect(ofType.map((r) => r.TableName).sort()).toEqual(['customers', 'orders']);
      for (const r of ofType) {
        expect(r.DatabaseName).toBe('curated_orders');
        expect(r.TableOptimizerConfiguration.RoleArn).toEqual({ 'Fn::GetAtt': [logicalId(optimizers.roles[type]), 'Arn'] });
      }
    }
    const roles = new Set(TABLE_OPTIMIZER_TYPES.map((t) => logicalId(optimizers.roles[t])));
    expect(roles.size).toBe(3);
  });

  test('each type carries only its own configuration', () => {
    const byType = (type: string) => Object.values(template.findResources('AWS::Glue::TableOptimizer', { Properties: { Type: type } }))[0].Properties
      .TableOptimizerConfiguration;
    expect(byType('compaction')).toEqual(expect.objectContaining({ CompactionConfiguration: { IcebergConfiguration: { Strategy: 'binpack' } } }));
    expect(byType('compaction').RetentionConfiguration).toBeUndefined();
    expect(byType('retention').RetentionConfiguration.IcebergConfiguration)
      .toEqual({ SnapshotRetentionPeriodInDays: 7, NumberOfSnapshotsToRetain: 1, CleanExpiredFiles: true });
    expect(byType('orphan_file_deletion').OrphanFileDeletionConfiguration.IcebergConfiguration).toEqual({ OrphanFileRetentionPeriodInDays: 3 });
  });

  test('roles: least privilege per type (orphan deletion never writes or commits)', () => {
    const actions = (type: typeof TABLE_OPTIMIZER_TYPES[number]) =>
      rolePolicyStatements(template, optimizers.roles[type]).flatMap((s) => [s.Action].flat());
    expect(actions('compaction')).toEqual(expect.arrayContaining(['glue:UpdateTable', 's3:PutObject']));
    expect(actions('retention')).toEqual(expect.arrayContaining(['glue:UpdateTable', 's3:DeleteObject']));
    expect(actions('orphan_file_deletion')).not.toContain('glue:UpdateTable');
    expect(actions('orphan_file_deletion')).not.toContain('s3:PutObject');
    for (const type of TABLE_OPTIMIZER_TYPES) {
      const statements = rolePolicyStatements(template, optimizers.roles[type]);
      expect(statements.some((s) => s.Resource === '*')).toBe(false);
      const objects = statements.find((s) => [s.Action].flat().includes('s3:GetObject'))!;
      expect(JSON.stringify(objects.Resource)).toContain('/curated_orders/orders/*');
      expect(JSON.stringify(objects.Resource)).toContain('/curated_orders/customers/*');
    }
  });

  test('roles trust Glue from this account only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'glue.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }],
      },
    });
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged', () => {
    expect(nagErrors(app)).toEqual([]);
  });
});

describe('TableOptimizers ensured by the state machine (default)', () => {
  test('no CloudFormation optimizer (the tables do not exist before the first curation)', () => {
    const { template, optimizers } = synth();
    expect(optimizers.deployment).toBe('state-machine');
    template.resourceCountIs('AWS::Glue::TableOptimizer', 0);
    template.resourceCountIs('AWS::IAM::Role', 3);
  });

  test('refuses a table name Glue cannot hold', () => {
    expect(() => synth({ tables: ['Orders'] })).toThrow(/'Orders' is not a curated table name/);
  });
});
