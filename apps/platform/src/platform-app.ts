import {
  GovernanceConfig, LakehouseEnvironment, PLATFORM_CONFIG, PlatformConfig, applyRemoval, environmentEnv, governanceFromContext, mergeGovernance,
  selectEnvironment,
} from '@cdc-lakehouse/app-config';
import { App, Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PlatformStack } from './platform-stack';

/** Options of {@link buildPlatformApp}. */
export interface PlatformAppOptions {
  /**
   * Sources and platform options.
   * @default PLATFORM_CONFIG (the sources in .projenrc.ts)
   */
  readonly config?: PlatformConfig;
  /**
   * The environment deployed to: account, region, removal, alarm e-mails and governance.
   * @default - the one CDK context `lakehouse:environment` names; none when it names none
   */
  readonly environment?: LakehouseEnvironment;
  /**
   * Account and region of the stack, when no environment is chosen (an environment sets its own).
   * @default - environment-agnostic
   */
  readonly env?: Environment;
  /**
   * Lake Formation admins, analyst and PII-reader principals, the per-query scan cutoff.
   * @default - the environment's, each field overridden by its CDK context key (`lakehouse:analystPrincipals` etc.)
   */
  readonly governance?: GovernanceConfig;
}

/** The platform app's stack, and the environment it was built for. */
export interface PlatformApp {
  readonly platform: PlatformStack;
  /** The environment chosen, if any. */
  readonly environment?: LakehouseEnvironment;
}

/**
 * Composes the platform app: one stack, `CdcLakehousePlatform` (network, access logs, DMS account roles, warehouse,
 * Lake Formation settings and tags, analysts' access, alarm topic, and the SSM parameters the lakehouse app reads),
 * checked by cdk-nag's AwsSolutions rules (any unacknowledged finding fails synth). With an environment (option, or
 * context `lakehouse:environment`), the stack gets its account, region and settings, and publishes under its name.
 */
export function buildPlatformApp(app: App, options: PlatformAppOptions = {}): PlatformApp {
  const context = (key: string) => app.node.tryGetContext(key);
  const environment = options.environment ?? selectEnvironment(context);
  if (environment) applyRemoval(app, environment);
  const platform = new PlatformStack(app, 'CdcLakehousePlatform', {
    env: environment ? environmentEnv(environment) : options.env,
    description: 'CDC lakehouse platform: network, access logs, DMS account roles, warehouse, Lake Formation settings and tags, '
      + 'analysts\' access, alarm topic',
    config: options.config ?? PLATFORM_CONFIG,
    governance: options.governance ?? mergeGovernance(environment, governanceFromContext(context)),
    environmentName: environment?.name,
    alarmEmails: environment?.alarmEmails,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { platform, environment };
}
