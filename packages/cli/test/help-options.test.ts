import * as fs from 'node:fs';
import * as path from 'node:path';
import { helpOptionNames as listedOptionNames } from '@cdc-lakehouse/local-lakehouse';
import { COMMANDS, runCli } from '../src/cli';
import { CliIo } from '../src/command';
import { HISTORY_OPTIONS, QUERY_OPTIONS } from '../src/commands/athena';
import { PREFLIGHT_OPTIONS } from '../src/commands/preflight';

function captureIo(): CliIo & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (line) => stdout.push(line), err: (line) => stderr.push(line) };
}

/** The option names a help text lists in its `Options:` section (the section must be there). */
function helpOptionNames(help: string): string[] {
  const names = listedOptionNames(help);
  expect(names).toBeDefined();
  return names!;
}

const OWN_COMMANDS: readonly [string, Record<string, unknown>][] = [
  ['preflight', PREFLIGHT_OPTIONS],
  ['query', QUERY_OPTIONS],
  ['history', HISTORY_OPTIONS],
];

describe('every command\'s --help lists exactly the options it parses', () => {
  test.each(OWN_COMMANDS)('lakehouse %s', async (name, options) => {
    const command = COMMANDS.find((c) => c.name === name)!;
    expect(helpOptionNames(command.help)).toEqual(Object.keys(options).sort());
    const io = captureIo();
    expect(await runCli([name, '--help'], io)).toBe(0);
    expect(io.stdout.join('\n')).toBe(command.help);
  });

  test('demo and local print the help of @cdc-lakehouse/local-lakehouse (its own test compares their options)', () => {
    const delegated = COMMANDS.filter((c) => !OWN_COMMANDS.some(([name]) => name === c.name)).map((c) => c.name);
    expect(delegated).toEqual(['demo', 'local']);
  });

  test('the help of `lakehouse` itself lists its options', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    expect(helpOptionNames(io.stdout.join('\n'))).toEqual(['help', 'version']);
  });
});

describe('lakehouse --version', () => {
  const version = (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

  test('prints the version of the cli package, exit 0', async () => {
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const io = captureIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io).toMatchObject({ stdout: [`lakehouse ${version}`], stderr: [] });
  });

  test('lakehouse local --version prints the same', async () => {
    const io = captureIo();
    expect(await runCli(['local', '--version'], io)).toBe(0);
    expect(io).toMatchObject({ stdout: [`lakehouse ${version}`], stderr: [] });
  });

  test('anything after --version is a usage error, exit 2', async () => {
    const io = captureIo();
    expect(await runCli(['--version', 'demo'], io)).toBe(2);
    expect(io.stdout).toEqual([]);
    expect(io.stderr).toEqual(['lakehouse: --version takes nothing after it (got demo)']);
  });
});
