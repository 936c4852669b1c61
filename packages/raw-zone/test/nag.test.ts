import { App, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { RawZone, REMOVE_DATA_ON_DESTROY_CONTEXT } from '../src';

/** A stack with one raw zone, a writer and a reader, as an application would have them. */
function nagStack(context: Record<string, unknown> = {}): App {
  const app = new App({ context });
  const stack = new Stack(app, 'NagRawZone');
  const zone = new RawZone(stack, 'Orders', { sourceName: 'orders' });
  const writer = new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('dms.amazonaws.com') });
  zone.grantWrite(writer, 'orders');
  const reader = new iam.Role(stack, 'Reader', { assumedBy: new iam.ServicePrincipal('glue.amazonaws.com') });
  zone.grantRead(reader);
  const bucket = `<${stack.getLogicalId(zone.bucket.node.defaultChild as never)}.Arn>`;
  Validations.of(writer).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${bucket}/orders/*]`,
    reason: 'DMS names its change files itself; object access is limited to the source prefix.',
  });
  Validations.of(reader).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${bucket}/*]`,
    reason: 'Curation reads every change file of the raw zone; read-only, one bucket.',
  });
  return app;
}

function nagErrors(app: App): string[] {
  return new AwsSolutionsChecks().validateScope(app).violations
    .filter(v => v.severity === 'error')
    .flatMap(v => v.violatingResources.map(r => `${v.ruleName} @ ${r.constructPath}`));
}

describe('cdk-nag AwsSolutions', () => {
  test('a raw zone with its grantees has no unsuppressed finding', () => {
    expect(nagErrors(nagStack())).toEqual([]);
  });

  test('the only findings without acknowledgements are the grantees\' object wildcards', () => {
    const app = new App();
    const stack = new Stack(app, 'Bare');
    const zone = new RawZone(stack, 'Orders', { sourceName: 'orders' });
    zone.grantWrite(new iam.Role(stack, 'Writer', { assumedBy: new iam.ServicePrincipal('dms.amazonaws.com') }), 'orders');
    expect(nagErrors(app)).toEqual([expect.stringMatching(/^AwsSolutions-IAM5\[Resource::<OrdersBucket\w+\.Arn>\/orders\/\*\] @ Bare\/Writer\/DefaultPolicy\/Resource$/)]);
  });

  test('with the destroy flag set, still no unsuppressed finding', () => {
    expect(nagErrors(nagStack({ [REMOVE_DATA_ON_DESTROY_CONTEXT]: 'true' }))).toEqual([]);
  });

  test('synth with the plugin registered on the app succeeds', () => {
    const app = nagStack();
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });
});
