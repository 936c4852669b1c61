import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AnalystAccess, AnalystAccessProps } from '../src/analysts';

function nagApp(props: Partial<AnalystAccessProps> = {}, env?: { account: string; region: string }): App {
  const app = new App();
  const stack = new Stack(app, 'NagAnalysts', { env });
  new AnalystAccess(stack, 'Access', {
    curatedDatabaseNames: ['curated_orders', 'curated_billing'],
    analystPrincipals: [new iam.AccountRootPrincipal()],
    piiReaderPrincipals: [new iam.ArnPrincipal('arn:aws:iam::111122223333:role/pii-readers')],
    ...props,
  });
  return app;
}

function nagFindings(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations
    .flatMap(v => v.violatingResources.map(r => `${v.ruleName} (${v.severity}) @ ${r.constructPath}`));
}

describe('cdk-nag AwsSolutions', () => {
  test('analysts and PII readers: no unacknowledged finding', () => {
    expect(nagFindings(nagApp())).toEqual([]);
  });

  test('analysts only: no unacknowledged finding', () => {
    expect(nagFindings(nagApp({ piiReaderPrincipals: undefined }))).toEqual([]);
  });

  test('in a stack with a concrete account and region: no unacknowledged finding', () => {
    expect(nagFindings(nagApp({}, { account: '111122223333', region: 'eu-west-1' }))).toEqual([]);
  });

  test('with RemovalPolicy.DESTROY: no unacknowledged finding', () => {
    expect(nagFindings(nagApp({ removalPolicy: RemovalPolicy.DESTROY }))).toEqual([]);
  });

  test('synth with the plugin registered on the app succeeds', () => {
    const app = nagApp();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
