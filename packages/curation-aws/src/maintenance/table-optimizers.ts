import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { curatedDatabaseName, validateSourceName } from '../private/names';
import { LakehouseWarehouse } from '../warehouse/lakehouse-warehouse';

/** The three kinds of Glue table optimizer for Iceberg tables. */
export const TABLE_OPTIMIZER_TYPES = ['compaction', 'retention', 'orphan_file_deletion'] as const;
/** A Glue table optimizer type. */
export type TableOptimizerType = typeof TABLE_OPTIMIZER_TYPES[number];

/** How the optimizers come into being. */
export type TableOptimizerDeployment = 'state-machine' | 'cloudformation';

/** Properties of {@link TableOptimizers}. */
export interface TableOptimizersProps {
  /** The source whose curated tables are optimized. */
  readonly sourceName: string;
  /** The warehouse holding the tables (`curated_<source>` and its folder). */
  readonly warehouse: LakehouseWarehouse;
  /** Curated table names (lowercase, in `curated_<source>`). */
  readonly tables: readonly string[];
  /**
   * `state-machine`: the curation state machine creates (or updates) the optimizers after each curation, once the
   * engine has created the tables: Glue refuses an optimizer for a table that is not in the catalog yet, and curated
   * tables are created at run time. `cloudformation`: one `AWS::Glue::TableOptimizer` per table and type, for tables
   * that already exist when the stack deploys.
   * @default 'state-machine'
   */
  readonly deployment?: TableOptimizerDeployment;
  /** Snapshots older than this many days are expired. @default 5 */
  readonly snapshotRetentionDays?: number;
  /** Snapshots kept whatever their age. @default 1 */
  readonly snapshotsToRetain?: number;
  /** Files no snapshot references are deleted after this many days. @default 3 */
  readonly orphanFileRetentionDays?: number;
}

/** S3 and catalog actions of each optimizer type: compaction and retention commit, orphan deletion only deletes. */
const ACCESS: Record<TableOptimizerType, { s3: string[]; glue: string[]; kms: string[]; logGroup: string }> = {
  // compaction writes the rewritten files, commits, and removes its own output when a commit conflicts
  compaction: {
    s3: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    glue: ['glue:GetTable', 'glue:UpdateTable'],
    kms: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    logGroup: '/aws-glue/iceberg-compaction/logs',
  },
  // snapshot expiry writes new metadata, commits, and deletes the files only expired snapshots referenced
  retention: {
    s3: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
    glue: ['glue:GetTable', 'glue:UpdateTable'],
    kms: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
    logGroup: '/aws-glue/iceberg-retention/logs',
  },
  // orphan deletion reads the metadata and deletes files it does not reference; it never commits
  orphan_file_deletion: {
    s3: ['s3:GetObject', 's3:DeleteObject'],
    glue: ['glue:GetTable'],
    kms: ['kms:Decrypt'],
    logGroup: '/aws-glue/iceberg-orphan-file-deletion/logs',
  },
};

/**
 * Glue's managed Iceberg maintenance for a source's curated tables: compaction (bin-pack), snapshot expiry
 * (retention, cleaning expired files) and orphan-file deletion, one optimizer per table and type, each type with a
 * role of its own that reaches only the listed tables' catalog entries and folders, the warehouse key through S3,
 * and its type's log group.
 *
 * The optimizers and the curation engine write the same tables, so they never hold a lock on them: each commit is an
 * optimistic Glue `UpdateTable` on the table version, and the loser of a race retries (Iceberg's commit retries in
 * Spark, the Athena workflow's retry on `ICEBERG_COMMIT_ERROR`), or, for compaction, gives the run up and tries again
 * at its next evaluation. Orphan deletion only removes files older than `orphanFileRetentionDays`, far longer than a
 * curation run, so files a running MERGE has written but not yet committed are never taken.
 */
export class TableOptimizers extends Construct {
  /** The role of each optimizer type. */
  public readonly roles: Readonly<Record<TableOptimizerType, iam.Role>>;
  /** The `AWS::Glue::TableOptimizer` resources (deployment `cloudformation` only), by `<table>/<type>`. */
  public readonly resources: Readonly<Record<string, glue.CfnTableOptimizer>>;
  /** `state-machine` or `cloudformation`. */
  public readonly deployment: TableOptimizerDeployment;
  /** The curated database. */
  public readonly databaseName: string;
  /** The tables. */
  public readonly tables: readonly string[];
  private readonly settings: { snapshotRetentionDays: number; snapshotsToRetain: number; orphanFileRetentionDays: number };
  private readonly tableArns: string[];

  constructor(scope: Construct, id: string, props: TableOptimizersProps) {
    super(scope, id);
    validateSourceName('sourceName', props.sourceName);
    if (props.tables.length === 0) throw new Error(`source '${props.sourceName}': TableOptimizers needs at least one table`);
    for (const t of props.tables) {
      if (!/^[a-z][a-z0-9_]*$/.test(t)) throw new Error(`TableOptimizers: '${t}' is not a curated table name (lowercase letters, digits, _)`);
    }
    props.warehouse.curatedDatabase(props.sourceName);
    this.settings = {
      snapshotRetentionDays: whole('snapshotRetentionDays', props.snapshotRetentionDays ?? 5, 1),
      snapshotsToRetain: whole('snapshotsToRetain', props.snapshotsToRetain ?? 1, 1),
      orphanFileRetentionDays: whole('orphanFileRetentionDays', props.orphanFileRetentionDays ?? 3, 1),
    };
    this.deployment = props.deployment ?? 'state-machine';
    this.databaseName = curatedDatabaseName(props.sourceName);
    this.tables = [...props.tables];
    const stack = Stack.of(this);
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    this.tableArns = this.tables.map((t) => glueArn(`table/${this.databaseName}/${t}`));
    const catalogArns = [glueArn('catalog'), glueArn(`database/${this.databaseName}`), ...this.tableArns];

    const roles = {} as Record<TableOptimizerType, iam.Role>;
    for (const type of TABLE_OPTIMIZER_TYPES) {
      const access = ACCESS[type];
      const role = new iam.Role(this, `${pascal(type)}Role`, {
        assumedBy: new iam.ServicePrincipal('glue.amazonaws.com', { conditions: { StringEquals: { 'aws:SourceAccount': stack.account } } }),
        description: `Glue ${type} table optimizer of ${this.databaseName}: ${this.tables.join(', ')}`,
      });
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: access.glue, resources: catalogArns }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: ['s3:ListBucket'],
        resources: [props.warehouse.bucket.bucketArn],
        conditions: { StringLike: { 's3:prefix': this.tables.map((t) => `${this.databaseName}/${t}/*`) } },
      }));
      const objects = this.tables.map((t) => props.warehouse.bucket.arnForObjects(`${this.databaseName}/${t}/*`));
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: access.s3, resources: objects }));
      role.addToPrincipalPolicy(new iam.PolicyStatement({
        actions: access.kms,
        resources: [props.warehouse.encryptionKey.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `s3.${stack.region}.amazonaws.com` } },
      }));
      const logs = `arn:${stack.partition}:logs:${stack.region}:${stack.account}:log-group:${access.logGroup}:*`;
      role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logs] }));
      for (const o of objects) {
        acknowledgeResource(role, 'AwsSolutions-IAM5', o, `Iceberg names data and metadata files itself; limited to the folder of one curated table (${type}).`);
      }
      acknowledgeResource(role, 'AwsSolutions-IAM5', logs, `Glue writes ${type} run logs to streams it names in this fixed log group.`);
      roles[type] = role;
    }
    this.roles = roles;

    const resources: Record<string, glue.CfnTableOptimizer> = {};
    if (this.deployment === 'cloudformation') {
      for (const table of this.tables) {
        for (const type of TABLE_OPTIMIZER_TYPES) {
          resources[`${table}/${type}`] = new glue.CfnTableOptimizer(this, `${pascal(table)}${pascal(type)}`, {
            catalogId: stack.account,
            databaseName: this.databaseName,
            tableName: table,
            type,
            tableOptimizerConfiguration: this.configuration(type, 'cfn') as unknown as glue.CfnTableOptimizer.TableOptimizerConfigurationProperty,
          });
        }
      }
    }
    this.resources = resources;
  }

  /**
   * The configuration of one optimizer type, in CloudFormation's spelling (`cfn`, camelCase for the L1) or the
   * Glue API's (`api`, for a Step Functions SDK task).
   */
  public configuration(type: TableOptimizerType, spelling: 'cfn' | 'api'): Record<string, unknown> {
    const s = this.settings;
    const body: Record<string, unknown> = { RoleArn: this.roles[type].roleArn, Enabled: true };
    if (type === 'compaction') body.CompactionConfiguration = { IcebergConfiguration: { Strategy: 'binpack' } };
    if (type === 'retention') {
      body.RetentionConfiguration = {
        IcebergConfiguration: {
          SnapshotRetentionPeriodInDays: s.snapshotRetentionDays,
          NumberOfSnapshotsToRetain: s.snapshotsToRetain,
          CleanExpiredFiles: true,
        },
      };
    }
    if (type === 'orphan_file_deletion') {
      body.OrphanFileDeletionConfiguration = { IcebergConfiguration: { OrphanFileRetentionPeriodInDays: s.orphanFileRetentionDays } };
    }
    return spelling === 'api' ? body : camel(body) as Record<string, unknown>;
  }

  /**
   * States that create every optimizer of every table, or update it when it exists (so a changed setting
   * converges): a Map over the tables, one branch per type. For deployment `state-machine`; the
   * state machine's role gets `glue:Create/UpdateTableOptimizer` on the tables and `iam:PassRole` on the three roles.
   */
  public ensureStates(scope: Construct, id: string): sfn.IChainable {
    const container = new Construct(scope, id);
    const stack = Stack.of(this);
    const map = new sfn.Map(container, 'Ensure table optimizers', {
      comment: `Create or update the Glue table optimizers of ${this.databaseName} (tables exist once curated)`,
      itemsPath: sfn.JsonPath.stringAt('$.optimizerTables'),
      maxConcurrency: 1,
      resultPath: sfn.JsonPath.DISCARD,
    });
    const perType = new sfn.Parallel(container, 'Each optimizer type', { resultPath: sfn.JsonPath.DISCARD });
    for (const type of TABLE_OPTIMIZER_TYPES) {
      const request = {
        'CatalogId': stack.account,
        'DatabaseName': this.databaseName,
        'TableName.$': '$.table',
        'Type': type,
        'TableOptimizerConfiguration': this.configuration(type, 'api'),
      };
      const create = new tasks.CallAwsService(container, `Create ${type} optimizer`, {
        service: 'glue',
        action: 'createTableOptimizer',
        parameters: request,
        iamAction: 'glue:CreateTableOptimizer',
        iamResources: this.tableArns,
        resultPath: sfn.JsonPath.DISCARD,
      });
      const update = new tasks.CallAwsService(container, `Update ${type} optimizer`, {
        service: 'glue',
        action: 'updateTableOptimizer',
        parameters: request,
        iamAction: 'glue:UpdateTableOptimizer',
        iamResources: this.tableArns,
        resultPath: sfn.JsonPath.DISCARD,
      });
      for (const task of [create, update]) task.addRetry({ errors: ['Glue.ThrottlingException', 'Glue.InternalServiceException'], maxAttempts: 3, backoffRate: 2 });
      create.addCatch(update, { errors: ['Glue.AlreadyExistsException'], resultPath: sfn.JsonPath.DISCARD });
      perType.branch(create);
    }
    map.itemProcessor(perType);
    const list = new sfn.Pass(container, 'Optimized tables', {
      result: sfn.Result.fromArray(this.tables.map((table) => ({ table }))),
      resultPath: '$.optimizerTables',
    });
    return list.next(map);
  }

  /** Lets `grantee` (the curation state machine's role) hand the optimizer roles to Glue. */
  public grantPassRoles(grantee: iam.IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['iam:PassRole'],
      resources: TABLE_OPTIMIZER_TYPES.map((t) => this.roles[t].roleArn),
      conditions: { StringEquals: { 'iam:PassedToService': 'glue.amazonaws.com' } },
    }));
  }
}

function whole(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) throw new Error(`TableOptimizers: ${name} must be a whole number ≥ ${min} (got ${value})`);
  return value;
}

function pascal(name: string): string {
  return name.split(/[_-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
}

/** PascalCase keys (the Glue API's) to camelCase (the CloudFormation L1's). */
function camel(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(camel);
  if (value && typeof value === 'object' && !isToken(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), camel(v)]));
  }
  return value;
}

function isToken(value: object): boolean {
  return Object.getPrototypeOf(value) !== Object.prototype;
}
