import { Testing } from 'projen';
import { CdkApp, ConstructLibrary, EnvironmentCatalog, EnvironmentEntry, LakehouseMonorepo } from '../projenrc';
import { sampleOutdir } from './sample-outdir';

const dev: EnvironmentEntry = {
  name: 'dev',
  account: '111111111111',
  region: 'eu-west-1',
  removal: 'destroy',
  dms: { minCapacityUnits: 1, maxCapacityUnits: 2 },
  curationSchedule: 'rate(6 hours)',
  logRetentionDays: 14,
  alarmEmails: ['dev@example.com'],
};
const prod: EnvironmentEntry = { name: 'prod', account: '222222222222', region: 'eu-west-1', logRetentionDays: 365 };

function workspace() {
  const repo = new LakehouseMonorepo({ name: 'sample', description: 'test', outdir: sampleOutdir('environments') });
  const config = new ConstructLibrary(repo, { name: 'app-config', description: 'config' });
  const platform = new CdkApp(repo, { name: 'platform', description: 'app', workspaceDeps: [config] });
  const lakehouse = new CdkApp(repo, { name: 'lakehouse', description: 'app', workspaceDeps: [config], preDeploy: 'node lib/check-platform.js' });
  const environments = new EnvironmentCatalog({ apps: [platform, lakehouse], config });
  return { repo, platform, lakehouse, environments };
}

describe('environments declared in .projenrc.ts', () => {
  const { repo, environments } = workspace();
  environments.add(dev);
  environments.add(prod);
  const files = Testing.synth(repo);
  const targets = files['apps/platform/project.json'].targets;
  const lakehouseTargets = files['apps/lakehouse/project.json'].targets;

  test('each is a configuration of synth, diff, deploy and cfn-lint passing -c lakehouse:environment=<name>', () => {
    expect(Object.keys(targets.synth.configurations)).toEqual(['dev', 'prod']);
    expect(targets.synth.configurations.dev).toEqual({
      command: 'CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet -c lakehouse:environment=dev',
      output: 'cdk.out.dev',
    });
    expect(targets.diff.configurations.prod.command).toBe('CDK_DISABLE_CLI_TELEMETRY=true npx cdk diff -c lakehouse:environment=prod --output cdk.out.prod');
    expect(targets.deploy.configurations.prod.command)
      .toBe('CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all -c lakehouse:environment=prod --output cdk.out.prod');
    expect(targets['cfn-lint'].configurations.dev.command).toBe('cfn-lint --non-zero-exit-code error cdk.out.dev/*.template.json');
  });

  test('every app deploys to every environment', () => {
    for (const target of ['synth', 'diff', 'deploy', 'cfn-lint']) {
      expect(Object.keys(targets[target].configurations)).toEqual(['dev', 'prod']);
      expect(Object.keys(lakehouseTargets[target].configurations)).toEqual(['dev', 'prod']);
    }
    expect(lakehouseTargets.synth.configurations.prod).toEqual({
      command: 'CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet -c lakehouse:environment=prod',
      output: 'cdk.out.prod',
    });
  });

  test('an app with a pre-deploy check runs it, for the environment deployed, before every cdk deploy', () => {
    expect(lakehouseTargets.deploy.configurations.dev.command).toBe(
      'node lib/check-platform.js --environment dev && CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all -c lakehouse:environment=dev --output cdk.out.dev',
    );
    expect(lakehouseTargets.deploy.configurations.prod.command).toBe(
      'node lib/check-platform.js --environment prod && CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all -c lakehouse:environment=prod --output cdk.out.prod',
    );
    // the plain deploy checks the platform deployed without an environment
    expect(lakehouseTargets.deploy).toMatchObject({ dependsOn: ['build'], cache: false });
    expect(lakehouseTargets.deploy.options.command).toBe('node lib/check-platform.js && CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all');
    const steps = files['apps/lakehouse/.projen/tasks.json'].tasks.deploy.steps.map((s: { exec: string }) => s.exec);
    expect(steps).toEqual(['node lib/check-platform.js', 'cdk deploy --all']);
    // only the app that asks for one
    expect(targets.deploy.configurations.dev.command).not.toContain('check-platform');
    expect(targets.deploy.options.command).toBe('CDK_DISABLE_CLI_TELEMETRY=true npx cdk deploy --all');
    expect(targets.synth.configurations.dev.command).not.toContain('check-platform');
    expect(lakehouseTargets.diff.configurations.dev.command).not.toContain('check-platform');
  });

  test('a configured synth caches its own cloud assembly, never the environment-agnostic cdk.out', () => {
    expect(targets.synth.outputs).toEqual(['{projectRoot}/{options.output}']);
    expect(targets.synth.options).toMatchObject({ command: 'CDK_DISABLE_CLI_TELEMETRY=true npx cdk synth --quiet', output: 'cdk.out' });
    expect(targets.diff.cache).toBe(false);
    expect(targets.deploy.cache).toBe(false);
    expect(files['apps/platform/.gitignore']).toMatch(/^cdk\.out\.\*$/m);
  });

  test('the config package gets the environments as a typed literal, with the removal default filled in', () => {
    expect(files['apps/platform/src/environments.generated.ts']).toBeUndefined();
    expect(files['apps/lakehouse/src/environments.generated.ts']).toBeUndefined();
    const generated: string = files['packages/app-config/src/config/environments.generated.ts'];
    expect(generated).toContain('export interface LakehouseEnvironment {');
    expect(generated).toContain('export const ENVIRONMENTS: readonly LakehouseEnvironment[] = [');
    expect(generated).toContain("    removal: 'destroy',");
    expect(generated).toMatch(/name: 'prod',\n {4}account: '222222222222',\n {4}region: 'eu-west-1',\n {4}removal: 'retain',\n {4}logRetentionDays: 365,/);
    expect(generated).not.toContain('allowDestroyInProduction');
    expect(generated).toContain('`npx nx <synth|diff|deploy> <platform|lakehouse> -c <name>`');
  });
});

test('an environment catalog without an app is refused', () => {
  const repo = new LakehouseMonorepo({ name: 'sample', description: 'test', outdir: sampleOutdir('environments') });
  const config = new ConstructLibrary(repo, { name: 'app-config', description: 'config' });
  expect(() => new EnvironmentCatalog({ apps: [], config })).toThrow('EnvironmentCatalog: give at least one app');
});

describe('a wrong environment stops npx projen with one line naming the environment and the field', () => {
  test.each<[string, Partial<EnvironmentEntry>, RegExp]>([
    ['a bad name', { name: 'Dev' }, /^environment "Dev": name must be 2-32 lowercase letters, digits or hyphens/],
    ['an 11-digit account', { account: '11111111111' }, /^environment "qa": account "11111111111" is not a 12-digit AWS account ID$/],
    ['a region typo', { region: 'eu-west' }, /^environment "qa": region "eu-west" is not an AWS region such as eu-west-1$/],
    ['an unknown removal', { removal: 'delete' as never }, /^environment "qa": removal "delete" must be 'retain' or 'destroy'$/],
    ['a DCU DMS does not offer', { dms: { maxCapacityUnits: 3 } }, /^environment "qa": dms\.maxCapacityUnits 3 is not a DMS Serverless capacity; use one of 1, 2, 4, 8/],
    ['min above max', { dms: { minCapacityUnits: 8, maxCapacityUnits: 4 } }, /^environment "qa": dms\.minCapacityUnits 8 is above dms\.maxCapacityUnits 4$/],
    ['min above the default max', { dms: { minCapacityUnits: 8 } }, /dms\.minCapacityUnits 8 is above dms\.maxCapacityUnits 4 \(the default\)$/],
    ['a bad schedule', { curationSchedule: 'every 6 hours' }, /^environment "qa": curationSchedule "every 6 hours" is not an EventBridge schedule/],
    ['a retention CloudWatch refuses', { logRetentionDays: 10 }, /^environment "qa": logRetentionDays 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14/],
    ['a bad e-mail', { alarmEmails: ['ops.example.com'] }, /^environment "qa": alarmEmails "ops\.example\.com" is not an e-mail address$/],
    ['an e-mail twice', { alarmEmails: ['ops@example.com', 'OPS@example.com'] }, /^environment "qa": alarmEmails lists OPS@example\.com twice$/],
    ['an analyst that is no principal', { governance: { analystPrincipals: ['analysts'] } },
      /^environment "qa": governance\.analystPrincipals "analysts" is not a 12-digit account ID or an IAM role\/user ARN$/],
    ['an account as Lake Formation admin', { governance: { lakeFormationAdmins: ['111111111111'] } },
      /^environment "qa": governance\.lakeFormationAdmins "111111111111" is not an IAM role\/user ARN$/],
    ['a scan cutoff under 10 MB', { governance: { bytesScannedCutoffPerQuery: 1000 } },
      /^environment "qa": governance\.bytesScannedCutoffPerQuery 1000 must be a whole number of bytes, at least 10000000 \(10 MB\)$/],
  ])('%s', (_name, change, message) => {
    const { environments } = workspace();
    expect(() => environments.add({ name: 'qa', account: '333333333333', region: 'eu-west-1', ...change })).toThrow(message);
  });

  test('two environments on one account and region (their workgroups and replication configs would collide)', () => {
    const { environments } = workspace();
    environments.add(dev);
    expect(() => environments.add({ ...prod, account: dev.account })).toThrow(
      /^environment "prod": account 111111111111 in eu-west-1 is already environment "dev"; two environments there would create the same physical names/,
    );
    expect(() => environments.add({ ...dev, account: '333333333333' })).toThrow(/^environment "dev": defined twice in \.projenrc\.ts$/);
    expect(() => environments.add({ ...prod, account: dev.account, region: 'us-east-1' })).not.toThrow();
  });

  test.each(['prod', 'production'])('removal destroy in %s, unless allowDestroyInProduction', (name) => {
    const { environments } = workspace();
    expect(() => environments.add({ ...prod, name, removal: 'destroy' })).toThrow(
      new RegExp(`^environment "${name}": removal 'destroy' would delete production data on cdk destroy; use 'retain', or set allowDestroyInProduction: true$`),
    );
    expect(() => environments.add({ ...prod, name, removal: 'destroy', allowDestroyInProduction: true })).not.toThrow();
  });
});
