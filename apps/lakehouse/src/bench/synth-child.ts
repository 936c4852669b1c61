// Child process of the scale bench: builds the platform app and the lakehouse app from compiled copies (with the generated
// sources) and synthesizes both, environment-agnostic, into <outdir>/platform and <outdir>/lakehouse.
// Usage: node synth-child.js <build dir> <assembly outdir> <context.json>
// Prints one JSON line: { loadMs, constructMs, synthMs, maxRssMb, stacks }.
import * as fs from 'fs';
import * as path from 'path';

const [buildDir, outdir, contextFile] = process.argv.slice(2);
const started = performance.now();
/* eslint-disable @typescript-eslint/no-require-imports */
const { App } = require(require.resolve('aws-cdk-lib', { paths: [buildDir] })); // the instance the copy uses
const { buildPlatformApp } = require(path.join(buildDir, 'apps/platform/src/platform-app.js'));
const { buildLakehouseApp } = require(path.join(buildDir, 'apps/lakehouse/src/lakehouse-app.js'));
/* eslint-enable @typescript-eslint/no-require-imports */
const loaded = performance.now();
const context = JSON.parse(fs.readFileSync(contextFile, 'utf8'));
const platformApp = new App({ outdir: path.join(outdir, 'platform'), context });
buildPlatformApp(platformApp);
const app = new App({ outdir: path.join(outdir, 'lakehouse'), context });
const { sources } = buildLakehouseApp(app);
const constructed = performance.now();
platformApp.synth();
app.synth();
const synthesized = performance.now();
process.stdout.write(`${JSON.stringify({
  loadMs: loaded - started,
  constructMs: constructed - loaded,
  synthMs: synthesized - constructed,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  sources: sources.length,
})}\n`);
