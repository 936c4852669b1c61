import { Match, Template } from 'aws-cdk-lib/assertions';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { workflowStack } from './athena-fixture';
import { nagErrors } from './helpers';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator: (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string } = require('asl-validator');

describe('AthenaCurationWorkflow', () => {
  // one synthesis for the suite: bundling the Lambda with esbuild takes a moment
  const built = workflowStack();
  const template = Template.fromStack(built.stack);
  const rendered = built.stack.resolve((built.stateMachine.node.defaultChild as sfn.CfnStateMachine).definitionString);
  const part = (p: any): string => (typeof p === 'string' ? p : p.Ref === 'AWS::Partition' ? 'aws' : 'arn:aws:lambda:eu-west-1:111111111111:function:x');
  const asl = JSON.parse((rendered['Fn::Join'][1] as unknown[]).map(part).join(''));
  const states = (def: any): Record<string, any> => {
    const all: Record<string, any> = {};
    const walk = (s: Record<string, any>) => {
      for (const [name, state] of Object.entries(s)) {
        all[name] = state;
        if (state.ItemProcessor) walk(state.ItemProcessor.States);
        if (state.Iterator) walk(state.Iterator.States);
      }
    };
    walk(def.States);
    return all;
  };
  const all = states(asl);

  test('the definition is valid Amazon States Language', () => {
    const result = aslValidator(asl);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  test('tables run with bounded concurrency, each table\'s statements one at a time with startQueryExecution.sync in the curation workgroup', () => {
    expect(all['Curate each table']).toMatchObject({ Type: 'Map', MaxConcurrency: 4, ItemsPath: '$.athenaCuration.tables' });
    expect(all['Run statements in order']).toMatchObject({ Type: 'Map', MaxConcurrency: 1, ItemsPath: '$.batch.statements' });
    expect(all['Run statement']).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::athena:startQueryExecution.sync',
      Parameters: { 'QueryString.$': '$.statement', 'WorkGroup': 'lakehouse-curation-orders' },
    });
    const tables = all['Athena tables'].Result;
    expect(tables.map((t: any) => t.name)).toEqual(['curated_orders.customers', 'curated_orders.orders']);
    expect(tables[1]).toMatchObject({
      rawTable: { database: 'raw_orders', table: 'public__orders' },
      settings: { source: { rawTable: { database: 'raw_orders', table: 'public__orders' } }, partitionBy: [{ column: 'ordered_at', transform: 'day' }] },
    });
  });

  test('ICEBERG_COMMIT_ERROR is tried again after an exponential backoff, a bounded number of times; other errors fail the table', () => {
    expect(all['Run statement'].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ICEBERG_COMMIT_ERROR?' }]);
    const choice = all['ICEBERG_COMMIT_ERROR?'];
    expect(choice.Choices[0]).toMatchObject({
      And: [{ Variable: '$.error.Cause', StringMatches: '*ICEBERG_COMMIT_ERROR*' }, { Variable: '$.attempt', NumericLessThan: 5 }],
      Next: 'Back off after commit conflict',
    });
    expect(choice.Default).toBe('Statement failed');
    expect(all['Back off after commit conflict'].Parameters['waitSeconds.$']).toBe('States.ArrayGetItem(States.Array(5, 10, 20, 40, 80, 160, 300, 300, 300, 300), $.attempt)');
    expect(all['Wait for the other writer']).toMatchObject({ SecondsPath: '$.waitSeconds', Next: 'Run statement' });
  });

  test('a table\'s failure is recorded and the others go on; the execution then fails naming the failed tables', () => {
    for (const name of ['Prepare table', 'Run statements in order', 'Commit watermark']) {
      expect(all[name].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record table failure' }]);
    }
    expect(all['Failed tables'].Parameters['failed.$']).toBe('$.athenaCuration.results[?(@.failed == true)].table');
    expect(all['Any table failed?'].Choices[0]).toMatchObject({ Variable: '$.athenaCuration.failed[0]', IsPresent: true, Next: 'Name failed tables' });
    expect(all['Some tables failed']).toMatchObject({ Type: 'Fail', Error: 'AthenaCurationFailed', CausePath: '$.athenaCuration.failure.cause' });
  });

  test('the state machine role: no Glue deletes, no S3 on *, Athena actions on the workgroup only; KMS for the results', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes('StateMachineRole'))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const actions = statements.flatMap((s: any) => [s.Action].flat());
    expect(actions.filter((a: string) => /^glue:(Batch)?Delete/.test(a))).toEqual([]);
    expect(actions.filter((a: string) => /^glue:.*Database$/.test(a) && a !== 'glue:GetDatabase')).toEqual([]);
    // on '*': only lakeformation:GetDataAccess (besides the state machine's own log delivery and X-Ray tracing)
    const onStar = statements.filter((s: any) => s.Resource === '*').flatMap((s: any) => [s.Action].flat())
      .filter((a: string) => !a.startsWith('logs:') && !a.startsWith('xray:'));
    expect(onStar).toEqual(['lakeformation:GetDataAccess']);
    expect(actions).toEqual(expect.arrayContaining(['athena:StopQueryExecution', 'athena:GetQueryResults', 'kms:GenerateDataKey', 'glue:UpdateTable']));
    const athena = statements.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('athena:Start')));
    for (const s of athena) expect(JSON.stringify(s.Resource)).toContain(':workgroup/lakehouse-curation-orders');
  });

  test('the workgroup: engine v3, enforced, results SSE_KMS with the warehouse key, CloudWatch metrics, no scan cutoff', () => {
    const [workgroup] = Object.values(template.findResources('AWS::Athena::WorkGroup')) as any[];
    const config = workgroup.Properties.WorkGroupConfiguration;
    expect(config).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: 'SSE_KMS', KmsKey: { 'Fn::GetAtt': [expect.stringMatching(/^WarehouseKey/), 'Arn'] } } },
    });
    expect(config.BytesScannedCutoffPerQuery).toBeUndefined();
  });

  test('raw tables registered from the plans: one database per source, Parquet tables with the bookkeeping columns at the raw folders', () => {
    // no IAMAllowedPrincipals grant on new tables: only Lake Formation grants reach raw data
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: 'raw_orders', CreateTableDefaultPermissions: [] }) });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'raw_orders',
      TableInput: {
        Name: 'public__orders',
        TableType: 'EXTERNAL_TABLE',
        StorageDescriptor: {
          Location: { 'Fn::Join': ['', ['s3://', { Ref: Match.stringLikeRegexp('^Raw') }, '/orders/public/orders/']] },
          Columns: [{ Name: 'op', Type: 'string' }, { Name: '_dms_commit_ts', Type: 'string' }, { Name: '_dms_change_seq', Type: 'string' }],
          SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
        },
      },
    });
    expect(template.findResources('AWS::Glue::Crawler')).toEqual({});
  });

  test('the Lambda: Node.js 24, encrypted environment, Glue updates on the raw tables only, watermark folder only', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Runtime: 'nodejs24.x', KmsKeyArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('EnvironmentKey'), 'Arn'] } });
    const role = built.workflow.curationFunction.function.role!;
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(built.stack.getLogicalId(role.node.defaultChild as never)))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    const update = statements.find((s: any) => [s.Action].flat().includes('glue:UpdateTable'));
    expect(JSON.stringify(update.Resource)).toContain('table/raw_orders/public__orders');
    expect(JSON.stringify(update.Resource)).not.toContain('curated_orders');
    const put = statements.find((s: any) => [s.Action].flat().includes('s3:PutObject'));
    expect(JSON.stringify(put.Resource)).toContain('/_watermarks/curated_orders/*');
  });

  test('the Lambda publishes FreshnessSeconds: its environment names the source, PutMetricData only in CdcLakehouse/Curation', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: { CURATION_FRESHNESS_SOURCE: 'orders' } } });
    const role = built.workflow.curationFunction.function.role!;
    const statements = Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p: any) => JSON.stringify(p.Properties.Roles).includes(built.stack.getLogicalId(role.node.defaultChild as never)))
      .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((s: any) => [s.Action].flat().includes('cloudwatch:PutMetricData'))).toEqual([
      { Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'CdcLakehouse/Curation' } } },
    ]);
  });

  test('cdk-nag AwsSolutions: no unacknowledged errors', () => {
    expect(nagErrors(built.app)).toEqual([]);
  });

  test('props are checked', () => {
    expect(() => workflowStack({ maxConcurrency: 0 })).toThrow('maxConcurrency: 0; use 1-40 tables at once');
    expect(() => workflowStack({ rawPrefix: 'orders' })).toThrow("rawPrefix: 'orders' must end with '/'");
  });
});
