import { Duplex } from 'node:stream';
import { Client } from 'pg';
import * as copyStreams from 'pg-copy-streams';
import { Lsn, formatLsn } from './lsn';

declare module 'pg-copy-streams' {
  /** COPY BOTH (the streaming replication sub-protocol): read CopyData from the server, write CopyData to it. */
  export function both(txt: string, options?: { alignOnCopyDataFrame?: boolean }): Duplex & { submit(connection: unknown): void };
}

/** What the stream reports, message by message. */
export interface ReplicationHandler {
  /** An XLogData message: `lsn` is where the data belongs in the WAL (a COMMIT's is the end of its commit record). */
  onData(lsn: Lsn, walEnd: Lsn, data: Buffer): void;
  /** A primary keepalive: the server has sent everything up to `walEnd`. */
  onKeepalive(walEnd: Lsn, replyRequested: boolean): void;
  /** The stream failed or the server ended it. */
  onEnd(error: Error | undefined): void;
}

/** Microseconds between the Unix epoch and PostgreSQL's epoch (2000-01-01). */
const PG_EPOCH_MICROS = 946_684_800_000_000n;

/**
 * A logical replication stream (`START_REPLICATION … LOGICAL`) on a replication connection,
 * read message by message with TCP backpressure (`pause()` stops reading from the socket).
 * Standby status updates tell the server how far the client has durably written; the slot's
 * confirmed position follows the `flush` value sent.
 */
export class LogicalReplicationStream {
  /** Starts streaming `slot` from `startLsn` with the plugin options given. */
  static start(
    client: Client, slot: string, startLsn: Lsn, pluginOptions: Record<string, string>, handler: ReplicationHandler,
  ): LogicalReplicationStream {
    const options = Object.entries(pluginOptions).map(([k, v]) => `"${k}" '${v}'`).join(', ');
    const sql = `START_REPLICATION SLOT "${slot}" LOGICAL ${formatLsn(startLsn)}${options ? ` (${options})` : ''}`;
    const stream = copyStreams.both(sql, { alignOnCopyDataFrame: true });
    return new LogicalReplicationStream(client, stream, handler);
  }

  private ended = false;

  private constructor(private readonly client: Client, private readonly stream: Duplex, private readonly handler: ReplicationHandler) {
    stream.on('data', (chunk: Buffer) => this.onMessage(chunk));
    stream.on('error', (err: Error) => this.finish(err));
    stream.on('end', () => this.finish(undefined));
    client.on('error', (err: Error) => this.finish(err));
    client.on('end', () => this.finish(new Error('the replication connection was closed by the server')));
    // a Submittable: pg returns it, not a promise; errors arrive as stream events
    void client.query(stream as unknown as Parameters<Client['query']>[0]);
  }

  /** Stops reading (TCP backpressure holds the server back). */
  pause(): void {
    this.stream.pause();
  }

  /** Resumes reading. */
  resume(): void {
    this.stream.resume();
  }

  /**
   * Sends a standby status update: received up to `write`, durably written up to `flush`.
   * The server may then advance the slot's confirmed position to `flush`.
   */
  sendStatus(write: Lsn, flush: Lsn, replyRequested = false): void {
    if (this.ended) return;
    const message = Buffer.alloc(34);
    message.write('r', 0);
    message.writeBigUInt64BE(write, 1);
    message.writeBigUInt64BE(flush, 9);
    message.writeBigUInt64BE(flush, 17);
    message.writeBigUInt64BE(BigInt(Date.now()) * 1000n - PG_EPOCH_MICROS, 25);
    message.writeUInt8(replyRequested ? 1 : 0, 33);
    this.stream.write(message);
  }

  /** Ends the connection (the server stops the WAL sender). */
  async close(): Promise<void> {
    this.ended = true;
    this.stream.removeAllListeners('data');
    this.stream.on('error', () => undefined);
    await this.client.end().catch(() => undefined);
  }

  private onMessage(chunk: Buffer): void {
    const kind = chunk[0];
    if (kind === 0x77 /* w: XLogData */) {
      this.handler.onData(chunk.readBigUInt64BE(1), chunk.readBigUInt64BE(9), chunk.subarray(25));
    } else if (kind === 0x6b /* k: primary keepalive */) {
      this.handler.onKeepalive(chunk.readBigUInt64BE(1), chunk[17] === 1);
    }
  }

  private finish(error: Error | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.handler.onEnd(error);
  }
}
