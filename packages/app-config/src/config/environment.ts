import { REMOVE_DATA_ON_DESTROY_CONTEXT } from '@cdc-lakehouse/raw-zone';
import { App, Environment, StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { GovernanceConfig } from './config';
import { ENVIRONMENTS, ENVIRONMENTS_DEFINED_IN, LakehouseEnvironment } from './environments.generated';

/** What every source stack of the lakehouse app takes from its environment, besides where the platform is. */
export interface SourceStackOptions extends StackProps {
  /** DMS Serverless capacity of the replication. */
  readonly replication?: { readonly minCapacityUnits?: number; readonly maxCapacityUnits?: number };
  /** Replaces the source's curation schedule. */
  readonly curationSchedule?: string;
  /** Retention of the curation logs. */
  readonly logRetention?: RetentionDays;
  /** Subscribed to the source's alarm topic. */
  readonly alarmEmails?: string[];
}

/** The CDK context key that chooses an environment: `cdk synth -c lakehouse:environment=dev`, or `npx nx synth platform -c dev`. */
export const ENVIRONMENT_CONTEXT_KEY = 'lakehouse:environment';

/**
 * The environment the context names (`lakehouse:environment`), or undefined when it names none (the app is then
 * environment-agnostic). An unknown name throws one line listing the defined ones and where they are defined.
 */
export function selectEnvironment(
  context: (key: string) => unknown,
  environments: readonly LakehouseEnvironment[] = ENVIRONMENTS,
): LakehouseEnvironment | undefined {
  const value = context(ENVIRONMENT_CONTEXT_KEY);
  if (value === undefined || value === '') return undefined;
  const environment = environments.find((e) => e.name === String(value));
  if (!environment) {
    const names = environments.map((e) => e.name).join(', ');
    throw new Error(`${ENVIRONMENT_CONTEXT_KEY}: "${String(value)}" is not an environment; `
      + `${names ? `defined: ${names}` : 'none is defined'} (in ${ENVIRONMENTS_DEFINED_IN})`);
  }
  return environment;
}

/** Account and region of every stack in the environment. */
export function environmentEnv(environment: LakehouseEnvironment): Environment {
  return { account: environment.account, region: environment.region };
}

/** What the environment sets on each source stack: DMS capacity, the curation schedule, log retention, alarm e-mails. */
export function sourceStackOptions(environment: LakehouseEnvironment): SourceStackOptions {
  return {
    replication: environment.dms ? { ...environment.dms } : undefined,
    curationSchedule: environment.curationSchedule,
    // RetentionDays' values are the days themselves; .projenrc.ts allows only values CloudWatch Logs accepts
    logRetention: environment.logRetentionDays as RetentionDays | undefined,
    alarmEmails: environment.alarmEmails ? [...environment.alarmEmails] : undefined,
  };
}

/**
 * Sets the raw zone's removal flag ({@link REMOVE_DATA_ON_DESTROY_CONTEXT}) from the environment's `removal`, unless
 * the context already sets it (`-c @cdc-lakehouse/raw-zone:removeDataOnDestroy=…` wins). One flag decides for the raw
 * zones, the access logs, the warehouse and the analysts' results. Call before the app has any child.
 */
export function applyRemoval(app: App, environment: LakehouseEnvironment): void {
  if (app.node.tryGetContext(REMOVE_DATA_ON_DESTROY_CONTEXT) !== undefined) return;
  if (app.node.children.length > 0) {
    throw new Error(`environment "${environment.name}": its removal must be set before the app has stacks; build the app from a new App`);
  }
  app.node.setContext(REMOVE_DATA_ON_DESTROY_CONTEXT, environment.removal === 'destroy');
}

/** The environment's governance settings, each overridden by its `lakehouse:*` context key when that is set. */
export function mergeGovernance(environment: LakehouseEnvironment | undefined, fromContext: GovernanceConfig): GovernanceConfig {
  const declared = environment?.governance ?? {};
  const list = (value: readonly string[] | undefined) => (value ? [...value] : undefined);
  return {
    lakeFormationAdmins: fromContext.lakeFormationAdmins ?? list(declared.lakeFormationAdmins),
    analystPrincipals: fromContext.analystPrincipals ?? list(declared.analystPrincipals),
    piiReaderPrincipals: fromContext.piiReaderPrincipals ?? list(declared.piiReaderPrincipals),
    bytesScannedCutoffPerQuery: fromContext.bytesScannedCutoffPerQuery ?? declared.bytesScannedCutoffPerQuery,
  };
}
