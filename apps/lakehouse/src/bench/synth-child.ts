// Child process of the scale bench: builds the lakehouse app from a compiled copy of the platform app (with its generated
// sources) and synthesizes it, environment-agnostic. Usage: node synth-child.js <build dir> <assembly outdir> <context.json>
// Prints one JSON line: { loadMs, constructMs, synthMs, maxRssMb, stacks }.
import * as fs from 'fs';
import * as path from 'path';

const [buildDir, outdir, contextFile] = process.argv.slice(2);
const started = performance.now();
/* eslint-disable @typescript-eslint/no-require-imports */
const { App } = require(require.resolve('aws-cdk-lib', { paths: [buildDir] })); // the instance the copy uses
const { buildLakehouseApp } = require(path.join(buildDir, 'apps/platform/src/lakehouse-app.js'));
/* eslint-enable @typescript-eslint/no-require-imports */
const loaded = performance.now();
const app = new App({ outdir, context: JSON.parse(fs.readFileSync(contextFile, 'utf8')) });
const { sources } = buildLakehouseApp(app);
const constructed = performance.now();
app.synth();
const synthesized = performance.now();
process.stdout.write(`${JSON.stringify({
  loadMs: loaded - started,
  constructMs: constructed - loaded,
  synthMs: synthesized - constructed,
  maxRssMb: process.resourceUsage().maxRSS / 1024,
  sources: sources.length,
})}\n`);
