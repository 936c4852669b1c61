import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { PLATFORM_LINK_VERSION, PLATFORM_PARAMETERS, checkPlatform, platformParameterName } from '../src';

const PREFIX = '/cdc-lakehouse/dev/platform';
const ssm = mockClient(SSMClient);
const expected = { prefix: PREFIX, sourceNames: ['orders', 'billing'], deployCommand: 'npx nx deploy platform -c dev', where: 'account 111111111111, eu-west-1' };

/** Answers GetParameters from `values` (name → value), reporting the others as invalid, like SSM. */
function answerFrom(values: Record<string, string>): void {
  ssm.on(GetParametersCommand).callsFake((input: { Names: string[] }) => ({
    Parameters: input.Names.filter((n) => n in values).map((n) => ({ Name: n, Value: values[n] })),
    InvalidParameters: input.Names.filter((n) => !(n in values)),
  }));
}

function published(override: Record<string, string | undefined> = {}): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of Object.keys(PLATFORM_PARAMETERS) as (keyof typeof PLATFORM_PARAMETERS)[]) {
    values[platformParameterName(PREFIX, key)] = key === 'version' ? PLATFORM_LINK_VERSION : key === 'domains' ? 'orders,billing' : `value-of-${key}`;
  }
  for (const [name, value] of Object.entries(override)) {
    if (value === undefined) delete values[`${PREFIX}/${name}`];
    else values[`${PREFIX}/${name}`] = value;
  }
  return values;
}

beforeEach(() => ssm.reset());

describe('checkPlatform', () => {
  test('asks for the names ten at a time (GetParameters\' limit), and passes a complete platform', async () => {
    answerFrom(published());
    expect(await checkPlatform(new SSMClient({}), expected)).toEqual({ ok: true });
    const calls = ssm.commandCalls(GetParametersCommand).map((c) => c.args[0].input.Names!.length);
    expect(calls.every((n) => n <= 10)).toBe(true);
    expect(calls.reduce((a, b) => a + b, 0)).toBe(Object.keys(PLATFORM_PARAMETERS).length);
  });

  test.each([
    ['nothing published', () => ({}), /^no platform found in account 111111111111, eu-west-1: none of its parameters exists under \/cdc-lakehouse\/dev\/platform\/; deploy the platform first: npx nx deploy platform -c dev$/],
    ['one parameter missing', () => published({ 'warehouse/key-arn': undefined }), /is incomplete: \/cdc-lakehouse\/dev\/platform\/warehouse\/key-arn missing; deploy the platform first/],
    ['an older contract', () => published({ version: '0' }), /publishes parameters version 0, this lakehouse needs 1; deploy the platform first/],
    ['a source not governed', () => published({ 'lake-formation/domains': 'orders' }), /^source billing is not yet governed by the platform .*\(its lakehouse:domain values: orders\); deploy the platform first/],
  ])('%s: one line, saying to deploy the platform first', async (_name, values, message) => {
    answerFrom(values());
    const result = await checkPlatform(new SSMClient({}), expected);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.message).toMatch(message);
  });

  test('other errors (access denied, throttling) are the caller\'s: thrown, not taken for a missing platform', async () => {
    ssm.on(GetParametersCommand).rejects(Object.assign(new Error('User is not authorized to perform: ssm:GetParameters'), { name: 'AccessDeniedException' }));
    await expect(checkPlatform(new SSMClient({}), expected)).rejects.toThrow(/not authorized/);
  });
});
