import { UNCHANGED_TOAST, formatDmsTimestamp, parseCommitTime, parseTestDecodingLine } from '../src/source/test-decoding';

describe('parseTestDecodingLine', () => {
  test('BEGIN and COMMIT with xid and commit time', () => {
    expect(parseTestDecodingLine('BEGIN 729')).toEqual({ kind: 'begin', xid: 729 });
    expect(parseTestDecodingLine('COMMIT 729 (at 2026-11-21 16:55:09.761483+00)')).toEqual({
      kind: 'commit', xid: 729, commitTime: '2026-11-21 16:55:09.761483+00',
    });
  });

  test('INSERT with quoting, arrays, NULL, numbers, booleans, bit strings and bytea', () => {
    const line = 'table public.t: INSERT: id[integer]:1 n[numeric]:1.23456789 note[text]:\'it\'\'s a "quote"\' '
      + 'tags[text[]]:\'{"a b",c,NULL,"q\\"x"}\' gone[text]:null ok[boolean]:true bits[bit]:B\'1010\' '
      + 'b[bytea]:\'\\x00ff41\' f[double precision]:1e+20 ts[timestamp with time zone]:\'2026-11-21 16:55:09.760192+00\'';
    const parsed = parseTestDecodingLine(line);
    expect(parsed).toEqual({
      kind: 'change',
      schema: 'public',
      table: 't',
      action: 'INSERT',
      newTuple: {
        names: ['id', 'n', 'note', 'tags', 'gone', 'ok', 'bits', 'b', 'f', 'ts'],
        values: ['1', '1.23456789', 'it\'s a "quote"', '{"a b",c,NULL,"q\\"x"}', null, 'true', '1010', '\\x00ff41', '1e+20', '2026-11-21 16:55:09.760192+00'],
      },
    });
  });

  test('a value holding spaces, quotes and text that looks like another column', () => {
    const parsed = parseTestDecodingLine('table public.t: INSERT: a[text]:\'x\'\' b[text]:\'\'y\' c[integer]:2');
    expect(parsed.kind === 'change' && parsed.newTuple?.values).toEqual(['x\' b[text]:\'y', '2']);
  });

  test('UPDATE with an unchanged TOASTed value', () => {
    const parsed = parseTestDecodingLine('table shop.products: UPDATE: id[integer]:7 price[numeric]:10.99 description[text]:unchanged-toast-datum');
    expect(parsed.kind === 'change' && parsed.newTuple?.values).toEqual(['7', '10.99', UNCHANGED_TOAST]);
  });

  test('UPDATE that changes the key: old-key and new-tuple', () => {
    const parsed = parseTestDecodingLine('table public.t: UPDATE: old-key: id[integer]:1 new-tuple: id[integer]:2 name[text]:\'x\'');
    expect(parsed).toEqual({
      kind: 'change',
      schema: 'public',
      table: 't',
      action: 'UPDATE',
      oldTuple: { names: ['id'], values: ['1'] },
      newTuple: { names: ['id', 'name'], values: ['2', 'x'] },
    });
  });

  test('REPLICA IDENTITY FULL: an old tuple leaves NULL columns out; DELETE carries the old row', () => {
    const update = parseTestDecodingLine('table public.nopk: UPDATE: old-key: b[text]:\'b\' new-tuple: a[integer]:null b[text]:\'z\'');
    expect(update.kind === 'change' && update.oldTuple).toEqual({ names: ['b'], values: ['b'] });
    const del = parseTestDecodingLine('table public.nopk: DELETE: a[integer]:1 b[text]:\'a\'');
    expect(del).toEqual({
      kind: 'change', schema: 'public', table: 'nopk', action: 'DELETE', oldTuple: { names: ['a', 'b'], values: ['1', 'a'] },
    });
  });

  test('REPLICA IDENTITY FULL: a DELETE or UPDATE of a row of NULLs only carries an empty old tuple (every column NULL)', () => {
    expect(parseTestDecodingLine('table public.nopk: DELETE:')).toEqual({
      kind: 'change', schema: 'public', table: 'nopk', action: 'DELETE', oldTuple: { names: [], values: [] },
    });
    const update = parseTestDecodingLine('table public.nopk: UPDATE: old-key: new-tuple: a[integer]:1 b[text]:null');
    expect(update.kind === 'change' && update.oldTuple).toEqual({ names: [], values: [] });
  });

  test('DELETE without replica identity data', () => {
    expect(parseTestDecodingLine('table public.x: DELETE: (no-tuple-data)')).toEqual({ kind: 'change', schema: 'public', table: 'x', action: 'DELETE' });
  });

  test('quoted schema, table and column names', () => {
    const parsed = parseTestDecodingLine('table "My.Schema"."Order: ""Items""": INSERT: "Weird Col"[text]:\'v\' "a""b"[integer]:3');
    expect(parsed).toMatchObject({ kind: 'change', schema: 'My.Schema', table: 'Order: "Items"' });
    expect(parsed.kind === 'change' && parsed.newTuple?.names).toEqual(['Weird Col', 'a"b']);
  });

  test('TRUNCATE of several tables', () => {
    expect(parseTestDecodingLine('table public.a, public.b: TRUNCATE: restart_seqs cascade')).toEqual({
      kind: 'truncate', tables: [{ schema: 'public', table: 'a' }, { schema: 'public', table: 'b' }],
    });
  });

  test('anything else is reported as other', () => {
    expect(parseTestDecodingLine('message: transactional: 0 prefix: x, sz: 1 content:y')).toEqual({ kind: 'other', text: 'message: transactional: 0 prefix: x, sz: 1 content:y' });
  });

  test('malformed change lines fail loudly', () => {
    expect(() => parseTestDecodingLine('table public.t: INSERT: id[integer:1')).toThrow(/cannot parse test_decoding output/);
    expect(() => parseTestDecodingLine('table public.t: INSERT: a[text]:\'open')).toThrow(/unterminated quoted value/);
  });
});

describe('commit times', () => {
  test('are read in UTC to the microsecond and written in the DMS format', () => {
    expect(parseCommitTime('2026-11-21 16:55:09.76511+00')).toEqual({ micros: Date.UTC(2026, 10, 21, 16, 55, 9) * 1000 + 765110, text: '2026-11-21 16:55:09.765110' });
    expect(parseCommitTime('2026-11-21 16:55:09+00').text).toBe('2026-11-21 16:55:09.000000');
    expect(parseCommitTime('2026-11-21 18:55:09.5+02').text).toBe('2026-11-21 16:55:09.500000');
  });

  test('formatDmsTimestamp pads milliseconds and microseconds', () => {
    expect(formatDmsTimestamp(Date.UTC(2024, 0, 2, 3, 4, 5) * 1000 + 7)).toBe('2024-01-02 03:04:05.000007');
  });
});
