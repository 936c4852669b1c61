import { TextSink } from './types';

/** A sink whose reader went away (`| head`); the renderer stops pulling rows when it sees `closed`. */
export interface ClosableSink extends TextSink {
  readonly closed: boolean;
}

/** @internal true when the sink says its reader is gone. */
export function isClosed(sink: TextSink): boolean {
  return (sink as Partial<ClosableSink>).closed === true;
}

function isBrokenPipe(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/**
 * Wraps a writable stream (stdout, a file) as a text sink: `write` waits for 'drain' when the stream's buffer is
 * full. When the reader goes away (EPIPE, e.g. `lakehouse … | head`), the sink closes quietly: later writes are
 * dropped and `renderRows` stops reading the result. Any other stream error rejects the pending or next write.
 */
export function streamSink(stream: NodeJS.WritableStream): TextSink {
  let closed = false;
  let failure: Error | undefined;
  let waiting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  const settle = (): void => {
    const w = waiting;
    waiting = undefined;
    if (!w) return;
    if (failure) w.reject(failure);
    else w.resolve();
  };
  stream.on('error', (err: Error) => {
    if (isBrokenPipe(err)) closed = true;
    else failure = err;
    settle();
  });
  stream.on('drain', settle);
  stream.on('close', () => {
    closed = true;
    settle();
  });
  const sink: ClosableSink = {
    get closed() {
      return closed;
    },
    write(chunk: string): Promise<void> {
      if (failure) return Promise.reject(failure);
      if (closed || chunk.length === 0) return Promise.resolve();
      let more: boolean;
      try {
        more = stream.write(chunk);
      } catch (err) {
        if (isBrokenPipe(err)) {
          closed = true;
          return Promise.resolve();
        }
        throw err;
      }
      if (more) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
  };
  return sink;
}
