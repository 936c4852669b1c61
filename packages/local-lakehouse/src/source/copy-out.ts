import * as fs from 'node:fs';
import { Client } from 'pg';

type DataHandler = (chunk: Buffer) => void;

interface PgConnection {
  readonly stream: NodeJS.ReadableStream & { listeners(event: 'data'): DataHandler[] };
  query(text: string): void;
}

const COPY_DATA = 0x64; // d
const COPY_OUT_RESPONSE = 0x48; // H
const PARAMETER_STATUS = 0x53; // S
const NOTICE = 0x4e; // N
const NOTIFICATION = 0x41; // A
const FLUSH_BYTES = 1_048_576;

/**
 * `COPY … TO STDOUT` straight into a file: the CopyData payloads of the socket's chunks are copied
 * to the file without a stream per row (a million-row table is a million CopyData messages).
 * Everything after the copy (CopyDone, CommandComplete, ReadyForQuery, or an ErrorResponse) goes
 * back to pg's own parser, so the client ends the query as usual.
 */
class CopyOutToFile {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (err: Error) => void;
  private connection: PgConnection | undefined;
  private pgHandler: DataHandler | undefined;
  private readonly onData: DataHandler;
  private pending: Buffer | undefined;
  private payloadLeft = 0;
  private skipLeft = 0;
  private out = Buffer.allocUnsafe(FLUSH_BYTES * 2);
  private outLength = 0;
  private rowCount = 0;
  private failed = false;
  /** CopyData messages seen: PostgreSQL sends one per row. */
  private streamed = 0;
  private lastReport = Date.now();

  constructor(readonly text: string, private readonly fd: number, private readonly progress: CopyProgress = {}) {
    this.onData = (chunk) => this.parse(chunk);
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    this.pgHandler = stream.listeners('data')[0];
    stream.removeListener('data', this.pgHandler);
    stream.on('data', this.onData);
    connection.query(this.text);
  }

  handleError(err: Error): void {
    this.failed = true;
    this.reject(err);
  }

  handleCommandComplete(msg: { text?: string }): void {
    const match = /COPY (\d+)/.exec(msg?.text ?? '');
    if (match) this.rowCount = Number(match[1]);
  }

  handleReadyForQuery(): void {
    if (!this.failed) this.resolve(this.rowCount);
  }

  private parse(input: Buffer): void {
    let chunk = input;
    if (this.pending) {
      chunk = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let i = 0;
    const length = chunk.length;
    while (i < length) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, length - i);
        this.write(chunk, i, i + n);
        this.payloadLeft -= n;
        i += n;
        continue;
      }
      if (this.skipLeft > 0) {
        const n = Math.min(this.skipLeft, length - i);
        this.skipLeft -= n;
        i += n;
        continue;
      }
      if (length - i < 5) {
        this.pending = Buffer.from(chunk.subarray(i));
        return;
      }
      const code = chunk[i];
      const body = chunk.readUInt32BE(i + 1) - 4;
      if (code === COPY_DATA) {
        this.payloadLeft = body;
        this.streamed++;
      } else if (code === COPY_OUT_RESPONSE || code === PARAMETER_STATUS || code === NOTICE || code === NOTIFICATION) {
        this.skipLeft = body;
      } else {
        // CopyDone, or an error: pg takes over from this message on
        this.detach(chunk.subarray(i));
        return;
      }
      i += 5;
    }
    this.report();
  }

  /** Tells the rows streamed so far, at most every `intervalMs` (checked once per socket chunk, not per row). */
  private report(): void {
    if (!this.progress.onRows) return;
    const now = Date.now();
    if (now - this.lastReport < (this.progress.intervalMs ?? DEFAULT_PROGRESS_INTERVAL_MS)) return;
    this.lastReport = now;
    this.progress.onRows(this.streamed);
  }

  private write(source: Buffer, start: number, end: number): void {
    const n = end - start;
    if (this.outLength + n > this.out.length) this.flush();
    if (n > this.out.length) {
      fs.writeSync(this.fd, source, start, n);
      return;
    }
    source.copy(this.out, this.outLength, start, end);
    this.outLength += n;
    if (this.outLength >= FLUSH_BYTES) this.flush();
  }

  private flush(): void {
    if (this.outLength === 0) return;
    fs.writeSync(this.fd, this.out, 0, this.outLength);
    this.outLength = 0;
  }

  private detach(rest: Buffer): void {
    try {
      this.flush();
    } catch (err) {
      this.handleError(err as Error);
    }
    const stream = this.connection!.stream;
    stream.removeListener('data', this.onData);
    stream.on('data', this.pgHandler!);
    this.pgHandler!(rest);
  }
}

/** Progress of a {@link copyOutToFile} while rows stream in. */
export interface CopyProgress {
  /** Told the rows received so far (PostgreSQL sends each row as one CopyData message), at most every `intervalMs`. */
  readonly onRows?: (rows: number) => void;
  /**
   * Least time between two calls of `onRows`.
   * @default 250
   */
  readonly intervalMs?: number;
}

const DEFAULT_PROGRESS_INTERVAL_MS = 250;

/** Runs `COPY (…) TO STDOUT …` and writes its output to `file`; returns the number of rows copied. */
export async function copyOutToFile(client: Client, copySql: string, file: string, progress: CopyProgress = {}): Promise<number> {
  const fd = fs.openSync(file, 'w');
  try {
    const copy = new CopyOutToFile(copySql, fd, progress);
    void client.query(copy as unknown as Parameters<Client['query']>[0]);
    return await copy.done;
  } finally {
    fs.closeSync(fd);
  }
}
