import { OptionSpecs } from './args';

/** The options that name an engine's target, shared by curate, query and verify. */
const TARGET_OPTIONS = { lake: { type: 'string' }, warehouse: { type: 'string' }, engine: { type: 'string' } } as const;

/**
 * The options of every command, by command (`--help`/`-h` is added to each by `parseCommandArgs`). Each command's
 * help text in `help.ts` lists exactly these; a unit test compares the two.
 */
export const COMMAND_OPTIONS = {
  'demo': {
    rows: { type: 'string' },
    keep: { type: 'string' },
  },
  'local capture': {
    'source': { type: 'string' },
    'raw': { type: 'string' },
    'tables': { type: 'string' },
    'exclude': { type: 'string' },
    'slot': { type: 'string' },
    'until-caught-up': { type: 'boolean' },
    'interval': { type: 'string' },
    'max-file-size': { type: 'string' },
    'compression': { type: 'string' },
    'stats': { type: 'string' },
    'chunk-rows': { type: 'string' },
  },
  'local curate': {
    ...TARGET_OPTIONS,
    raw: { type: 'string' },
    follow: { type: 'boolean' },
    interval: { type: 'string' },
    plans: { type: 'string' },
  },
  'local query': {
    ...TARGET_OPTIONS,
    format: { type: 'string' },
  },
  'local verify': {
    ...TARGET_OPTIONS,
    source: { type: 'string' },
    tables: { type: 'string' },
    exclude: { type: 'string' },
    json: { type: 'boolean' },
  },
  'local slots': {
    'source': { type: 'string' },
    'drop': { type: 'string' },
    'drop-inactive': { type: 'boolean' },
    'json': { type: 'boolean' },
  },
  'local status': {
    raw: { type: 'string' },
    source: { type: 'string' },
    json: { type: 'boolean' },
  },
} as const satisfies Record<string, OptionSpecs>;

/** A command that has options: `demo`, `local capture`, … */
export type CommandName = keyof typeof COMMAND_OPTIONS;
