import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';

/** One source under Lake Formation governance: its databases, its raw bucket, its PII and who writes it. */
export interface GovernedSource {
  /** The source's name; the value of its `lakehouse:domain` LF-tag (one of the settings' `sourceNames`). */
  readonly sourceName: string;
  /** The curated database, `curated_<source>` (created by curation-aws `LakehouseWarehouse`). */
  readonly curatedDatabaseName: string;
  /**
   * The raw database, `raw_<source>` (only Athena-curated sources have one). Pass the database's `ref` when it is
   * created in the same stack, so the tag association and the revocation come after it.
   * @default - the source has no raw tables in the catalog
   */
  readonly rawDatabaseName?: string;
  /** The source's raw bucket (KMS-encrypted); registered as a Lake Formation location. */
  readonly rawBucket: s3.IBucket;
  /** The key of {@link rawBucket}. */
  readonly rawEncryptionKey: kms.IKey;
  /** Curated table name -> its PII column names; these columns get `lakehouse:sensitivity=pii`. */
  readonly piiColumns: Readonly<Record<string, readonly string[]>>;
  /** The roles that curate the source (Glue job role, or the Athena state machine and Lambda roles). */
  readonly writers: readonly iam.IRole[];
  /**
   * The roles that maintain the curated tables (table optimizer roles).
   * @default - none
   */
  readonly maintainers?: readonly iam.IRole[];
}

/** Options of `LakeFormationSettings.grantReaders`. */
export interface ReaderGrantOptions {
  /** `true`: the role also reads columns tagged `pii` (PII readers); `false`: only `general` data (analysts). */
  readonly pii: boolean;
}
