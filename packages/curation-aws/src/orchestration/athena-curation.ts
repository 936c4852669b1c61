import { CurationPlan, CurationSettingsProps, CurationSql, PartitionField } from '@cdc-lakehouse/curation';
import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { RawZone } from '@cdc-lakehouse/raw-zone';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { CurationEngine } from './curation-engine';
import { AthenaCurationWorkflow } from '../athena/athena-curation-workflow';
import { ScopedAthenaStartQueryExecution } from '../athena/scoped-athena-task';
import { CurationPartitionTransform, CurationTable, curatedTableName } from '../glue/job-spec';
import { curatedDatabaseName, validateSourceName } from '../private/names';
import { LakehouseWarehouse } from '../warehouse/lakehouse-warehouse';

/** Runs of one OPTIMIZE while Athena answers ICEBERG_OPTIMIZE_MORE_RUNS_NEEDED. */
const OPTIMIZE_RUNS = 5;

/** Properties of {@link AthenaCuration}. */
export interface AthenaCurationProps {
  /** The source. */
  readonly sourceName: string;
  /** The source's raw zone. */
  readonly rawZone: RawZone;
  /** The folder DMS writes into (the S3 target's `bucketFolder`, no trailing slash). */
  readonly rawPrefix: string;
  /** The warehouse; it must hold the source's curated database. */
  readonly warehouse: LakehouseWarehouse;
  /** The tables, as the source entry declares them (the generated `SOURCE.tables`). */
  readonly tables: readonly CurationTable[];
  /** Tables curated at once. @default 4 */
  readonly maxParallelTables?: number;
  /**
   * Curated tables (lowercase names) maintained with SQL after each curation: `OPTIMIZE … REWRITE DATA USING
   * BIN_PACK` (rerun while Athena asks for more runs) and `VACUUM`, from `CurationSql(plan, 'athena').maintenance()`.
   * @default none
   */
  readonly sqlMaintenance?: readonly string[];
}

/**
 * The Athena engine of one source, as a source entry asks for it: the `AthenaCurationWorkflow` (workgroup, raw
 * tables, runtime Lambda, per-table Map) fed from the entry's tables, and the SQL maintenance states of the tables
 * maintained with SQL. `engine()` plugs both into {@link SourceCuration}.
 */
export class AthenaCuration extends Construct {
  /** The per-table workflow (a state machine fragment). */
  public readonly workflow: AthenaCurationWorkflow;
  /** The maintenance states run after the workflow, when some table is maintained with SQL. */
  public readonly maintenance?: sfn.IChainable;
  /** The maintenance statements, in the order they run. */
  public readonly maintenanceStatements: readonly string[];

  private readonly props: AthenaCurationProps;

  constructor(scope: Construct, id: string, props: AthenaCurationProps) {
    super(scope, id);
    this.props = props;
    validateSourceName('sourceName', props.sourceName);
    const database = curatedDatabaseName(props.sourceName);
    const settings = props.tables.map((t) => athenaTableSettings(database, t));
    this.workflow = new AthenaCurationWorkflow(this, 'Workflow', {
      sourceName: props.sourceName,
      tables: settings,
      warehouse: props.warehouse,
      rawBucket: props.rawZone.bucket,
      rawPrefix: `${props.rawPrefix}/`,
      maxConcurrency: props.maxParallelTables,
    });
    const names = new Set(settings.map((s) => s.curated.table));
    for (const t of props.sqlMaintenance ?? []) {
      if (!names.has(t)) throw new Error(`sqlMaintenance: '${t}' is not a curated table of source '${props.sourceName}' (has: ${[...names].join(', ')})`);
    }
    this.maintenanceStatements = (props.sqlMaintenance ?? []).flatMap((t) => athenaMaintenanceStatements(database, t));
    if (this.maintenanceStatements.length > 0) this.maintenance = this.maintenanceStates();
  }

  /** The engine for {@link SourceCuration}: the workflow, then the SQL maintenance. */
  public engine(): CurationEngine {
    return CurationEngine.athena(this.workflow, { after: this.maintenance, grant: (grantee) => this.acknowledgeGrants(grantee) });
  }

  /** The wildcards `grantStatements` gives the state machine's role, each limited to this source. */
  private acknowledgeGrants(grantee: iam.IGrantable): void {
    const role = grantee.grantPrincipal;
    if (!(role instanceof iam.Role)) return;
    const { warehouse, rawZone, rawPrefix, sourceName } = this.props;
    const database = curatedDatabaseName(sourceName);
    const stack = Stack.of(this);
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    const reasons: [string, string][] = [
      [rawZone.bucket.arnForObjects(`${rawPrefix}/*`), 'Athena reads the change files DMS names itself, in this source\'s raw folder only; read-only.'],
      [warehouse.objectsArn(sourceName), `Iceberg names data and metadata files itself; limited to the folder of ${database}.`],
      [warehouse.bucket.arnForObjects(`${this.workflow.workgroup.resultsPrefix}*`), 'Athena names its result files itself, in the curation workgroup\'s results folder.'],
      [glueArn(`table/${database}/*`), `Curated tables are created at run time from the raw files' schema; limited to ${database}.`],
      [glueArn(`table/${this.workflow.rawTables.databaseName}/*`), 'The raw tables of this source, registered from its plans; read-only.'],
      [`${this.workflow.curationFunction.function.functionArn}:*`, 'Invoking the curation Lambda, any version (the Step Functions Lambda task grants this).'],
    ];
    for (const [arn, reason] of reasons) acknowledgeResource(role, 'AwsSolutions-IAM5', arn, reason);
  }

  /** A Map over the statements, one at a time, in the curation workgroup; OPTIMIZE reruns while Athena asks. */
  private maintenanceStates(): sfn.IChainable {
    const list = new sfn.Pass(this, 'Maintenance statements', {
      comment: 'OPTIMIZE and VACUUM of the tables maintained with SQL',
      result: sfn.Result.fromArray([...this.maintenanceStatements]),
      resultPath: '$.maintenance',
    });
    const map = new sfn.Map(this, 'Maintain tables', {
      comment: 'One statement at a time: never two writers on a table',
      itemsPath: '$.maintenance',
      maxConcurrency: 1,
      itemSelector: { 'statement.$': '$$.Map.Item.Value', 'run': 1 },
      resultPath: sfn.JsonPath.DISCARD,
    });
    const run = new ScopedAthenaStartQueryExecution(this, 'Run maintenance statement', {
      queryString: sfn.JsonPath.stringAt('$.statement'),
      workGroup: this.workflow.workgroup.workgroupName,
    });
    run.addRetry({ errors: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });
    const again = new sfn.Pass(this, 'Optimize again', {
      parameters: { 'statement.$': '$.statement', 'run.$': 'States.MathAdd($.run, 1)' },
    });
    const failed = new sfn.Fail(this, 'Maintenance failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    run.addCatch(new sfn.Choice(this, 'More runs needed?')
      .when(sfn.Condition.and(
        sfn.Condition.stringMatches('$.error.Cause', '*ICEBERG_OPTIMIZE_MORE_RUNS_NEEDED*'),
        sfn.Condition.numberLessThan('$.run', OPTIMIZE_RUNS),
      ), again.next(run))
      .otherwise(failed), { errors: ['States.ALL'], resultPath: '$.error' });
    map.itemProcessor(run);
    return list.next(map);
  }
}

/** The Athena maintenance of one curated table, as the curation package generates it (names only matter). */
export function athenaMaintenanceStatements(database: string, table: string): string[] {
  const plan = new CurationPlan({
    source: { schema: database, table },
    curated: { database, table },
    // the statements name the table only: a placeholder column satisfies the plan
    columns: [{ name: 'c', type: 'string' }],
    mode: 'append-only',
  });
  return new CurationSql(plan, 'athena').maintenance();
}

/** A source entry's table as the column-free plan settings the Athena workflow takes. */
export function athenaTableSettings(database: string, t: CurationTable): CurationSettingsProps {
  const primaryKey = [...(t.primaryKey ?? [])];
  return {
    source: { schema: t.schema, table: t.table },
    curated: { database, table: curatedTableName(t) },
    primaryKey,
    mode: t.mode ?? (primaryKey.length > 0 ? 'merge' : 'append-only'),
    deletes: t.deletes ?? 'hard',
    partitionBy: (t.partitionBy ?? []).map(partitionField),
  };
}

function partitionField(p: { readonly column: string; readonly transform: CurationPartitionTransform }): PartitionField {
  if (typeof p.transform === 'string') return { column: p.column, transform: p.transform };
  if ('bucket' in p.transform) return { column: p.column, transform: 'bucket', buckets: p.transform.bucket };
  return { column: p.column, transform: 'truncate', width: p.transform.truncate };
}
