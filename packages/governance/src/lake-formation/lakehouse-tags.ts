import { Stack } from 'aws-cdk-lib';
import * as lakeformation from 'aws-cdk-lib/aws-lakeformation';
import { Construct } from 'constructs';
import { DOMAIN_TAG, SENSITIVITIES, SENSITIVITY_TAG, ZONE_TAG, ZONES } from './tags';

/**
 * The three LF-tags (`lakehouse:domain`, `lakehouse:zone`, `lakehouse:sensitivity`). Every tag association and every
 * grant made on an expression depends on these resources (`LakeFormationSettings.grantDependencies`), so
 * CloudFormation creates the tags first.
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
}
