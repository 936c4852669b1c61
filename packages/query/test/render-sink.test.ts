import { Writable } from 'stream';
import { columns } from './render-helpers';
import { Cell, renderRows, streamSink } from '../src/render';

/** A writable that takes `take` characters then fails every write with `code`, or keeps everything (slowly). */
function writable(options: { failWith?: string; after?: number; highWaterMark?: number }): Writable & { readonly text: string } {
  let text = '';
  const stream = new Writable({
    highWaterMark: options.highWaterMark ?? 16,
    decodeStrings: false,
    write(chunk: string, _encoding, callback) {
      if (options.failWith && text.length >= (options.after ?? 0)) {
        callback(Object.assign(new Error(`write ${options.failWith}`), { code: options.failWith }));
        return;
      }
      text += chunk;
      setImmediate(callback);
    },
  });
  return Object.defineProperty(stream, 'text', { get: () => text }) as Writable & { readonly text: string };
}

function counting(total: number, onFinally: () => void): AsyncIterable<Cell[][]> {
  return (async function* () {
    try {
      for (let b = 0; b < total; b++) yield Array.from({ length: 1000 }, (_, i): Cell[] => [b * 1000 + i, 'x'.repeat(50)]);
    } finally {
      onFinally();
    }
  })();
}

describe('streamSink', () => {
  test('waits for drain and writes everything in order', async () => {
    const out = writable({ highWaterMark: 8 });
    const sink = streamSink(out);
    for (let i = 0; i < 100; i++) await sink.write(`${i}\n`);
    expect(out.text).toBe(Array.from({ length: 100 }, (_, i) => `${i}\n`).join(''));
  });

  test('a reader that goes away (EPIPE) ends the output quietly and stops reading the result', async () => {
    const out = writable({ failWith: 'EPIPE', after: 100_000 });
    let cleanedUp = false;
    let pulled = 0;
    const batches = counting(1000, () => { cleanedUp = true; });
    const counted = (async function* () { for await (const b of batches) { pulled++; yield b; } })();
    const result = await renderRows({ columns: columns(['n', 'bigint'], ['s', 'varchar']), batches: counted }, streamSink(out), { format: 'csv' });
    expect(cleanedUp).toBe(true);
    expect(pulled).toBeLessThan(50);
    expect(result.rows).toBeLessThan(50_000);
    expect(out.text.startsWith('n,s\n0,xxx')).toBe(true);
  });

  test('any other stream error rejects the write with its message', async () => {
    const out = writable({ failWith: 'ENOSPC', after: 0 });
    const rows = { columns: columns(['n', 'bigint'], ['s', 'varchar']), batches: counting(100, () => undefined) };
    await expect(renderRows(rows, streamSink(out), { format: 'json' })).rejects.toThrow('write ENOSPC');
  });
});
