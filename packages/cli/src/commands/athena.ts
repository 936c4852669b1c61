import { parseArgs } from 'node:util';
import {
  ATHENA_PRICE_PER_TB_USD,
  AthenaQueryClient,
  AthenaQueryClientOptions,
  AthenaQueryError,
  AthenaQueryResult,
  AthenaQueryStopped,
  formatBytes,
  formatDollars,
  OutputFormat,
  parseAt,
  renderRows,
  rewriteTimeTravel,
  RunOptions,
  snapshotHistorySql,
  streamSink,
  TableNameError,
  TextSink,
  TimeTravelError,
} from '@cdc-lakehouse/query';
import { CliCommand, CliIo, ExitCode, UsageError } from '../command';

/** Exit code after Ctrl-C (128 + SIGINT), as shells report it. */
export const EXIT_INTERRUPTED = 130;

const FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

export const QUERY_HELP = `Usage: lakehouse query --athena --workgroup <workgroup> [--database <database>] [--format table|csv|json]
                       [--at <time>] [--price-per-tb <dollars>] "<SQL>"

Runs one SQL statement on Amazon Athena and streams its rows to standard output,
page by page. A summary goes to standard error:
  query <id>: <rows> rows, <bytes> scanned, ~$<cost>, <seconds> s
Ctrl-C stops the query in Athena (StopQueryExecution). For the local lakehouse
use \`lakehouse local query\`.

Options:
  --athena               run on Athena (required: the only engine of this command)
  --workgroup <name>     Athena workgroup, e.g. lakehouse-analysts (it sets the results
                         location, encryption and the bytes-scanned limit)
  --database <name>      database for unqualified table names, e.g. curated_orders
  --format <format>      table (default), csv or json (JSON lines)
  --at <time>            time travel: read every table of a SELECT as of this time;
                         2024-05-01, 2024-05-01T12:00:00 (UTC unless a zone is given,
                         e.g. 2024-05-01T14:00:00+02:00) or relative: -30m, -6h, -1d, -2w
  --price-per-tb <usd>   price per TB scanned for the cost estimate (default ${ATHENA_PRICE_PER_TB_USD.toFixed(2)};
                         Athena bills at least 10 MB per query)
  -h, --help             show this help

Arrays, maps and rows arrive from Athena as display text and are turned into JSON
best effort; CAST(x AS JSON) in the query is exact.
AWS credentials and region come from the standard chain (AWS_PROFILE, AWS_REGION, ...).

Exit codes: 0 done, 1 the query failed or was cancelled in Athena,
            2 bad usage or Athena could not be called, 130 interrupted (Ctrl-C).

Examples:
  lakehouse query --athena --workgroup lakehouse-analysts --database curated_orders "SELECT * FROM items LIMIT 10"
  lakehouse query --athena --workgroup lakehouse-analysts --at -1d --format csv "SELECT count(*) FROM curated_orders.items"`;

export const HISTORY_HELP = `Usage: lakehouse history [--workgroup <workgroup>] [--database <database>] [--format table|csv|json]
                         [--price-per-tb <dollars>] <table | database.table>

Lists the snapshots of an Iceberg table on Athena, oldest first:
  SELECT committed_at, snapshot_id, parent_id, operation, summary FROM "db"."table$snapshots"
Use a committed_at with \`lakehouse query --athena --at\` to read the table as it was then.

Options:
  --workgroup <name>     Athena workgroup (default: Athena's primary workgroup)
  --database <name>      database when the table is given without one
  --format <format>      table (default), csv or json (JSON lines)
  --price-per-tb <usd>   price per TB scanned for the cost estimate (default ${ATHENA_PRICE_PER_TB_USD.toFixed(2)})
  -h, --help             show this help

Example:
  lakehouse history --workgroup lakehouse-analysts curated_orders.items`;

/** The options `lakehouse query` parses (its help lists each). */
export const QUERY_OPTIONS = {
  'athena': { type: 'boolean' },
  'workgroup': { type: 'string' },
  'database': { type: 'string' },
  'format': { type: 'string' },
  'at': { type: 'string' },
  'price-per-tb': { type: 'string' },
  'help': { type: 'boolean', short: 'h' },
} as const;

/** `lakehouse history` takes the query options but --athena (it only runs there) and --at (it lists every snapshot). */
const { athena: _athena, at: _at, ...historyOptions } = QUERY_OPTIONS;

/** The options `lakehouse history` parses (its help lists each). */
export const HISTORY_OPTIONS = historyOptions;

const VALUE_EXAMPLES: Readonly<Record<string, string>> = {
  'workgroup': 'lakehouse-analysts',
  'database': 'curated_orders',
  'format': 'csv',
  'at': '-1d',
  'price-per-tb': '5',
};

/** A statement to run on Athena, from `lakehouse query` or `lakehouse history`. */
export interface AthenaRequest {
  readonly sql: string;
  readonly workGroup?: string;
  readonly database?: string;
  readonly format: OutputFormat;
  readonly pricePerTerabyte: number;
}

type ParsedValues = Record<string, string | boolean | undefined>;

function parse(command: string, args: readonly string[], options: typeof QUERY_OPTIONS | typeof HISTORY_OPTIONS): {
  values: ParsedValues;
  positionals: string[];
} {
  try {
    const parsed = parseArgs({ args: [...args], options, strict: true, allowPositionals: true });
    return { values: parsed.values as ParsedValues, positionals: parsed.positionals };
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const message = err instanceof Error ? err.message : String(err);
    const names = Object.keys(options).map((name) => `--${name}`).join(', ');
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const option = /'([^']+)'/.exec(message)?.[1] ?? 'option';
      return failUsage(`unknown option ${option}; options are ${names} (see lakehouse ${command} --help)`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = /--([a-z-]+)/.exec(message)?.[1];
      return failUsage(option === undefined
        ? `an option is missing its value; see lakehouse ${command} --help`
        : `--${option} needs a value, e.g. --${option} ${VALUE_EXAMPLES[option] ?? '<value>'}`);
    }
    return failUsage(`${message.split('\n')[0]} (see lakehouse ${command} --help)`);
  }
}

function failUsage(message: string): never {
  throw new UsageError(message);
}

function formatOption(value: string | boolean | undefined): OutputFormat {
  if (value === undefined) {
    return 'table';
  }
  const format = String(value).trim().toLowerCase() as OutputFormat;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`unknown --format ${JSON.stringify(value)}; choose table, csv or json`);
  }
  return format;
}

function priceOption(value: string | boolean | undefined): number {
  if (value === undefined) {
    return ATHENA_PRICE_PER_TB_USD;
  }
  const text = String(value).trim();
  const price = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(price)) {
    throw new UsageError(`--price-per-tb must be a price in US dollars such as 5 or 6.25, not ${JSON.stringify(value)}`);
  }
  return price;
}

function nameOption(option: string, value: string | boolean | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  const text = String(value).trim();
  if (text === '') {
    throw new UsageError(`--${option} is empty; give a name, e.g. --${option} ${VALUE_EXAMPLES[option]}`);
  }
  return text;
}

/** `--at -6h` as `--at=-6h`: node:util parseArgs takes a value starting with a dash for an option. */
function joinRelativeAt(args: readonly string[]): string[] {
  const joined: string[] = [];
  for (let index = 0; index < args.length; index += 1) {
    if (args[index] === '--at' && /^-\d+\s*[smhdw]$/.test(args[index + 1] ?? '')) {
      joined.push(`--at=${args[index + 1]}`);
      index += 1;
    } else {
      joined.push(args[index]);
    }
  }
  return joined;
}

/**
 * Parses `lakehouse query` arguments. Returns `'help'` for --help; throws UsageError (one line) for bad input,
 * including an `--at` that cannot be read or a statement `--at` cannot rewrite.
 */
export function parseQueryArgs(args: readonly string[], now: Date = new Date()): AthenaRequest | 'help' {
  const { values, positionals } = parse('query', joinRelativeAt(args), QUERY_OPTIONS);
  if (values.help === true) {
    return 'help';
  }
  if (values.athena !== true) {
    throw new UsageError('this command runs on Athena: add --athena --workgroup <workgroup>; for the local lakehouse use `lakehouse local query`');
  }
  const workGroup = nameOption('workgroup', values.workgroup);
  if (workGroup === undefined) {
    throw new UsageError('missing --workgroup; give the Athena workgroup, e.g. --workgroup lakehouse-analysts');
  }
  const format = formatOption(values.format);
  const pricePerTerabyte = priceOption(values['price-per-tb']);
  const database = nameOption('database', values.database);
  if (positionals.length === 0 || positionals[0].trim() === '') {
    throw new UsageError('missing the SQL; give one statement in quotes, e.g. "SELECT * FROM items LIMIT 10"');
  }
  if (positionals.length > 1) {
    throw new UsageError(`${positionals.length} SQL arguments; put the whole statement in one pair of quotes`);
  }
  let sql = positionals[0];
  if (values.at !== undefined) {
    try {
      sql = rewriteTimeTravel(sql, parseAt(String(values.at), now));
    } catch (err) {
      if (err instanceof TimeTravelError) {
        throw new UsageError(err.message);
      }
      throw err;
    }
  }
  return { sql, workGroup, database, format, pricePerTerabyte };
}

/** Parses `lakehouse history` arguments; `'help'` for --help; UsageError (one line) for bad input. */
export function parseHistoryArgs(args: readonly string[]): AthenaRequest | 'help' {
  const { values, positionals } = parse('history', args, HISTORY_OPTIONS);
  if (values.help === true) {
    return 'help';
  }
  const format = formatOption(values.format);
  const pricePerTerabyte = priceOption(values['price-per-tb']);
  const database = nameOption('database', values.database);
  const workGroup = nameOption('workgroup', values.workgroup);
  if (positionals.length !== 1) {
    throw new UsageError(positionals.length === 0
      ? 'missing the table; give TABLE or DATABASE.TABLE, e.g. lakehouse history curated_orders.items'
      : `give one table, not ${positionals.length}: ${positionals.join(' ')}`);
  }
  let sql: string;
  try {
    sql = snapshotHistorySql(positionals[0], database);
  } catch (err) {
    if (err instanceof TableNameError) {
      throw new UsageError(err.message);
    }
    throw err;
  }
  return { sql, workGroup, database, format, pricePerTerabyte };
}

/** What the Athena commands use; tests replace them. */
export interface AthenaCommandDeps {
  /** The client for a request (default: AthenaQueryClient on the SDK's standard chain). */
  readonly client?: (options: AthenaQueryClientOptions) => Pick<AthenaQueryClient, 'run' | 'stop'>;
  /** Where rows go (default: standard output, with backpressure; a closed pipe such as `| head` ends quietly). */
  readonly stdout?: () => TextSink;
  /** Registers a Ctrl-C listener; returns its removal (default: process SIGINT). */
  readonly onInterrupt?: (listener: () => void) => () => void;
  /** The current time, for relative `--at` values. */
  readonly now?: () => Date;
}

const processInterrupt = (listener: () => void): (() => void) => {
  process.once('SIGINT', listener);
  return () => {
    process.removeListener('SIGINT', listener);
  };
};

/** `query <id>: 3 rows, 10.00 MB scanned, ~$0.000048, 1.25 s` */
export function formatQuerySummary(result: AthenaQueryResult, rows: number): string {
  const { statistics } = result;
  const seconds = (statistics.engineExecutionMillis / 1000).toFixed(2);
  return `query ${result.queryExecutionId}: ${rows} row${rows === 1 ? '' : 's'}, ${formatBytes(statistics.dataScannedBytes)} scanned, `
    + `~$${formatDollars(statistics.costUsd)}, ${seconds} s`;
}

/** Runs a request: rows to the sink, the summary (or a one-line error) to io.err; resolves to the exit code. */
async function runRequest(command: string, request: AthenaRequest, io: CliIo, deps: AthenaCommandDeps): Promise<number> {
  const client = (deps.client ?? ((options) => new AthenaQueryClient(options)))({
    workGroup: request.workGroup,
    database: request.database,
    pricePerTerabyte: request.pricePerTerabyte,
  });
  const controller = new AbortController();
  const removeListener = (deps.onInterrupt ?? processInterrupt)(() => controller.abort());
  let queryId: string | undefined;
  const options: RunOptions = { signal: controller.signal, onStarted: (id) => { queryId = id; } };
  try {
    const result = await client.run(request.sql, options);
    const { rows } = await renderRows(result, (deps.stdout ?? (() => streamSink(process.stdout)))(), { format: request.format });
    if (controller.signal.aborted) {
      // Interrupted while the rows were being written: the query had finished.
      io.err(`lakehouse ${command}: interrupted after ${rows} rows of Athena query ${result.queryExecutionId}`);
      return EXIT_INTERRUPTED;
    }
    io.err(formatQuerySummary(result, rows));
    return ExitCode.OK;
  } catch (err) {
    if (controller.signal.aborted && queryId !== undefined) {
      if (!(err instanceof AthenaQueryStopped)) {
        // Interrupted between result pages: stopping a finished query is harmless, and the signal is honoured.
        try {
          await client.stop(queryId);
        } catch (stopError) {
          const reason = stopError instanceof Error ? stopError.message.split('\n')[0] : String(stopError);
          io.err(`lakehouse ${command}: interrupted, but StopQueryExecution failed (${reason}); `
            + `stop it with: aws athena stop-query-execution --query-execution-id ${queryId}`);
          return EXIT_INTERRUPTED;
        }
      }
      io.err(`lakehouse ${command}: interrupted; stopped Athena query ${queryId} (StopQueryExecution sent)`);
      return EXIT_INTERRUPTED;
    }
    if (err instanceof AthenaQueryError) {
      io.err(`lakehouse ${command}: ${err.message}`);
      return err.queryExecutionId === undefined ? ExitCode.ERROR : ExitCode.FAILED;
    }
    throw err;
  } finally {
    removeListener();
  }
}

/** `lakehouse query --athena …`, with its collaborators injectable for tests. */
export function makeQueryCommand(deps: AthenaCommandDeps = {}): CliCommand {
  return {
    name: 'query',
    summary: 'run SQL on Athena (--athena) and stream the rows as a table, CSV or JSON lines; --at for time travel',
    help: QUERY_HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const request = parseQueryArgs(args, (deps.now ?? (() => new Date()))());
      if (request === 'help') {
        QUERY_HELP.split('\n').forEach((line) => io.out(line));
        return ExitCode.OK;
      }
      return runRequest('query', request, io, deps);
    },
  };
}

/** `lakehouse history TABLE`, with its collaborators injectable for tests. */
export function makeHistoryCommand(deps: AthenaCommandDeps = {}): CliCommand {
  return {
    name: 'history',
    summary: 'list the snapshots of an Iceberg table on Athena (times to use with query --at)',
    help: HISTORY_HELP,
    async run(args: readonly string[], io: CliIo): Promise<number> {
      const request = parseHistoryArgs(args);
      if (request === 'help') {
        HISTORY_HELP.split('\n').forEach((line) => io.out(line));
        return ExitCode.OK;
      }
      return runRequest('history', request, io, deps);
    },
  };
}

export const queryCommand = makeQueryCommand();
export const historyCommand = makeHistoryCommand();
