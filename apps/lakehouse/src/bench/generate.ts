// Child process of the scale bench: generates a workspace with projen from synthetic source entries, the way `npx projen`
// generates the real one from .projenrc.ts. Usage: node generate.js <repository root> <outdir> <entries.json>
// Prints one JSON line: { loadMs, synthMs }.
import * as fs from 'fs';
import * as path from 'path';

const [root, outdir, entriesFile] = process.argv.slice(2);
const started = performance.now();
// projenrc/ is TypeScript run by ts-node, as `npx projen` runs it
/* eslint-disable @typescript-eslint/no-require-imports */
require(require.resolve('ts-node', { paths: [root] })).register({ transpileOnly: true, project: path.join(root, 'projenrc/tsconfig.json') });
const projenrc = require(path.join(root, 'projenrc'));
/* eslint-enable @typescript-eslint/no-require-imports */
const loaded = performance.now();

const repo = new projenrc.LakehouseMonorepo({ name: 'scale-bench', description: 'scale bench', outdir });
const lib = (name: string) => new projenrc.ConstructLibrary(repo, { name, description: name });
const [networking, rawZone, dms, dmsPostgres, dmsMysql, curationAws, governance, operations, platformLink, config] = [
  'networking', 'raw-zone', 'dms', 'dms-postgres', 'dms-mysql', 'curation-aws', 'governance', 'operations', 'platform-link', 'app-config',
].map(lib);
const platform = new projenrc.CdkApp(repo, { name: 'platform', description: 'platform', workspaceDeps: [config, platformLink, networking, rawZone, dms, curationAws, governance] });
const app = new projenrc.CdkApp(repo, { name: 'lakehouse', description: 'lakehouse', workspaceDeps: [config, platformLink, dms, governance, operations] });
new projenrc.EnvironmentCatalog({ apps: [platform, app], config }); // none declared: the apps are synthesized environment-agnostic
const catalog = new projenrc.SourceCatalog(repo, {
  app, config, platformLink, rawZone, dms, dmsPostgres, dmsMysql, curationAws, governance, operations,
});
for (const entry of JSON.parse(fs.readFileSync(entriesFile, 'utf8'))) catalog.add(entry);
process.env.PROJEN_DISABLE_POST = 'true'; // no npm install: node_modules is the real workspace's
repo.synth();
const done = performance.now();
process.stdout.write(`${JSON.stringify({ loadMs: loaded - started, synthMs: done - loaded })}\n`);
