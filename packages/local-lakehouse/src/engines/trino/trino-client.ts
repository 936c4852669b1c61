import { Cell, ResultColumn, kindOfType } from '@cdc-lakehouse/query';
import { parseExactJson } from '../../lake/exact-json';
import { QueryResult, RowConsumer } from '../../lake/query';

/** A statement Trino refused or failed: its error name (`SYNTAX_ERROR`, `ICEBERG_COMMIT_ERROR`, …) and message. */
export class TrinoQueryError extends Error {
  constructor(readonly errorName: string, message: string, readonly sql: string) {
    super(`${errorName}: ${message}`);
    this.name = 'TrinoQueryError';
  }
}

/** Trino's description of a type: `array` with one TYPE argument, `map` with two, `row` with NAMED_TYPE ones. */
interface TypeSignature {
  readonly rawType: string;
  readonly arguments?: readonly { readonly kind: string; readonly value: unknown }[];
}

interface ProtocolColumn {
  readonly name: string;
  readonly type: string;
  readonly typeSignature?: TypeSignature;
}

interface ProtocolResponse {
  readonly nextUri?: string;
  readonly columns?: readonly ProtocolColumn[];
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

  /** Runs one statement to completion; its columns and rows (DDL: none, DML: the row count), as Trino sent them. */
  async query(sql: string, signal?: AbortSignal): Promise<QueryResult> {
    const pages = this.pages(sql, signal, false);
    let columns: string[] = [];
    const rows: unknown[][] = [];
    for await (const page of pages) {
      if (page.columns && columns.length === 0) columns = page.columns.map((c) => c.name);
      for (const row of page.data ?? []) rows.push(row);
    }
    return { columns, rows };
  }

  /**
   * Runs one statement and hands its rows to `consume` page by page, as the reader takes them (the next page is
   * fetched only then): BIGINTs beyond 2^53 as bigint, rows as objects, varbinary as hex. A reader that stops early
   * cancels the query.
   */
  async stream<T>(sql: string, consume: RowConsumer<T>, signal?: AbortSignal): Promise<T> {
    const pages = this.pages(sql, signal, true);
    const first: ProtocolResponse[] = [];
    let protocolColumns: readonly ProtocolColumn[] | undefined;
    try {
      // the columns come with (or before) the first data
      for (;;) {
        const next = await pages.next();
        if (next.done) break;
        first.push(next.value);
        if (next.value.columns) {
          protocolColumns = next.value.columns;
          break;
        }
      }
      const columns: ResultColumn[] = (protocolColumns ?? []).map((c) => ({ name: c.name, type: c.type, kind: kindOfType(c.type) }));
      const signatures = (protocolColumns ?? []).map((c) => c.typeSignature);
      const convert = (data: readonly unknown[][] | undefined): Cell[][] => (data ?? []).map((row) => row.map((v, i) => trinoCell(v, signatures[i])));
      async function* batches(): AsyncGenerator<Cell[][]> {
        for (const page of first.splice(0)) if (page.data?.length) yield convert(page.data);
        for (;;) {
          const next = await pages.next();
          if (next.done) return;
          if (next.value.data?.length) yield convert(next.value.data);
        }
      }
      return await consume({ columns, batches: batches() });
    } finally {
      // a reader that stopped early: cancel the rest of the query
      await pages.return(undefined);
    }
  }

  /** The protocol's responses, one per page; stopping the iteration early cancels the query (DELETE nextUri). */
  private async *pages(sql: string, signal: AbortSignal | undefined, exact: boolean): AsyncGenerator<ProtocolResponse> {
    const headers: Record<string, string> = {
      'X-Trino-User': this.user,
      'X-Trino-Client-Capabilities': 'PARAMETRIC_DATETIME',
      'X-Trino-Time-Zone': 'UTC',
    };
    if (this.session.catalog) headers['X-Trino-Catalog'] = this.session.catalog;
    if (this.session.schema) headers['X-Trino-Schema'] = this.session.schema;
    let response = await this.call(`${this.url}/v1/statement`, { method: 'POST', headers, body: sql, signal }, sql, exact);
    let finished = false;
    try {
      for (;;) {
        if (response.error) throw new TrinoQueryError(response.error.errorName ?? 'ERROR', response.error.message ?? 'no message', sql);
        yield response;
        if (!response.nextUri) break;
        response = await this.call(response.nextUri, { headers, signal }, sql, exact);
      }
      finished = true;
    } finally {
      if (!finished && response.nextUri && !signal?.aborted) {
        await fetch(response.nextUri, { method: 'DELETE', headers }).then((r) => r.arrayBuffer(), () => undefined);
      }
    }
  }

  private async call(url: string, init: RequestInit, sql: string, exact: boolean): Promise<ProtocolResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(url, init);
      // 502/503/504: the protocol says to retry the same URI after a pause
      if ([502, 503, 504].includes(res.status) && attempt < 20) {
        await new Promise((resolve) => setTimeout(resolve, 100 * (attempt + 1)));
        continue;
      }
      const text = await res.text();
      if (!res.ok) throw new TrinoQueryError(`HTTP_${res.status}`, text.slice(0, 500), sql);
      return (exact ? parseExactJson(text) : JSON.parse(text)) as ProtocolResponse;
    }
  }
}

function typeArgument(signature: TypeSignature | undefined, index: number): TypeSignature | undefined {
  const argument = signature?.arguments?.[index];
  return argument?.kind === 'TYPE' ? (argument.value as TypeSignature) : undefined;
}

/** One value of Trino's JSON protocol as a cell, by its type signature (rows come as positional arrays). */
export function trinoCell(value: unknown, signature: TypeSignature | undefined): Cell {
  if (value === null || value === undefined) return null;
  switch (signature?.rawType) {
    case 'array':
      return Array.isArray(value) ? value.map((v) => trinoCell(v, typeArgument(signature, 0))) : (value as Cell);
    case 'map':
      if (typeof value !== 'object' || Array.isArray(value)) return value as Cell;
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, trinoCell(v, typeArgument(signature, 1))]));
    case 'row': {
      if (!Array.isArray(value)) return value as Cell;
      const fields = (signature.arguments ?? []).map((a, i) => {
        const named = a.value as { fieldName?: { name?: string }; typeSignature?: TypeSignature } | undefined;
        return { name: named?.fieldName?.name ?? `field${i}`, type: named?.typeSignature };
      });
      return Object.fromEntries(value.map((v, i) => [fields[i]?.name ?? `field${i}`, trinoCell(v, fields[i]?.type)]));
    }
    case 'varbinary':
      return typeof value === 'string' ? Buffer.from(value, 'base64').toString('hex') : (value as Cell);
    default:
      return value as Cell;
  }
}
