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

  test('a network in a looked-up VPC has no unsuppressed finding', () => {
    const account = '111111111111';
    const region = 'eu-west-1';
    const vpcId = 'vpc-0a1b2c3d4e5f67890';
    const app = new App({
      context: {
        [`vpc-provider:account=${account}:filter.vpc-id=${vpcId}:region=${region}:returnAsymmetricSubnets=true`]: {
          vpcId,
          vpcCidrBlock: '172.31.0.0/16',
          availabilityZones: [],
          subnetGroups: [{
            name: 'data',
            type: 'Isolated',
            subnets: [
              { subnetId: 'subnet-000000000000000a1', availabilityZone: `${region}a`, routeTableId: 'rtb-000000000000000a1', cidr: '172.31.0.0/20' },
              { subnetId: 'subnet-000000000000000b1', availabilityZone: `${region}b`, routeTableId: 'rtb-000000000000000b1', cidr: '172.31.16.0/20' },
            ],
          }],
        },
      },
    });
    const stack = new Stack(app, 'NagLookedUp', { env: { account, region } });
    new LakehouseNetwork(stack, 'Network', { sourcePorts: [3306], existingVpc: { vpcId }, s3PrefixListId: 'pl-6da54004' });
    expect(nagErrors(app)).toEqual([]);
  });

  test('synth with the plugin registered on the app succeeds', () => {
    const app = new App();
    const stack = new Stack(app, 'NagNetwork');
    new LakehouseNetwork(stack, 'Network', { sourcePorts: [5432] });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
