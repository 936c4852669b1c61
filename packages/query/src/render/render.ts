import { isClosed } from './sink';
import { Cell, RenderOptions, ResultColumn, RowStream, TextSink, ValueKind } from './types';

/** Rows whose widths size a table's columns; later rows are cut to those widths. */
const TABLE_WINDOW = 1000;
/** Text is handed to the sink in chunks of about this many characters. */
const CHUNK = 64 * 1024;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const INTEGER_TEXT = /^[+-]?\d+$/;

/** Collects text and hands it to the sink in chunks, waiting whenever the sink is full. */
class Output {
  private parts: string[] = [];
  private size = 0;
  constructor(private readonly sink: TextSink) {}
  get closed(): boolean {
    return isClosed(this.sink);
  }
  async line(text: string): Promise<void> {
    this.parts.push(text, '\n');
    this.size += text.length + 1;
    if (this.size >= CHUNK) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const chunk = this.parts.join('');
    this.parts = [];
    this.size = 0;
    if (!this.closed) await this.sink.write(chunk);
  }
}

/** JSON text of a value; bigints are exact numbers, non-finite numbers are strings, bytes are hex. */
function jsonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string': return JSON.stringify(value);
    case 'bigint': return value.toString();
    case 'boolean': return value ? 'true' : 'false';
    case 'number': return Number.isFinite(value) ? JSON.stringify(value) : JSON.stringify(String(value));
    case 'object': break;
    default: return JSON.stringify(String(value));
  }
  if (Array.isArray(value)) return `[${value.map(jsonText).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(Number.isNaN(value.getTime()) ? String(value) : value.toISOString());
  if (value instanceof Uint8Array) return JSON.stringify(Buffer.from(value).toString('hex'));
  if (value instanceof Map) return jsonText(Object.fromEntries(value));
  const toJson = (value as { toJSON?: () => unknown }).toJSON;
  if (typeof toJson === 'function') return jsonText(toJson.call(value));
  const fields = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined && typeof v !== 'function');
  return `{${fields.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(',')}}`;
}

/** A value as plain text (table and csv); null is the caller's business. */
function plainText(value: Exclude<Cell, null>): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return jsonText(value);
  return String(value);
}

/** A value as a JSON value for its column kind: integers and decimals are exact JSON numbers. */
function jsonCell(value: Cell | undefined, kind: ValueKind): string {
  if (value === null || value === undefined) return 'null';
  switch (kind) {
    case 'integer':
      if (typeof value === 'string' && INTEGER_TEXT.test(value)) return BigInt(value).toString();
      return jsonText(value);
    case 'decimal':
    case 'float':
      if (typeof value === 'string' && JSON_NUMBER.test(value)) return value;
      return jsonText(value);
    case 'json':
      if (typeof value === 'string') {
        try {
          JSON.parse(value);
          return value.trim();
        } catch {
          return JSON.stringify(value);
        }
      }
      return jsonText(value);
    default:
      return jsonText(value);
  }
}

function csvField(value: Cell | undefined): string {
  if (value === null || value === undefined) return '';
  const text = plainText(value);
  // an empty string is quoted so it differs from NULL
  return text === '' || /[",\r\n]/.test(text) ? `"${text.split('"').join('""')}"` : text;
}

/** The names used as JSON keys: a repeated column name gets `_2`, `_3`, ... so no value is lost. */
function jsonKeys(columns: readonly ResultColumn[]): string[] {
  const seen = new Set<string>();
  return columns.map((c) => {
    let name = c.name;
    for (let n = 2; seen.has(name); n++) name = `${c.name}_${n}`;
    seen.add(name);
    return JSON.stringify(name);
  });
}

async function renderCsv(rows: RowStream, out: Output): Promise<number> {
  let count = 0;
  if (rows.columns.length > 0) await out.line(rows.columns.map((c) => csvField(c.name)).join(','));
  for await (const batch of rows.batches) {
    for (const row of batch) {
      await out.line(rows.columns.map((_, i) => csvField(row[i])).join(','));
      count++;
    }
    if (out.closed) break;
  }
  return count;
}

async function renderJson(rows: RowStream, out: Output): Promise<number> {
  let count = 0;
  const keys = jsonKeys(rows.columns);
  const kinds = rows.columns.map((c) => c.kind);
  for await (const batch of rows.batches) {
    for (const row of batch) {
      await out.line(`{${keys.map((k, i) => `${k}:${jsonCell(row[i], kinds[i])}`).join(',')}}`);
      count++;
    }
    if (out.closed) break;
  }
  return count;
}

function tableText(value: Cell | undefined): string {
  if (value === null || value === undefined) return 'NULL';
  return plainText(value).replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, ' ');
}

async function renderTable(rows: RowStream, out: Output, maxCellWidth: number): Promise<number> {
  const width = Math.max(1, Math.floor(maxCellWidth));
  const cut = (text: string, w: number): string => (text.length > w ? `${text.slice(0, Math.max(0, w - 1))}…` : text);
  const columns = rows.columns.map((c) => cut(tableText(c.name), width));
  const widths = columns.map((c) => c.length);
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join(' | ').trimEnd();
  const textOf = (row: readonly Cell[]): string[] => columns.map((_, i) => tableText(row[i]));
  // a cut number would be a wrong number: a later, wider number overflows its column instead
  const numeric = rows.columns.map((c) => c.kind === 'integer' || c.kind === 'decimal' || c.kind === 'float');
  const fit = (row: readonly string[]): string[] => row.map((c, i) => (numeric[i] ? c : cut(c, widths[i])));
  let window: string[][] | undefined = [];
  let count = 0;
  const startBody = async (): Promise<void> => {
    const buffered = window ?? [];
    window = undefined;
    for (const row of buffered) {
      for (let i = 0; i < widths.length; i++) {
        if (row[i].length > widths[i]) widths[i] = numeric[i] ? row[i].length : Math.min(width, row[i].length);
      }
    }
    if (columns.length > 0) {
      await out.line(line(columns));
      await out.line(widths.map((w) => '-'.repeat(w)).join('-+-'));
    }
    for (const row of buffered) await out.line(line(fit(row)));
  };
  for await (const batch of rows.batches) {
    for (const row of batch) {
      count++;
      if (window) {
        window.push(textOf(row));
        if (window.length >= TABLE_WINDOW) await startBody();
      } else {
        await out.line(line(fit(textOf(row))));
      }
    }
    if (out.closed) break;
  }
  if (window) await startBody();
  await out.line(`(${count} row${count === 1 ? '' : 's'})`);
  return count;
}

/**
 * Writes a result to a sink as it arrives, in bounded memory: `table` sizes its columns from the first 1,000 rows,
 * writes the header once and cuts any later, longer text with `…` (a number is never cut: it overflows its column),
 * then a `(N rows)` footer; `csv` is a header
 * and RFC 4180 quoting (NULL is an empty field, an empty string is `""`), lines end in `\n`; `json` is one object
 * per line with integers and decimals as exact JSON numbers, NaN/Infinity as strings and json values embedded.
 * Stops reading early (leaving the row iterator, so the engine can cancel) when the sink's reader has gone away.
 */
export async function renderRows(rows: RowStream, sink: TextSink, options: RenderOptions): Promise<{ readonly rows: number }> {
  const out = new Output(sink);
  let count: number;
  switch (options.format) {
    case 'csv': count = await renderCsv(rows, out); break;
    case 'json': count = await renderJson(rows, out); break;
    case 'table': count = await renderTable(rows, out, options.maxCellWidth ?? 60); break;
    default: throw new Error(`unknown output format '${String(options.format)}'; use table, csv or json`);
  }
  await out.flush();
  return { rows: count };
}
