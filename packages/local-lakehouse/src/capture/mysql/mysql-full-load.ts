import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFileName } from '@cdc-lakehouse/curation';
import type { Connection } from 'mysql2/promise';
import { LakehouseError } from '../../errors';
import { MysqlTableMetadata, mysqlQualifiedName, quoteMysqlIdent } from '../../source/mysql/mysql-catalog';
import { renderMysqlValue } from '../../source/mysql/mysql-type-mapping';
import { loadQuery, publishLoadFiles } from '../full-load';
import { ParquetEncoder, RawCompression } from '../parquet-encoder';
import { BinlogPosition } from './binlog-position';

/** Where a consistent snapshot of a MySQL/MariaDB server stands in the binary log. */
export interface SnapshotCoordinates {
  /** The binlog position the snapshot corresponds to: streaming starts here. */
  readonly position: BinlogPosition;
  /** The server's GTID position at the snapshot (MariaDB `domain-server-seq`, MySQL `gtid_executed`), when it has GTIDs. */
  readonly gtid: string | null;
}

/**
 * Opens a consistent snapshot on `db` (a REPEATABLE READ transaction left open for the full load) and returns its binlog
 * coordinates. MariaDB reports them itself (`binlog_snapshot_file` / `binlog_snapshot_position`), without any lock. MySQL has no
 * such status: `FLUSH TABLES WITH READ LOCK` holds writes for the moment it takes to start the snapshot and read
 * `SHOW MASTER STATUS` (needs the RELOAD privilege).
 */
export async function openConsistentSnapshot(db: Connection, mariadb: boolean): Promise<SnapshotCoordinates> {
  await db.query('SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  if (mariadb) {
    await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const [rows] = await db.query<import('mysql2').RowDataPacket[]>("SHOW STATUS LIKE 'binlog_snapshot_%'");
    const status = new Map(rows.map((r) => [String(r.Variable_name).toLowerCase(), String(r.Value)]));
    const file = status.get('binlog_snapshot_file') ?? '';
    const position = Number(status.get('binlog_snapshot_position') ?? 0);
    if (file === '') throw new LakehouseError('the server reports no binlog_snapshot_file: is the binary log on (log_bin)?');
    const [gtid] = await db.query<import('mysql2').RowDataPacket[]>('SELECT BINLOG_GTID_POS(?, ?) AS gtid', [file, position]);
    return { position: { file, position }, gtid: gtid[0].gtid === null ? null : String(gtid[0].gtid) };
  }
  try {
    await db.query('FLUSH TABLES WITH READ LOCK');
  } catch (err) {
    throw new LakehouseError(`FLUSH TABLES WITH READ LOCK failed (${(err as Error).message}); the full load of a MySQL source needs it for a moment `
      + "to read the binlog position of its snapshot: GRANT RELOAD ON *.* TO '<user>'@'<host>'");
  }
  try {
    await db.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    const status = await showBinlogStatus(db);
    const [gtid] = await db.query<import('mysql2').RowDataPacket[]>('SELECT @@GLOBAL.gtid_executed AS gtid');
    const executed = gtid[0].gtid === null ? '' : String(gtid[0].gtid);
    return { position: status, gtid: executed === '' ? null : executed };
  } finally {
    await db.query('UNLOCK TABLES');
  }
}

/** The server's current end of the binary log (`SHOW MASTER STATUS`, `SHOW BINARY LOG STATUS` on MySQL 8.4+). */
export async function showBinlogStatus(db: Connection): Promise<BinlogPosition> {
  let rows: import('mysql2').RowDataPacket[];
  try {
    [rows] = await db.query<import('mysql2').RowDataPacket[]>('SHOW MASTER STATUS');
  } catch {
    [rows] = await db.query<import('mysql2').RowDataPacket[]>('SHOW BINARY LOG STATUS');
  }
  if (rows.length === 0) throw new LakehouseError('the server reports no binary log position: turn the binary log on (log_bin) and restart it');
  return { file: String(rows[0].File), position: Number(rows[0].Position) };
}

/** Options of {@link fullLoadMysqlTable}. */
export interface MysqlFullLoadProps {
  /** A connection inside the snapshot's transaction. */
  readonly db: Connection;
  readonly table: MysqlTableMetadata;
  readonly tableDir: string;
  readonly encoder: ParquetEncoder;
  /** Commit timestamp of every row (the task start time). */
  readonly taskStartTime: string;
  /** Rows per LOAD file. */
  readonly chunkRows: number;
  readonly compression: RawCompression;
  readonly scratchDir: string;
  readonly onRows?: (rows: number) => void;
  readonly stopRequested?: () => boolean;
  /** Told about each value written as NULL because its Parquet type cannot hold it. */
  readonly onRefused?: (column: string, reason: string, value: string) => void;
  /**
   * Write a LOAD file even when the table is empty (a reload after a TRUNCATE: the new, empty load must replace the old one).
   * @default false (an empty table gets no file, as with DMS)
   */
  readonly writeEmptyLoad?: boolean;
  /** Last-modified time of the LOAD files (a reload's must sort after every CDC file written before it). @default when written */
  readonly fileTime?: Date;
}

/** CSV field of a rendered value: empty for NULL, digits unquoted for typed integer columns, else quoted. */
function csvField(value: string | null, typed: boolean): string {
  if (value === null) return '';
  if (typed) return value;
  // quoted even when plain: an empty quoted field is an empty string, an empty unquoted one NULL
  return value.includes('"') ? `"${value.replace(/"/g, '""')}"` : `"${value}"`;
}

/**
 * Loads one MySQL table from the snapshot into LOAD files (DMS's full-load rows: Op `I`, the task start time, an empty change
 * sequence). Rows stream from the server into CSV chunks of `chunkRows`, each encoded to Parquet by DuckDB with the same
 * conversions as CDC rows; DuckDB encodes chunk k while the server streams chunk k+1 (one chunk in encoding at a time: the
 * stream waits when the next chunk is full before the previous one is encoded). The files appear only when the whole table is
 * done; an empty table gets none (as with DMS).
 */
export async function fullLoadMysqlTable(props: MysqlFullLoadProps): Promise<{ rows: number; files: string[]; stopped: boolean }> {
  const { table, tableDir } = props;
  fs.mkdirSync(tableDir, { recursive: true });
  const columns = table.columns;
  const typed = columns.map((c) => c.kind === 'int');
  const select = `SELECT ${columns.map((c) => quoteMysqlIdent(c.name)).join(', ')} FROM ${mysqlQualifiedName(table.source.schema, table.source.table)}`;
  const safeName = `${table.source.schema}.${table.source.table}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  const temps: string[] = [];
  const csvs: string[] = [];
  let rows = 0;
  let chunk: { csv: string; fd: number; rows: number } | undefined;
  let encoding: Promise<void> = Promise.resolve();
  let encodeError: unknown;
  /** Closes the current chunk and starts its encoding once the previous chunk's is done. */
  const encodeChunk = async (): Promise<void> => {
    if (!chunk) return;
    const { csv, fd } = chunk;
    chunk = undefined;
    fs.closeSync(fd);
    await encoding;
    if (encodeError !== undefined) throw encodeError;
    const temp = path.join(tableDir, `.${loadFileName(temps.length + 1)}.tmp`);
    temps.push(temp);
    encoding = props.encoder.copy(loadQuery(table, csv, props.taskStartTime), temp, props.compression)
      .then(() => fs.rmSync(csv, { force: true }), (err: unknown) => {
        encodeError ??= err;
      });
  };
  // the callback connection under the promise one streams rows with backpressure
  const raw = (props.db as unknown as { connection: import('mysql2').Connection }).connection;
  const stream = raw.query({ sql: select, rowsAsArray: true }).stream({ highWaterMark: 1000 });
  let buffer = '';
  let stopped = false;
  /** Appends one row to the current chunk; true when the chunk is full. */
  const addRow = (row: unknown[]): boolean => {
    if (!chunk) {
      const csv = path.join(props.scratchDir, `${safeName}.${csvs.length}.csv`);
      csvs.push(csv);
      chunk = { csv, fd: fs.openSync(csv, 'w'), rows: 0 };
    }
    const fields = new Array<string>(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const rendered = renderMysqlValue(columns[i], row[i]);
      if (rendered !== null && typeof rendered === 'object') {
        props.onRefused?.(columns[i].name, rendered.refused, rendered.value);
        fields[i] = '';
      } else {
        fields[i] = csvField(rendered, typed[i]);
      }
    }
    buffer += `${fields.join(',')}\n`;
    chunk.rows++;
    rows++;
    if (buffer.length > 1_048_576 || chunk.rows >= props.chunkRows) {
      fs.writeSync(chunk.fd, buffer);
      buffer = '';
    }
    return chunk.rows >= props.chunkRows;
  };
  try {
    // 'data' events, not an async iterator: a promise per row costs more than the row's conversion
    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        stream.destroy();
        reject(err);
      };
      stream.on('data', (row: unknown[]) => {
        if (failed || stopped) return;
        let full: boolean;
        try {
          full = addRow(row);
        } catch (err) {
          fail(err);
          return;
        }
        if (!full) return;
        props.onRows?.(rows);
        if (props.stopRequested?.()) {
          stopped = true;
          stream.destroy();
          resolve();
          return;
        }
        stream.pause();
        encodeChunk().then(() => stream.resume(), fail);
      });
      stream.once('error', fail);
      stream.once('end', () => {
        if (!failed) resolve();
      });
    });
    if (stopped) return { rows, files: [], stopped: true };
    if (!chunk && rows === 0 && props.writeEmptyLoad) {
      const csv = path.join(props.scratchDir, `${safeName}.empty.csv`);
      csvs.push(csv);
      chunk = { csv, fd: fs.openSync(csv, 'w'), rows: 0 };
    }
    if (chunk) {
      fs.writeSync(chunk.fd, buffer);
      await encodeChunk();
    }
    await encoding;
    if (encodeError !== undefined) throw encodeError;
    props.onRows?.(rows);
    return { rows, files: publishLoadFiles(tableDir, temps, props.fileTime), stopped: false };
  } finally {
    if (chunk) fs.closeSync(chunk.fd);
    // (an encoding still running writes into a temp file: wait for it before removing what was not published)
    await encoding;
    for (const file of [...csvs, ...temps]) fs.rmSync(file, { force: true });
  }
}
