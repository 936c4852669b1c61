/**
 * A parser for the text the `test_decoding` output plugin writes (options `include-xids` and
 * `include-timestamp`), one line per call:
 *
 * ```
 * BEGIN 729
 * table public.t: INSERT: id[integer]:1 note[text]:'it''s' tags[text[]]:'{a,b}' big[text]:unchanged-toast-datum
 * table public.t: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:2 …
 * table public.t: DELETE: id[integer]:2
 * table public.a, public.b: TRUNCATE: (no-flags)
 * COMMIT 729 (at 2026-11-21 16:55:09.761483+00)
 * ```
 *
 * Values come back as PostgreSQL prints them (the type's output function): quoted literals are
 * unquoted, `null` is null, bit strings lose their `B'…'`, an unchanged TOASTed value is
 * {@link UNCHANGED_TOAST}. An old tuple (`old-key:`, or a DELETE's row) leaves NULL columns out.
 */

/** Marks a TOASTed value the UPDATE did not change (test_decoding prints `unchanged-toast-datum`). */
export const UNCHANGED_TOAST: unique symbol = Symbol('unchanged-toast-datum');

/** A decoded column value: PostgreSQL's text, NULL, or an unchanged TOASTed value. */
export type DecodedValue = string | null | typeof UNCHANGED_TOAST;

/** A tuple as printed: column names with their values, in print order (type names are skipped). */
export interface DecodedTuple {
  readonly names: string[];
  readonly values: DecodedValue[];
}

/** One decoded line. */
export type DecodedLine =
  | { readonly kind: 'begin'; readonly xid: number }
  | { readonly kind: 'commit'; readonly xid: number; readonly commitTime: string | undefined }
  | {
    readonly kind: 'change';
    readonly schema: string;
    readonly table: string;
    readonly action: 'INSERT' | 'UPDATE' | 'DELETE';
    /** `old-key:` of an UPDATE (key changed, or REPLICA IDENTITY FULL); the row of a DELETE. */
    readonly oldTuple?: DecodedTuple;
    /** The new row of an INSERT or UPDATE. */
    readonly newTuple?: DecodedTuple;
  }
  | { readonly kind: 'truncate'; readonly tables: { schema: string; table: string }[] }
  | { readonly kind: 'other'; readonly text: string };

/** A line the parser does not understand: the plugin's format is not what this code expects. */
export class TestDecodingParseError extends Error {
  constructor(line: string, position: number, what: string) {
    const excerpt = line.length > 200 ? `${line.slice(0, 200)}…` : line;
    super(`cannot parse test_decoding output at character ${position} (${what}): ${excerpt}`);
    this.name = 'TestDecodingParseError';
  }
}

/** Parses one line of test_decoding output. */
export function parseTestDecodingLine(line: string): DecodedLine {
  if (line.startsWith('table ')) {
    return parseTableLine(line);
  }
  if (line.startsWith('BEGIN')) {
    return { kind: 'begin', xid: Number(line.slice(6)) };
  }
  if (line.startsWith('COMMIT')) {
    const at = line.indexOf(' (at ');
    const xid = Number(line.slice(7, at < 0 ? undefined : at));
    const commitTime = at < 0 ? undefined : line.slice(at + 5, line.length - 1);
    return { kind: 'commit', xid, commitTime };
  }
  return { kind: 'other', text: line };
}

function parseTableLine(line: string): DecodedLine {
  const names: { schema: string; table: string }[] = [];
  let i = 6;
  for (;;) {
    const schema = readIdentifier(line, i, '.');
    i = schema.end + 1;
    const table = readIdentifier(line, i, ':,');
    i = table.end;
    names.push({ schema: schema.name, table: table.name });
    if (line.startsWith(', ', i)) {
      i += 2;
      continue;
    }
    if (line.startsWith(': ', i)) {
      i += 2;
      break;
    }
    throw new TestDecodingParseError(line, i, 'expected ": " after the table name');
  }
  const colon = line.indexOf(':', i);
  const action = line.slice(i, colon);
  i = colon + 2;
  if (action === 'TRUNCATE') {
    return { kind: 'truncate', tables: names };
  }
  if (action !== 'INSERT' && action !== 'UPDATE' && action !== 'DELETE') {
    throw new TestDecodingParseError(line, i, `unknown action ${JSON.stringify(action)}`);
  }
  const { schema, table } = names[0];
  if (line.startsWith('(no-tuple-data)', i)) {
    return { kind: 'change', schema, table, action };
  }
  if (i >= line.length) {
    // a DELETE's row leaves NULL columns out, so a row of NULLs only (REPLICA IDENTITY FULL) prints nothing: it is still a row
    return action === 'DELETE' ? { kind: 'change', schema, table, action, oldTuple: { names: [], values: [] } } : { kind: 'change', schema, table, action };
  }
  if (action === 'DELETE') {
    return { kind: 'change', schema, table, action, oldTuple: parseTuple(line, i, false).tuple };
  }
  if (action === 'UPDATE' && line.startsWith('old-key: ', i)) {
    const old = parseTuple(line, i + 9, true);
    if (!line.startsWith('new-tuple: ', old.end)) {
      throw new TestDecodingParseError(line, old.end, 'expected "new-tuple:" after "old-key:"');
    }
    return { kind: 'change', schema, table, action, oldTuple: old.tuple, newTuple: parseTuple(line, old.end + 11, false).tuple };
  }
  return { kind: 'change', schema, table, action, newTuple: parseTuple(line, i, false).tuple };
}

/** Reads an identifier as quote_identifier prints it: bare, or in double quotes with "" for a quote. */
function readIdentifier(line: string, start: number, terminators: string): { name: string; end: number } {
  if (line[start] === '"') {
    let name = '';
    let i = start + 1;
    for (;;) {
      const quote = line.indexOf('"', i);
      if (quote < 0) throw new TestDecodingParseError(line, start, 'unterminated quoted identifier');
      name += line.slice(i, quote);
      if (line[quote + 1] === '"') {
        name += '"';
        i = quote + 2;
        continue;
      }
      return { name, end: quote + 1 };
    }
  }
  let end = start;
  while (end < line.length && !terminators.includes(line[end])) end++;
  if (end === start) throw new TestDecodingParseError(line, start, 'expected an identifier');
  return { name: line.slice(start, end), end };
}

function parseTuple(line: string, start: number, stopAtNewTuple: boolean): { tuple: DecodedTuple; end: number } {
  const names: string[] = [];
  const values: DecodedValue[] = [];
  let i = start;
  while (i < line.length) {
    if (stopAtNewTuple && line.startsWith('new-tuple: ', i)) break;
    // column name
    let name: string;
    if (line.charCodeAt(i) === 34 /* " */) {
      const id = readIdentifier(line, i, '[');
      name = id.name;
      i = id.end;
    } else {
      const bracket = line.indexOf('[', i);
      if (bracket < 0) throw new TestDecodingParseError(line, i, 'expected "[" after a column name');
      name = line.slice(i, bracket);
      i = bracket;
    }
    if (line.charCodeAt(i) !== 91 /* [ */) throw new TestDecodingParseError(line, i, 'expected "["');
    const typeEnd = line.indexOf(']:', i);
    if (typeEnd < 0) throw new TestDecodingParseError(line, i, 'expected "]:" after a type name');
    i = typeEnd + 2;
    // value
    const c = line.charCodeAt(i);
    let value: DecodedValue;
    if (c === 39 /* ' */ || (c === 66 /* B */ && line.charCodeAt(i + 1) === 39)) {
      const open = c === 39 ? i : i + 1;
      let close = line.indexOf('\'', open + 1);
      let doubled = false;
      while (close >= 0 && line.charCodeAt(close + 1) === 39) {
        doubled = true;
        close = line.indexOf('\'', close + 2);
      }
      if (close < 0) throw new TestDecodingParseError(line, i, 'unterminated quoted value');
      const raw = line.slice(open + 1, close);
      value = doubled ? raw.split('\'\'').join('\'') : raw;
      i = close + 1;
    } else {
      let end = line.indexOf(' ', i);
      if (end < 0) end = line.length;
      const token = line.slice(i, end);
      value = token === 'null' ? null : token === 'unchanged-toast-datum' ? UNCHANGED_TOAST : token;
      i = end;
    }
    names.push(name);
    values.push(value);
    if (line.charCodeAt(i) === 32 /* space */) i++;
  }
  return { tuple: { names, values }, end: i };
}

/** A commit time as test_decoding prints it in a UTC session, taken apart. */
export interface CommitTime {
  /** Microseconds since the Unix epoch. */
  readonly micros: number;
  /** `yyyy-MM-dd HH:mm:ss.SSSSSS`, the DMS commit-timestamp format. */
  readonly text: string;
}

const COMMIT_TIME = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?([+-]\d{2}(?::?\d{2})?)?$/;

/** Parses `2026-11-21 16:55:09.76511+00` (a UTC session's timestamptz output). */
export function parseCommitTime(text: string): CommitTime {
  const m = COMMIT_TIME.exec(text);
  if (!m) {
    throw new Error(`cannot parse commit time ${JSON.stringify(text)}; the replication session must print timestamps in ISO style`);
  }
  const fraction = (m[3] ?? '').padEnd(6, '0');
  const offset = m[4] ?? '+00';
  const sign = offset.startsWith('-') ? -1 : 1;
  const digits = offset.slice(1).replace(':', '');
  const offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0'));
  const millis = Date.parse(`${m[1]}T${m[2]}Z`) - offsetMinutes * 60_000;
  const micros = millis * 1000 + Number(fraction);
  return { micros, text: formatDmsTimestamp(micros) };
}

/** `yyyy-MM-dd HH:mm:ss.SSSSSS` (UTC) for microseconds since the epoch. */
export function formatDmsTimestamp(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const iso = new Date(millis).toISOString(); // 2026-11-21T16:55:09.765Z
  const sub = String(micros - millis * 1000).padStart(3, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}${sub}`;
}
