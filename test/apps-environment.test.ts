import { ENVIRONMENTS, ENVIRONMENT_CONTEXT_KEY, LakehouseEnvironment, selectEnvironment } from '@cdc-lakehouse/app-config';
import { buildLakehouseApp } from '@cdc-lakehouse/lakehouse';
import { buildPlatformApp } from '@cdc-lakehouse/platform';
import { REMOVE_DATA_ON_DESTROY_CONTEXT } from '@cdc-lakehouse/raw-zone';
import { App } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';

/**
 * Both apps as their main.ts build them, with the same `-c key=value` context (strings, as the CLI gives them), as
 * `npx nx deploy platform -c <env>` and `npx nx deploy lakehouse -c <env>` do; `app` is the lakehouse app.
 */
function lakehouseApp(context: Record<string, string> = {}) {
  const { platform } = buildPlatformApp(new App({ context }));
  const app = new App({ context });
  return { app, platform, ...buildLakehouseApp(app) };
}

const dev = ENVIRONMENTS.find((e) => e.name === 'dev')!;

describe('environments declared in .projenrc.ts', () => {
  test('dev and prod, on different accounts', () => {
    expect(ENVIRONMENTS.map((e) => [e.name, e.account, e.region, e.removal])).toEqual([
      ['dev', '111111111111', 'eu-west-1', 'destroy'],
      ['prod', '222222222222', 'eu-west-1', 'retain'],
    ]);
  });

  test('no environment chosen: every stack stays environment-agnostic, data retained', () => {
    const { platform, sources, operations, environment } = lakehouseApp();
    expect(environment).toBeUndefined();
    for (const stack of [platform, ...sources, operations]) expect(stack.environment).toBe('aws://unknown-account/unknown-region');
    expect(platform.node.tryGetContext(REMOVE_DATA_ON_DESTROY_CONTEXT)).toBeUndefined();
  });

  test('an unknown name stops synth with one line naming the defined environments and where they are', () => {
    expect(() => lakehouseApp({ [ENVIRONMENT_CONTEXT_KEY]: 'staging' })).toThrow(
      /^lakehouse:environment: "staging" is not an environment; defined: dev, prod \(in \.projenrc\.ts \(environments\.add\)\)$/,
    );
    expect(() => selectEnvironment(() => 'dev', [])).toThrow(/"dev" is not an environment; none is defined/);
  });
});

describe('lakehouse:environment=dev', () => {
  const { app, platform, sources, operations, environment } = lakehouseApp({ [ENVIRONMENT_CONTEXT_KEY]: 'dev' });
  const sourceTemplates = sources.map((s) => Template.fromStack(s));

  test('every stack deploys to the environment\'s account and region', () => {
    expect(environment).toBe(dev);
    for (const stack of [platform, ...sources, operations]) {
      expect(stack.environment).toBe('aws://111111111111/eu-west-1');
    }
  });

  test('removal destroy: raw zones, warehouse, access logs and analysts\' results are deleted with their stacks', () => {
    expect(app.node.tryGetContext(REMOVE_DATA_ON_DESTROY_CONTEXT)).toBe(true);
    for (const stack of [platform, ...sources]) {
      const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
      expect(Object.keys(buckets).length).toBeGreaterThan(0);
      expect(Object.values(buckets).map((b) => b.DeletionPolicy)).toEqual(Object.keys(buckets).map(() => 'Delete'));
    }
    expect(Object.values(Template.fromStack(platform).findResources('AWS::KMS::Key')).map((k) => k.DeletionPolicy)).toContain('Delete');
  });

  test('DMS Serverless capacity of every source from the environment', () => {
    for (const template of sourceTemplates) {
      template.hasResourceProperties('AWS::DMS::ReplicationConfig', { ComputeConfig: Match.objectLike({ MinCapacityUnits: 1, MaxCapacityUnits: 2 }) });
    }
  });

  test('the environment\'s curation schedule replaces each source\'s own', () => {
    for (const template of sourceTemplates) {
      // the PII tagger's daily reconcile (under Governance) is no curation schedule
      const schedules = Object.entries(template.findResources('AWS::Events::Rule')).filter(([id]) => !id.startsWith('Governance'))
        .map(([, r]) => r.Properties.ScheduleExpression).filter(Boolean);
      expect(schedules).toEqual(['rate(6 hours)']);
    }
  });

  test('the curation state machine\'s logs are kept 14 days', () => {
    for (const template of sourceTemplates) {
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 14 });
    }
  });

  test('the alarm e-mails are subscribed to each source\'s alarm topic', () => {
    for (const template of sourceTemplates) {
      const topics = Object.keys(template.findResources('AWS::SNS::Topic'));
      expect(topics).toHaveLength(1);
      template.resourceCountIs('AWS::SNS::Subscription', 1);
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'lakehouse-dev@example.com', TopicArn: { Ref: topics[0] } });
    }
  });

  test('cdk-nag AwsSolutions finds nothing unacknowledged, in either app', () => {
    for (const scope of [app, platform.node.root]) {
      const report = new AwsSolutionsChecks().validateScope(scope);
      expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.constructPath}`))).toEqual([]);
    }
  });

  test('the platform\'s synth records the lookups a deploy resolves with credentials (none is faked); the lakehouse has none', () => {
    expect(app.synth().manifest.missing ?? []).toEqual([]);
    const assembly = (platform.node.root as App).synth();
    const missing = assembly.manifest.missing ?? [];
    expect(missing.length).toBeGreaterThan(0);
    for (const m of missing) expect(m.props).toMatchObject({ account: '111111111111', region: 'eu-west-1' });
  });
});

describe('lakehouse:environment=prod', () => {
  const { platform, sources } = lakehouseApp({ [ENVIRONMENT_CONTEXT_KEY]: 'prod' });

  test('data retained, without the retained-data warning (the environment decided)', () => {
    for (const stack of [platform, ...sources]) {
      const buckets = Template.fromStack(stack).findResources('AWS::S3::Bucket');
      expect(Object.values(buckets).map((b) => b.DeletionPolicy)).toEqual(Object.keys(buckets).map(() => 'Retain'));
      expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('will be retained'))).toEqual([]);
    }
  });

  test('no schedule override: each source keeps its own; logs 365 days; two recipients', () => {
    // the curation's schedule (the PII tagger's daily reconcile, under Governance, aside)
    const schedules = sources.map((s) => Object.entries(Template.fromStack(s).findResources('AWS::Events::Rule'))
      .filter(([id]) => !id.startsWith('Governance')).map(([, r]) => r.Properties.ScheduleExpression).filter(Boolean));
    expect(schedules).toEqual([['rate(1 hour)'], ['rate(15 minutes)']]);
    for (const s of sources) {
      const template = Template.fromStack(s);
      template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'), RetentionInDays: 365 });
      template.resourceCountIs('AWS::SNS::Subscription', 2);
      template.hasResourceProperties('AWS::DMS::ReplicationConfig', { ComputeConfig: Match.objectLike({ MinCapacityUnits: 2, MaxCapacityUnits: 16 }) });
    }
  });
});

describe('precedence', () => {
  test('an explicit removeDataOnDestroy wins over the environment\'s removal', () => {
    const { platform } = lakehouseApp({ [ENVIRONMENT_CONTEXT_KEY]: 'dev', [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'false' });
    const buckets = Template.fromStack(platform).findResources('AWS::S3::Bucket');
    expect(Object.values(buckets).map((b) => b.DeletionPolicy)).toEqual(Object.keys(buckets).map(() => 'Retain'));
  });

  test('governance comes from the environment, each lakehouse:* context key overriding its field', () => {
    const governed: LakehouseEnvironment = {
      ...dev,
      name: 'governed',
      governance: {
        analystPrincipals: ['arn:aws:iam::111111111111:role/Analysts'],
        piiReaderPrincipals: ['arn:aws:iam::111111111111:role/Privacy'],
        bytesScannedCutoffPerQuery: 1_073_741_824,
      },
    };
    const app = new App({ context: { 'lakehouse:analystPrincipals': 'arn:aws:iam::111111111111:role/FromContext' } });
    const { platform } = buildPlatformApp(app, { environment: governed });
    const template = Template.fromStack(platform);
    const trusts = JSON.stringify(template.findResources('AWS::IAM::Role'));
    expect(trusts).toContain('role/FromContext');
    expect(trusts).not.toContain('role/Analysts');
    expect(trusts).toContain('role/Privacy');
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 1_073_741_824 }),
    });
  });
});
