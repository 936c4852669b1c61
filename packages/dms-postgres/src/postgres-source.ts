import {
  DmsAccountRoles,
  DmsS3Target,
  DmsSecretAccessRole,
  DmsServerlessReplication,
  DmsSourcePipeline,
  ResolvedTls,
  resolveTls,
  SourceTable,
  TableMappings,
  validateSourceName,
} from '@cdc-lakehouse/dms';
import { Duration, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dms from 'aws-cdk-lib/aws-dms';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PostgresPlugin, PostgresSourceProps } from './postgres-source-props';

const PLUGINS: readonly PostgresPlugin[] = ['test-decoding', 'pglogical'];
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
const SLOT_NAME = /^[a-z0-9_]{1,63}$/;
const DATABASE_NAME = /^[A-Za-z0-9_$-]{1,63}$/;

/**
 * A PostgreSQL database (self-managed, RDS or Aurora PostgreSQL) replicated by DMS Serverless into
 * its raw zone: full load, then ongoing changes through logical decoding.
 *
 * It creates the role DMS assumes to read the connection secret, the source endpoint (secret from
 * Secrets Manager, TLS required, `test_decoding` or `pglogical`, heartbeat on, no DDL capture
 * objects, LOB truncation failing the task), the S3 target into the raw zone, the table mappings
 * with the change-sequence column, and the DMS Serverless replication with its alarms.
 *
 * The source must be prepared (see the README): `wal_level=logical` (RDS:
 * `rds.logical_replication=1`), enough replication slots and WAL senders, a DMS user with
 * replication rights, and `REPLICA IDENTITY FULL` on tables without a primary key.
 */
export class PostgresSource extends Construct {
  /** Name of the source. */
  public readonly sourceName: string;

  /** The source endpoint (`AWS::DMS::Endpoint`, engine `postgres`). */
  public readonly endpoint: dms.CfnEndpoint;

  /** The role DMS assumes to read the connection secret. */
  public readonly secretAccessRole: iam.IRole;

  /** The S3 target endpoint writing into the raw zone. */
  public readonly target: DmsS3Target;

  /** The table mappings of the replication. */
  public readonly tableMappings: TableMappings;

  /** The DMS Serverless replication, with its alarms. */
  public readonly replication: DmsServerlessReplication;

  /** The account roles the replication waits for, when created in this app. */
  public readonly accountRoles?: DmsAccountRoles;

  /** The tables as declared (with their primary keys). */
  public readonly tables: SourceTable[];

  /** The TLS settings of the endpoint. */
  public readonly tls: ResolvedTls;

  constructor(scope: Construct, id: string, props: PostgresSourceProps) {
    super(scope, id);
    validateSourceName(props.sourceName, 'PostgresSource');
    const owner = `PostgresSource "${props.sourceName}"`;
    this.sourceName = props.sourceName;
    this.tls = resolveTls(owner, props);
    const settings = postgresSettings(owner, props);
    if (!Token.isUnresolved(props.databaseName) && !DATABASE_NAME.test(props.databaseName ?? '')) {
      throw new Error(`${owner}: databaseName "${props.databaseName}" is invalid; use 1-63 letters, digits, _, $ and -`);
    }

    const secretAccess = new DmsSecretAccessRole(this, 'SecretAccess', {
      secret: props.secret,
      secretKmsKeyArn: props.secretKmsKeyArn,
      owner,
    });
    this.secretAccessRole = secretAccess.role;

    this.endpoint = new dms.CfnEndpoint(this, 'Endpoint', {
      endpointType: 'source',
      engineName: 'postgres',
      databaseName: props.databaseName,
      sslMode: this.tls.sslMode,
      certificateArn: this.tls.certificateArn,
      postgreSqlSettings: {
        secretsManagerSecretId: secretAccess.secretId,
        secretsManagerAccessRoleArn: secretAccess.roleArn,
        ...settings,
        // Limited LOB mode would otherwise cut text/json values longer than maxLobSize without a word.
        failTasksOnLobTruncation: true,
      },
    });
    // DMS can only use the endpoint once its role may read the secret.
    this.endpoint.node.addDependency(secretAccess.policy);

    const pipeline = new DmsSourcePipeline(this, 'Replication', {
      ...props,
      owner: 'PostgresSource',
      sourceEndpoint: this.endpoint,
    });
    this.target = pipeline.target;
    this.tableMappings = pipeline.tableMappings;
    this.replication = pipeline.replication;
    this.accountRoles = pipeline.accountRoles;
    this.tables = pipeline.tables;
  }

  /** The alarms of the replication: CDC source latency, CDC target latency, failure. */
  public get alarms(): cloudwatch.IAlarm[] {
    return this.replication.alarms;
  }

  /** Route every alarm of this source, e.g. `source.addAlarmAction(new SnsAction(topic))`. */
  public addAlarmAction(...actions: cloudwatch.IAlarmAction[]): void {
    this.replication.addAlarmAction(...actions);
  }
}

function postgresSettings(owner: string, props: PostgresSourceProps): dms.CfnEndpoint.PostgreSqlSettingsProperty {
  const pluginName = props.pluginName ?? 'test-decoding';
  if (!PLUGINS.includes(pluginName)) {
    const hint = String(pluginName) === 'pgoutput' ? ' (pgoutput is not a DMS plugin value)' : '';
    throw new Error(`${owner}: pluginName "${pluginName}" is not supported${hint}; allowed values: ${PLUGINS.join(', ')}`);
  }
  if (props.slotName !== undefined && !SLOT_NAME.test(props.slotName)) {
    throw new Error(`${owner}: slotName "${props.slotName}" is invalid; a replication slot name is 1-63 lowercase letters, digits and _`);
  }

  const captureDdls = props.captureDdls ?? false;
  if (props.ddlArtifactsSchema !== undefined) {
    if (!captureDdls) {
      throw new Error(`${owner}: ddlArtifactsSchema is only used with captureDdls: true`);
    }
    validateIdentifier(owner, 'ddlArtifactsSchema', props.ddlArtifactsSchema);
  }

  const heartbeatEnable = props.heartbeatEnable ?? true;
  if (!heartbeatEnable && (props.heartbeatFrequency !== undefined || props.heartbeatSchema !== undefined)) {
    throw new Error(`${owner}: heartbeatFrequency and heartbeatSchema need heartbeatEnable: true`);
  }
  let heartbeat: dms.CfnEndpoint.PostgreSqlSettingsProperty = { heartbeatEnable: false };
  if (heartbeatEnable) {
    const heartbeatSchema = props.heartbeatSchema ?? 'public';
    validateIdentifier(owner, 'heartbeatSchema', heartbeatSchema);
    heartbeat = {
      heartbeatEnable: true,
      heartbeatFrequency: heartbeatMinutes(owner, props.heartbeatFrequency ?? Duration.minutes(5)),
      heartbeatSchema,
    };
  }

  return {
    pluginName,
    ...heartbeat,
    captureDdls,
    ddlArtifactsSchema: props.ddlArtifactsSchema,
    slotName: props.slotName,
  };
}

function heartbeatMinutes(owner: string, frequency: Duration): number {
  let minutes: number;
  try {
    minutes = frequency.toMinutes();
  } catch {
    throw new Error(`${owner}: heartbeatFrequency must be a whole number of minutes (got ${frequency.toHumanString()})`);
  }
  if (minutes < 1) {
    throw new Error(`${owner}: heartbeatFrequency must be at least 1 minute (got ${frequency.toHumanString()})`);
  }
  return minutes;
}

function validateIdentifier(owner: string, prop: string, value: string): void {
  if (!IDENTIFIER.test(value)) {
    throw new Error(`${owner}: ${prop} "${value}" is invalid; use a PostgreSQL identifier (letters, digits, _ and $, at most 63)`);
  }
}
