import { acknowledgeResource } from '@cdc-lakehouse/nag-support';
import { CustomResource, Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cr from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { GovernanceFunction } from './governance-function';
import { acknowledgeProviderFindings } from './provider-findings';
import { CONFIG_VARIABLE, DATABASE_CHANGE, PiiTaggerConfig, TABLE_CHANGE } from './runtime/pii-tagger';

/** Lambda allows 4 KB of environment in all; leave room for the other variables. */
const MAX_CONFIG_LENGTH = 3500;

/**
 * A source's PII tagger: a Lambda that classifies each curated table of the source column by column (declared PII
 * columns `pii` first, then every other column `general`; the table stays `unclassified`, so a column added later is
 * hidden until seen) when Glue reports a CreateTable or UpdateTable in its curated database, every day (events are
 * best effort), and once at every deploy (a custom resource) so existing tables are classified before anyone reads them.
 *
 * @internal
 */
export class PiiTagger extends Construct {
  public readonly role: iam.IRole;
  /** The deploy-time run; make it depend on the grants and tag associations the tagger needs. */
  public readonly deployRun: CustomResource;

  constructor(scope: Construct, id: string, sourceName: string, config: PiiTaggerConfig) {
    super(scope, id);
    const stack = Stack.of(this);
    const configText = JSON.stringify(config);
    if (configText.length > MAX_CONFIG_LENGTH) {
      throw new Error(`SourceGovernance "${sourceName}": its \`piiColumns\` take ${configText.length} characters in the PII tagger's environment`
        + ` (at most ${MAX_CONFIG_LENGTH}, Lambda's 4 KB limit); shorten the table or column names or declare fewer`);
    }
    const databaseNames = Object.keys(config.databases);
    const handler = new GovernanceFunction(this, 'Handler', {
      handlerFile: 'pii-tagger',
      description: 'Classifies curated tables column by column: declared PII columns lakehouse:sensitivity=pii, the others general',
      environment: { [CONFIG_VARIABLE]: configText },
      timeout: Duration.minutes(10),
    });
    this.role = handler.role;
    const glueArn = (resource: string) => `arn:${stack.partition}:glue:${stack.region}:${stack.account}:${resource}`;
    const tableArns = databaseNames.map((d) => glueArn(`table/${d}/*`));
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'],
      resources: [glueArn('catalog'), ...databaseNames.map((d) => glueArn(`database/${d}`)), ...tableArns],
    }));
    for (const arn of tableArns) acknowledgeResource(handler.role, 'AwsSolutions-IAM5', arn, 'Reads the tables of one curated database (created at run time).');
    // LF tag APIs have no resource-level IAM permissions: Lake Formation grants (ASSOCIATE on the sensitivity values) scope them
    handler.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lakeformation:AddLFTagsToResource', 'lakeformation:GetResourceLFTags'], resources: ['*'] }));
    acknowledgeResource(handler.role, 'AwsSolutions-IAM5', '*', 'Lake Formation tag APIs have no resource-level permissions; LF grants on the sensitivity tag scope them.');

    new events.Rule(this, 'OnTableChange', {
      description: 'Classifies a curated table when it is created or updated',
      eventPattern: {
        source: ['aws.glue'],
        detailType: [DATABASE_CHANGE, TABLE_CHANGE],
        detail: { databaseName: databaseNames, typeOfChange: ['CreateTable', 'UpdateTable'] },
      },
      targets: [new targets.LambdaFunction(handler.function, { retryAttempts: 4, maxEventAge: Duration.hours(2) })],
    });
    new events.Rule(this, 'Daily', {
      description: 'Classifies every curated table once a day (Glue catalog events are best effort)',
      schedule: events.Schedule.rate(Duration.days(1)),
      targets: [new targets.LambdaFunction(handler.function, { event: events.RuleTargetInput.fromObject({ action: 'reconcile' }) })],
    });
    const provider = new cr.Provider(this, 'Provider', { onEventHandler: handler.function });
    acknowledgeProviderFindings(provider, handler.function);
    this.deployRun = new CustomResource(this, 'DeployRun', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::LakehousePiiTagging',
      // a changed configuration runs the tagger again
      properties: { Config: configText },
    });
  }
}
