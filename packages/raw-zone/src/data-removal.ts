import { Annotations, RemovalPolicy } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Context flag that lets `cdk destroy` delete raw-zone data: set it to `true` (for example
 * `cdk deploy -c @cdc-lakehouse/raw-zone:removeDataOnDestroy=true`) and buckets and keys get
 * `RemovalPolicy.DESTROY`, buckets emptied on deletion. Absent or `false`: everything is retained.
 */
export const REMOVE_DATA_ON_DESTROY_CONTEXT = '@cdc-lakehouse/raw-zone:removeDataOnDestroy';

/** ID of the warning added while data is retained on destroy. */
export const DATA_RETAINED_WARNING_ID = '@cdc-lakehouse/raw-zone:dataRetained';

/** What the removal flag decides for the data-bearing resources seen from a scope. */
export interface DataRemoval {
  /** `DESTROY` when the flag is `true`, otherwise `RETAIN`. */
  readonly removalPolicy: RemovalPolicy;
  /** The flag is `true`: buckets are emptied and deleted, keys scheduled for deletion. */
  readonly removeData: boolean;
  /** The flag is set at all (to `true` or `false`); unset means retain, with a warning. */
  readonly flagSet: boolean;
}

/**
 * Reads {@link REMOVE_DATA_ON_DESTROY_CONTEXT} as seen from `scope`. One flag decides for every
 * data-bearing resource of the lakehouse (raw zones, access logs, the curated warehouse).
 */
export function dataRemoval(scope: IConstruct): DataRemoval {
  const value: unknown = scope.node.tryGetContext(REMOVE_DATA_ON_DESTROY_CONTEXT);
  // `-c key=value` on the command line always yields a string
  if (value === true || value === 'true') {
    return { removalPolicy: RemovalPolicy.DESTROY, removeData: true, flagSet: true };
  }
  if (value === undefined || value === false || value === 'false') {
    return { removalPolicy: RemovalPolicy.RETAIN, removeData: false, flagSet: value !== undefined };
  }
  throw new Error(`Context ${REMOVE_DATA_ON_DESTROY_CONTEXT}: '${String(value)}' is not allowed; allowed values are true and false`);
}

/** Warns on `scope` that `what` survives `cdk destroy`, and how to change that. */
export function warnDataRetained(scope: IConstruct, what: string): void {
  Annotations.of(scope).addWarningV2(DATA_RETAINED_WARNING_ID,
    `${what} will be retained when the stack is destroyed (RemovalPolicy.RETAIN). To allow deleting it, `
    + `set the context flag ${REMOVE_DATA_ON_DESTROY_CONTEXT}=true (e.g. cdk deploy -c ${REMOVE_DATA_ON_DESTROY_CONTEXT}=true); `
    + 'set it to false to keep the data and silence this warning.');
}
