import * as fs from 'node:fs';
import * as path from 'node:path';
import { cdcFileName } from '@cdc-lakehouse/curation';
import { publishFile } from './atomic-file';
import { CapturedTable, CdcWindow, StagedTable } from './cdc-window';
import { CHANGE_SEQUENCE_RECORD_DIGITS } from './change-sequence';
import { ParquetEncoder, RawCompression, duckIdent, duckString, readCsv } from './parquet-encoder';
import { duckDbConversion } from '../source/type-mapping';

/** Looks up the current values of unchanged TOASTed columns; writes them as CSV (identity columns, then the values). */
export type ToastLookup = (staged: StagedTable, csvFile: string) => Promise<readonly number[]>;

/** Options of {@link writeWindowFiles}. */
export interface WindowWriterProps {
  /** Parquet encoder. */
  readonly encoder: ParquetEncoder;
  /** Parquet compression. */
  readonly compression: RawCompression;
  /** Fills unchanged TOASTed values. */
  readonly lookupToast: ToastLookup;
  /** The time that names the next CDC file (strictly increasing across calls). */
  readonly nextFileTime: () => Date;
}

/** A CDC file written for a window. */
export interface WrittenCdcFile {
  /** The table. */
  readonly table: CapturedTable;
  /** Absolute path. */
  readonly path: string;
  /** Rows in the file. */
  readonly rows: number;
}

/**
 * Writes one CDC file per table of a closed window, each made visible atomically (fsync, rename,
 * fsync of the folder). Returns when every file is durable; only then may the slot advance.
 */
export async function writeWindowFiles(window: CdcWindow, props: WindowWriterProps): Promise<WrittenCdcFile[]> {
  window.close();
  const staged = [...window.tables.values()].filter((t) => t.committedRows > 0);
  if (staged.length === 0) return [];
  const txCsv = path.join(window.dir, 'transactions.csv');
  fs.writeFileSync(txCsv, window.transactions.map((t) => `${t.index},"${t.commitTimestamp}",${t.sequencePrefix}\n`).join(''));
  const written: WrittenCdcFile[] = [];
  for (const [i, table] of staged.entries()) {
    let lookup: { file: string; columns: readonly number[] } | undefined;
    if (table.toastKeys.size > 0) {
      const file = path.join(window.dir, `lookup${i}.csv`);
      lookup = { file, columns: await props.lookupToast(table, file) };
    }
    fs.mkdirSync(table.table.dir, { recursive: true });
    let at = props.nextFileTime();
    let target = path.join(table.table.dir, cdcFileName(at));
    while (fs.existsSync(target)) {
      at = props.nextFileTime();
      target = path.join(table.table.dir, cdcFileName(at));
    }
    const temp = path.join(table.table.dir, `.${path.basename(target)}.tmp`);
    try {
      const rows = await props.encoder.copy(cdcQuery(table.table, table.csvPath, txCsv, lookup), temp, props.compression);
      fs.utimesSync(temp, at, at);
      publishFile(temp, target);
      written.push({ table: table.table, path: target, rows });
    } finally {
      fs.rmSync(temp, { force: true });
    }
  }
  return written;
}

/**
 * The DuckDB query turning a table's staged rows into DMS CDC rows: op, commit timestamp (from the
 * transaction), the data columns converted to the DMS types (unchanged TOASTed values taken from
 * the look-up), and the change sequence (transaction prefix + 19-digit position). Rows keep the
 * staging (stream) order: the joins' build sides are the small transaction and look-up lists, and
 * the encoder runs one thread with insertion order preserved; no sort, so a million-row
 * transaction is encoded as a stream. (The change sequence orders them in any case.)
 */
export function cdcQuery(table: CapturedTable, csv: string, txCsv: string, lookup?: { file: string; columns: readonly number[] }): string {
  const { columns, rawFormat } = table.meta;
  const staged = readCsv(csv, [['txi', 'INTEGER'], ['pos', 'BIGINT'], ['op', 'VARCHAR'], ['mask', 'VARCHAR'],
    ...columns.map((c, i) => [`c${i}`, table.typedInStaging[i] ? c.rawType : 'VARCHAR'] as const)]);
  const transactions = readCsv(txCsv, [['txi', 'INTEGER'], ['ts', 'VARCHAR'], ['seq', 'VARCHAR']]);
  const looked = new Set(lookup?.columns ?? []);
  const projection = [
    `s.op AS ${duckIdent(rawFormat.opColumn)}`,
    `t.ts AS ${duckIdent(rawFormat.commitTimestampColumn)}`,
    ...columns.map((c, i) => {
      if (table.typedInStaging[i]) return `s.c${i} AS ${duckIdent(c.name)}`;
      const value = looked.has(i)
        ? `CASE WHEN s.mask LIKE ${duckString(`%;${i};%`)} THEN l.v${i} ELSE s.c${i} END`
        : `s.c${i}`;
      return `${duckDbConversion(c, value)} AS ${duckIdent(c.name)}`;
    }),
    ...(rawFormat.changeSequenceColumn === null ? []
      : [`t.seq || lpad(CAST(s.pos AS VARCHAR), ${CHANGE_SEQUENCE_RECORD_DIGITS}, '0') AS ${duckIdent(rawFormat.changeSequenceColumn)}`]),
  ];
  const joins = [`JOIN ${transactions} AS t ON s.txi = t.txi`];
  if (lookup) {
    const lookupColumns = [
      ...table.identity.map((_, k) => [`k${k}`, 'VARCHAR'] as const),
      ...lookup.columns.map((i) => [`v${i}`, 'VARCHAR'] as const),
    ];
    const on = table.identity.map((ci, k) => `${table.typedInStaging[ci] ? `s.c${ci}` : duckDbConversion(columns[ci], `s.c${ci}`)} = ${duckDbConversion(columns[ci], `l.k${k}`)}`);
    joins.push(`LEFT JOIN ${readCsv(lookup.file, lookupColumns)} AS l ON ${on.join(' AND ')}`);
  }
  return [
    'SELECT',
    `  ${projection.join(',\n  ')}`,
    `FROM ${staged} AS s`,
    ...joins,
  ].join('\n');
}
