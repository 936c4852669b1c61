import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type ZongJi from '@vlasky/zongji';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import { BinlogPosition } from './binlog-position';
import { mysqlCaptureOptions } from '../../source/mysql/mysql-connection';

/**
 * Binlog events the capture reads (row events only of the captured tables). Besides the transactions, the events that stand
 * between them and carry no rows (a new file's GTID list and checkpoint, MySQL's previous-GTIDs, a server's stop event,
 * which zongji reads as `unknown`) are read too: they move the position the capture has seen, or `--until-caught-up` would
 * wait forever for a server position that lies past them.
 */
const EVENTS = ['rotate', 'format', 'query', 'xid', 'tablemap', 'writerows', 'updaterows', 'deleterows', 'mariadbgtid', 'gtid', 'heartbeat',
  'mariadbgtidlist', 'binlogcheckpoint', 'previousgtids', 'unknown'];

/**
 * The replica server id a capture of `rawDir` registers with (one per raw directory, so two captures of one server do not
 * end each other's binlog connection, as two replicas with one id would).
 */
export function replicaServerId(rawDir: string): number {
  const hash = createHash('sha256').update(path.resolve(rawDir)).digest();
  return 100_000 + (hash.readUInt32BE(0) % 2_000_000_000);
}

/** Callbacks of a {@link BinlogReader}. */
export interface BinlogReaderHandlers {
  /** Every event, in log order. */
  readonly onEvent: (event: AnyBinlogEvent) => void;
  /** The reader failed (connection lost, binlog purged, a value it cannot decode). */
  readonly onError: (err: Error) => void;
}

/**
 * Reads a MySQL/MariaDB binary log from a position as a replica would (COM_BINLOG_DUMP), with the maintained zongji decoder:
 * MariaDB GTID events and MySQL's, CRC32 checksums, row images decoded with the capture's conventions (dates as text in UTC,
 * 64-bit integers and decimals exact, JSON as text). Row events only for `tables` (`database` → table names).
 */
export class BinlogReader {
  private zongji: ZongJi | undefined;
  private paused = false;

  constructor(
    private readonly url: string, private readonly serverId: number, private readonly tables: Record<string, string[]>,
    private readonly handlers: BinlogReaderHandlers,
  ) {}

  /** Starts reading at `from`; resolves once the stream is open. */
  async start(from: BinlogPosition): Promise<void> {
    // zongji is an ES module: loaded when a MySQL capture streams (not when the package is imported)
    const { default: ZongJiClass } = await import('@vlasky/zongji');
    const zongji = new ZongJiClass(mysqlCaptureOptions(this.url));
    this.zongji = zongji;
    zongji.on('binlog', (event: AnyBinlogEvent) => this.handlers.onEvent(event));
    zongji.on('error', (err: Error) => this.handlers.onError(err));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      zongji.once('error', onError);
      zongji.once('ready', () => {
        zongji.off('error', onError);
        resolve();
      });
      zongji.start({
        serverId: this.serverId,
        filename: from.file,
        position: from.position,
        includeEvents: EVENTS,
        includeSchema: this.tables,
      });
    });
  }

  /** The server's version, as zongji read it. */
  get serverVersion(): string | undefined {
    return this.zongji?.serverVersion;
  }

  /** Stops reading from the socket (backpressure); events already received still arrive. */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.zongji?.connection?.pause();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.zongji?.connection?.resume();
  }

  /** Ends the binlog connection. */
  async stop(): Promise<void> {
    const zongji = this.zongji;
    if (!zongji || zongji.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      zongji.once('stopped', () => {
        clearTimeout(timer);
        resolve();
      });
      zongji.stop();
    });
  }
}
