import type { AnyBinlogEvent } from '@vlasky/zongji';
import { eventEnd, eventStart, rowChanges, rowDrift, stageRowChanges } from './binlog-changes';
import { BinlogPosition } from './binlog-position';
import { formatDmsTimestamp } from '../../source/test-decoding';
import { CapturedTable } from '../cdc-window';
import { ChangeSequencer } from '../change-sequence';
import { RefusedValueReporter, WindowPipeline } from '../window-pipeline';

/** What {@link BinlogTransactions} needs from its capture. */
export interface BinlogTransactionsHost {
  readonly pipeline: WindowPipeline;
  readonly refused: RefusedValueReporter;
  /** The captured table, undefined for others. */
  table(schema: string, table: string): CapturedTable | undefined;
  /** A row image's columns differ from the table's (ADD/DROP COLUMN): the table as read again. */
  refreshTable(table: CapturedTable, drift: { added: string[]; missing: string[] }, names: readonly string[], file: string): Promise<CapturedTable>;
  /** A transaction was committed into the open window. */
  committed(): void;
  /** True once a stop was asked for (the window then closes at the next boundary). */
  stopping(): boolean;
  /** True when the staged rows outrun the writer: the caller pauses the socket. */
  backpressured(): void;
}

/**
 * Assembles binlog events into transactions in the capture's open window: `BEGIN` (MariaDB: its GTID event) opens one, row
 * events of the captured tables are staged, `XID`/`COMMIT` commits it with the commit event's time and a change-sequence prefix.
 * It keeps where the log stands: the current file (rotate events), the end of the last event outside a transaction (`seen`),
 * the last GTID, and the position and GTID after each window's last commit.
 */
export class BinlogTransactions {
  /** The end of the last event read outside any transaction. */
  seen: BinlogPosition | undefined;
  /** The binlog file being read. */
  file: string;
  /** The GTID of the last transaction begun. */
  gtid: string | null;
  /** When the first transaction was read (ms). */
  firstTransactionMs: number | undefined;
  private readonly sequencer: ChangeSequencer;
  private readonly windowEnds = new Map<number, { position: BinlogPosition; gtid: string | null }>();

  constructor(private readonly host: BinlogTransactionsHost, private readonly from: BinlogPosition, gtid: string | null, lastSequenceMicros: number) {
    this.file = from.file;
    this.gtid = gtid;
    this.sequencer = new ChangeSequencer(lastSequenceMicros);
  }

  /** The position (and GTID) after the last commit of window `id`, once: the window's files are durable, the state takes it. */
  takeWindowEnd(id: number): { position: BinlogPosition; gtid: string | null } | undefined {
    const end = this.windowEnds.get(id);
    this.windowEnds.delete(id);
    return end;
  }

  /** Handles one event, in log order (a row event whose table changed columns waits for the table to be read again). */
  async handle(event: AnyBinlogEvent): Promise<void> {
    const inTransaction = this.host.pipeline.window?.inTransaction ?? false;
    switch (event.getEventName()) {
      case 'rotate': {
        const rotate = event as unknown as { binlogName: string; position: number };
        this.file = rotate.binlogName;
        if (!inTransaction) this.seen = { file: rotate.binlogName, position: rotate.position };
        return;
      }
      case 'mariadbgtid': {
        const gtid = event as unknown as { standalone: boolean; gtid: string };
        this.gtid = gtid.gtid;
        if (!gtid.standalone) this.begin();
        return;
      }
      case 'gtid':
        this.gtid = (event as unknown as { gtid: string }).gtid;
        return;
      case 'query': {
        const text = (event as unknown as { query: string }).query.trim().toUpperCase();
        if (text === 'BEGIN') this.begin();
        else if (text === 'COMMIT') this.commit(event);
        else if (!inTransaction) this.statement(event);
        return;
      }
      case 'xid':
        this.commit(event);
        return;
      case 'writerows':
      case 'updaterows':
      case 'deleterows':
        await this.stageRows(event);
        return;
      default:
        if (!inTransaction) this.markSeen(event);
    }
  }

  /**
   * A statement outside a transaction (DDL). A TRUNCATE of a captured table (DMS does not capture it: the binlog has no rows
   * for it) becomes a transaction of its own that marks the table: once the window holding it is written, the capture loads
   * the table again.
   */
  private statement(event: AnyBinlogEvent): void {
    const { query, schema } = event as unknown as { query: string; schema: string };
    const truncated = truncatedTable(query, schema);
    const table = truncated && this.host.table(truncated.schema, truncated.table);
    if (!table) {
      this.markSeen(event);
      return;
    }
    this.begin();
    this.host.pipeline.window!.truncate(table);
    this.commit(event);
  }

  private markSeen(event: AnyBinlogEvent): void {
    const end = eventEnd(event, this.file);
    if (end) this.seen = end;
  }

  private begin(): void {
    this.firstTransactionMs ??= Date.now();
    const window = this.host.pipeline.current();
    if (!window.inTransaction) window.begin(Date.now());
  }

  private commit(event: AnyBinlogEvent): void {
    const window = this.host.pipeline.window;
    if (!window?.inTransaction) {
      this.markSeen(event);
      return;
    }
    const micros = event.timestamp * 1000;
    const prefix = this.sequencer.nextTransaction(micros);
    const end = eventEnd(event, this.file) ?? this.seen ?? this.from;
    // (the window's LSN-typed field gets the offset; the binlog position of its last commit is kept here)
    window.commit(formatDmsTimestamp(micros), prefix, BigInt(end.position), this.sequencer.last);
    this.windowEnds.set(window.id, { position: end, gtid: this.gtid });
    this.seen = end;
    this.host.committed();
    this.host.pipeline.maybeClose(this.host.stopping());
  }

  private async stageRows(event: AnyBinlogEvent): Promise<void> {
    const decoded = rowChanges(event);
    if (!decoded) return;
    let table = this.host.table(decoded.schema, decoded.table);
    if (!table) return;
    if (!this.host.pipeline.window?.inTransaction) this.begin();
    const drift = rowDrift(table, decoded.changes);
    if (drift) table = await this.host.refreshTable(table, drift, Object.keys(decoded.changes[0].row), this.file);
    const start = eventStart(event);
    const staged = stageRowChanges(this.host.pipeline.window!, table, decoded.changes, this.file, start,
      (t, column, reason, value) => this.host.refused.report(t.meta.source, column, reason, `${JSON.stringify(value)} at binlog ${this.file}:${start}`));
    if (staged > 0) this.host.backpressured();
  }
}

const IDENT = '(?:`((?:[^`]|``)+)`|([A-Za-z0-9_$]+))';
const TRUNCATE = new RegExp(`^\\s*TRUNCATE\\s+(?:TABLE\\s+)?${IDENT}(?:\\s*\\.\\s*${IDENT})?\\s*;?\\s*$`, 'i');

/** The table a `TRUNCATE [TABLE] [db.]t` statement empties (`schema`: the session's database), else undefined. */
export function truncatedTable(query: string, schema: string): { schema: string; table: string } | undefined {
  const m = TRUNCATE.exec(query);
  if (!m) return undefined;
  const first = (m[1] ?? m[2]).split('``').join('`');
  const second = m[3] ?? m[4];
  return second === undefined ? { schema, table: first } : { schema: first, table: second.split('``').join('`') };
}
