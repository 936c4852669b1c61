import { parseArgs } from 'node:util';
import {
  CheckResult,
  ConnectionUrlError,
  exampleUrl,
  maskConnectionUrl,
  parseConnectionUrl,
  parseTablePattern,
  preflight,
  PreflightOptions,
  SOURCE_ENGINES,
  SourceConnectionError,
  SourceEngine,
  splitTableList,
  summarizeResults,
  TablePatternError,
} from '@cdc-lakehouse/source-setup';
import { CliCommand, CliIo, ExitCode, UsageError } from '../command';

/** What `lakehouse preflight` was asked to do. */
export interface PreflightRequest {
  readonly engine: SourceEngine;
  /** The connection URL as given (contains the password: never print it). */
  readonly url: string;
  /** The URL with the password masked, for output. */
  readonly maskedUrl: string;
  /** Table selectors; empty means every user table. */
  readonly tables: readonly string[];
  readonly tasks: number;
  /** `--json`: one JSON document on stdout instead of the report lines. */
  readonly json: boolean;
}

export const PREFLIGHT_HELP = `Usage: lakehouse preflight --engine postgres|mysql --url <connection url> [--tables schema.t1,schema.t2] [--tasks N] [--json]

Checks a live source database against what AWS DMS needs for change data capture:
server settings, replication slots, the user's rights, and the selected tables.
Prints one line per requirement (PASS, FAIL or WARN), a fix for each failure,
and a summary.

Options:
  --engine <engine>  postgres or mysql (MySQL and MariaDB)
  --url <url>        connection URL, e.g. postgres://user:password@host:5432/database
                     or mysql://user:password@host:3306/database; percent-encode
                     special characters. The password is never printed.
  --tables <list>    comma-separated schema.table selectors (MySQL: database.table);
                     % matches any characters. Default: every user table.
  --tasks <n>        DMS tasks that will read this database (default 1)
  --json             print one JSON document on stdout instead: ok, the masked url,
                     summary {passed, failed, warned}, and checks [{id, status, detail,
                     fix}]; when the database cannot be reached, ok false and error
  -h, --help         show this help

Exit codes: 0 nothing failed, 1 a requirement failed,
            2 bad usage or the database could not be reached.

Examples:
  lakehouse preflight --engine postgres --url postgres://dms:secret@db:5432/app --tables public.orders,public.order_items
  lakehouse preflight --engine mysql --url mysql://dms:secret@db:3306/shop --tables 'shop.%' --tasks 2`;

/** Accepted --engine values. */
const ENGINE_ALIASES = new Map<string, SourceEngine>([['postgres', 'postgres'], ['postgresql', 'postgres'], ['mysql', 'mysql'], ['mariadb', 'mysql']]);

/** The options `lakehouse preflight` parses (its help lists each). */
export const PREFLIGHT_OPTIONS = {
  engine: { type: 'string' },
  url: { type: 'string' },
  tables: { type: 'string' },
  tasks: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const VALUE_EXAMPLES = new Map([
  ['engine', 'postgres'],
  ['url', 'postgres://user:password@host:5432/database'],
  ['tables', 'public.orders,public.order_items'],
  ['tasks', '2'],
]);

/** One-line messages for node:util parseArgs errors; never echoes values (they may hold a password). */
function parseArgsMessage(err: unknown, args: readonly string[]): string {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? 'option';
    return `unknown option ${maskConnectionUrl(option)}; options are --engine, --url, --tables, --tasks, --json, --help`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /--([a-z]+)/.exec(message)?.[1];
    return option === undefined
      ? 'an option is missing its value; see lakehouse preflight --help'
      : `--${option} needs a value, e.g. --${option} ${VALUE_EXAMPLES.get(option) ?? '<value>'}`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const { tokens } = parseArgs({ args: [...args], options: PREFLIGHT_OPTIONS, strict: false, allowPositionals: true, tokens: true });
    const stray = tokens.find((token) => token.kind === 'positional')?.value;
    const shown = stray === undefined ? 'an argument' : JSON.stringify(maskConnectionUrl(stray));
    return `unexpected argument ${shown}; every value needs its option, e.g. --url <connection url>`;
  }
  return maskConnectionUrl(message);
}

/**
 * Parses the arguments of `lakehouse preflight`. Returns `'help'` for
 * --help; throws UsageError with a one-line message for bad input.
 */
export function parsePreflightArgs(args: readonly string[]): PreflightRequest | 'help' {
  let values: { engine?: string; url?: string; tables?: string; tasks?: string; json?: boolean; help?: boolean };
  try {
    values = parseArgs({ args: [...args], options: PREFLIGHT_OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError(parseArgsMessage(err, args));
  }
  if (values.help === true) {
    return 'help';
  }

  if (values.engine === undefined) {
    throw new UsageError(`missing --engine; choose ${SOURCE_ENGINES.join(' or ')}, e.g. --engine postgres`);
  }
  const engine = ENGINE_ALIASES.get(values.engine.trim().toLowerCase());
  if (engine === undefined) {
    throw new UsageError(`unknown engine ${JSON.stringify(values.engine)} for --engine; choose ${SOURCE_ENGINES.join(' or ')}`);
  }
  const sourceEngine = engine;

  if (values.url === undefined || values.url.trim() === '') {
    throw new UsageError(`missing --url; give the connection URL, e.g. --url ${exampleUrl(sourceEngine)}`);
  }
  let target;
  try {
    target = parseConnectionUrl(sourceEngine, values.url);
  } catch (err) {
    if (err instanceof ConnectionUrlError) {
      throw new UsageError(`--url: ${err.message}`);
    }
    throw err;
  }

  const tables = values.tables === undefined ? [] : splitTableList(values.tables);
  if (values.tables !== undefined && tables.length === 0) {
    throw new UsageError('--tables is empty; give comma-separated schema.table selectors, or leave it out to check every table');
  }
  const defaultSchema = sourceEngine === 'postgres' ? 'public' : target.database;
  for (const table of tables) {
    try {
      parseTablePattern(table, { defaultSchema });
    } catch (err) {
      if (err instanceof TablePatternError) {
        const hint = sourceEngine === 'mysql' && defaultSchema === undefined ? ' (or name a database in --url)' : '';
        throw new UsageError(`--tables: ${err.message}${hint}`);
      }
      throw err;
    }
  }

  let tasks = 1;
  if (values.tasks !== undefined) {
    if (!/^\d+$/.test(values.tasks.trim()) || Number(values.tasks) < 1) {
      throw new UsageError(`--tasks must be a whole number of at least 1, not ${JSON.stringify(values.tasks)}`);
    }
    tasks = Number(values.tasks);
  }

  return { engine: sourceEngine, url: values.url, maskedUrl: target.masked, tables, tasks, json: values.json === true };
}

const STATUS_LABELS: Record<CheckResult['status'], string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' };
const FIX_INDENT = '      ';

/**
 * The report: `PASS|FAIL|WARN  <id>  <detail>` per requirement, an indented
 * `fix:` line (continuation lines aligned under it) after each failure and
 * warning, then the summary line.
 */
export function formatPreflightReport(results: readonly CheckResult[], maskedUrl: string): string[] {
  const lines: string[] = [];
  for (const result of results) {
    lines.push(`${STATUS_LABELS[result.status]}  ${result.id}  ${result.detail}`);
    if (result.status !== 'pass' && result.fix !== '') {
      const [first, ...more] = result.fix.split('\n');
      lines.push(`${FIX_INDENT}fix: ${first}`);
      lines.push(...more.map((line) => `${FIX_INDENT}     ${line}`));
    }
  }
  lines.push(formatSummary(results, maskedUrl));
  return lines;
}

/** `OK: 8 passed, 0 failed, 0 warnings (postgres://dms:***@db:5432/app)`; FAILED when anything failed. */
export function formatSummary(results: readonly CheckResult[], maskedUrl: string): string {
  const { passed, failed, warned } = summarizeResults(results);
  const verdict = failed > 0 ? 'FAILED' : 'OK';
  return `${verdict}: ${passed} passed, ${failed} failed, ${warned} warning${warned === 1 ? '' : 's'} (${maskedUrl})`;
}

/** `lakehouse preflight --json`: the document on stdout. */
export interface PreflightJsonReport {
  /** True when no requirement failed (warnings do not fail) and the database could be checked. */
  readonly ok: boolean;
  /** The connection URL with the password masked. */
  readonly url: string;
  /** How many checks passed, failed and warned. */
  readonly summary: { readonly passed: number; readonly failed: number; readonly warned: number };
  /** Every check, in the order the text report lists them. */
  readonly checks: readonly CheckResult[];
  /** Why nothing could be checked (exit code 2); absent otherwise. */
  readonly error?: string;
}

/** The `--json` document for `results`, or for a run that could not check anything (`error`). */
export function preflightJsonReport(results: readonly CheckResult[], maskedUrl: string, error?: string): PreflightJsonReport {
  const { passed, failed, warned } = summarizeResults(results);
  return {
    ok: error === undefined && failed === 0,
    url: maskedUrl,
    summary: { passed, failed, warned },
    checks: results.map(({ id, status, detail, fix }) => ({ id, status, detail, fix })),
    ...(error === undefined ? {} : { error }),
  };
}

/** The exit code for a report: 1 when a requirement failed, else 0 (warnings do not fail). */
export function preflightExitCode(results: readonly CheckResult[]): number {
  return results.some((result) => result.status === 'fail') ? ExitCode.FAILED : ExitCode.OK;
}

/** Runs a preflight; replaceable in tests. */
export type PreflightRunner = (options: PreflightOptions) => Promise<CheckResult[]>;

/** `lakehouse preflight`, with the runner injectable for tests. */
export function makePreflightCommand(runner: PreflightRunner = preflight): CliCommand {
  return {
    name: 'preflight',
    summary: 'check a source database against the DMS change-data-capture requirements',
    help: PREFLIGHT_HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const request = parsePreflightArgs(args);
      if (request === 'help') {
        PREFLIGHT_HELP.split('\n').forEach((line) => io.out(line));
        return ExitCode.OK;
      }
      let results: CheckResult[];
      try {
        results = await runner({
          engine: request.engine,
          connectionString: request.url,
          tables: request.tables.length === 0 ? undefined : request.tables,
          expectedTasks: request.tasks,
        });
      } catch (err) {
        if (err instanceof SourceConnectionError || err instanceof ConnectionUrlError || err instanceof TablePatternError) {
          if (request.json) io.out(JSON.stringify(preflightJsonReport([], request.maskedUrl, err.message), null, 2));
          io.err(`lakehouse preflight: ${err.message}`);
          return ExitCode.ERROR;
        }
        throw err;
      }
      if (request.json) io.out(JSON.stringify(preflightJsonReport(results, request.maskedUrl), null, 2));
      else formatPreflightReport(results, request.maskedUrl).forEach((line) => io.out(line));
      return preflightExitCode(results);
    },
  };
}

export const preflightCommand = makePreflightCommand();
