import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** The projects with a `deploy` target that `nx affected` selects when `file` changed, as `npx nx affected -t deploy` would. */
function affectedDeploys(file: string): string[] {
  const out = execFileSync(process.execPath, [require.resolve('nx/bin/nx.js', { paths: [ROOT] }), 'show', 'projects', '--affected', `--files=${file}`, '-t', 'deploy'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
  });
  return out.trim().split('\n').filter(Boolean).sort();
}

jest.setTimeout(120_000);

describe('npx nx affected -t deploy deploys only the apps a change touched', () => {
  test.each([
    ['the platform stack', 'apps/platform/src/platform-stack.ts', ['platform']],
    ['a source package', 'packages/source-orders/src/stack.ts', ['lakehouse']],
    ['the dashboard', 'packages/operations/src/lakehouse-dashboard.ts', ['lakehouse']],
    ['the source list both apps read (a source added)', 'packages/app-config/src/config/sources.generated.ts', ['lakehouse', 'platform']],
  ])('%s', (_what, file, apps) => {
    expect(affectedDeploys(file)).toEqual(apps);
  });
});
