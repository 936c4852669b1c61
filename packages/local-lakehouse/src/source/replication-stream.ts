import { Client } from 'pg';
import { Lsn, formatLsn } from './lsn';

/** What the stream reports, message by message. */
export interface ReplicationHandler {
  /** An XLogData message: `lsn` is where the data belongs in the WAL (a COMMIT's is the end of its commit record). */
  onData(lsn: Lsn, walEnd: Lsn, data: Buffer): void;
  /** A primary keepalive: the server has sent everything up to `walEnd`. */
  onKeepalive(walEnd: Lsn, replyRequested: boolean): void;
  /** The stream failed or the server ended it. */
  onEnd(error: Error | undefined): void;
}

type DataHandler = (chunk: Buffer) => void;

interface PgConnection {
  readonly stream: NodeJS.ReadWriteStream & { listeners(event: 'data'): DataHandler[] };
  query(text: string): void;
}

/** Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;
const COPY_DATA = 0x64; // d
const COPY_BOTH_RESPONSE = 0x57; // W
const PARAMETER_STATUS = 0x53; // S
const NOTICE = 0x4e; // N
const XLOG_DATA = 0x77; // w
const KEEPALIVE = 0x6b; // k

/**
 * A logical replication stream (`START_REPLICATION … LOGICAL`) on a replication connection. It reads
 * the socket itself and hands each message to the handler synchronously, without a stream object per
 * message (a million-row transaction is a million messages); `pause()` stops reading the socket, so
 * TCP holds the server back. Standby status updates tell the server how far the client has durably
 * written; the slot's confirmed position follows the `flush` value sent. Anything that is not
 * CopyData (an error, the end of the stream) goes back to pg's own parser.
 */
export class LogicalReplicationStream {
  /** Starts streaming `slot` from `startLsn` with the plugin options given. */
  static start(
    client: Client, slot: string, startLsn: Lsn, pluginOptions: Record<string, string>, handler: ReplicationHandler,
  ): LogicalReplicationStream {
    const options = Object.entries(pluginOptions).map(([k, v]) => `"${k}" '${v}'`).join(', ');
    const sql = `START_REPLICATION SLOT "${slot}" LOGICAL ${formatLsn(startLsn)}${options ? ` (${options})` : ''}`;
    return new LogicalReplicationStream(client, sql, handler);
  }

  private ended = false;
  private connection: PgConnection | undefined;
  private pgHandler: DataHandler | undefined;
  private readonly onSocketData: DataHandler;
  /** Bytes of a message that spans socket chunks. */
  private pending: Buffer[] = [];
  private pendingLength = 0;

  private constructor(private readonly client: Client, readonly text: string, private readonly handler: ReplicationHandler) {
    this.onSocketData = (chunk) => this.parse(chunk);
    client.on('error', (err: Error) => this.finish(err));
    client.on('end', () => this.finish(new Error('the replication connection was closed by the server')));
    // a Submittable: pg calls submit() and the handle* methods; errors also arrive through them
    void client.query(this as unknown as Parameters<Client['query']>[0]);
  }

  /** Called by pg when the query is sent. */
  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    this.pgHandler = stream.listeners('data')[0];
    stream.removeListener('data', this.pgHandler);
    stream.on('data', this.onSocketData);
    connection.query(this.text);
  }

  /** Called by pg for an ErrorResponse. */
  handleError(err: Error): void {
    this.finish(err);
  }

  /** Called by pg when the server ends the stream. */
  handleCommandComplete(): void {}

  /** Called by pg when the server is ready for another query (the stream is over). */
  handleReadyForQuery(): void {
    this.finish(undefined);
  }

  /** Stops reading (TCP backpressure holds the server back). */
  pause(): void {
    this.connection?.stream.pause();
  }

  /** Resumes reading. */
  resume(): void {
    this.connection?.stream.resume();
  }

  /**
   * Sends a standby status update: received up to `write`, durably written up to `flush`.
   * The server may then advance the slot's confirmed position to `flush`.
   */
  sendStatus(write: Lsn, flush: Lsn, replyRequested = false): void {
    if (this.ended || !this.connection) return;
    const message = Buffer.alloc(39);
    message.writeUInt8(COPY_DATA, 0);
    message.writeUInt32BE(38, 1);
    message.write('r', 5);
    message.writeBigUInt64BE(write, 6);
    message.writeBigUInt64BE(flush, 14);
    message.writeBigUInt64BE(flush, 22);
    message.writeBigUInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 30);
    message.writeUInt8(replyRequested ? 1 : 0, 38);
    this.connection.stream.write(message);
  }

  /** Ends the connection (the server stops the WAL sender). */
  async close(): Promise<void> {
    this.ended = true;
    this.connection?.stream.removeListener('data', this.onSocketData);
    await this.client.end().catch(() => undefined);
  }

  private parse(input: Buffer): void {
    let chunk = input;
    if (this.pendingLength > 0) {
      this.pending.push(input);
      this.pendingLength += input.length;
      // wait for the whole message before joining the pieces (a TOASTed value may span many chunks)
      const head = this.pending[0].length >= 5 ? this.pending[0] : Buffer.concat(this.pending);
      if (head.length >= 5 && this.pendingLength < head.readUInt32BE(1) + 1) return;
      chunk = Buffer.concat(this.pending, this.pendingLength);
      this.pending = [];
      this.pendingLength = 0;
    }
    let i = 0;
    while (i < chunk.length) {
      if (chunk.length - i < 5 || chunk.length - i < chunk.readUInt32BE(i + 1) + 1) {
        const rest = chunk.subarray(i);
        this.pending = [rest];
        this.pendingLength = rest.length;
        return;
      }
      const code = chunk[i];
      const end = i + 1 + chunk.readUInt32BE(i + 1);
      if (code === COPY_DATA) {
        this.onCopyData(chunk, i + 5, end);
        if (this.ended) return;
      } else if (code !== COPY_BOTH_RESPONSE && code !== PARAMETER_STATUS && code !== NOTICE) {
        // an ErrorResponse, or CopyDone and what follows: pg's parser takes over from here
        this.detach(chunk.subarray(i));
        return;
      }
      i = end;
    }
  }

  private onCopyData(chunk: Buffer, start: number, end: number): void {
    const kind = chunk[start];
    if (kind === XLOG_DATA) {
      this.handler.onData(chunk.readBigUInt64BE(start + 1), chunk.readBigUInt64BE(start + 9), chunk.subarray(start + 25, end));
    } else if (kind === KEEPALIVE) {
      this.handler.onKeepalive(chunk.readBigUInt64BE(start + 1), chunk[start + 17] === 1);
    }
  }

  private detach(rest: Buffer): void {
    const stream = this.connection!.stream;
    stream.removeListener('data', this.onSocketData);
    stream.on('data', this.pgHandler!);
    this.pgHandler!(rest);
  }

  private finish(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.handler.onEnd(error);
  }
}
