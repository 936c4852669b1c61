import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { ENVIRONMENTS, SOURCE_DATABASES } from '@cdc-lakehouse/app-config';
import { PLATFORM_LINK_VERSION, PLATFORM_PARAMETERS, PlatformParameterKey, platformParameterName, platformParameterPrefix } from '@cdc-lakehouse/platform-link';
import { MotoServer, startMotoServer } from '../src';
import { REPO, run, RunResult } from '../src/lakehouse-cli';

/**
 * The lakehouse app's pre-deploy check (`node lib/check-platform.js`, the first command of `npx nx deploy lakehouse`)
 * as the deploy target runs it, against moto_server's SSM: the real SDK, endpoint from AWS_ENDPOINT_URL.
 */
const CHECK = require.resolve('@cdc-lakehouse/lakehouse/lib/check-platform.js');
const dev = ENVIRONMENTS.find((e) => e.name === 'dev')!;

describe('lakehouse deploy: the platform check against moto_server', () => {
  let moto: MotoServer | undefined;
  let ssm: SSMClient;

  const env = (credentials = true): NodeJS.ProcessEnv => {
    const vars: NodeJS.ProcessEnv = { ...process.env, AWS_ENDPOINT_URL: moto!.endpoint, AWS_EC2_METADATA_DISABLED: 'true', AWS_REGION: dev.region };
    for (const key of ['AWS_PROFILE', 'AWS_SESSION_TOKEN', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) delete vars[key];
    if (credentials) Object.assign(vars, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
    else Object.assign(vars, { AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' });
    return vars;
  };
  const check = (args: string[], credentials = true): Promise<RunResult> => run(process.execPath, [CHECK, ...args], REPO, env(credentials));

  /** Publishes the platform's parameters as the platform stack does, with `override`s. */
  async function publish(environment: string, override: Partial<Record<PlatformParameterKey, string | null>> = {}): Promise<void> {
    const prefix = platformParameterPrefix(environment);
    const values: Record<PlatformParameterKey, string> = {
      version: PLATFORM_LINK_VERSION,
      replicationSubnetIds: 'subnet-0a,subnet-0b',
      replicationSecurityGroupId: 'sg-0123',
      accessLogsBucketName: 'logs',
      warehouseBucketName: 'warehouse',
      warehouseKeyArn: `arn:aws:kms:${dev.region}:${dev.account}:key/1`,
      domains: SOURCE_DATABASES.map((s) => s.name).join(','),
      revocationServiceToken: `arn:aws:lambda:${dev.region}:${dev.account}:function:revoke`,
      revocationRoleArn: `arn:aws:iam::${dev.account}:role/revoke`,
      alarmTopicArn: `arn:aws:sns:${dev.region}:${dev.account}:alarms`,
    };
    for (const key of Object.keys(values) as PlatformParameterKey[]) {
      const value = key in override ? override[key] : values[key];
      if (value === null || value === undefined) continue;
      await ssm.send(new PutParameterCommand({
        Name: platformParameterName(prefix, key),
        Value: value,
        Type: PLATFORM_PARAMETERS[key].list ? 'StringList' : 'String',
        Overwrite: true,
      }));
    }
  }

  beforeAll(async () => {
    moto = await startMotoServer();
    ssm = new SSMClient({ endpoint: moto.endpoint, region: dev.region, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  }, 60_000);

  afterAll(() => moto?.stop());

  test('before the platform: exit 1, one line saying to deploy the platform first', async () => {
    const result = await check(['--environment', 'dev']);
    expect(result.code).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      `no platform found in account ${dev.account}, ${dev.region}: none of its parameters exists under /cdc-lakehouse/dev/platform/; `
      + 'deploy the platform first: npx nx deploy platform -c dev',
    ]);
  });

  test('a source the deployed platform does not govern yet: named, and the platform first', async () => {
    await publish('dev', { domains: SOURCE_DATABASES[0].name });
    const result = await check(['--environment', 'dev']);
    expect(result.code).toBe(1);
    const ungoverned = SOURCE_DATABASES.slice(1).map((s) => s.name).join(', ');
    expect(result.stderr).toContain(`${ungoverned} `);
    expect(result.stderr).toMatch(/not yet governed by the platform .*; deploy the platform first: npx nx deploy platform -c dev\n$/);
  });

  test('an older platform, or one missing a parameter, is named too', async () => {
    await publish('dev', { version: '0' });
    const older = await check(['--environment', 'dev']);
    expect(older.code).toBe(1);
    expect(older.stderr).toContain(`publishes parameters version 0, this lakehouse needs ${PLATFORM_LINK_VERSION}; deploy the platform first`);

    await publish('prod', { alarmTopicArn: null });
    const incomplete = await check(['--environment', 'prod']);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr).toContain('is incomplete: /cdc-lakehouse/prod/platform/alarms/topic-arn missing; deploy the platform first: npx nx deploy platform -c prod');
  });

  test('the platform deployed: exit 0, and the environment-agnostic app reads /cdc-lakehouse/default', async () => {
    await publish('dev');
    const deployed = await check(['--environment', 'dev']);
    expect(deployed).toMatchObject({ code: 0, stderr: 'platform found under /cdc-lakehouse/dev/platform/\n' });

    const agnostic = await check([]);
    expect(agnostic.code).toBe(1);
    expect(agnostic.stderr).toContain('under /cdc-lakehouse/default/platform/; deploy the platform first: npx nx deploy platform\n');
  });

  test('without credentials the check steps aside (cdk deploy reports them in its own words); bad arguments exit 2', async () => {
    const skipped = await check(['--environment', 'dev'], false);
    expect(skipped.code).toBe(0);
    expect(skipped.stderr).toMatch(/^platform check skipped: .*credentials/i);

    const unknown = await check(['--environment', 'staging']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('lakehouse:environment: "staging" is not an environment; defined: dev, prod');
    expect((await check(['--env'])).code).toBe(2);
  });
});
