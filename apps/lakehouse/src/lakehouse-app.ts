import { App, Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GovernanceConfig, PLATFORM_CONFIG, PlatformConfig, governanceFromContext } from './config';
import { applyRemoval, environmentEnv, mergeGovernance, selectEnvironment, sourceStackOptions } from './environment';
import type { LakehouseEnvironment } from './environments.generated';
import { OperationsStack } from './operations-stack';
import { PlatformStack } from './platform-stack';
import { SourceStack, addSourceStacks } from './sources.generated';

/** Options of {@link buildLakehouseApp}. */
export interface LakehouseAppOptions {
  /**
   * Sources and platform options.
   * @default PLATFORM_CONFIG (the sources in .projenrc.ts)
   */
  readonly config?: PlatformConfig;
  /**
   * The environment deployed to (see environments.generated.ts): account, region, removal, DMS capacity, curation
   * schedule, log retention, alarm e-mails and governance.
   * @default - the one CDK context `lakehouse:environment` names; none when it names none
   */
  readonly environment?: LakehouseEnvironment;
  /**
   * Account and region of every stack, when no environment is chosen (an environment sets its own).
   * @default - environment-agnostic
   */
  readonly env?: Environment;
  /**
   * Lake Formation admins, analyst and PII-reader principals, the per-query scan cutoff.
   * @default - the environment's, each field overridden by its CDK context key (`lakehouse:analystPrincipals` etc.,
   * see GOVERNANCE_CONTEXT_KEYS)
   */
  readonly governance?: GovernanceConfig;
}

/** The stacks of the lakehouse app, and the environment they were built for. */
export interface LakehouseStacks {
  readonly platform: PlatformStack;
  readonly sources: SourceStack[];
  readonly operations: OperationsStack;
  /** The environment chosen, if any. */
  readonly environment?: LakehouseEnvironment;
}

/**
 * Composes the app: the platform stack (with the shared governance: Lake Formation settings, tags, analysts), one stack
 * per source database (each with its own Lake Formation governance), the operations stack (dashboard, freshness alarms), and the cdk-nag AwsSolutions checks (a policy-validation plugin: any unacknowledged finding fails synth).
 * With an environment (option, or context `lakehouse:environment`), every stack gets its account and region and
 * the environment's settings.
 */
export function buildLakehouseApp(app: App, options: LakehouseAppOptions = {}): LakehouseStacks {
  const context = (key: string) => app.node.tryGetContext(key);
  const environment = options.environment ?? selectEnvironment(context);
  if (environment) applyRemoval(app, environment);
  const env = environment ? environmentEnv(environment) : options.env;
  const platform = new PlatformStack(app, 'CdcLakehousePlatform', {
    env,
    description: 'CDC lakehouse platform: network, access logs, DMS account roles, warehouse, Lake Formation settings and tags, analysts\' access',
    config: options.config ?? PLATFORM_CONFIG,
    governance: options.governance ?? mergeGovernance(environment, governanceFromContext(context)),
  });
  const sources = addSourceStacks(app, platform, { env, ...(environment ? sourceStackOptions(environment) : {}) });
  const operations = new OperationsStack(app, 'CdcLakehouseOperations', {
    env,
    description: 'CDC lakehouse operations: dashboard (replication, curation, freshness, Athena) and freshness alarms',
    sources: sources.map((s) => s.monitoring),
    workgroupNames: platform.workgroupNames,
    alarmEmails: environment?.alarmEmails,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { platform, sources, operations, environment };
}
