import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChangeOperation } from '@cdc-lakehouse/curation';
import { LakehouseError } from '../errors';
import { TableMetadata, displayName } from '../source/catalog';
import { DecodedTuple, DecodedValue, UNCHANGED_TOAST } from '../source/test-decoding';
import { canRefuse } from '../source/type-mapping';

/** A captured table with the look-ups the stream needs for each change. */
export class CapturedTable {
  /** `schema\u0000table`, the key changes are looked up by. */
  static keyOf(schema: string, table: string): string {
    return `${schema}\u0000${table}`;
  }

  /** Lookup key. */
  readonly key: string;
  /** Column positions by name. */
  readonly columnIndex: Map<string, number>;
  /** Positions of the row-identity columns. */
  readonly identity: readonly number[];
  /** True when the row identity is the whole row (REPLICA IDENTITY FULL without key). */
  readonly fullRowIdentity: boolean;
  /** Columns staged unquoted and read back typed (integers: PostgreSQL prints them as plain digits). */
  readonly typedInStaging: readonly boolean[];
  /** Positions of the columns some of whose values the DMS type cannot hold (see refusedValue). */
  readonly refusable: readonly number[];
  /** Key of this table's staged rows in a window: a new column list (DDL while capturing) stages apart. */
  readonly stagingKey: string;
  /**
   * Columns a full row may lack without the metadata being read again: a row written before
   * an ADD COLUMN and streamed again after a restart.
   */
  readonly toleratedMissing = new Set<string>();

  constructor(readonly meta: TableMetadata, readonly dir: string, readonly version = 0) {
    this.key = CapturedTable.keyOf(meta.source.schema, meta.source.table);
    this.stagingKey = `${this.key}\u0000${version}`;
    this.columnIndex = new Map(meta.columns.map((c, i) => [c.name, i]));
    this.identity = meta.rowIdentity.map((name) => this.columnIndex.get(name)!);
    this.fullRowIdentity = meta.primaryKey.length === 0 && meta.replicaIdentity === 'full';
    this.typedInStaging = meta.columns.map((c) => c.kind === 'int');
    this.refusable = meta.columns.flatMap((c, i) => (canRefuse(c.kind) ? [i] : []));
  }

  /**
   * How a tuple's columns differ from the metadata: names the metadata does not know (a column was
   * added), and, for a full row (`complete`), metadata columns it lacks (a column was dropped).
   * `undefined` when they agree.
   */
  columnDrift(tuple: DecodedTuple, complete: boolean): { added: string[]; missing: string[] } | undefined {
    const { names } = tuple;
    const columns = this.meta.columns;
    if (names.length === columns.length) {
      let inOrder = true;
      for (let i = 0; i < names.length && inOrder; i++) inOrder = names[i] === columns[i].name;
      if (inOrder) return undefined;
    }
    const added = names.filter((n) => !this.columnIndex.has(n));
    let missing: string[] = [];
    if (complete) {
      const present = new Set(names);
      missing = columns.filter((c) => !present.has(c.name) && !this.toleratedMissing.has(c.name)).map((c) => c.name);
    }
    return added.length + missing.length === 0 ? undefined : { added, missing };
  }

  /** The tuple's values in column order; columns the tuple leaves out are NULL. */
  valuesOf(tuple: DecodedTuple): DecodedValue[] {
    const { names } = tuple;
    const columns = this.meta.columns;
    if (names.length === columns.length) {
      // the usual case: every column, in table order (no allocation per change)
      let inOrder = true;
      for (let i = 0; i < names.length && inOrder; i++) inOrder = names[i] === columns[i].name;
      if (inOrder) return tuple.values;
    }
    const values: DecodedValue[] = new Array<DecodedValue>(columns.length).fill(null);
    for (let i = 0; i < names.length; i++) {
      const index = this.columnIndex.get(names[i]);
      if (index === undefined) {
        throw new LakehouseError(`table ${displayName(this.meta.source)}: the change stream has column "${names[i]}", which the captured metadata `
          + 'does not know (a column was added while capturing); DDL during capture is not supported: start a new capture into an empty raw directory');
      }
      values[index] = tuple.values[i];
    }
    return values;
  }
}

/** A row of a CDC file before it gets its commit timestamp and change sequence. */
interface StagedRow {
  readonly op: ChangeOperation;
  readonly values: readonly DecodedValue[];
}

/** One table's rows of a window, streamed to a CSV file (bounded memory for any transaction size). */
export class StagedTable {
  /** Rows written (of committed and open transactions). */
  rows = 0;
  /** Rows of committed transactions. */
  committedRows = 0;
  /** Identity values (text) of rows whose unchanged TOASTed values must be looked up, by joined key. */
  readonly toastKeys = new Map<string, (string | null)[]>();
  /** Positions of columns that some row needs looked up. */
  readonly toastColumns = new Set<number>();
  private readonly fd: number;
  private buffer: string[] = [];
  private bufferedChars = 0;
  private bytesWritten = 0;
  private committedBytes = 0;

  constructor(readonly table: CapturedTable, readonly csvPath: string) {
    this.fd = fs.openSync(csvPath, 'w');
  }

  /** Bytes staged so far. */
  get bytes(): number {
    return this.bytesWritten + this.bufferedChars;
  }

  /** Appends a row: transaction index, position (the change sequence's record id), op, TOAST mask, then the column values. */
  append(txIndex: number, position: number | bigint, row: StagedRow): void {
    let mask = '';
    let line = `${txIndex},${position},${row.op},`;
    const values = row.values;
    const typed = this.table.typedInStaging;
    let fields = '';
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (typed[i] && typeof v === 'string') {
        fields += `,${v}`;
      } else if (v === UNCHANGED_TOAST) {
        mask += `;${i}`;
        this.toastColumns.add(i);
        fields += ',';
      } else if (v === null) {
        fields += ',';
      } else {
        fields += v.includes('"') ? `,"${v.split('"').join('""')}"` : `,"${v}"`;
      }
    }
    if (mask !== '') {
      const key = this.table.identity.map((i) => values[i] as string | null);
      this.toastKeys.set(key.join('\u0000'), key);
      line += `${mask};`;
    }
    line += `${fields}\n`;
    this.buffer.push(line);
    this.bufferedChars += line.length;
    this.rows++;
    if (this.bufferedChars > 1_048_576) this.flushBuffer();
  }

  /** Marks everything appended so far as belonging to committed transactions. */
  commit(): void {
    this.flushBuffer();
    this.committedBytes = this.bytesWritten;
    this.committedRows = this.rows;
  }

  /** Drops rows of a transaction that did not commit (a stop in the middle of a transaction). */
  rollback(): void {
    this.buffer = [];
    this.bufferedChars = 0;
    fs.ftruncateSync(this.fd, this.committedBytes);
    this.bytesWritten = this.committedBytes;
    this.rows = this.committedRows;
  }

  /** Closes the CSV file. */
  close(): void {
    this.flushBuffer();
    fs.closeSync(this.fd);
  }

  private flushBuffer(): void {
    if (this.buffer.length === 0) return;
    const data = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.bufferedChars = 0;
    fs.writeSync(this.fd, data);
    this.bytesWritten += data.length;
  }
}

/** A committed transaction of a window. */
export interface WindowTransaction {
  /** Index within the window. */
  readonly index: number;
  /** Commit timestamp, `yyyy-MM-dd HH:mm:ss.SSSSSS`. */
  readonly commitTimestamp: string;
  /** 16-digit change-sequence prefix. */
  readonly sequencePrefix: string;
}

/**
 * The changes that go into one set of CDC files (one file per table): whole transactions,
 * staged on disk until the window closes.
 */
export class CdcWindow {
  /** Staged tables by key. */
  readonly tables = new Map<string, StagedTable>();
  /** Committed transactions. */
  readonly transactions: WindowTransaction[] = [];
  /** When the first transaction of the window began (ms). */
  openedAtMs: number | undefined;
  /** End LSN of the last commit in the window. */
  lastCommitLsn: bigint | undefined;
  /** Sequence prefix state after the window's last transaction. */
  lastSequenceMicros = 0;
  /** Tables a committed transaction of the window truncated, by key: reloaded once the window is written. */
  readonly truncated = new Map<string, CapturedTable>();
  private openTruncates = new Map<string, CapturedTable>();
  private openTransaction: number | undefined;
  private position = 0;

  constructor(readonly id: number, readonly dir: string) {
    fs.mkdirSync(dir, { recursive: true });
  }

  /** Bytes staged. */
  get bytes(): number {
    let total = 0;
    for (const staged of this.tables.values()) total += staged.bytes;
    return total;
  }

  /** Rows staged for committed transactions. */
  get rows(): number {
    let total = 0;
    for (const staged of this.tables.values()) total += staged.committedRows;
    return total;
  }

  /** True while a transaction is open (BEGIN seen, COMMIT not yet). */
  get inTransaction(): boolean {
    return this.openTransaction !== undefined;
  }

  /** Starts a transaction. */
  begin(nowMs: number): void {
    this.openTruncates.clear();
    this.openTransaction = this.transactions.length;
    this.position = 0;
    this.openedAtMs ??= nowMs;
  }

  /**
   * Stages a row of the open transaction. `recordId` is the change sequence's record id (19 digits at most); by default the
   * row's position in its transaction (PostgreSQL), a MySQL capture gives one derived from the binlog position.
   */
  stage(table: CapturedTable, op: ChangeOperation, values: readonly DecodedValue[], recordId?: bigint): void {
    if (this.openTransaction === undefined) {
      throw new Error('a change arrived outside a transaction (test_decoding must run with include-xids; a binlog row event needs its BEGIN)');
    }
    let staged = this.tables.get(table.stagingKey);
    if (!staged) {
      staged = new StagedTable(table, path.join(this.dir, `t${this.tables.size}.csv`));
      this.tables.set(table.stagingKey, staged);
    }
    staged.append(this.openTransaction, recordId ?? this.position++, { op, values });
  }

  /** Notes a TRUNCATE of `table` in the open transaction. */
  truncate(table: CapturedTable): void {
    this.openTruncates.set(table.key, table);
  }

  /** Commits the open transaction. */
  commit(commitTimestamp: string, sequencePrefix: string, lsn: bigint, lastSequenceMicros: number): void {
    if (this.openTransaction === undefined) return;
    for (const [key, table] of this.openTruncates) this.truncated.set(key, table);
    this.openTruncates.clear();
    this.transactions.push({ index: this.openTransaction, commitTimestamp, sequencePrefix });
    for (const staged of this.tables.values()) staged.commit();
    this.openTransaction = undefined;
    this.lastCommitLsn = lsn;
    this.lastSequenceMicros = lastSequenceMicros;
  }

  /** Drops the open transaction's rows. */
  rollback(): void {
    if (this.openTransaction === undefined) return;
    this.openTruncates.clear();
    for (const staged of this.tables.values()) staged.rollback();
    this.openTransaction = undefined;
  }

  /** Closes the staging files. */
  close(): void {
    for (const staged of this.tables.values()) staged.close();
  }

  /** Removes the staging files. */
  remove(): void {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
