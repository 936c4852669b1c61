import * as path from 'node:path';
import type { AnyBinlogEvent } from '@vlasky/zongji';
import type { Connection } from 'mysql2/promise';
import { BinlogPosition, binlogRecordId } from './binlog-position';
import { ProgressReporter } from '../../cli/progress';
import { LakehouseError, errorMessage } from '../../errors';
import { displayName } from '../../source/catalog';
import { MysqlColumnMetadata, MysqlTableMetadata, readMysqlTableMetadata } from '../../source/mysql/mysql-catalog';
import { renderMysqlValue } from '../../source/mysql/mysql-type-mapping';
import { DecodedValue } from '../../source/test-decoding';
import { writeFileAtomic } from '../atomic-file';
import { TABLE_METADATA_FILE } from '../capture-state';
import { CapturedTable, CdcWindow } from '../cdc-window';

/** A row image of a binlog rows event: column name → value, as the reader decoded it. */
export type RowImage = Record<string, unknown>;

/** One row change of a rows event. */
export interface RowChange {
  readonly kind: 'insert' | 'update' | 'delete';
  /** The image an insert writes, an update's after-image, a delete's before-image. */
  readonly row: RowImage;
  /** An update's before-image. */
  readonly before?: RowImage;
}

/** The row changes of a `writerows` / `updaterows` / `deleterows` event, with its table; undefined for other events. */
export function rowChanges(event: AnyBinlogEvent): { schema: string; table: string; changes: RowChange[] } | undefined {
  const name = event.getEventName();
  if (name !== 'writerows' && name !== 'updaterows' && name !== 'deleterows') return undefined;
  const rows = (event as unknown as { rows: unknown[] }).rows;
  const { tableId, tableMap } = event as unknown as { tableId: number; tableMap: Record<number, { parentSchema: string; tableName: string }> };
  const map = tableMap[tableId];
  const changes = rows.map((r): RowChange => {
    if (name === 'updaterows') {
      const u = r as { before: RowImage; after: RowImage };
      return { kind: 'update', row: u.after, before: u.before };
    }
    return { kind: name === 'writerows' ? 'insert' : 'delete', row: r as RowImage };
  });
  return { schema: map.parentSchema, table: map.tableName, changes };
}

/** Where a rows event starts in the log. */
export function eventStart(event: AnyBinlogEvent): number {
  return event.nextPosition - event.size;
}

/** The end of an event in `file`, or undefined for events that carry no position (the stream's artificial first events). */
export function eventEnd(event: AnyBinlogEvent, file: string): BinlogPosition | undefined {
  return event.nextPosition > 0 ? { file, position: event.nextPosition } : undefined;
}

/** Called for each value written as NULL because its Parquet type cannot hold it. */
export type RefusedReporter = (table: CapturedTable, column: string, reason: string, value: string) => void;

/** A row image's values in the table's column order, rendered for staging (columns the image lacks are NULL). */
export function renderRow(table: CapturedTable, row: RowImage, refused: RefusedReporter): DecodedValue[] {
  const columns = table.meta.columns as readonly MysqlColumnMetadata[];
  const values = new Array<DecodedValue>(columns.length);
  for (let i = 0; i < columns.length; i++) {
    let value = row[columns[i].name];
    // the reader adds 1900 to a YEAR's stored byte, so 0000 (stored as 0) arrives as 1900, a year YEAR cannot hold otherwise
    if (value === 1900 && columns[i].sourceType.startsWith('year')) value = 0;
    const rendered = renderMysqlValue(columns[i], value);
    if (rendered !== null && typeof rendered === 'object') {
      refused(table, columns[i].name, rendered.refused, rendered.value);
      values[i] = null;
    } else {
      values[i] = rendered;
    }
  }
  return values;
}

/**
 * Stages the row changes of one rows event of `file` in the window's open transaction, as DMS writes them: I, U (the
 * after-image), D (the before-image); an update that changes the primary key is a D of the old row and a U of the new one.
 * Each staged row's record id comes from its place in the log (see binlogRecordId).
 */
export function stageRowChanges(
  window: CdcWindow, table: CapturedTable, changes: readonly RowChange[], file: string, start: number, refused: RefusedReporter,
): number {
  let index = 0;
  let staged = 0;
  for (const change of changes) {
    const after = renderRow(table, change.row, refused);
    if (change.kind === 'insert') {
      window.stage(table, 'I', after, binlogRecordId(file, start, index++));
    } else if (change.kind === 'delete') {
      window.stage(table, 'D', after, binlogRecordId(file, start, index++));
    } else {
      const before = renderRow(table, change.before ?? {}, refused);
      if (table.identity.some((i) => before[i] !== after[i])) {
        window.stage(table, 'D', before, binlogRecordId(file, start, index++));
        staged++;
      }
      window.stage(table, 'U', after, binlogRecordId(file, start, index++));
    }
    staged++;
  }
  return staged;
}

/** How a row image's columns differ from the table's: names it has that the metadata lacks, metadata columns it lacks. */
export function rowDrift(table: CapturedTable, changes: readonly RowChange[]): { added: string[]; missing: string[] } | undefined {
  const first = changes[0];
  if (!first) return undefined;
  const drift = table.columnDrift({ names: Object.keys(first.row), values: [] }, true);
  return drift;
}

/**
 * A row image has columns the metadata does not know (ADD COLUMN) or lacks some (DROP COLUMN): the table's columns are read
 * again and `_table.json` is rewritten; the returned table (a new staging key) stages the rows from here on apart, into their own
 * CDC file with the new columns. The image decides the columns (typed from the catalog, or as before for one dropped since).
 */
export async function refreshMysqlTable(
  db: Connection, table: CapturedTable, drift: { added: string[]; missing: string[] }, names: readonly string[], file: string,
  progress: ProgressReporter,
): Promise<CapturedTable> {
  const name = displayName(table.meta.source);
  let fresh: MysqlTableMetadata;
  try {
    [fresh] = await readMysqlTableMetadata(db, [`${table.meta.source.schema}.${table.meta.source.table}`], { requirePrimaryKey: false });
  } catch (err) {
    throw new LakehouseError(`table ${name}: its columns changed in the binlog at ${file}, but reading them again failed: ${errorMessage(err)}`);
  }
  const inImage = new Set(names);
  const known = [...table.meta.columns, ...(table.meta.droppedColumns ?? [])] as MysqlColumnMetadata[];
  const columns = names.map((n): MysqlColumnMetadata => fresh.columns.find((c) => c.name === n) ?? known.find((c) => c.name === n)
    ?? { name: n, ordinal: 0, sourceType: 'unknown', nullable: true, type: 'string', rawType: 'VARCHAR', kind: 'text', render: 'text' });
  const dropped = known.filter((c) => !inImage.has(c.name));
  const meta: MysqlTableMetadata = { ...fresh, columns, droppedColumns: dropped.length > 0 ? dropped : undefined };
  const next = new CapturedTable(meta, table.dir, table.version + 1);
  writeFileAtomic(path.join(table.dir, TABLE_METADATA_FILE), `${JSON.stringify(meta, null, 2)}\n`);
  progress.line(`capture: ${name}: columns changed at binlog ${file}`
    + `${drift.added.length > 0 ? `; added ${drift.added.join(', ')}` : ''}${drift.missing.length > 0 ? `; dropped ${drift.missing.join(', ')}` : ''}`
    + '; later CDC files have the new columns');
  return next;
}
