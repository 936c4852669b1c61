import { GetParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { PLATFORM_LINK_VERSION, PLATFORM_PARAMETERS, PlatformParameterKey, platformParameterName } from '../parameters/names';

/** What {@link checkPlatform} checks a deployed platform against. */
export interface PlatformExpectation {
  /** The path the platform's parameters are under (`platformParameterPrefix`). */
  readonly prefix: string;
  /** The sources about to be deployed: each must be a `lakehouse:domain` value of the platform. */
  readonly sourceNames: readonly string[];
  /** The command that deploys the platform, named in the message, e.g. `npx nx deploy platform -c dev`. */
  readonly deployCommand: string;
  /** Where, for the message, e.g. `account 111111111111, eu-west-1`. */
  readonly where?: string;
}

/** The outcome: ok, or one line saying what is missing and to deploy the platform first. */
export type PlatformCheck = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** GetParameters takes at most this many names per call. */
const NAMES_PER_CALL = 10;

/**
 * Checks that the platform a lakehouse is about to be deployed on is there: every parameter it publishes exists, its
 * contract version is this one, and it governs every source being deployed. Read-only (`ssm:GetParameters`).
 * Errors other than a missing parameter (credentials, throttling, access denied) are thrown to the caller.
 */
export async function checkPlatform(client: SSMClient, expected: PlatformExpectation): Promise<PlatformCheck> {
  const keys = Object.keys(PLATFORM_PARAMETERS) as PlatformParameterKey[];
  const names = keys.map((k) => platformParameterName(expected.prefix, k));
  const values = new Map<string, string>();
  const missing: string[] = [];
  for (let i = 0; i < names.length; i += NAMES_PER_CALL) {
    const out = await client.send(new GetParametersCommand({ Names: names.slice(i, i + NAMES_PER_CALL) }));
    for (const p of out.Parameters ?? []) if (p.Name !== undefined && p.Value !== undefined) values.set(p.Name, p.Value);
    missing.push(...(out.InvalidParameters ?? []));
  }
  const where = expected.where ? ` in ${expected.where}` : '';
  const first = `deploy the platform first: ${expected.deployCommand}`;
  if (missing.length === names.length) {
    return { ok: false, message: `no platform found${where}: none of its parameters exists under ${expected.prefix}/; ${first}` };
  }
  if (missing.length > 0) {
    return { ok: false, message: `the platform${where} is incomplete: ${missing.sort().join(', ')} missing; ${first}` };
  }
  const version = values.get(platformParameterName(expected.prefix, 'version'));
  if (version !== PLATFORM_LINK_VERSION) {
    return { ok: false, message: `the platform${where} publishes parameters version ${version}, this lakehouse needs ${PLATFORM_LINK_VERSION}; ${first}` };
  }
  const domains = (values.get(platformParameterName(expected.prefix, 'domains')) ?? '').split(',');
  const ungoverned = expected.sourceNames.filter((s) => !domains.includes(s));
  if (ungoverned.length > 0) {
    return {
      ok: false,
      message: `source${ungoverned.length > 1 ? 's' : ''} ${ungoverned.join(', ')} ${ungoverned.length > 1 ? 'are' : 'is'} not yet governed by the platform${where} `
        + `(its lakehouse:domain values: ${domains.join(', ')}); ${first}`,
    };
  }
  return { ok: true };
}
