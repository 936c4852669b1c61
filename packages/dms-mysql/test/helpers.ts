import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { LakehouseNetwork } from '@cdc-lakehouse/networking';
import { RawZone } from '@cdc-lakehouse/raw-zone';
import { App, Stack } from 'aws-cdk-lib';

/** A stack with the network and raw zone a source needs. */
export interface TestStack {
  readonly app: App;
  readonly stack: Stack;
  readonly network: LakehouseNetwork;
  readonly rawZone: RawZone;
}

/** An environment-agnostic stack (region and account stay tokens) with a network and a raw zone. */
export function testStack(sourceName = 'billing'): TestStack {
  const app = new App();
  const stack = new Stack(app, 'Test');
  const network = new LakehouseNetwork(stack, 'Network', { sourcePorts: [3306], s3PrefixListId: 'pl-0123456789abcdef0' });
  const rawZone = new RawZone(stack, 'RawZone', { sourceName });
  return { app, stack, network, rawZone };
}

/**
 * A `Fn::Join` (or plain string) rendered to one string, with `{ Ref: X }` as `${X}`: enough to
 * compare an ARN built from pseudo parameters.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if (v['Fn::Join']) return (v['Fn::Join'][1] as unknown[]).map(flatten).join(v['Fn::Join'][0]);
  if (v.Ref) return `\${${v.Ref}}`;
  if (v['Fn::GetAtt']) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** Runs cfn-lint on a synthesized template; returns the lines that report errors. */
export function cfnLintErrors(template: object): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'cfn-lint-'));
  try {
    const file = join(dir, 'template.json');
    writeFileSync(file, JSON.stringify(template, undefined, 1));
    const result = spawnSync('cfn-lint', ['--format', 'parseable', file], { encoding: 'utf8' });
    if (result.error) {
      throw new Error(`cfn-lint could not run (${result.error.message}); install it with pip install cfn-lint`);
    }
    return `${result.stdout}${result.stderr}`.split('\n').filter(line => /:E\d{4}:/.test(line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
