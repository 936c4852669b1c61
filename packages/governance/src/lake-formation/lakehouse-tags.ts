import { CfnResource, Stack } from 'aws-cdk-lib';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import { Construct } from 'constructs';
import { DOMAIN_TAG, SENSITIVITIES, SENSITIVITY_TAG, ZONE_TAG, ZONES } from './tags';

/** The tags of one database. @internal */
export interface DatabaseTags {
  readonly domain: string;
  readonly zone: string;
}

/**
 * The three LF-tags (`lakehouse:domain`, `lakehouse:zone`, `lakehouse:sensitivity`) and their association with the
 * databases. Every association (and every grant made on an expression, see {@link dependOnTags}) depends on the tag
 * resources, so CloudFormation creates the tags first.
 *
 * @internal
 */
export class LakehouseTags extends Construct {
  public readonly domain: lakeformation.CfnTag;
  public readonly zone: lakeformation.CfnTag;
  public readonly sensitivity: lakeformation.CfnTag;
  private readonly catalogId: string;

  constructor(scope: Construct, id: string, domains: readonly string[]) {
    super(scope, id);
    this.catalogId = Stack.of(this).account;
    this.domain = new lakeformation.CfnTag(this, 'Domain', { catalogId: this.catalogId, tagKey: DOMAIN_TAG, tagValues: [...domains] });
    this.zone = new lakeformation.CfnTag(this, 'Zone', { catalogId: this.catalogId, tagKey: ZONE_TAG, tagValues: Object.values(ZONES) });
    this.sensitivity = new lakeformation.CfnTag(this, 'Sensitivity', {
      catalogId: this.catalogId, tagKey: SENSITIVITY_TAG, tagValues: Object.values(SENSITIVITIES),
    });
  }

  /** Makes `resource` depend on the three tag resources. */
  public dependOnTags(resource: CfnResource): void {
    for (const tag of [this.domain, this.zone, this.sensitivity]) resource.node.addDependency(tag);
  }

  /**
   * Tags a database `domain`, `zone` and `sensitivity=unclassified` (a new table is invisible to readers until the
   * PII tagger classifies it). One association resource per database.
   */
  public associateDatabase(id: string, databaseName: string, tags: DatabaseTags): lakeformation.CfnTagAssociation {
    const pair = (tag: lakeformation.CfnTag, value: string) => ({ catalogId: this.catalogId, tagKey: tag.tagKey, tagValues: [value] });
    const association = new lakeformation.CfnTagAssociation(this, id, {
      resource: { database: { catalogId: this.catalogId, name: databaseName } },
      lfTags: [pair(this.domain, tags.domain), pair(this.zone, tags.zone), pair(this.sensitivity, SENSITIVITIES.unclassified)],
    });
    this.dependOnTags(association);
    return association;
  }
}
