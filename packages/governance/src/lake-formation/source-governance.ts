import { CfnResource, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import { Construct } from 'constructs';
import { DataLocations } from './data-locations';
import { GovernedSource } from './governed-source';
import { revokeIamAllowedPrincipals } from './iam-allowed-principals';
import { ILakeFormationSettings } from './lake-formation-settings';
import { PiiTagger } from './pii-tagger';
import { grantOnResource, grantOnTags, TagGrant } from './tag-grants';
import { DOMAIN_TAG, SENSITIVITIES, SENSITIVITY_TAG, ZONE_TAG, ZONES } from './tags';
import { validateSource } from './validate';

/** Props of {@link SourceGovernance}. */
export interface SourceGovernanceProps {
  /** The shared settings (a `LakeFormationSettings`, usually in the platform stack this source's stack depends on). */
  readonly settings: ILakeFormationSettings;
  /** The source: its databases, raw bucket, PII columns, writers and maintainers. */
  readonly source: GovernedSource;
}

/**
 * One source's Lake Formation governance, in the source's own stack: its raw bucket registered with a registration
 * role of its own, its databases tagged (`lakehouse:domain`, `lakehouse:zone`, `lakehouse:sensitivity=unclassified`),
 * its writers' and maintainers' grants by tag expression, `IAM_ALLOWED_PRINCIPALS` revoked on its databases through
 * the shared provider (once its grants exist), and its own PII tagger. Every location, tag association and grant
 * depends on the shared settings and tags: in the same stack by DependsOn, across stacks by the stack dependency.
 */
export class SourceGovernance extends Construct {
  /** The role Lake Formation uses for the source's raw bucket (trusts lakeformation.amazonaws.com). */
  public readonly registrationRole: iam.Role;
  /** The source as given. */
  public readonly source: GovernedSource;
  private readonly dependencies: readonly CfnResource[];

  constructor(scope: Construct, id: string, props: SourceGovernanceProps) {
    super(scope, id);
    const { settings, source } = props;
    validateSource(source, settings.domains);
    const databaseNames = [source.curatedDatabaseName, ...(source.rawDatabaseName ? [source.rawDatabaseName] : [])];
    settings.claimSource(source);
    this.source = source;
    this.dependencies = settings.grantDependencies;

    const location = new DataLocations(this, 'Locations', [{ id: 'Raw', bucket: source.rawBucket, key: source.rawEncryptionKey }]);
    this.registrationRole = location.registrationRole;
    for (const resource of location.locations) this.dependOnSettings(resource);

    const curatedAssociation = this.associateDatabase('Curated', source.curatedDatabaseName, ZONES.curated);
    if (source.rawDatabaseName) this.associateDatabase('Raw', source.rawDatabaseName, ZONES.raw);

    // plain IAM access goes only once the Lake Formation grants that replace it are in place
    const revocation = revokeIamAllowedPrincipals(this, 'IamAllowedPrincipals', settings.revocationServiceToken, settings.revocationRole, databaseNames);
    for (const grant of this.grantWriters(settings)) revocation.node.addDependency(grant);

    const tagger = new PiiTagger(this, 'PiiTagger', source.sourceName, {
      databases: { [source.curatedDatabaseName]: lowercaseKeys(source.piiColumns) },
    });
    const own = this.domainExpression(ZONES.curated);
    const taggerGrants = [
      grantOnResource(this, 'PiiTaggerSensitivityTag', tagger.role.roleArn,
        { lfTag: { catalogId: Stack.of(this).account, tagKey: SENSITIVITY_TAG, tagValues: Object.values(SENSITIVITIES) } }, ['ASSOCIATE', 'DESCRIBE'], this.dependencies),
      this.grantOnTags('PiiTaggerCuratedDatabase', { principalArn: tagger.role.roleArn, resourceType: 'DATABASE', expression: own, permissions: ['DESCRIBE'] }),
      this.grantOnTags('PiiTaggerCuratedTables', { principalArn: tagger.role.roleArn, resourceType: 'TABLE', expression: own, permissions: ['DESCRIBE'] }),
    ];
    for (const dependency of [...taggerGrants, curatedAssociation]) tagger.deployRun.node.addDependency(dependency);
  }

  /** Tags a database `domain`, `zone` and `sensitivity=unclassified` (a new table is invisible to readers until classified). */
  private associateDatabase(id: string, databaseName: string, zone: string): lakeformation.CfnTagAssociation {
    const catalogId = Stack.of(this).account;
    const pair = (key: string, value: string) => ({ catalogId, tagKey: key, tagValues: [value] });
    const association = new lakeformation.CfnTagAssociation(this, `${id}DatabaseTags`, {
      resource: { database: { catalogId, name: databaseName } },
      lfTags: [pair(DOMAIN_TAG, this.source.sourceName), pair(ZONE_TAG, zone), pair(SENSITIVITY_TAG, SENSITIVITIES.unclassified)],
    });
    this.dependOnSettings(association);
    return association;
  }

  /** The writers' and maintainers' grants; a role named twice for the same resource gets one grant. */
  private grantWriters(settings: ILakeFormationSettings): lakeformation.CfnPrincipalPermissions[] {
    const source = this.source;
    const grants = new Map<string, { id: string; grant: TagGrant }>();
    const add = (id: string, role: iam.IRole, grant: Omit<TagGrant, 'principalArn'>) => {
      const key = `${role.node.path}|${grant.resourceType}|${JSON.stringify(grant.expression)}`;
      const existing = grants.get(key);
      const permissions = [...new Set([...(existing?.grant.permissions ?? []), ...grant.permissions])];
      grants.set(key, { id: existing?.id ?? id, grant: { ...grant, principalArn: role.roleArn, permissions } });
    };
    const created: lakeformation.CfnPrincipalPermissions[] = [];
    const curated = this.domainExpression(ZONES.curated);
    uniqueRoles(source.writers).forEach((role, i) => {
      const id = `Writer${i}`;
      add(`${id}-CuratedDatabase`, role, { resourceType: 'DATABASE', expression: curated, permissions: ['CREATE_TABLE', 'DESCRIBE'] });
      // *verify*: ALL on the table is what Glue 5.0 full table access needs
      add(`${id}-CuratedTables`, role, { resourceType: 'TABLE', expression: curated, permissions: ['ALL'] });
      if (source.rawDatabaseName) {
        // Athena reads the raw tables through the catalog; the curation Lambda adds their data columns (UpdateTable: ALTER)
        add(`${id}-RawTables`, role, { resourceType: 'TABLE', expression: this.domainExpression(ZONES.raw), permissions: ['SELECT', 'DESCRIBE', 'ALTER'] });
      }
      // *verify*: CREATE TABLE ... LOCATION under a registered location needs DATA_LOCATION_ACCESS on (a path of) it
      created.push(grantOnResource(this, `${id}-WarehouseFolder`, role.roleArn, {
        dataLocation: { catalogId: Stack.of(this).account, resourceArn: `${settings.warehouseBucket.bucketArn}/${source.curatedDatabaseName}` },
      }, ['DATA_LOCATION_ACCESS'], this.dependencies));
    });
    uniqueRoles(source.maintainers ?? []).forEach((role, i) => {
      add(`Maintainer${i}-CuratedTables`, role, { resourceType: 'TABLE', expression: curated, permissions: ['ALTER', 'DESCRIBE', 'INSERT', 'DELETE'] });
    });
    for (const { id, grant } of grants.values()) created.push(this.grantOnTags(id, grant));
    return created;
  }

  private domainExpression(zone: string) {
    return [{ key: DOMAIN_TAG, values: [this.source.sourceName] }, { key: ZONE_TAG, values: [zone] }];
  }

  private grantOnTags(id: string, grant: TagGrant): lakeformation.CfnPrincipalPermissions {
    return grantOnTags(this, id, grant, this.dependencies);
  }

  /** In the settings' stack: DependsOn them; in another stack, the dependency becomes that stack's dependency on the settings' stack. */
  private dependOnSettings(resource: CfnResource): void {
    for (const dependency of this.dependencies) resource.node.addDependency(dependency);
  }
}

/** The roles, each once (a role listed twice would get two identical grants, which CloudFormation rejects). */
function uniqueRoles(roles: readonly iam.IRole[]): iam.IRole[] {
  return [...new Map(roles.map((r) => [r.node.path, r])).values()];
}

function lowercaseKeys(piiColumns: Readonly<Record<string, readonly string[]>>): Record<string, readonly string[]> {
  return Object.fromEntries(Object.entries(piiColumns).map(([table, columns]) => [table.toLowerCase(), columns]));
}
