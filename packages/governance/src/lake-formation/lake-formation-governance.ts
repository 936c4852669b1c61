import { CfnResource, DefaultStackSynthesizer, Fn, Names, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { DataLocations, LocationBucket } from './data-locations';
import { IamAllowedPrincipalsRevocation } from './iam-allowed-principals';
import { GovernedSource, LakeFormationGovernanceProps, ReaderGrantOptions } from './lake-formation-governance-props';
import { LakehouseTags } from './lakehouse-tags';
import { PiiTagger } from './pii-tagger';
import { grantOnResource, grantOnTags, TagGrant } from './tag-grants';
import {
  ANALYST_SENSITIVITIES, DOMAIN_TAG, PII_READER_SENSITIVITIES, SENSITIVITIES, SENSITIVITY_TAG, ZONE_TAG, ZONES,
} from './tags';
import { validateGovernanceProps } from './validate';

/**
 * Lake Formation governance of the lakehouse: data lake settings (APPEND; the CDK deploy role stays admin), the
 * raw and warehouse buckets registered as locations, LF-tags on the databases (`lakehouse:domain`, `lakehouse:zone`,
 * `lakehouse:sensitivity=unclassified`), `IAM_ALLOWED_PRINCIPALS` revoked, the PII tagger, and grants by tag
 * expression: writers and maintainers of each source (here) and readers ({@link grantReaders}). Every grant depends
 * on the settings and the tags. Unproven Lake Formation behaviour is listed in `LAKE_FORMATION_VERIFY`.
 */
export class LakeFormationGovernance extends Construct {
  /** The data lake settings: APPEND, the deploy role an admin, full table access for Glue 5.0 allowed. */
  public readonly settings: lakeformation.CfnDataLakeSettings;
  /** The role Lake Formation uses for the registered buckets (trusts lakeformation.amazonaws.com). */
  public readonly registrationRole: iam.Role;
  private readonly tags: LakehouseTags;
  private readonly grantDependencies: CfnResource[];
  private readonly readerRoles = new Set<string>();

  constructor(scope: Construct, id: string, props: LakeFormationGovernanceProps) {
    super(scope, id);
    validateGovernanceProps(props);
    const stack = Stack.of(this);
    const synthesizer = stack.synthesizer;
    if (!(synthesizer instanceof DefaultStackSynthesizer)) {
      throw new Error(`LakeFormationGovernance in stack ${stack.stackName}: needs the DefaultStackSynthesizer, whose CloudFormation execution role`
        + ' becomes a data lake admin (without it the deploy fails on "Insufficient Lake Formation permission(s)")');
    }
    const databaseNames = props.sources.flatMap((s) => [s.curatedDatabaseName, ...(s.rawDatabaseName ? [s.rawDatabaseName] : [])]);
    const revocation = new IamAllowedPrincipalsRevocation(this, 'IamAllowedPrincipals', databaseNames);

    // `Fn.sub`: the synthesizer's ARN holds ${AWS::AccountId}, which a plain string replace would leave in env-agnostic stacks
    const admins = [Fn.sub(synthesizer.cloudFormationExecutionRoleArn), ...(props.admins ?? []), revocation.role.roleArn];
    this.settings = new lakeformation.CfnDataLakeSettings(this, 'Settings', {
      mutationType: 'APPEND',
      admins: admins.map((arn) => ({ dataLakePrincipalIdentifier: arn })),
      // *verify*: lets Glue 5.0 jobs with ALL on a table read and write it with vended credentials (full table access)
      allowFullTableExternalDataAccess: true,
    });
    revocation.resource.node.addDependency(this.settings);

    const locations = new DataLocations(this, 'Locations', locationBuckets(props));
    this.registrationRole = locations.registrationRole;
    for (const location of locations.locations) location.node.addDependency(this.settings);

    this.tags = new LakehouseTags(this, 'Tags', props.sources.map((s) => s.sourceName));
    for (const tag of [this.tags.domain, this.tags.zone, this.tags.sensitivity]) tag.node.addDependency(this.settings);
    this.grantDependencies = [this.settings, this.tags.domain, this.tags.zone, this.tags.sensitivity];
    const curatedAssociations = props.sources.map((source) => {
      const curated = this.tags.associateDatabase(`Curated-${source.sourceName}`, source.curatedDatabaseName, { domain: source.sourceName, zone: ZONES.curated });
      curated.node.addDependency(this.settings);
      if (source.rawDatabaseName) {
        this.tags.associateDatabase(`Raw-${source.sourceName}`, source.rawDatabaseName, { domain: source.sourceName, zone: ZONES.raw }).node.addDependency(this.settings);
      }
      return curated;
    });

    const sourceGrants = this.grantSources(props.sources, props.warehouseBucket);
    // plain IAM access goes only once the Lake Formation grants that replace it are in place
    for (const grant of sourceGrants) revocation.resource.node.addDependency(grant);

    const tagger = new PiiTagger(this, 'PiiTagger', {
      databases: Object.fromEntries(props.sources.map((s) => [s.curatedDatabaseName, lowercaseKeys(s.piiColumns)])),
    });
    const taggerGrants = [
      grantOnResource(this, 'PiiTaggerSensitivityTag', tagger.role.roleArn,
        { lfTag: { catalogId: stack.account, tagKey: SENSITIVITY_TAG, tagValues: Object.values(SENSITIVITIES) } }, ['ASSOCIATE', 'DESCRIBE'], this.grantDependencies),
      this.grantOnTags('PiiTaggerCuratedDatabases', { principalArn: tagger.role.roleArn, resourceType: 'DATABASE', expression: curatedOnly(), permissions: ['DESCRIBE'] }),
      this.grantOnTags('PiiTaggerCuratedTables', { principalArn: tagger.role.roleArn, resourceType: 'TABLE', expression: curatedOnly(), permissions: ['DESCRIBE'] }),
    ];
    for (const dependency of [...taggerGrants, ...curatedAssociations]) tagger.deployRun.node.addDependency(dependency);
  }

  /**
   * Lets `role` read the curated zone: DESCRIBE on the curated databases and SELECT, DESCRIBE on the curated tables
   * tagged `general` (analysts) or `general` or `pii` (PII readers, `pii: true`). Never anything on the raw zone.
   */
  public grantReaders(role: iam.IRole, options: ReaderGrantOptions): void {
    const key = Names.nodeUniqueId(role.node);
    if (this.readerRoles.has(key)) {
      throw new Error(`LakeFormationGovernance.grantReaders: role ${role.node.path} already has reader grants; call grantReaders once per role`);
    }
    this.readerRoles.add(key);
    const sensitivities = options.pii ? PII_READER_SENSITIVITIES : ANALYST_SENSITIVITIES;
    this.grantOnTags(`Reader-${key}-Databases`, { principalArn: role.roleArn, resourceType: 'DATABASE', expression: curatedOnly(), permissions: ['DESCRIBE'] });
    this.grantOnTags(`Reader-${key}-Tables`, {
      principalArn: role.roleArn,
      resourceType: 'TABLE',
      expression: [...curatedOnly(), { key: SENSITIVITY_TAG, values: sensitivities }],
      permissions: ['SELECT', 'DESCRIBE'],
    });
  }

  private grantOnTags(id: string, grant: TagGrant): lakeformation.CfnPrincipalPermissions {
    return grantOnTags(this, id, grant, this.grantDependencies);
  }

  /** The writers' and maintainers' grants of every source; a role named twice for the same resource gets one grant. */
  private grantSources(sources: readonly GovernedSource[], warehouseBucket: s3.IBucket): lakeformation.CfnPrincipalPermissions[] {
    const grants = new Map<string, { id: string; grant: TagGrant }>();
    const add = (id: string, role: iam.IRole, grant: Omit<TagGrant, 'principalArn'>) => {
      const key = `${role.node.path}|${grant.resourceType}|${JSON.stringify(grant.expression)}`;
      const existing = grants.get(key);
      const permissions = [...new Set([...(existing?.grant.permissions ?? []), ...grant.permissions])];
      grants.set(key, { id: existing?.id ?? id, grant: { ...grant, principalArn: role.roleArn, permissions } });
    };
    const created: lakeformation.CfnPrincipalPermissions[] = [];
    const stack = Stack.of(this);
    for (const source of sources) {
      const curated = [{ key: DOMAIN_TAG, values: [source.sourceName] }, { key: ZONE_TAG, values: [ZONES.curated] }];
      const raw = [{ key: DOMAIN_TAG, values: [source.sourceName] }, { key: ZONE_TAG, values: [ZONES.raw] }];
      uniqueRoles(source.writers).forEach((role, i) => {
        const id = `${source.sourceName}-Writer${i}`;
        add(`${id}-CuratedDatabase`, role, { resourceType: 'DATABASE', expression: curated, permissions: ['CREATE_TABLE', 'DESCRIBE'] });
        // *verify*: ALL on the table is what Glue 5.0 full table access needs
        add(`${id}-CuratedTables`, role, { resourceType: 'TABLE', expression: curated, permissions: ['ALL'] });
        if (source.rawDatabaseName) {
          // Athena reads the raw tables through the catalog; the curation Lambda adds their data columns (UpdateTable: ALTER)
          add(`${id}-RawTables`, role, { resourceType: 'TABLE', expression: raw, permissions: ['SELECT', 'DESCRIBE', 'ALTER'] });
        }
        // *verify*: CREATE TABLE ... LOCATION under a registered location needs DATA_LOCATION_ACCESS on (a path of) it
        created.push(grantOnResource(this, `${id}-WarehouseFolder`, role.roleArn, {
          dataLocation: { catalogId: stack.account, resourceArn: `${warehouseBucket.bucketArn}/${source.curatedDatabaseName}` },
        }, ['DATA_LOCATION_ACCESS'], this.grantDependencies));
      });
      uniqueRoles(source.maintainers ?? []).forEach((role, i) => {
        add(`${source.sourceName}-Maintainer${i}-CuratedTables`, role, {
          resourceType: 'TABLE', expression: curated, permissions: ['ALTER', 'DESCRIBE', 'INSERT', 'DELETE'],
        });
      });
    }
    for (const { id, grant } of grants.values()) created.push(this.grantOnTags(id, grant));
    return created;
  }
}

/** The roles, each once (a role listed twice would get two identical grants, which CloudFormation rejects). */
function uniqueRoles(roles: readonly iam.IRole[]): iam.IRole[] {
  return [...new Map(roles.map((r) => [r.node.path, r])).values()];
}

function curatedOnly() {
  return [{ key: ZONE_TAG, values: [ZONES.curated] }];
}

function lowercaseKeys(piiColumns: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(piiColumns).map(([table, columns]) => [table.toLowerCase(), columns]));
}

/** The warehouse bucket and each distinct raw bucket (sources may share one), each registered once. */
function locationBuckets(props: LakeFormationGovernanceProps): LocationBucket[] {
  const buckets = new Map<s3.IBucket, LocationBucket>();
  const add = (id: string, bucket: s3.IBucket, key: kms.IKey) => {
    if (!buckets.has(bucket)) buckets.set(bucket, { id, bucket, key });
  };
  add('Warehouse', props.warehouseBucket, props.warehouseEncryptionKey);
  for (const source of props.sources) add(`Raw-${source.sourceName}`, source.rawBucket, source.rawEncryptionKey);
  return [...buckets.values()];
}
