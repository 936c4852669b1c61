import { QueryResult } from '../../lake/query';

/** A statement Trino refused or failed: its error name (`SYNTAX_ERROR`, `ICEBERG_COMMIT_ERROR`, …) and message. */
export class TrinoQueryError extends Error {
  constructor(readonly errorName: string, message: string, readonly sql: string) {
    super(`${errorName}: ${message}`);
    this.name = 'TrinoQueryError';
  }
}

interface ProtocolResponse {
  readonly nextUri?: string;
  readonly columns?: readonly { readonly name: string; readonly type: string }[];
  readonly data?: readonly unknown[][];
  readonly error?: { readonly errorName?: string; readonly message?: string };
}

/** Session of a {@link TrinoClient}: the catalog and schema unqualified names resolve in. */
export interface TrinoSession {
  readonly catalog?: string;
  readonly schema?: string;
}

/**
 * Trino's client protocol over HTTP (POST /v1/statement, then GET each `nextUri` until there is none): every
 * statement, DDL and DML alike, runs to completion and its rows come back as JSON. Timestamps keep their precision
 * (the client declares PARAMETRIC_DATETIME; without it Trino rounds timestamp(6) to milliseconds).
 */
export class TrinoClient {
  constructor(readonly url: string, private readonly session: TrinoSession = {}, private readonly user = 'lakehouse') {}

  /** The same server with another session. */
  withSession(session: TrinoSession): TrinoClient {
    return new TrinoClient(this.url, session, this.user);
  }

  /** Runs one statement to completion; its columns and rows (DDL: none, DML: the row count). */
  async query(sql: string, signal?: AbortSignal): Promise<QueryResult> {
    const headers: Record<string, string> = {
      'X-Trino-User': this.user,
      'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
      'X-Trino-Time-Zone': 'UTC',
    };
    if (this.session.catalog) headers['X-Trino-Catalog'] = this.session.catalog;
    if (this.session.schema) headers['X-Trino-Schema'] = this.session.schema;
    let response = await this.call(`${this.url}/v1/statement`, { method: 'POST', headers, body: sql, signal }, sql);
    let columns: string[] = [];
    const rows: unknown[][] = [];
    for (;;) {
      if (response.error) throw new TrinoQueryError(response.error.errorName ?? 'ERROR', response.error.message ?? 'no message', sql);
      if (response.columns && columns.length === 0) columns = response.columns.map((c) => c.name);
      if (response.data) rows.push(...response.data);
      if (!response.nextUri) break;
      response = await this.call(response.nextUri, { headers, signal }, sql);
    }
    return { columns, rows };
  }

  private async call(url: string, init: RequestInit, sql: string): Promise<ProtocolResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, init);
      // 502/503/504: the protocol says to retry the same URI after a pause
      if ([502, 503, 504].includes(res.status) && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new TrinoQueryError(`HTTP_${res.status}`, text.slice(0, 500), sql);
      return JSON.parse(text) as ProtocolResponse;
    }
  }
}
