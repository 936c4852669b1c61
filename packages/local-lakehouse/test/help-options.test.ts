import { run } from './helpers/run-cli';
import { HELP, helpOptionNames as listedOptionNames } from '../src/cli/help';
import { COMMAND_OPTIONS } from '../src/cli/options';

/** The option names a help text lists in its `Options:` section (the section must be there). */
function helpOptionNames(help: string): string[] {
  const names = listedOptionNames(help);
  expect(names).toBeDefined();
  return names!;
}

describe('every command\'s --help lists exactly the options it parses', () => {
  test('each help text belongs to a command with options, and each such command has one', () => {
    expect(Object.keys(HELP).sort()).toEqual(Object.keys(COMMAND_OPTIONS).sort());
  });

  test.each(Object.entries(COMMAND_OPTIONS))('lakehouse %s', async (command, options) => {
    // parseCommandArgs adds --help (-h) to every command
    expect(helpOptionNames(HELP[command])).toEqual([...Object.keys(options), 'help'].sort());
    const printed = await run([...command.split(' '), '--help']);
    expect(printed).toEqual({ code: 0, stdout: `${HELP[command]}\n`, stderr: '' });
  });

  test('local query --help names --format and its three values', () => {
    expect(HELP['local query']).toMatch(/^ {2}--format F +table \(default[^\n]*\), csv[^\n]*\n[^\n]* or json /m);
  });
});
