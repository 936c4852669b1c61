import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CFN_LIMITS, ENVIRONMENTS, LakehouseEnvironment, checkAssemblyDirectory } from '@cdc-lakehouse/app-config';
import { App } from 'aws-cdk-lib';
import { buildLakehouseApp } from '../src';

jest.setTimeout(180_000);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** The sample app synthesized as `cdk synth` does (path and asset metadata, version reporting), into a temporary folder. */
function synthesize(environment?: LakehouseEnvironment): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cfn-limits-'));
  dirs.push(outdir);
  const app = new App({
    outdir,
    context: {
      'aws:cdk:enable-path-metadata': true,
      'aws:cdk:enable-asset-metadata': true,
      'aws:cdk:version-reporting': true,
      '@aws-cdk/core:stackResourceLimit': 0, // measured below, with the stack named
    },
  });
  buildLakehouseApp(app, { environment });
  app.synth();
  return outdir;
}

describe('every template of the sample app is within CloudFormation\'s limits', () => {
  const cases: [string, LakehouseEnvironment | undefined][] = [
    ['environment-agnostic', undefined],
    ...ENVIRONMENTS.map((e): [string, LakehouseEnvironment] => [`environment ${e.name}`, e]),
  ];
  test.each(cases)('%s', (_name, environment) => {
    const reports = checkAssemblyDirectory(synthesize(environment));
    expect(reports.map((r) => r.stackName)).toEqual(expect.arrayContaining(['LakehouseSource-orders', 'LakehouseSource-billing', 'CdcLakehouseOperations']));
    expect(reports.flatMap((r) => r.violations)).toEqual([]);
    // and with room to grow: the sample is far below every limit
    for (const r of reports) {
      expect(r.resources.used).toBeLessThan(CFN_LIMITS.resources / 2);
      expect(r.templateBytes.used).toBeLessThan(CFN_LIMITS.templateBytes / 2);
      expect(r.outputs.used).toBeLessThan(CFN_LIMITS.outputs / 2);
    }
  });
});
