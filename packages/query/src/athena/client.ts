import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  GetQueryResultsCommandOutput,
  QueryExecution,
  Row,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
} from '@aws-sdk/client-athena';
import { Cell, ResultColumn, RowStream } from '../render';
import { athenaQueryCost, ATHENA_PRICE_PER_TB_USD } from './cost';
import { athenaCell, athenaColumns } from './values';

/** Waits `ms`; rejects with an AbortError when `signal` aborts first. Injectable so tests do not wait. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const defaultSleep: Sleep = (ms, signal) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) {
    reject(abortError());
    return;
  }
  const onAbort = (): void => {
    clearTimeout(timer);
    reject(abortError());
  };
  const timer = setTimeout(() => {
    signal?.removeEventListener('abort', onAbort);
    resolve();
  }, ms);
  signal?.addEventListener('abort', onAbort, { once: true });
});

function abortError(): Error {
  const error = new Error('aborted');
  error.name = 'AbortError';
  return error;
}

/** A query that failed, was cancelled, or that Athena refused; the message is one line. */
export class AthenaQueryError extends Error {
  constructor(message: string, readonly queryExecutionId?: string) {
    super(message);
    this.name = 'AthenaQueryError';
  }
}

/** The query was stopped on request (the caller's AbortSignal); StopQueryExecution has been sent. */
export class AthenaQueryStopped extends Error {
  constructor(readonly queryExecutionId: string) {
    super(`Athena query ${queryExecutionId} stopped (StopQueryExecution sent)`);
    this.name = 'AthenaQueryStopped';
  }
}

export interface AthenaQueryClientOptions {
  /** Athena workgroup (it decides the results location, encryption and the bytes-scanned limit); default: Athena's `primary`. */
  readonly workGroup?: string;
  /** Default database for unqualified table names. */
  readonly database?: string;
  /** Data catalog; default AwsDataCatalog. */
  readonly catalog?: string;
  /** Default: `new AthenaClient({})` (standard credential chain and region; AWS_ENDPOINT_URL is honoured by the SDK). */
  readonly athena?: AthenaClient;
  readonly sleep?: Sleep;
  /** Random number in [0, 1) for backoff jitter. */
  readonly random?: () => number;
  /** Calls made per request while Athena throttles (default 8), then the throttling error is raised. */
  readonly maxThrottleAttempts?: number;
  /** Rows per GetQueryResults page (Athena's maximum, 1000, by default). */
  readonly pageSize?: number;
  /** US dollars per terabyte scanned; default ATHENA_PRICE_PER_TB_USD. */
  readonly pricePerTerabyte?: number;
}

export interface AthenaQueryStatistics {
  readonly dataScannedBytes: number;
  readonly engineExecutionMillis: number;
  readonly totalExecutionMillis: number;
  /** Estimated US dollars (see athenaQueryCost). */
  readonly costUsd: number;
}

/** A finished query: its statistics and its rows, fetched page by page while `batches` is iterated. */
export interface AthenaQueryResult extends RowStream {
  readonly queryExecutionId: string;
  readonly statistics: AthenaQueryStatistics;
  readonly execution: QueryExecution;
}

export interface RunOptions {
  /** Aborting stops the query (StopQueryExecution) and rejects with AthenaQueryStopped. */
  readonly signal?: AbortSignal;
  /** Called with the id as soon as the query is started. */
  readonly onStarted?: (queryExecutionId: string) => void;
}

const POLL_FIRST_MS = 200;
const POLL_MAX_MS = 2_000;
const THROTTLE_BASE_MS = 250;
const THROTTLE_MAX_MS = 10_000;
const CATEGORY_NAMES: Readonly<Record<number, string>> = { 1: 'system', 2: 'user', 3: 'other' };

/** Throttling errors of Athena and the SDK; they are worth retrying after a pause. */
export function isThrottling(err: unknown): boolean {
  const { name, message, $metadata } = (err ?? {}) as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'ThrottlingException' || name === 'TooManyRequestsException' || name === 'ThrottledException'
    || /rate exceeded/i.test(message ?? '') || $metadata?.httpStatusCode === 429;
}

/**
 * Runs SQL on Athena and streams its results. One instance per workgroup/database; the methods can be used
 * separately (start, wait, results, stop) or through `run`.
 */
export class AthenaQueryClient {
  private readonly athena: AthenaClient;
  private readonly sleep: Sleep;
  private readonly random: () => number;
  private readonly maxThrottleAttempts: number;
  private readonly pageSize: number;
  private readonly pricePerTerabyte: number;

  constructor(private readonly options: AthenaQueryClientOptions) {
    this.athena = options.athena ?? new AthenaClient({});
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.maxThrottleAttempts = Math.max(1, options.maxThrottleAttempts ?? 8);
    this.pageSize = options.pageSize ?? 1000;
    this.pricePerTerabyte = options.pricePerTerabyte ?? ATHENA_PRICE_PER_TB_USD;
  }

  /** Starts, waits for and opens the results of `sql`. Aborting `signal` at any point stops the query. */
  async run(sql: string, options: RunOptions = {}): Promise<AthenaQueryResult> {
    const { signal } = options;
    const id = await this.start(sql);
    options.onStarted?.(id);
    try {
      const execution = await this.wait(id, signal);
      return await this.results(id, execution, signal);
    } catch (err) {
      if (signal?.aborted === true) {
        await this.stop(id);
        throw new AthenaQueryStopped(id);
      }
      throw err;
    }
  }

  /** StartQueryExecution; resolves to the query execution id. */
  async start(sql: string): Promise<string> {
    const output = await this.call('StartQueryExecution', undefined, () => this.athena.send(new StartQueryExecutionCommand({
      QueryString: sql,
      WorkGroup: this.options.workGroup,
      QueryExecutionContext: { Catalog: this.options.catalog ?? 'AwsDataCatalog', Database: this.options.database },
    })));
    if (output.QueryExecutionId === undefined) {
      throw new AthenaQueryError('Athena StartQueryExecution returned no QueryExecutionId');
    }
    return output.QueryExecutionId;
  }

  /**
   * Polls GetQueryExecution (200 ms, doubling up to 2 s) until the query leaves QUEUED/RUNNING. Resolves to the
   * execution when it SUCCEEDED; rejects with AthenaQueryError (one line) when it FAILED or was CANCELLED.
   */
  async wait(id: string, signal?: AbortSignal): Promise<QueryExecution> {
    let delay = POLL_FIRST_MS;
    for (;;) {
      signal?.throwIfAborted();
      const { QueryExecution: execution } = await this.call('GetQueryExecution', signal, () => this.athena.send(
        new GetQueryExecutionCommand({ QueryExecutionId: id }), { abortSignal: signal }));
      const state = execution?.Status?.State;
      if (state === 'SUCCEEDED') {
        return execution!;
      }
      if (state === 'FAILED' || state === 'CANCELLED') {
        throw new AthenaQueryError(failureMessage(id, execution!), id);
      }
      await this.sleep(delay, signal);
      delay = Math.min(delay * 2, POLL_MAX_MS);
    }
  }

  /** StopQueryExecution (throttling retried); stopping a finished query is harmless. */
  async stop(id: string): Promise<void> {
    await this.call('StopQueryExecution', undefined, () => this.athena.send(new StopQueryExecutionCommand({ QueryExecutionId: id })));
  }

  /**
   * The rows of a SUCCEEDED query. Fetches the first page now (for the columns); the others as `batches` is iterated
   * (NextToken until done). The first row of a SELECT's first page repeats the column names and is skipped.
   */
  async results(id: string, execution: QueryExecution, signal?: AbortSignal): Promise<AthenaQueryResult> {
    const first = await this.page(id, undefined, signal);
    const columns = athenaColumns(first.ResultSet?.ResultSetMetadata?.ColumnInfo ?? []);
    const firstRows = first.ResultSet?.Rows ?? [];
    const skipHeader = execution.StatementType === 'DML' && firstRows.length > 0 && isHeaderRow(firstRows[0], columns);
    const client = this;
    async function* batches(): AsyncGenerator<readonly (readonly Cell[])[]> {
      let rows = skipHeader ? firstRows.slice(1) : firstRows;
      let token = first.NextToken;
      for (;;) {
        if (rows.length > 0) {
          yield rows.map((row) => columns.map((column, index) => athenaCell(row.Data?.[index], column)));
        }
        if (token === undefined) {
          return;
        }
        const page = await client.page(id, token, signal);
        rows = page.ResultSet?.Rows ?? [];
        token = page.NextToken;
      }
    }
    return { queryExecutionId: id, execution, statistics: this.statistics(execution), columns, batches: batches() };
  }

  /** Bytes scanned, engine and total time, and the estimated cost of an execution. */
  statistics(execution: QueryExecution): AthenaQueryStatistics {
    const stats = execution.Statistics ?? {};
    const dataScannedBytes = stats.DataScannedInBytes ?? 0;
    return {
      dataScannedBytes,
      engineExecutionMillis: stats.EngineExecutionTimeInMillis ?? 0,
      totalExecutionMillis: stats.TotalExecutionTimeInMillis ?? 0,
      costUsd: athenaQueryCost(dataScannedBytes, this.pricePerTerabyte),
    };
  }

  private async page(id: string, token: string | undefined, signal?: AbortSignal): Promise<GetQueryResultsCommandOutput> {
    signal?.throwIfAborted();
    return this.call('GetQueryResults', signal, () => this.athena.send(
      new GetQueryResultsCommand({ QueryExecutionId: id, NextToken: token, MaxResults: this.pageSize }), { abortSignal: signal }));
  }

  /** One API call, retried while Athena throttles: full jitter on 250 ms doubling, capped at 10 s. */
  private async call<T>(operation: string, signal: AbortSignal | undefined, send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await send();
      } catch (err) {
        if (signal?.aborted === true) {
          throw err;
        }
        if (!isThrottling(err)) {
          throw new AthenaQueryError(`Athena ${operation} failed: ${oneLine(err)}${fixFor(err)}`);
        }
        if (attempt >= this.maxThrottleAttempts) {
          throw new AthenaQueryError(`Athena ${operation} was still throttled after ${attempt} attempts (${oneLine(err)}); `
            + 'wait a minute and retry, or ask for a higher Athena API quota');
        }
        const ceiling = Math.min(THROTTLE_MAX_MS, THROTTLE_BASE_MS * 2 ** (attempt - 1));
        await this.sleep(Math.round(ceiling * this.random()), signal);
      }
    }
  }
}

function isHeaderRow(row: Row, columns: readonly ResultColumn[]): boolean {
  const data = row.Data ?? [];
  return data.length === columns.length && columns.every((column, index) => data[index]?.VarCharValue === column.name);
}

/** How to fix the errors of a missing setup; empty for the others (Athena's own message says what is wrong). */
function fixFor(err: unknown): string {
  const { name, message } = (err ?? {}) as { name?: string; message?: string };
  if (name === 'CredentialsProviderError') {
    return '; set AWS_PROFILE (after `aws sso login`) or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
  }
  if (/region is missing/i.test(message ?? '')) {
    return '; set AWS_REGION (or the profile\'s region), e.g. AWS_REGION=eu-west-1';
  }
  return '';
}

function oneLine(err: unknown): string {
  const message = err instanceof Error ? `${err.name === 'Error' ? '' : `${err.name}: `}${err.message}` : String(err);
  return message.replace(/\s+/g, ' ').trim();
}

/** `Athena query <id> FAILED: <reason> (AthenaError type 1100, category user)`. */
function failureMessage(id: string, execution: QueryExecution): string {
  const status = execution.Status ?? {};
  const reason = (status.StateChangeReason ?? status.AthenaError?.ErrorMessage ?? 'no reason given').replace(/\s+/g, ' ').trim();
  const error = status.AthenaError;
  const details: string[] = [];
  if (error?.ErrorType !== undefined) {
    details.push(`type ${error.ErrorType}`);
  }
  if (error?.ErrorCategory !== undefined) {
    details.push(`category ${CATEGORY_NAMES[error.ErrorCategory] ?? error.ErrorCategory}`);
  }
  const suffix = details.length === 0 ? '' : ` (AthenaError ${details.join(', ')})`;
  return `Athena query ${id} ${status.State}: ${reason}${suffix}`;
}
