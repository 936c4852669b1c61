import { App, Stack, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { LakehouseInterfaceEndpoint, LakehouseNetwork } from '../src';

/** Rule findings of severity error, as `rule @ construct path`. */
function nagErrors(app: App): string[] {
  const report = new AwsSolutionsChecks().validateScope(app);
  return report.violations
    .filter(v => v.severity === 'error')
    .flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`));
}

describe('cdk-nag AwsSolutions', () => {
  test('a created network has no unsuppressed finding', () => {
    const app = new App();
    const stack = new Stack(app, 'NagNetwork');
    new LakehouseNetwork(stack, 'Network', {
      sourcePorts: [5432, 3306],
      interfaceEndpoints: Object.values(LakehouseInterfaceEndpoint),
      s3PrefixListId: 'pl-6da54004',
    });
    expect(nagErrors(app)).toEqual([]);
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  test('synth with the plugin registered on the app succeeds', () => {
    const app = new App();
    const stack = new Stack(app, 'NagNetwork');
    new LakehouseNetwork(stack, 'Network', { sourcePorts: [5432] });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
