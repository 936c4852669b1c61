import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { RawZone } from '@cdc-lakehouse/raw-zone';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as dms from 'aws-cdk-lib/aws-dms';

/** A stack with the network and raw zone every DMS construct needs. */
export interface TestStack {
  readonly app: App;
  readonly stack: Stack;
  readonly network: LakehouseNetwork;
  readonly rawZone: RawZone;
}

/** An environment-agnostic stack (regions and accounts stay tokens) with a network and a raw zone for `billing`. */
export function testStack(sourceName = 'billing'): TestStack {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const network = new LakehouseNetwork(stack, 'Network', { sourcePorts: [5432], s3PrefixListId: 'pl-0123456789abcdef0' });
  const rawZone = new RawZone(stack, 'RawZone', { sourceName });
  return { app, stack, network, rawZone };
}

/** A bare source endpoint, standing in for the engine packages' endpoints. */
export function sourceEndpoint(stack: Stack): dms.CfnEndpoint {
  return new dms.CfnEndpoint(stack, 'SourceEndpoint', {
    endpointType: 'source',
    engineName: 'postgres',
    databaseName: 'billing',
    sslMode: 'require',
    postgreSqlSettings: { secretsManagerSecretId: 'prod/billing/dms', secretsManagerAccessRoleArn: 'arn:aws:iam::123456789012:role/x' },
  });
}

/** The resources of one type in a template, by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, any> {
  return template.findResources(type);
}

/**
 * A `Fn::Join` (or plain string) rendered to one string, with `{ Ref: X }` as `${X}` and
 * `{ Fn::GetAtt: [X, Y] }` as `${X.Y}`: enough to read the JSON of an `AwsCustomResource` call.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::GetAtt']) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** Runs cfn-lint on a synthesized template; returns its exit status and output. */
export function cfnLint(template: object): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dms-cfn-lint-'));
  try {
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template, undefined, 1));
    const result = spawnSync('cfn-lint', ['--format', 'parseable', file], { encoding: 'utf8' });
    if (result.error) {
      throw new Error(`cfn-lint could not run (${result.error.message}); install it with pip install cfn-lint`);
    }
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
