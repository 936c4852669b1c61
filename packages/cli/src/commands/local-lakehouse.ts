import { CURATION_ENGINES, main as localLakehouse } from '@cdc-lakehouse/local-lakehouse';
import { CliCommand, ExitCode } from '../command';
import { versionLine } from '../version';

/**
 * `lakehouse demo` and `lakehouse local …` are implemented by @cdc-lakehouse/local-lakehouse, which
 * writes to the process streams itself (progress lines need the terminal), so these commands only
 * hand their arguments over.
 */
function delegate(name: string, summary: string): CliCommand {
  return {
    name,
    summary,
    help: `Run \`lakehouse ${name} --help\`.`,
    run: async (args, io) => {
      // `lakehouse local --version`: the same version as `lakehouse --version` (local-lakehouse ships inside the CLI)
      if (name === 'local' && args.length === 1 && args[0] === '--version') {
        io.out(versionLine());
        return ExitCode.OK;
      }
      return localLakehouse([name, ...args]);
    },
  };
}

export const demoCommand = delegate(
  'demo',
  'run the local lakehouse end to end: embedded PostgreSQL and MariaDB, capture, curate, verify, a query joining both',
);

export const localCommand = delegate(
  'local',
  `the local lakehouse step by step: capture | curate (--engine ${CURATION_ENGINES.map((e) => e.name).join('|')}) | query | verify | status | slots`,
);
