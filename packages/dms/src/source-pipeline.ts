import { Duration } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { DmsAccountRoles } from './account-roles';
import { DmsS3Target } from './s3-target';
import { DmsServerlessReplication } from './serverless-replication';
import { DmsSourcePipelineProps } from './source-pipeline-props';
import { SourceTable } from './source-table';
import { TableMappings } from './table-mappings';

const COLUMN_PATTERN = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * Everything downstream of a source endpoint, shared by the engine constructs: the S3 target into
 * the raw zone, the table mappings (with the change-sequence column), the account roles (unless
 * told otherwise) and the DMS Serverless replication with its alarms.
 */
export class DmsSourcePipeline extends Construct {
  /** The S3 target endpoint writing into the raw zone. */
  public readonly target: DmsS3Target;

  /** The table mappings of the replication. */
  public readonly tableMappings: TableMappings;

  /** The DMS Serverless replication and its alarms. */
  public readonly replication: DmsServerlessReplication;

  /** The account roles the replication waits for, if created in this app. */
  public readonly accountRoles?: DmsAccountRoles;

  /** The tables as declared (with their primary keys). */
  public readonly tables: SourceTable[];

  constructor(scope: Construct, id: string, props: DmsSourcePipelineProps) {
    super(scope, id);
    const owner = `${props.owner ?? 'DmsSourcePipeline'} "${props.sourceName}"`;
    validateTables(owner, props.tables);
    this.tables = props.tables;

    this.target = new DmsS3Target(this, 'Target', {
      ...props.target,
      sourceName: props.sourceName,
      rawZone: props.rawZone,
    });

    try {
      this.tableMappings = TableMappings.fromTables(props.tables, props.exclude ?? []);
      this.tableMappings.render();
    } catch (e) {
      throw new Error(`${owner}: ${(e as Error).message}`);
    }

    const targetThreshold = props.alarms?.cdcTargetLatencyThreshold ?? Duration.minutes(15);
    if (targetThreshold.toSeconds() <= this.target.cdcMaxBatchInterval.toSeconds()) {
      throw new Error(
        `${owner}: alarms.cdcTargetLatencyThreshold (${targetThreshold.toHumanString()}) must exceed target.cdcMaxBatchInterval `
        + `(${this.target.cdcMaxBatchInterval.toHumanString()}): DMS holds changes that long before writing a file`,
      );
    }

    this.accountRoles = props.accountRoles
      ?? ((props.createAccountRoles ?? true) ? DmsAccountRoles.getOrCreate(this) : undefined);

    this.replication = new DmsServerlessReplication(this, 'Replication', {
      ...props.replication,
      sourceName: props.sourceName,
      network: props.network,
      sourceEndpointArn: props.sourceEndpoint.ref,
      targetEndpointArn: this.target.endpointArn,
      tableMappings: this.tableMappings,
      alarms: props.alarms,
      accountRoles: this.accountRoles,
    });
  }
}

function validateTables(owner: string, tables: SourceTable[]): void {
  if (!Array.isArray(tables) || tables.length === 0) {
    throw new Error(`${owner}: tables is empty; list at least one { schema, table } to replicate (% is a wildcard)`);
  }
  for (const t of tables) {
    if (t.primaryKey === undefined) {
      continue;
    }
    const name = `${t.schema}.${t.table}`;
    if (t.schema.includes('%') || t.table.includes('%')) {
      throw new Error(`${owner}: table ${name} is a pattern; a primaryKey can only be declared for one exact table`);
    }
    if (t.primaryKey.length === 0) {
      throw new Error(`${owner}: table ${name} has an empty primaryKey; list its key columns or leave primaryKey out`);
    }
    for (const column of t.primaryKey) {
      if (!COLUMN_PATTERN.test(column)) {
        throw new Error(`${owner}: table ${name} primaryKey column "${column}" is invalid; use letters, digits, _ and $`);
      }
    }
    if (new Set(t.primaryKey).size !== t.primaryKey.length) {
      throw new Error(`${owner}: table ${name} primaryKey lists a column twice (${t.primaryKey.join(', ')})`);
    }
  }
}
