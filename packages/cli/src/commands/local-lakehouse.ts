import { CURATION_ENGINES, main as localLakehouse } from '@cdc-lakehouse/local-lakehouse';
import { CliCommand } from '../command';

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
    run: async (args) => localLakehouse([name, ...args]),
  };
}

export const demoCommand = delegate(
  'demo',
  'run the local lakehouse end to end: embedded PostgreSQL, capture, curate, verify, a sample query',
);

export const localCommand = delegate(
  'local',
  `the local lakehouse step by step: capture | curate (--engine ${CURATION_ENGINES.map((e) => e.name).join('|')}) | query | verify`,
);
