import { CliCommand, CliIo, ExitCode, UsageError } from './command';
import { historyCommand, queryCommand } from './commands/athena';
import { demoCommand, localCommand } from './commands/local-lakehouse';
import { preflightCommand } from './commands/preflight';
import { versionLine } from './version';

/** Every `lakehouse` command, in help order. */
export const COMMANDS: readonly CliCommand[] = [demoCommand, historyCommand, localCommand, preflightCommand, queryCommand];

/** An option of a command table itself (before any command), e.g. `--version`: name and one line of help. */
export type TableOption = readonly [name: string, summary: string];

/** The options of `lakehouse` itself. */
export const TOP_LEVEL_OPTIONS: readonly TableOption[] = [
  ['-h, --help', 'show this help'],
  ['--version', 'print the version of the lakehouse command (@cdc-lakehouse/cli)'],
];

/** The text of `lakehouse --help` for a command table, with the table's own options when it has any. */
export function commandTableHelp(program: string, commands: readonly CliCommand[], options: readonly TableOption[] = []): string {
  const width = Math.max(...commands.map((command) => command.name.length));
  const optionWidth = Math.max(0, ...options.map(([name]) => name.length));
  return [
    `Usage: ${program} <command> [options]`,
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    ...(options.length > 0 ? ['', 'Options:', ...options.map(([name, summary]) => `  ${name.padEnd(optionWidth)}  ${summary}`)] : []),
    '',
    `Run \`${program} <command> --help\` for the options of a command.`,
  ].join('\n');
}

function writeLines(write: (line: string) => void, text: string): void {
  for (const line of text.split('\n')) {
    write(line);
  }
}

/**
 * Dispatches `args` to a command of `commands`: `--help` prints the table,
 * an unknown command is a usage error. `program` is the prefix for help and
 * messages (`lakehouse`, later `lakehouse local`).
 */
export async function runCommandTable(
  program: string, commands: readonly CliCommand[], args: readonly string[], io: CliIo, options: readonly TableOption[] = [],
): Promise<number> {
  const [name, ...rest] = args;
  if (name === '--help' || name === '-h' || name === 'help') {
    writeLines(io.out, commandTableHelp(program, commands, options));
    return ExitCode.OK;
  }
  if (name === undefined) {
    writeLines(io.err, commandTableHelp(program, commands, options));
    return ExitCode.ERROR;
  }
  const command = commands.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const known = commands.map((candidate) => candidate.name).join(', ');
    const what = name.startsWith('-') ? `unknown option ${name}` : `unknown command ${JSON.stringify(name)}`;
    io.err(`${program}: ${what}; commands: ${known} (see \`${program} --help\`)`);
    return ExitCode.ERROR;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${program} ${command.name}: ${err.message}`);
      return ExitCode.ERROR;
    }
    throw err;
  }
}

/** Runs the `lakehouse` command line; resolves to the process exit code. `--version` prints `lakehouse <version>`. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  if (args[0] === '--version') {
    if (args.length > 1) {
      io.err(`lakehouse: --version takes nothing after it (got ${args.slice(1).join(' ')})`);
      return ExitCode.ERROR;
    }
    io.out(versionLine());
    return ExitCode.OK;
  }
  return runCommandTable('lakehouse', COMMANDS, args, io, TOP_LEVEL_OPTIONS);
}
