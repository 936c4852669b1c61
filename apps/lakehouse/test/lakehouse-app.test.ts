import { LakehouseEnvironment, SOURCE_DATABASES } from '@cdc-lakehouse/app-config';
import { GlueCurationJob } from '@cdc-lakehouse/curation-aws';
import { App, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LakehouseAppOptions, SOURCE_STACK_IDS, analystWorkgroupNames, buildLakehouseApp } from '../src';

const DEV: LakehouseEnvironment = { name: 'dev', account: '111111111111', region: 'eu-west-1', removal: 'retain' };

/** The app as main.ts builds it. */
function lakehouseApp(options: LakehouseAppOptions = {}, context: Record<string, unknown> = {}) {
  const app = new App({ context });
  return { app, ...buildLakehouseApp(app, options) };
}

/** The platform's SSM parameter names a template reads (its CloudFormation parameters of an SSM type, the CDK's bootstrap version aside). */
function ssmParameters(template: Template): string[] {
  const parameters = Object.values(template.toJSON().Parameters ?? {}) as { Type: string; Default?: string }[];
  return parameters.filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value') && !p.Default!.startsWith('/cdk-bootstrap/'))
    .map((p) => p.Default!).sort();
}

describe('the lakehouse app', () => {
  test('one stack per source database listed in .projenrc.ts, then the operations stack; no platform stack', () => {
    const { app, sources, operations } = lakehouseApp();
    expect(SOURCE_DATABASES.map((s) => s.name)).toEqual(['orders', 'billing']);
    expect(sources.map((s) => s.stackName)).toEqual(['LakehouseSource-orders', 'LakehouseSource-billing']);
    expect(SOURCE_STACK_IDS).toEqual(sources.map((s) => s.node.id));
    expect(app.node.tryFindChild('CdcLakehousePlatform')).toBeUndefined();
    expect(operations.stackName).toBe('CdcLakehouseOperations');
  });

  test('each source stack reads the platform from its SSM parameters: no export, no stack dependency', () => {
    const { app, sources, operations } = lakehouseApp();
    for (const stack of sources) {
      const template = Template.fromStack(stack);
      expect(ssmParameters(template)).toEqual(expect.arrayContaining([
        '/cdc-lakehouse/default/platform/network/replication-subnet-ids',
        '/cdc-lakehouse/default/platform/warehouse/bucket-name',
        '/cdc-lakehouse/default/platform/lake-formation/revocation-service-token',
      ]));
      expect(JSON.stringify(template.toJSON())).not.toContain('Fn::ImportValue');
      expect(stack.dependencies).toEqual([]);
    }
    expect(ssmParameters(Template.fromStack(operations))).toEqual(['/cdc-lakehouse/default/platform/alarms/topic-arn']);
    // the dashboard names the state machines and Glue jobs by their physical names: no stack exports or imports anything, so
    // a source stack can replace its state machine or job, or go, without a second deploy of the operations stack
    const stacks = app.synth().stacks;
    expect(stacks.filter((s) => JSON.stringify(s.template).includes('Fn::ImportValue')).map((s) => s.stackName)).toEqual([]);
    expect(stacks.flatMap((s) => Object.keys(s.template.Outputs ?? {}).filter((k) => s.template.Outputs[k].Export !== undefined))).toEqual([]);
    expect(operations.dependencies).toEqual([]);
  });

  test('an environment names the platform read and sets account, region and the sources\' settings', () => {
    const { sources, operations } = lakehouseApp({ environment: { ...DEV, curationSchedule: 'rate(6 hours)', logRetentionDays: 14 } });
    for (const stack of [...sources, operations]) {
      expect(`${stack.account}/${stack.region}`).toBe('111111111111/eu-west-1');
      expect(ssmParameters(Template.fromStack(stack)).every((name) => name.startsWith('/cdc-lakehouse/dev/platform/'))).toBe(true);
    }
  });

  test('each source stack curates its source with its engine (a Glue 5.0 job, or Athena) into its own curated database, created there', () => {
    const { sources } = lakehouseApp();
    const engines: string[] = [];
    for (const [i, stack] of sources.entries()) {
      const name = SOURCE_DATABASES[i].name;
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
      template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: Match.objectLike({ Name: `curated_${name}`, CreateTableDefaultPermissions: [] }) });
      const job = stack.node.tryFindChild('Curation');
      if (job instanceof GlueCurationJob) {
        engines.push('glue');
        template.hasResourceProperties('AWS::Glue::Job', {
          GlueVersion: '5.0',
          ExecutionProperty: { MaxConcurrentRuns: 1 },
          DefaultArguments: Match.objectLike({ '--datalake-formats': 'iceberg', '--catalog': 'glue_catalog' }),
        });
        expect(new Set(job.jobSpec.tables.map((t) => t.database))).toEqual(new Set([`curated_${name}`]));
      } else {
        engines.push('athena');
        template.resourceCountIs('AWS::Glue::Job', 0);
        template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: `lakehouse-curation-${name}` });
      }
    }
    expect(new Set(engines)).toEqual(new Set(['glue', 'athena']));
  });

  test('each source stack has its raw zone, logging to the platform\'s access log bucket, and one replication; no DMS account roles', () => {
    const { sources } = lakehouseApp();
    for (const [i, stack] of sources.entries()) {
      const name = SOURCE_DATABASES[i].name;
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::S3::Bucket', 1);
      template.resourceCountIs('AWS::DMS::ReplicationConfig', 1);
      template.resourceCountIs('Custom::DmsAccountRole', 0);
      template.hasResourceProperties('AWS::S3::Bucket', {
        LoggingConfiguration: { DestinationBucketName: { Ref: Match.stringLikeRegexp('accesslogsbucketname') }, LogFilePrefix: `${name}/` },
        VersioningConfiguration: { Status: 'Enabled' },
      });
      template.hasResourceProperties('AWS::DMS::ReplicationSubnetGroup', { SubnetIds: { Ref: Match.stringLikeRegexp('replicationsubnetids') } });
    }
  });

  test('raw data is retained by default, with a warning per raw zone; bucketNamePrefix names the raw buckets', () => {
    const { sources } = lakehouseApp();
    const paths = sources.flatMap((stack) => Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained')).map((w) => w.id));
    expect(paths.sort()).toEqual(['/LakehouseSource-billing/RawZone', '/LakehouseSource-orders/RawZone']);
    const named = lakehouseApp({ config: { sources: SOURCE_DATABASES, bucketNamePrefix: 'acme-lake' } }).sources;
    Template.fromStack(named[0]).hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-lake-orders-raw' });
  });

  test('environment-agnostic without an environment or CDK_DEFAULT_*', () => {
    const { sources } = lakehouseApp();
    expect(Token.isUnresolved(sources[0].account)).toBe(true);
  });

  test('the dashboard graphs the analysts\' workgroups the platform has for the same governance settings', () => {
    expect(analystWorkgroupNames({})).toEqual(['lakehouse-analysts']);
    expect(analystWorkgroupNames({ piiReaderPrincipals: ['111111111111'] })).toEqual(['lakehouse-analysts', 'lakehouse-pii-readers']);
  });
});

describe('every synthesized template', () => {
  const { app } = lakehouseApp();
  const assembly = app.synth();

  test.each(['LakehouseSource-orders', 'LakehouseSource-billing', 'CdcLakehouseOperations'])('%s holds no password and never drops deletes', (name) => {
    const text = JSON.stringify(assembly.getStackByName(name).template);
    expect(text).not.toMatch(/password/i);
    expect(text).not.toMatch(/"CdcInserts(Only|AndUpdates)":true/);
  });

  test('each source target sets both CDC filters to false explicitly', () => {
    for (const stack of assembly.stacks.filter((s) => s.stackName.startsWith('LakehouseSource-'))) {
      const text = JSON.stringify(stack.template);
      expect(text).toContain('"CdcInsertsOnly":false');
      expect(text).toContain('"CdcInsertsAndUpdates":false');
    }
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('no stack of the app has an unsuppressed finding', () => {
    const { app } = lakehouseApp();
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`))).toEqual([]);
  });
});
