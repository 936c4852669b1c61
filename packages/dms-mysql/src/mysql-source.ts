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
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as dms from 'aws-cdk-lib/aws-dms';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { MysqlEngine, MysqlSourceProps } from './mysql-source-props';

/** DMS `engineName` of each MySQL-compatible engine (Aurora MySQL is `aurora` in DMS). */
export const MYSQL_ENGINE_NAMES: Readonly<Record<MysqlEngine, string>> = {
  'mysql': 'mysql',
  'mariadb': 'mariadb',
  'aurora-mysql': 'aurora',
};

const TIMEZONE = /^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/;

/**
 * A MySQL, MariaDB or Aurora MySQL server replicated by DMS Serverless into its raw zone: full
 * load, then ongoing changes read from the binary log.
 *
 * It creates the role DMS assumes to read the connection secret, the source endpoint (secret from
 * Secrets Manager, TLS required), the S3 target into the raw zone, the table mappings with the
 * change-sequence column, and the DMS Serverless replication with its alarms.
 *
 * In table mappings the "schema" is the MySQL database. The server must be prepared (see the
 * README): binary log on with `binlog_format=ROW`, `binlog_row_image=FULL`, `binlog_checksum=NONE`,
 * enough binlog retention, and a DMS user with `REPLICATION CLIENT`, `REPLICATION SLAVE` and SELECT.
 */
export class MysqlSource extends Construct {
  /** Name of the source. */
  public readonly sourceName: string;

  /** The engine of the source. */
  public readonly engine: MysqlEngine;

  /** The source endpoint (`AWS::DMS::Endpoint`, engine `mysql`, `mariadb` or `aurora`). */
  public readonly endpoint: dms.CfnEndpoint;

  /** The role DMS assumes to read the connection secret. */
  public readonly secretAccessRole: iam.IRole;

  /** The S3 target endpoint writing into the raw zone. */
  public readonly target: DmsS3Target;

  /** The table mappings of the replication ("schema" = MySQL database). */
  public readonly tableMappings: TableMappings;

  /** The DMS Serverless replication, with its alarms. */
  public readonly replication: DmsServerlessReplication;

  /** The account roles the replication waits for, when created in this app. */
  public readonly accountRoles?: DmsAccountRoles;

  /** The tables as declared (with their primary keys). */
  public readonly tables: SourceTable[];

  /** The TLS settings of the endpoint. */
  public readonly tls: ResolvedTls;

  constructor(scope: Construct, id: string, props: MysqlSourceProps) {
    super(scope, id);
    validateSourceName(props.sourceName, 'MysqlSource');
    const owner = `MysqlSource "${props.sourceName}"`;
    this.sourceName = props.sourceName;
    this.engine = props.engine ?? 'mysql';
    if (!Object.prototype.hasOwnProperty.call(MYSQL_ENGINE_NAMES, this.engine)) {
      throw new Error(`${owner}: engine "${this.engine}" is not supported; allowed values: ${Object.keys(MYSQL_ENGINE_NAMES).join(', ')}`);
    }
    const engineName = MYSQL_ENGINE_NAMES[this.engine];
    if (props.serverTimezone !== undefined && !TIMEZONE.test(props.serverTimezone)) {
      throw new Error(`${owner}: serverTimezone "${props.serverTimezone}" is invalid; use UTC or an Area/Location name such as "Europe/Paris"`);
    }
    this.tls = resolveTls(owner, props);

    const secretAccess = new DmsSecretAccessRole(this, 'SecretAccess', {
      secret: props.secret,
      secretKmsKeyArn: props.secretKmsKeyArn,
      owner,
    });
    this.secretAccessRole = secretAccess.role;

    this.endpoint = new dms.CfnEndpoint(this, 'Endpoint', {
      endpointType: 'source',
      engineName,
      sslMode: this.tls.sslMode,
      certificateArn: this.tls.certificateArn,
      mySqlSettings: {
        secretsManagerSecretId: secretAccess.secretId,
        secretsManagerAccessRoleArn: secretAccess.roleArn,
        serverTimezone: props.serverTimezone,
      },
    });
    // DMS can only use the endpoint once its role may read the secret.
    this.endpoint.node.addDependency(secretAccess.policy);

    const pipeline = new DmsSourcePipeline(this, 'Replication', {
      ...props,
      owner: 'MysqlSource',
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
