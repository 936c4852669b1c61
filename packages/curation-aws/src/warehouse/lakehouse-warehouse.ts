import { AccessLogsBucket, dataRemoval, warnDataRetained } from '@cdc-lakehouse/raw-zone';
import { Duration, Stack, Token } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { LakehouseWarehouseAttributes, LakehouseWarehouseProps } from './lakehouse-warehouse-props';
import { curatedDatabaseName } from '../private/names';

const BUCKET_NAME = /^[a-z0-9](?:[a-z0-9-]{1,61}[a-z0-9])$/;
const KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** Glue Data Catalog actions that read curated tables (Iceberg keeps no Glue partitions). */
const CATALOG_READ_ACTIONS = ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'];
/** Catalog actions an Iceberg writer needs: create a table once, then commit by updating its metadata pointer. */
const CATALOG_WRITE_ACTIONS = [...CATALOG_READ_ACTIONS, 'glue:CreateTable', 'glue:UpdateTable'];

/** Marks the props of an imported warehouse; module-private, so only `fromAttributes` can set it. */
const IMPORTED = Symbol('LakehouseWarehouse.imported');

/** Props as `fromAttributes` passes them to the constructor. */
interface InternalProps extends LakehouseWarehouseProps {
  readonly [IMPORTED]?: LakehouseWarehouseAttributes;
}

/**
 * The lakehouse warehouse: one S3 bucket holding every curated Iceberg table, encrypted with a
 * customer-managed KMS key of its own (rotated), versioned, TLS-only, never public, with server
 * access logs; and one Glue database per source, `curated_<source>`, located in the bucket under
 * `curated_<source>/`, so Iceberg's Glue catalog puts each table at `curated_<source>/<table>/`.
 *
 * Bucket, key and databases are retained on stack deletion unless the raw zone's context flag
 * `@cdc-lakehouse/raw-zone:removeDataOnDestroy` is `true` (one flag for all lakehouse data).
 *
 * A stack of another app reaches the same warehouse through {@link LakehouseWarehouse.fromAttributes}:
 * the bucket and key are imported, the source's curated database is created in the importing stack.
 */
export class LakehouseWarehouse extends Construct {
  /**
   * Imports a warehouse deployed elsewhere (e.g. by the platform app) from its bucket name and key
   * ARN, so that a stack of another app can curate into it. Nothing of the warehouse itself is
   * created: no bucket, no key, no access-log bucket. `addSource()` still creates the curated Glue
   * database of a source, here, located in the imported bucket; grants work as on a created warehouse.
   *
   * @param scope the importing construct: the curated databases go under it
   * @param id ID of the imported warehouse
   * @param attrs the bucket name, the key ARN and the sources to create curated databases for
   */
  public static fromAttributes(scope: Construct, id: string, attrs: LakehouseWarehouseAttributes): LakehouseWarehouse {
    const props: InternalProps = { sourceNames: attrs.sourceNames, [IMPORTED]: attrs };
    return new LakehouseWarehouse(scope, id, props);
  }

  /** The warehouse bucket: created, or imported by name. */
  public readonly bucket: s3.IBucket;
  /** The key encrypting the warehouse bucket: created, or imported by ARN. */
  public readonly encryptionKey: kms.IKey;
  /** The bucket receiving the warehouse bucket's server access logs; undefined for an imported warehouse. */
  public readonly serverAccessLogsBucket?: s3.IBucket;
  /** Whether bucket, key and databases (of an imported warehouse: its databases) are deleted with the stack (the context flag is `true`). */
  public readonly removeDataOnDestroy: boolean;
  private readonly databases = new Map<string, glue.Database>();

  constructor(scope: Construct, id: string, props: LakehouseWarehouseProps = {}) {
    super(scope, id);
    const imported = (props as InternalProps)[IMPORTED];
    if (imported) validateAttributes(imported);
    else validateProps(props);
    const removal = dataRemoval(this);
    this.removeDataOnDestroy = removal.removeData;
    if (imported) {
      this.encryptionKey = kms.Key.fromKeyArn(this, 'Key', imported.encryptionKeyArn);
      this.bucket = s3.Bucket.fromBucketAttributes(this, 'Bucket', { bucketName: imported.bucketName, encryptionKey: this.encryptionKey });
    } else {
      this.serverAccessLogsBucket = props.serverAccessLogsBucket ?? new AccessLogsBucket(this, 'AccessLogs').bucket;
      this.encryptionKey = new kms.Key(this, 'Key', {
        description: 'Encrypts the lakehouse warehouse (curated Iceberg tables)',
        enableKeyRotation: true,
        removalPolicy: removal.removalPolicy,
        pendingWindow: removal.removeData ? Duration.days(7) : undefined,
      });
      this.bucket = this.createBucket(props, this.encryptionKey, this.serverAccessLogsBucket);
    }

    for (const name of props.sourceNames ?? []) this.addSource(name);
    // an imported warehouse has no bucket or key here; its databases alone are no reason to warn
    if (!imported && !removal.flagSet) warnDataRetained(this, 'The lakehouse warehouse (bucket, KMS key and curated databases)');
  }

  /** The warehouse root, `s3://<bucket>/`: Iceberg's `warehouse` setting. */
  public get warehouseUri(): string {
    return `s3://${this.bucket.bucketName}/`;
  }

  /** Sources with a curated database here, in the order they were added. */
  public get sourceNames(): string[] {
    return [...this.databases.keys()];
  }

  /**
   * Adds the curated database of a source, `curated_<source>` (hyphens become underscores), located at
   * `s3://<bucket>/curated_<source>/`. Adding a source twice returns the existing database.
   *
   * @param sourceName the source's name as in `.projenrc.ts`, e.g. `orders`
   */
  public addSource(sourceName: string): glue.Database {
    const existing = this.databases.get(sourceName);
    if (existing) return existing;
    const databaseName = curatedDatabaseName(sourceName);
    const database = new glue.Database(this, `Database-${sourceName}`, {
      databaseName,
      locationUri: `s3://${this.bucket.bucketName}/${databaseName}/`,
      description: `Curated Iceberg tables of source ${sourceName}, written by its Glue curation job`,
    });
    const cfn = database.node.defaultChild as glue.CfnDatabase;
    cfn.applyRemovalPolicy(dataRemoval(this).removalPolicy);
    // new tables get no IAMAllowedPrincipals grant: Lake Formation grants (the governance package) decide who reads them
    cfn.addPropertyOverride('DatabaseInput.CreateTableDefaultPermissions', []);
    this.databases.set(sourceName, database);
    return database;
  }

  /**
   * The curated database of a source.
   *
   * @throws if the warehouse has no database for the source
   */
  public curatedDatabase(sourceName: string): glue.Database {
    const database = this.databases.get(sourceName);
    if (!database) {
      const known = this.sourceNames.length ? this.sourceNames.join(', ') : 'none';
      throw new Error(`warehouse ${this.node.path} has no curated database for source '${sourceName}' (has: ${known}); list it in sourceNames or call addSource('${sourceName}')`);
    }
    return database;
  }

  /** The S3 folder of a source's curated tables, `s3://<bucket>/curated_<source>/`. */
  public locationOf(sourceName: string): string {
    return this.curatedDatabase(sourceName).locationUri!;
  }

  /**
   * Lets `grantee` (analysts' roles, Athena) read curated tables: list and read their files, have S3
   * decrypt them with the warehouse key, and read their catalog entries.
   *
   * @param grantee the reader
   * @param sourceName only this source's database and folder; default every database the warehouse has at the time of the call
   */
  public grantRead(grantee: iam.IGrantable, sourceName?: string): iam.Grant {
    return this.grant(grantee, sourceName, false);
  }

  /**
   * Lets `grantee` (a curation job) read and write curated tables: objects of the database's folder
   * (Iceberg writes new files, snapshot expiry deletes old ones), encryption with the warehouse key
   * through S3, and the catalog actions an Iceberg writer needs (create a table, commit to it).
   *
   * @param grantee the writer
   * @param sourceName only this source's database and folder; default every database the warehouse has at the time of the call
   */
  public grantReadWrite(grantee: iam.IGrantable, sourceName?: string): iam.Grant {
    return this.grant(grantee, sourceName, true);
  }

  /** The object ARNs a grant for `sourceName` covers, e.g. `<bucket ARN>/curated_orders/*`. */
  public objectsArn(sourceName?: string): string {
    return this.bucket.arnForObjects(sourceName === undefined ? '*' : `${curatedDatabaseName(sourceName)}/*`);
  }

  /** The catalog ARNs a grant for `sourceName` covers: the catalog, the database(s) and their tables (`table/<db>/*`). */
  public catalogArns(sourceName?: string): string[] {
    // literal names, not the database's Ref: no cross-stack export, and cdk-nag findings name the database
    const names = (sourceName === undefined ? this.sourceNames : [sourceName]).map((s) => {
      this.curatedDatabase(s);
      return curatedDatabaseName(s);
    });
    const stack = Stack.of(this);
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    return [glueArn('catalog'), ...names.map((n) => glueArn(`database/${n}`)), ...names.map((n) => glueArn(`table/${n}/*`))];
  }

  private grant(grantee: iam.IGrantable, sourceName: string | undefined, write: boolean): iam.Grant {
    if (sourceName !== undefined) this.curatedDatabase(sourceName);
    // GetBucketLocation carries no s3:prefix, so a prefix condition on it would deny it: separate statements
    const location = iam.Grant.addToPrincipal({ grantee, actions: ['s3:GetBucketLocation'], resourceArns: [this.bucket.bucketArn] });
    const listing = iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:ListBucket'],
      resourceArns: [this.bucket.bucketArn],
      conditions: sourceName === undefined ? undefined : { StringLike: { 's3:prefix': [`${curatedDatabaseName(sourceName)}/*`] } },
    });
    const objects = iam.Grant.addToPrincipal({
      grantee,
      actions: write ? ['s3:GetObject', 's3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'] : ['s3:GetObject'],
      resourceArns: [this.objectsArn(sourceName)],
    });
    const key = iam.Grant.addToPrincipal({
      grantee,
      actions: write ? ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'] : ['kms:Decrypt'],
      resourceArns: [this.encryptionKey.keyArn],
      // usable only through S3, so the key cannot encrypt or decrypt anything else for the grantee
      conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
    });
    const catalog = iam.Grant.addToPrincipal({
      grantee,
      actions: write ? CATALOG_WRITE_ACTIONS : CATALOG_READ_ACTIONS,
      resourceArns: this.catalogArns(sourceName),
    });
    return location.combine(listing).combine(objects).combine(key).combine(catalog);
  }

  private createBucket(props: LakehouseWarehouseProps, encryptionKey: kms.IKey, serverAccessLogsBucket: s3.IBucket): s3.Bucket {
    const removal = dataRemoval(this);
    return new s3.Bucket(this, 'Bucket', {
      bucketName: props.bucketName,
      encryption: s3.BucketEncryption.KMS,
      encryptionKey,
      // one data key per bucket rather than per object: Iceberg writes many small metadata files
      bucketKeyEnabled: true,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket,
      serverAccessLogsPrefix: 'warehouse/',
      // no expiry of current objects: Iceberg decides which files are live, a lifecycle rule would corrupt tables
      lifecycleRules: [{
        id: 'noncurrent-versions-and-uploads',
        noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(30),
        abortIncompleteMultipartUploadAfter: props.abortIncompleteMultipartUploadAfter ?? Duration.days(3),
      }],
      removalPolicy: removal.removalPolicy,
      autoDeleteObjects: removal.removeData,
    });
  }
}

function validateProps(props: LakehouseWarehouseProps): void {
  if (props.bucketName !== undefined && !Token.isUnresolved(props.bucketName) && !BUCKET_NAME.test(props.bucketName)) {
    throw new Error(`bucketName: '${props.bucketName}' is not allowed; use 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit`);
  }
  if (props.serverAccessLogsBucket?.encryptionKey) {
    throw new Error('serverAccessLogsBucket: S3 server access logs cannot be delivered to an SSE-KMS bucket; use an SSE-S3 bucket such as AccessLogsBucket');
  }
}

function validateAttributes(attrs: LakehouseWarehouseAttributes): void {
  if (!Token.isUnresolved(attrs.bucketName) && !BUCKET_NAME.test(attrs.bucketName)) {
    throw new Error(`bucketName: '${attrs.bucketName}' is not a bucket name; expected 3-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit`);
  }
  if (!Token.isUnresolved(attrs.encryptionKeyArn) && !KEY_ARN.test(attrs.encryptionKeyArn)) {
    throw new Error(`encryptionKeyArn: '${attrs.encryptionKeyArn}' is not a KMS key ARN; expected arn:<partition>:kms:<region>:<account>:key/<key-id>`);
  }
}
