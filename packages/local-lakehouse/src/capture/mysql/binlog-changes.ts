import type { AnyBinlogEvent } from '@vlasky/zongji';
import { BinlogPosition, binlogRecordId } from './binlog-position';
import { MysqlColumnMetadata } from '../../source/mysql/mysql-catalog';
import { renderMysqlValue } from '../../source/mysql/mysql-type-mapping';
import { DecodedValue } from '../../source/test-decoding';
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
