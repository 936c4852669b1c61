import type { CurationSettingsProps } from '@cdc-lakehouse/curation';
import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { AthenaCurationFunction } from './curation-function';
import { CurationWorkgroup } from './curation-workgroup';
import { RawTables } from './raw-tables';
import type { AthenaTableTask } from './runtime/events';
import { ScopedAthenaStartQueryExecution } from './scoped-athena-task';
import { curatedDatabaseName } from '../private/names';
import { LakehouseWarehouse } from '../warehouse/lakehouse-warehouse';

/** Props of {@link AthenaCurationWorkflow}. */
export interface AthenaCurationWorkflowProps {
  /** The source's name, as in `.projenrc.ts`. */
  readonly sourceName: string;
  /** The tables: plan settings without columns (`curated.database` must be the source's curated database). */
  readonly tables: readonly CurationSettingsProps[];
  /** The warehouse (curated tables, watermarks, query results). */
  readonly warehouse: LakehouseWarehouse;
  /** The source's raw zone bucket. */
  readonly rawBucket: s3.IBucket;
  /**
   * The source's folder in the raw bucket: DMS writes `<prefix><schema>/<table>/`.
   * @default '' (the bucket root)
   */
  readonly rawPrefix?: string;
  /**
   * The workgroup the statements run in.
   * @default a new CurationWorkgroup `lakehouse-curation-<source>` in the warehouse
   */
  readonly workgroup?: CurationWorkgroup;
  /**
   * Tables curated at once (each table's statements always run one at a time: one writer per table).
   * @default 4
   */
  readonly maxConcurrency?: number;
  /**
   * Attempts of a statement failing with ICEBERG_COMMIT_ERROR (another writer committed first), with exponential backoff.
   * @default 6
   */
  readonly commitConflictAttempts?: number;
}

/** Backoff before each repeated attempt after ICEBERG_COMMIT_ERROR, in seconds. */
const COMMIT_CONFLICT_BACKOFF = [5, 10, 20, 40, 80, 160, 300, 300, 300, 300];

/**
 * Curates one source's tables with Athena, as a state machine fragment: a Map over the tables (bounded concurrency)
 * runs per table the `prepare` Lambda, then its statements one at a time with `athena:startQueryExecution.sync` in the
 * curation workgroup (a statement failing with ICEBERG_COMMIT_ERROR is tried again after a backoff), then the `commit`
 * Lambda that stores the watermark. A table's failure is recorded and the other tables go on; after the Map the
 * execution fails naming the failed tables. The fragment's result is at `$.athenaCuration`.
 */
export class AthenaCurationWorkflow extends sfn.StateMachineFragment {
  public readonly startState: sfn.State;
  public readonly endStates: sfn.INextable[];
  /** What the state machine knows of each table. */
  public readonly tasks: readonly AthenaTableTask[];
  /** The raw tables registered from the plans. */
  public readonly rawTables: RawTables;
  /** The prepare / commit Lambda. */
  public readonly curationFunction: AthenaCurationFunction;
  /** The workgroup. */
  public readonly workgroup: CurationWorkgroup;
  private readonly props: AthenaCurationWorkflowProps;

  constructor(scope: Construct, id: string, props: AthenaCurationWorkflowProps) {
    super(scope, id);
    this.props = props;
    const maxConcurrency = props.maxConcurrency ?? 4;
    if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > 40) {
      throw new Error(`maxConcurrency: ${maxConcurrency}; use 1-40 tables at once (each runs its statements one at a time)`);
    }
    const attempts = props.commitConflictAttempts ?? 6;
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > COMMIT_CONFLICT_BACKOFF.length) {
      throw new Error(`commitConflictAttempts: ${attempts}; use 1-${COMMIT_CONFLICT_BACKOFF.length}`);
    }
    if (props.tables.length === 0) throw new Error(`source '${props.sourceName}': list at least one table to curate with Athena`);
    const database = curatedDatabaseName(props.sourceName);
    props.warehouse.curatedDatabase(props.sourceName);
    const rawPrefix = props.rawPrefix ?? '';
    if (rawPrefix !== '' && !rawPrefix.endsWith('/')) throw new Error(`rawPrefix: '${rawPrefix}' must end with '/'`);
    const rawRoot = `s3://${props.rawBucket.bucketName}/${rawPrefix}`;
    this.rawTables = new RawTables(this, 'RawTables', { sourceName: props.sourceName, rawLocation: rawRoot, tables: props.tables });
    // named after the source: two sources in one stack get two workgroups
    this.workgroup = props.workgroup ?? new CurationWorkgroup(this, 'Workgroup', { warehouse: props.warehouse, workgroupName: `lakehouse-curation-${props.sourceName}` });
    this.curationFunction = new AthenaCurationFunction(this, 'Lambda', {
      sourceName: props.sourceName,
      warehouse: props.warehouse,
      rawBucket: props.rawBucket,
      rawPrefix,
      rawTables: this.rawTables,
      curatedDatabase: database,
    });
    this.tasks = props.tables.map((settings) => {
      if (settings.curated.database !== database) {
        throw new Error(`table ${settings.source.schema}.${settings.source.table}: curated.database is '${settings.curated.database}'; `
          + `source '${props.sourceName}' curates into '${database}'`);
      }
      const raw = this.rawTables.tables.get(`${settings.source.schema}.${settings.source.table}`)!;
      const table = settings.curated.table;
      return {
        name: `${database}.${table}`,
        settings: { ...settings, source: { ...settings.source, rawTable: { database: this.rawTables.databaseName, table: raw.tableName } } },
        rawLocation: raw.location,
        rawTable: { database: this.rawTables.databaseName, table: raw.tableName },
        curatedLocation: `${props.warehouse.locationOf(props.sourceName)}${table}/`,
        watermarkLocation: `s3://${props.warehouse.bucket.bucketName}/${this.curationFunction.watermarkPrefix}${table}.json`,
      };
    });

    const list = new sfn.Pass(this, 'Athena tables', {
      comment: `The tables of source ${props.sourceName}`,
      result: sfn.Result.fromArray(this.tasks as unknown as Record<string, unknown>[]),
      resultPath: '$.athenaCuration.tables',
    });
    const map = new sfn.Map(this, 'Curate each table', {
      comment: `At most ${maxConcurrency} tables at once`,
      itemsPath: '$.athenaCuration.tables',
      maxConcurrency,
      itemSelector: { 'table.$': '$$.Map.Item.Value' },
      resultPath: '$.athenaCuration.results',
    });
    map.itemProcessor(this.perTable(attempts));
    const failures = new sfn.Pass(this, 'Failed tables', {
      parameters: { 'failed.$': '$.athenaCuration.results[?(@.failed == true)].table', 'results.$': '$.athenaCuration.results' },
      resultPath: '$.athenaCuration',
    });
    const failedMessage = new sfn.Pass(this, 'Name failed tables', {
      parameters: { 'cause.$': "States.Format('Athena curation failed for table(s) {}; see each table\\'s error in the results', States.JsonToString($.athenaCuration.failed))" },
      resultPath: '$.athenaCuration.failure',
    });
    const fail = new sfn.Fail(this, 'Some tables failed', { error: 'AthenaCurationFailed', causePath: '$.athenaCuration.failure.cause' });
    const done = new sfn.Pass(this, 'All tables curated');
    list.next(map).next(failures).next(new sfn.Choice(this, 'Any table failed?')
      .when(sfn.Condition.isPresent('$.athenaCuration.failed[0]'), failedMessage.next(fail))
      .otherwise(done));
    this.startState = list;
    this.endStates = [done];
  }

  /** Prepare → statements one at a time → commit, for the table in `$.table`; any failure becomes `{ table, failed: true, error }`. */
  private perTable(attempts: number): sfn.IChainable {
    const lambdaFn = this.curationFunction.function;
    const recordFailure = new sfn.Pass(this, 'Record table failure', {
      parameters: { 'table.$': '$.table.name', 'failed': true, 'error.$': '$.error' },
    });
    const prepare = new tasks.LambdaInvoke(this, 'Prepare table', {
      lambdaFunction: lambdaFn,
      payload: sfn.TaskInput.fromObject({ 'action': 'prepare', 'table.$': '$.table' }),
      payloadResponseOnly: true,
      resultPath: '$.batch',
    });
    const statements = new sfn.Map(this, 'Run statements in order', {
      comment: 'One statement at a time: one writer per Iceberg table',
      itemsPath: '$.batch.statements',
      maxConcurrency: 1,
      itemSelector: { 'statement.$': '$$.Map.Item.Value', 'attempt': 0 },
      resultPath: sfn.JsonPath.DISCARD,
    });
    statements.itemProcessor(this.statement(attempts));
    const commit = new tasks.LambdaInvoke(this, 'Commit watermark', {
      lambdaFunction: lambdaFn,
      payload: sfn.TaskInput.fromObject({ 'action': 'commit', 'table.$': '$.table', 'batch.$': '$.batch' }),
      payloadResponseOnly: true,
      resultPath: sfn.JsonPath.DISCARD,
    });
    const succeeded = new sfn.Pass(this, 'Record table result', {
      parameters: { 'table.$': '$.table.name', 'failed': false, 'kind.$': '$.batch.kind', 'filesApplied.$': '$.batch.filesApplied' },
    });
    for (const lambdaTask of [prepare, commit]) {
      lambdaTask.addRetry({
        errors: ['Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException'],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
      });
    }
    for (const state of [prepare, statements, commit]) state.addCatch(recordFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    return sfn.Chain.start(prepare).next(statements).next(commit).next(succeeded);
  }

  /** One statement with startQueryExecution.sync; ICEBERG_COMMIT_ERROR → wait (exponential backoff) → again. */
  private statement(attempts: number): sfn.IChainable {
    const run = new ScopedAthenaStartQueryExecution(this, 'Run statement', {
      queryString: sfn.JsonPath.stringAt('$.statement'),
      workGroup: this.workgroup.workgroupName,
    });
    run.addRetry({ errors: ['Athena.TooManyRequestsException', 'Athena.InternalServerException'], interval: Duration.seconds(5), maxAttempts: 4, backoffRate: 2 });
    const backoff = new sfn.Pass(this, 'Back off after commit conflict', {
      parameters: {
        'statement.$': '$.statement',
        'attempt.$': 'States.MathAdd($.attempt, 1)',
        'waitSeconds.$': `States.ArrayGetItem(States.Array(${COMMIT_CONFLICT_BACKOFF.join(', ')}), $.attempt)`,
      },
    });
    const wait = new sfn.Wait(this, 'Wait for the other writer', { time: sfn.WaitTime.secondsPath('$.waitSeconds') });
    const rethrow = new sfn.Fail(this, 'Statement failed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    const conflict = new sfn.Choice(this, 'ICEBERG_COMMIT_ERROR?')
      .when(sfn.Condition.and(
        sfn.Condition.stringMatches('$.error.Cause', '*ICEBERG_COMMIT_ERROR*'),
        sfn.Condition.numberLessThan('$.attempt', attempts - 1),
      ), backoff.next(wait).next(run))
      .otherwise(rethrow);
    run.addCatch(conflict, { errors: ['States.ALL'], resultPath: '$.error' });
    return run;
  }

  /**
   * Grants the state machine role what `.sync` Athena needs beyond the CDK's generated policy — and the data access
   * its statements need — scoped to this source. Called by whoever builds the state machine:
   * `workflow.grantStatements(stateMachine)` (the task itself only carries the Athena actions: see
   * {@link ScopedAthenaStartQueryExecution}).
   */
  public grantStatements(grantee: iam.IGrantable): iam.Grant {
    const stack = Stack.of(this);
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    const curated = curatedDatabaseName(this.props.sourceName);
    const queries = this.workgroup.grantQueries(grantee);
    const warehouse = this.props.warehouse.grantReadWrite(grantee, this.props.sourceName);
    const catalog = iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartitions'],
      resourceArns: this.rawTables.catalogArns(),
    });
    const curatedDdl = iam.Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables', 'glue:CreateTable', 'glue:UpdateTable'],
      resourceArns: [glueArn('catalog'), glueArn(`database/${curated}`), glueArn(`table/${curated}/*`)],
    });
    const rawPrefix = this.props.rawPrefix ?? '';
    const rawList = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [this.props.rawBucket.bucketArn] })
      .combine(iam.Grant.addToPrincipal({
        grantee, actions: ['s3:ListBucket'], resourceArns: [this.props.rawBucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${rawPrefix}*`] } },
      }));
    const rawRead = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetObject'], resourceArns: [this.props.rawBucket.arnForObjects(`${rawPrefix}*`)] });
    let grant = queries.combine(warehouse).combine(catalog).combine(curatedDdl).combine(rawList).combine(rawRead);
    if (this.props.rawBucket.encryptionKey) {
      grant = grant.combine(iam.Grant.addToPrincipal({
        grantee,
        actions: ['kms:Decrypt'],
        resourceArns: [this.props.rawBucket.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }));
    }
    this.acknowledgeGrants(grantee, rawPrefix, curated);
    return grant;
  }

  private acknowledgeGrants(grantee: iam.IGrantable, rawPrefix: string, curated: string): void {
    const principal = grantee.grantPrincipal;
    if (!(principal instanceof Construct)) return;
    const stack = Stack.of(this);
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    const reasons: [string, string][] = [
      [this.props.rawBucket.arnForObjects(`${rawPrefix}*`), 'Athena reads the change files DMS names itself; read-only, within this source\'s raw folder.'],
      [this.props.warehouse.objectsArn(this.props.sourceName), `Iceberg names data and metadata files itself; only the folder of ${curated}.`],
      [this.props.warehouse.bucket.arnForObjects(`${this.workgroup.resultsPrefix}*`), 'Athena names each query\'s result files; only the curation results folder.'],
      [glueArn(`table/${curated}/*`), `Athena creates and commits the curated tables at run time; only ${curated}.`],
      [glueArn(`table/${this.rawTables.databaseName}/*`), `Athena reads the raw tables of this source; read-only, only ${this.rawTables.databaseName}.`],
      [`${this.curationFunction.function.functionArn}:*`, 'The LambdaInvoke task may call any version of the curation function (CDK default).'],
      ['*', 'lakeformation:GetDataAccess has no resource-level permissions; Athena needs it to read tables Lake Formation governs.'],
    ];
    for (const [arn, reason] of reasons) acknowledgeResource(principal, 'AwsSolutions-IAM5', arn, reason);
  }
}
