import * as fs from 'node:fs';
import * as path from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { ChangeOperation, DMS_FACTS_TO_VERIFY, DmsRawFormat, dmsRawFormat } from './dms-raw-format';
import {
  ChangeFile, RawTableRef, RawZoneLayout, cdcFileName, classifyRawFileName, datePartitionFolder, loadFileName, rawTableDirectory,
} from './raw-zone-layout';
import { ColumnDefinition, columnTypeOf } from '../plan';
import { quoteWith, stringLiteral } from '../sql/dialect';
import { duckDbType } from '../sql/duckdb-dialect';

/** A value of a data column: strings for decimals, dates and timestamps (`2024-01-31 12:00:00.000001`). */
export type RawValue = string | number | bigint | boolean | Uint8Array | null;

/** One row of a raw file: the operation, the DMS bookkeeping values and the row image. */
export interface RawChange {
  /** `I`, `U` or `D` (`D` carries the before-image). LOAD rows are always `I`. */
  readonly op: ChangeOperation;
  /** Commit timestamp, `yyyy-MM-dd HH:mm:ss.SSSSSS`. */
  readonly commitTimestamp: string;
  /**
   * Change sequence (35 digits); '' or null for full-load rows.
   * @default null
   */
  readonly changeSequence?: string | null;
  /** Data column values by column name; missing columns are NULL. */
  readonly values: Readonly<Record<string, RawValue>>;
}

/** Options of {@link DmsRawWriter}. */
export interface DmsRawWriterProps {
  /** Where to write (`<rootDir>/<schema>/<table>/…`), with or without date folders. */
  readonly layout: RawZoneLayout;
  /**
   * Bookkeeping column names.
   * @default DEFAULT_DMS_RAW_FORMAT
   */
  readonly format?: Partial<DmsRawFormat>;
  /**
   * Whether full-load files get the op column (`I`), like the DMS setting of the same name.
   * @default true
   */
  readonly includeOpForFullLoad?: boolean;
  /**
   * Parquet compression (the DMS `compressionType`; this project asks for gzip).
   * @default 'gzip'
   */
  readonly compression?: 'gzip' | 'uncompressed' | 'snappy' | 'zstd';
  /**
   * The clock that names CDC files and stamps last-modified times. Each file gets a time at
   * least 1 ms after the previous one, as files written one after another would on S3.
   * @default () => new Date()
   */
  readonly clock?: () => Date;
}

/**
 * Writes Parquet files exactly the way a DMS S3 target lays them out (op column first, commit
 * timestamp as a string, data columns nullable, change sequence last as a string; LOAD files
 * with a hex counter, CDC files named by time, optional date folders). Each file appears
 * atomically: it is written under a temporary dot-name, fsynced, given its last-modified time
 * and renamed, so a reader never sees half a file. Tests use it to build raw zones; the local
 * mode uses it to land changes.
 */
export class DmsRawWriter {
  /** Opens a writer (it holds an in-memory DuckDB to encode Parquet). */
  static async open(props: DmsRawWriterProps): Promise<DmsRawWriter> {
    const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
    return new DmsRawWriter(props, instance, await instance.connect());
  }

  /** Bookkeeping column names. */
  readonly format: DmsRawFormat;
  private lastWriteMs = 0;
  private tempCounter = 0;

  private constructor(
    private readonly props: DmsRawWriterProps,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {
    this.format = dmsRawFormat(props.format);
  }

  /**
   * Writes a full load of `rows`, split into LOAD files of `rowsPerFile`, replacing any LOAD
   * files the table already has (DMS rewrites them on a reload). Rows must be inserts.
   */
  async writeLoad(
    table: RawTableRef, columns: readonly ColumnDefinition[], rows: readonly RawChange[], rowsPerFile = 100_000,
  ): Promise<ChangeFile[]> {
    if (rows.length === 0) {
      throw new Error(`${table.schema}.${table.table}: a full load needs at least one row (DMS writes no file for an empty table)`);
    }
    const bad = rows.find((r) => r.op !== 'I');
    if (bad) {
      throw new Error(`${table.schema}.${table.table}: full-load rows are inserts, got op ${JSON.stringify(bad.op)}`);
    }
    const queries: string[] = [];
    for (let start = 0; start < rows.length; start += rowsPerFile) {
      queries.push(this.valuesQuery(columns, rows.slice(start, start + rowsPerFile), this.props.includeOpForFullLoad ?? true));
    }
    return this.replaceLoad(table, queries);
  }

  /**
   * Writes the result of a DuckDB query as the table's full load (one LOAD file), replacing any
   * LOAD files it already has. The query must produce the DMS columns in DMS order.
   */
  async writeLoadFromQuery(table: RawTableRef, query: string): Promise<ChangeFile[]> {
    return this.replaceLoad(table, [query]);
  }

  /** Writes one CDC file holding `changes`, in order. */
  async writeChanges(table: RawTableRef, columns: readonly ColumnDefinition[], changes: readonly RawChange[]): Promise<ChangeFile> {
    if (changes.length === 0) {
      throw new Error(`${table.schema}.${table.table}: a CDC file needs at least one change (DMS writes no empty CDC files)`);
    }
    return this.writeChangesFromQuery(table, this.valuesQuery(columns, changes, true));
  }

  /** Writes the result of a DuckDB query as one CDC file. The query must produce the DMS columns in DMS order. */
  async writeChangesFromQuery(table: RawTableRef, query: string): Promise<ChangeFile> {
    const at = this.nextWriteTime();
    return this.writeFile(table, this.cdcRelativePath(at), at, (temp) => this.copy(query, temp));
  }

  /** Delivers an already written CDC file a second time, under a new name (DMS's at-least-once delivery). */
  async redeliver(table: RawTableRef, file: ChangeFile): Promise<ChangeFile> {
    const at = this.nextWriteTime();
    return this.writeFile(table, this.cdcRelativePath(at), at, async (temp) => fs.copyFileSync(file.path, temp));
  }

  /** Releases the writer's DuckDB. */
  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** Where DMS puts a CDC file written at `at`: its time name, under a date folder if the layout has them. */
  private cdcRelativePath(at: Date): string {
    const partitioning = this.props.layout.datePartitioning;
    return partitioning ? `${datePartitionFolder(at, partitioning)}/${cdcFileName(at)}` : cdcFileName(at);
  }

  private async replaceLoad(table: RawTableRef, queries: readonly string[]): Promise<ChangeFile[]> {
    const dir = rawTableDirectory(this.props.layout, table);
    const names = queries.map((_, i) => loadFileName(i + 1));
    // stale LOAD files of an older, longer load go first, so no listing mixes them with the new load for long
    if (fs.existsSync(dir)) {
      for (const entry of fs.readdirSync(dir)) {
        if (DMS_FACTS_TO_VERIFY.loadFileName.test(entry) && !names.includes(entry)) {
          fs.rmSync(path.join(dir, entry));
        }
      }
    }
    const files: ChangeFile[] = [];
    for (const [i, query] of queries.entries()) {
      const at = this.nextWriteTime();
      files.push(await this.writeFile(table, names[i], at, (temp) => this.copy(query, temp)));
    }
    return files;
  }

  private async writeFile(table: RawTableRef, relativePath: string, at: Date, produce: (temp: string) => Promise<void>): Promise<ChangeFile> {
    const target = path.join(rawTableDirectory(this.props.layout, table), relativePath);
    const dir = path.dirname(target);
    fs.mkdirSync(dir, { recursive: true });
    const temp = path.join(dir, `.${path.basename(target)}.${process.pid}.${++this.tempCounter}.tmp`);
    try {
      await produce(temp);
      const fd = fs.openSync(temp, 'r+');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      fs.utimesSync(temp, at, at);
      fs.renameSync(temp, target);
      syncDirectory(dir);
    } finally {
      fs.rmSync(temp, { force: true });
    }
    const stat = fs.statSync(target);
    const classified = classifyRawFileName(relativePath)!;
    return { ...classified, path: target, relativePath, name: path.basename(target), sizeBytes: stat.size, modifiedMs: stat.mtimeMs };
  }

  private async copy(query: string, file: string): Promise<void> {
    const compression = this.props.compression ?? 'gzip';
    await this.connection.run(`COPY (\n${query}\n) TO ${stringLiteral(file)} (FORMAT parquet, COMPRESSION ${compression})`);
  }

  /** A SELECT producing `rows` with DMS's columns, names and types, in DMS's order. */
  private valuesQuery(columns: readonly ColumnDefinition[], rows: readonly RawChange[], withOp: boolean): string {
    const q = (name: string): string => quoteWith('"', name);
    const { opColumn, commitTimestampColumn, changeSequenceColumn } = this.format;
    const fields: { name: string; type: string; value: (row: RawChange) => RawValue }[] = [
      ...(withOp ? [{ name: opColumn, type: 'VARCHAR', value: (r: RawChange) => r.op }] : []),
      { name: commitTimestampColumn, type: 'VARCHAR', value: (r) => r.commitTimestamp },
      ...columns.map((c) => {
        columnTypeOf(c.type);
        return { name: c.name, type: duckDbType(c.type), value: (r: RawChange) => r.values[c.name] ?? null };
      }),
      ...(changeSequenceColumn === null ? [] : [{ name: changeSequenceColumn, type: 'VARCHAR', value: (r: RawChange) => r.changeSequence ?? null }]),
    ];
    const tuples = rows.map((row) => `(${fields.map((f) => literal(f.value(row))).join(', ')})`);
    return [
      'SELECT',
      fields.map((f, i) => `  CAST(v.c${i} AS ${f.type}) AS ${q(f.name)}`).join(',\n'),
      'FROM (VALUES',
      tuples.map((t) => `  ${t}`).join(',\n'),
      `) AS v(${fields.map((_, i) => `c${i}`).join(', ')})`,
    ].join('\n');
  }

  private nextWriteTime(): Date {
    const now = (this.props.clock ?? (() => new Date()))().getTime();
    this.lastWriteMs = Math.max(now, this.lastWriteMs + 1);
    return new Date(this.lastWriteMs);
  }
}

function literal(value: RawValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof Uint8Array) return `from_hex('${Buffer.from(value).toString('hex')}')`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return stringLiteral(String(value));
}

function syncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
