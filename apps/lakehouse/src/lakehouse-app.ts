import {
  GovernanceConfig, LakehouseEnvironment, PLATFORM_CONFIG, PlatformConfig, applyRemoval, environmentEnv, governanceFromContext, mergeGovernance,
  selectEnvironment, sourceStackOptions, validateConfig,
} from '@cdc-lakehouse/app-config';
import { ANALYSTS_WORKGROUP_NAME, PII_READERS_WORKGROUP_NAME } from '@cdc-lakehouse/governance';
import { PlatformParameters } from '@cdc-lakehouse/platform-link';
import { App, Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { OperationsStack } from './operations-stack';
import { SourceStack, addSourceStacks } from './sources.generated';

/** Options of {@link buildLakehouseApp}. */
export interface LakehouseAppOptions {
  /**
   * Sources and platform options (the Lake Formation domains and the raw buckets' name prefix).
   * @default PLATFORM_CONFIG (the sources in .projenrc.ts)
   */
  readonly config?: PlatformConfig;
  /**
   * The environment deployed to: account, region, removal, DMS capacity, curation schedule, log retention, alarm
   * e-mails; it also names the platform read (`/cdc-lakehouse/<name>/platform`).
   * @default - the one CDK context `lakehouse:environment` names; none when it names none
   */
  readonly environment?: LakehouseEnvironment;
  /**
   * Account and region of every stack, when no environment is chosen (an environment sets its own).
   * @default - environment-agnostic
   */
  readonly env?: Environment;
  /**
   * Governance settings, here only to know which analysts' workgroups the dashboard graphs (the platform owns them).
   * @default - the environment's, each field overridden by its CDK context key
   */
  readonly governance?: GovernanceConfig;
}

/** The stacks of the lakehouse app, and the environment they were built for. */
export interface LakehouseStacks {
  readonly sources: SourceStack[];
  readonly operations: OperationsStack;
  /** Where the source stacks find the platform. */
  readonly platformLink: PlatformParameters;
  /** The environment chosen, if any. */
  readonly environment?: LakehouseEnvironment;
}

/** The analysts' workgroups the platform creates for these governance settings. */
export function analystWorkgroupNames(governance: GovernanceConfig): string[] {
  return [ANALYSTS_WORKGROUP_NAME, ...((governance.piiReaderPrincipals ?? []).length > 0 ? [PII_READERS_WORKGROUP_NAME] : [])];
}

/**
 * Composes the lakehouse app: one stack per source database (raw zone, replication, curation, its curated database
 * and its Lake Formation governance), each importing the platform's pieces from the SSM parameters the platform app
 * publishes, and the operations stack (dashboard, freshness alarms on the platform's alarm topic); cdk-nag's
 * AwsSolutions checks run on every stack. With an environment (option, or context `lakehouse:environment`), every
 * stack gets its account, region and settings, and reads that environment's platform.
 */
export function buildLakehouseApp(app: App, options: LakehouseAppOptions = {}): LakehouseStacks {
  const context = (key: string) => app.node.tryGetContext(key);
  const environment = options.environment ?? selectEnvironment(context);
  if (environment) applyRemoval(app, environment);
  const env = environment ? environmentEnv(environment) : options.env;
  const config = options.config ?? PLATFORM_CONFIG;
  validateConfig(config);
  const platform = new PlatformParameters({
    environmentName: environment?.name,
    domains: config.sources.map((s) => s.name),
    bucketNamePrefix: config.bucketNamePrefix,
  });
  const sources = addSourceStacks(app, platform, { env, ...(environment ? sourceStackOptions(environment) : {}) });
  const governance = options.governance ?? mergeGovernance(environment, governanceFromContext(context));
  const operations = new OperationsStack(app, 'CdcLakehouseOperations', {
    env,
    description: 'CDC lakehouse operations: dashboard (replication, curation, freshness, Athena) and freshness alarms',
    sources: sources.map((s) => s.monitoring),
    workgroupNames: analystWorkgroupNames(governance),
    platform,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { sources, operations, platformLink: platform, environment };
}
