import { App, Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { GovernanceConfig, PLATFORM_CONFIG, PlatformConfig, governanceFromContext } from './config';
import { GovernanceStack } from './governance-stack';
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
   * Account and region of every stack.
   * @default - environment-agnostic
   */
  readonly env?: Environment;
  /**
   * Lake Formation admins, analyst and PII-reader principals, the per-query scan cutoff.
   * @default - from CDK context (`lakehouse:analystPrincipals` etc., see GOVERNANCE_CONTEXT_KEYS)
   */
  readonly governance?: GovernanceConfig;
}

/** The stacks of the lakehouse app. */
export interface LakehouseStacks {
  readonly platform: PlatformStack;
  readonly sources: SourceStack[];
  readonly governance: GovernanceStack;
}

/**
 * Composes the app: the platform stack, one stack per source database, the governance stack over all of
 * them, and the cdk-nag AwsSolutions checks (a policy-validation plugin: any unacknowledged finding fails synth).
 */
export function buildLakehouseApp(app: App, options: LakehouseAppOptions = {}): LakehouseStacks {
  const platform = new PlatformStack(app, 'CdcLakehousePlatform', {
    env: options.env,
    description: 'CDC lakehouse platform: network, access logs, DMS account roles, warehouse',
    config: options.config ?? PLATFORM_CONFIG,
  });
  const sources = addSourceStacks(app, platform, { env: options.env });
  const governance = new GovernanceStack(app, 'CdcLakehouseGovernance', {
    env: options.env,
    description: 'CDC lakehouse governance: Lake Formation settings, locations, LF-tags and grants; analysts\' roles and workgroups',
    platform,
    sources: sources.map((s) => s.governance),
    config: options.governance ?? governanceFromContext((key) => app.node.tryGetContext(key)),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { platform, sources, governance };
}
