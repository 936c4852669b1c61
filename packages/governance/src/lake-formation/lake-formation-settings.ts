import { CfnResource, DefaultStackSynthesizer, Fn, Names, Stack, Token } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DataLocations } from './data-locations';
import { GovernedSource, ReaderGrantOptions } from './governed-source';
import { IamAllowedPrincipalsProvider } from './iam-allowed-principals';
import { LakehouseTags } from './lakehouse-tags';
import { grantOnTags, TagGrant } from './tag-grants';
import { ANALYST_SENSITIVITIES, PII_READER_SENSITIVITIES, SENSITIVITY_TAG, ZONE_TAG, ZONES } from './tags';
import { validateSourceNames } from './validate';

/** Props of {@link LakeFormationSettings}. */
export interface LakeFormationSettingsProps {
  /** The name of every governed source: the values of the `lakehouse:domain` LF-tag (at least one, unique). */
  readonly sourceNames: readonly string[];
  /** The warehouse bucket (curated Iceberg tables); registered as a Lake Formation location. */
  readonly warehouseBucket: s3.IBucket;
  /** The key of {@link warehouseBucket}. */
  readonly warehouseEncryptionKey: kms.IKey;
  /**
   * IAM role/user ARNs added (APPEND) to the data lake admins; the CDK deploy role is always added.
   * @default - the deploy role and the revoking Lambda only
   */
  readonly admins?: readonly string[];
}

/** What a source's governance (`SourceGovernance`, usually in the source's own stack) takes from the shared settings. */
export interface ILakeFormationSettings {
  /** The `lakehouse:domain` values; a source's name must be one of them. */
  readonly domains: readonly string[];
  /** The warehouse bucket; each source's writers get DATA_LOCATION_ACCESS on its curated database's folder. */
  readonly warehouseBucket: s3.IBucket;
  /** The service token of the shared `IAM_ALLOWED_PRINCIPALS` revocation provider. */
  readonly revocationServiceToken: string;
  /** The revocation provider's role (a data lake admin); each source lets it read its own databases. */
  readonly revocationRole: iam.IRole;
  /** What every grant, tag association and location comes after: the data lake settings and the three tags. */
  readonly grantDependencies: readonly CfnResource[];
  /** Records that a source, its databases and its raw bucket are governed; throws if one of them is governed twice. */
  claimSource(source: GovernedSource): void;
}

/**
 * Attributes of settings deployed by another app (the platform's), for {@link LakeFormationSettings.fromAttributes};
 * apart from `domains`, literal values or tokens (e.g. read from SSM parameters).
 */
export interface LakeFormationSettingsAttributes {
  /** The `lakehouse:domain` values, as the settings were created with (`sourceNames`): literal names, checked at synth time. */
  readonly domains: readonly string[];
  /** Name of the warehouse bucket. */
  readonly warehouseBucketName: string;
  /** The service token of the shared `IAM_ALLOWED_PRINCIPALS` revocation provider (the provider's function ARN). */
  readonly revocationServiceToken: string;
  /** ARN of the revocation provider's role. */
  readonly revocationRoleArn: string;
}

/**
 * The Lake Formation settings the whole lakehouse shares: data lake settings (APPEND; the CDK deploy role, the given
 * admins and the revoking Lambda's role added, nobody removed; full table access for Glue 5.0 allowed), the warehouse
 * registered with a role of its own, the three LF-tags, the `IAM_ALLOWED_PRINCIPALS` revocation provider each source
 * uses, and the readers' grants ({@link grantReaders}). Each source's locations, tags, grants and PII tagger are a
 * `SourceGovernance`. Unproven Lake Formation behaviour is listed in `LAKE_FORMATION_VERIFY`.
 */
export class LakeFormationSettings extends Construct implements ILakeFormationSettings {
  /**
   * Imports settings created by another app (the platform's), so that a source's `SourceGovernance` can live in a
   * stack of an app of its own. Nothing is created: the warehouse bucket is imported by name and the revocation
   * provider's role by ARN, immutable (each source's revocation still attaches its own read policy to it). The
   * imported settings have no `grantDependencies`: the settings and tags exist because the platform is deployed
   * first. A source, database or raw bucket governed twice through the same imported settings is refused as by the
   * real ones.
   *
   * @param scope the importing construct
   * @param id ID of the imported settings
   * @param attrs the domains, the warehouse bucket's name and the revocation provider's service token and role ARN
   */
  public static fromAttributes(scope: Construct, id: string, attrs: LakeFormationSettingsAttributes): ILakeFormationSettings {
    return new ImportedLakeFormationSettings(scope, id, attrs);
  }

  /** The data lake settings: APPEND, the deploy role an admin, full table access for Glue 5.0 allowed. */
  public readonly settings: lakeformation.CfnDataLakeSettings;
  /** The role Lake Formation uses for the warehouse bucket (trusts lakeformation.amazonaws.com). */
  public readonly registrationRole: iam.Role;
  /** The three LF-tags. */
  public readonly tags: LakehouseTags;
  public readonly domains: readonly string[];
  public readonly warehouseBucket: s3.IBucket;
  public readonly revocationServiceToken: string;
  public readonly revocationRole: iam.IRole;
  public readonly grantDependencies: readonly CfnResource[];
  private readonly readerRoles = new Set<string>();
  private readonly claims = new SourceClaims();

  constructor(scope: Construct, id: string, props: LakeFormationSettingsProps) {
    super(scope, id);
    validateSourceNames(props.sourceNames);
    const stack = Stack.of(this);
    const synthesizer = stack.synthesizer;
    if (!(synthesizer instanceof DefaultStackSynthesizer)) {
      throw new Error(`LakeFormationSettings in stack ${stack.stackName}: needs the DefaultStackSynthesizer, whose CloudFormation execution role`
        + ' becomes a data lake admin (without it the deploy fails on "Insufficient Lake Formation permission(s)")');
    }
    this.domains = [...props.sourceNames];
    this.warehouseBucket = props.warehouseBucket;
    const revocation = new IamAllowedPrincipalsProvider(this, 'IamAllowedPrincipals');
    this.revocationServiceToken = revocation.serviceToken;
    this.revocationRole = revocation.role;

    // `Fn.sub`: the synthesizer's ARN holds ${AWS::AccountId}, which a plain string replace would leave in env-agnostic stacks
    const admins = [Fn.sub(synthesizer.cloudFormationExecutionRoleArn), ...(props.admins ?? []), revocation.role.roleArn];
    this.settings = new lakeformation.CfnDataLakeSettings(this, 'Settings', {
      mutationType: 'APPEND',
      admins: admins.map((arn) => ({ dataLakePrincipalIdentifier: arn })),
      // *verify*: lets Glue 5.0 jobs with ALL on a table read and write it with vended credentials (full table access)
      allowFullTableExternalDataAccess: true,
    });

    const locations = new DataLocations(this, 'Locations', [{ id: 'Warehouse', bucket: props.warehouseBucket, key: props.warehouseEncryptionKey }]);
    this.registrationRole = locations.registrationRole;
    for (const location of locations.locations) location.node.addDependency(this.settings);

    this.tags = new LakehouseTags(this, 'Tags', props.sourceNames);
    for (const tag of [this.tags.domain, this.tags.zone, this.tags.sensitivity]) tag.node.addDependency(this.settings);
    this.grantDependencies = [this.settings, this.tags.domain, this.tags.zone, this.tags.sensitivity];
  }

  /**
   * Lets `role` read the curated zone: DESCRIBE on the curated databases and SELECT, DESCRIBE on the curated tables
   * tagged `general` (analysts) or `general` or `pii` (PII readers, `pii: true`). Never anything on the raw zone.
   */
  public grantReaders(role: iam.IRole, options: ReaderGrantOptions): void {
    const key = Names.nodeUniqueId(role.node);
    if (this.readerRoles.has(key)) {
      throw new Error(`LakeFormationSettings.grantReaders: role ${role.node.path} already has reader grants; call grantReaders once per role`);
    }
    this.readerRoles.add(key);
    const sensitivities = options.pii ? PII_READER_SENSITIVITIES : ANALYST_SENSITIVITIES;
    const curated = [{ key: ZONE_TAG, values: [ZONES.curated] }];
    this.grantOnTags(`Reader-${key}-Databases`, { principalArn: role.roleArn, resourceType: 'DATABASE', expression: curated, permissions: ['DESCRIBE'] });
    this.grantOnTags(`Reader-${key}-Tables`, {
      principalArn: role.roleArn,
      resourceType: 'TABLE',
      expression: [...curated, { key: SENSITIVITY_TAG, values: sensitivities }],
      permissions: ['SELECT', 'DESCRIBE'],
    });
  }

  public claimSource(source: GovernedSource): void {
    this.claims.claim(source);
  }

  private grantOnTags(id: string, grant: TagGrant): lakeformation.CfnPrincipalPermissions {
    return grantOnTags(this, id, grant, this.grantDependencies);
  }
}

/** {@link LakeFormationSettings.fromAttributes}: the settings of another app, imported. */
class ImportedLakeFormationSettings extends Construct implements ILakeFormationSettings {
  public readonly domains: readonly string[];
  public readonly warehouseBucket: s3.IBucket;
  public readonly revocationServiceToken: string;
  public readonly revocationRole: iam.IRole;
  public readonly grantDependencies: readonly CfnResource[] = [];
  private readonly claims = new SourceClaims();

  constructor(scope: Construct, id: string, attrs: LakeFormationSettingsAttributes) {
    super(scope, id);
    validateSourceNames(attrs.domains, 'LakeFormationSettings.fromAttributes', 'domains');
    this.domains = [...attrs.domains];
    this.warehouseBucket = s3.Bucket.fromBucketName(this, 'WarehouseBucket', attrs.warehouseBucketName);
    this.revocationServiceToken = attrs.revocationServiceToken;
    this.revocationRole = iam.Role.fromRoleArn(this, 'RevocationRole', attrs.revocationRoleArn, { mutable: false });
  }

  public claimSource(source: GovernedSource): void {
    this.claims.claim(source);
  }
}

/** Which sources, databases and raw buckets a set of settings governs; each at most once. */
class SourceClaims {
  private readonly sources = new Set<string>();
  private readonly databases = new Map<string, string>();
  private readonly buckets = new Map<s3.IBucket, string>();

  /** Records the source, its raw bucket and its databases; throws, naming the fix, if one of them is already claimed. */
  public claim(source: GovernedSource): void {
    const where = `SourceGovernance source "${source.sourceName}"`;
    if (this.sources.has(source.sourceName.toLowerCase())) {
      throw new Error(`${where}: governed twice (LF-tag values ignore case); create one SourceGovernance per source`);
    }
    this.sources.add(source.sourceName.toLowerCase());
    const owner = this.buckets.get(source.rawBucket);
    if (owner !== undefined) throw new Error(`${where}: its raw bucket is also source "${owner}"'s (a location is registered once); give each source its own raw zone`);
    this.buckets.set(source.rawBucket, source.sourceName);
    for (const database of [source.curatedDatabaseName, source.rawDatabaseName]) {
      if (database === undefined || Token.isUnresolved(database)) continue;
      const databaseOwner = this.databases.get(database);
      if (databaseOwner !== undefined) throw new Error(`${where}: database "${database}" also belongs to source "${databaseOwner}"; give each source its own databases`);
      this.databases.set(database, source.sourceName);
    }
  }
}
