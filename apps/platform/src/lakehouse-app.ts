import { App, Environment, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PLATFORM_CONFIG, PlatformConfig } from './config';
import { PlatformStack } from './platform-stack';
import { addSourceStacks } from './sources.generated';

/** Options of {@link buildLakehouseApp}. */
export interface LakehouseAppOptions {
  /**
   * Sources and platform options.
   * @default PLATFORM_CONFIG (the sources in .projenrc.ts)
   */
  readonly config?: PlatformConfig;
  /**
   * Account and region of every stack.
   * @default - environment-agnostic
   */
  readonly env?: Environment;
}

/** The stacks of the lakehouse app. */
export interface LakehouseStacks {
  readonly platform: PlatformStack;
  readonly sources: Stack[];
}

/**
 * Composes the app: the platform stack, one stack per source database, and the cdk-nag
 * AwsSolutions checks (a policy-validation plugin: any unacknowledged finding fails synth).
 */
export function buildLakehouseApp(app: App, options: LakehouseAppOptions = {}): LakehouseStacks {
  const platform = new PlatformStack(app, 'CdcLakehousePlatform', {
    env: options.env,
    description: 'CDC lakehouse platform: network, access logs, DMS account roles, warehouse',
    config: options.config ?? PLATFORM_CONFIG,
  });
  const sources = addSourceStacks(app, platform, { env: options.env });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { platform, sources };
}
