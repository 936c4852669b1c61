// Runs before every `cdk deploy` of the lakehouse app (its Nx `deploy` target): stops with one line saying to deploy
// the platform first when the platform's SSM parameters are missing, older, or do not govern every source.
//   node lib/check-platform.js [--environment <name>]
import { SSMClient } from '@aws-sdk/client-ssm';
import { ENVIRONMENTS, PLATFORM_CONFIG, selectEnvironment } from '@cdc-lakehouse/app-config';
import { checkPlatform, platformParameterPrefix } from '@cdc-lakehouse/platform-link';

// the SDK's multi-line notice that its releases after early January 2027 need Node 22 would bury the one line this
// prints (the lockfile pins the SDK; the README's toolchain notes carry the notice); the SDK reads this switch
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** Errors of the SDK meaning "no credentials or region here": the CDK's deploy reports those in its own words. */
const NO_CREDENTIALS = new Set(['CredentialsProviderError', 'ProviderError']);

/** The options on the command line: `--environment <name>` or nothing. */
export function parseArguments(argv: readonly string[]): { environment?: string } {
  if (argv.length === 0) return {};
  if (argv.length === 2 && argv[0] === '--environment' && argv[1] !== '') return { environment: argv[1] };
  throw new Error(`check-platform: unexpected arguments "${argv.join(' ')}"; usage: check-platform [--environment <name>]`);
}

/** Checks the platform of the environment (or the default one); returns the exit code after printing one line. */
export async function main(argv: readonly string[], client?: SSMClient): Promise<number> {
  const args = parseArguments(argv);
  const environment = selectEnvironment((key) => (key === 'lakehouse:environment' ? args.environment : undefined), ENVIRONMENTS);
  const region = environment?.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const ssm = client ?? new SSMClient(region ? { region } : {});
  const prefix = platformParameterPrefix(environment?.name);
  try {
    const result = await checkPlatform(ssm, {
      prefix,
      sourceNames: PLATFORM_CONFIG.sources.map((s) => s.name),
      deployCommand: `npx nx deploy platform${environment ? ` -c ${environment.name}` : ''}`,
      where: environment ? `account ${environment.account}, ${environment.region}` : region,
    });
    if (!result.ok) {
      process.stderr.write(`${result.message}\n`);
      return 1;
    }
    process.stderr.write(`platform found under ${prefix}/\n`);
    return 0;
  } catch (error) {
    const name = (error as Error).name;
    if (NO_CREDENTIALS.has(name) || /region is missing/i.test((error as Error).message)) {
      // the check cannot run; cdk deploy, next, stops with its own message about credentials or region
      process.stderr.write(`platform check skipped: ${(error as Error).message.split('\n')[0]}\n`);
      return 0;
    }
    process.stderr.write(`platform check failed: ${name}: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (error: Error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  });
}
