import { LakeTable } from './plans';
import { readCaptureState } from '../capture/capture-state';

/** The tables of a raw zone that curate takes now, and those it leaves for a later run. */
export interface CompleteTables {
  /** Tables whose full load is complete (or that no capture of this raw zone is loading). */
  readonly complete: LakeTable[];
  /** One line per table left out: its full load has not finished. */
  readonly skipped: string[];
}

/**
 * Leaves out the tables whose full load has not finished, by the capture state in `rawDir`: during the full load,
 * a table is loaded once the state lists its row count (capture publishes the table's LOAD files, then records it).
 * Curating such a table would build it from no LOAD files (an empty table) or, after a restarted load, replace the
 * curated rows with nothing; it is curated on a later run, once loaded. A raw zone without capture state (written by
 * DMS or copied) and tables capture does not list are taken as they are.
 */
export function completeTables(rawDir: string, tables: readonly LakeTable[]): CompleteTables {
  const state = readCaptureState(rawDir);
  if (state === undefined || state.phase !== 'full-load') return { complete: [...tables], skipped: [] };
  const captured = new Set(state.tables.map((t) => `${t.schema}.${t.table}`));
  const complete: LakeTable[] = [];
  const skipped: string[] = [];
  for (const table of tables) {
    const name = table.metadata ? `${table.metadata.source.schema}.${table.metadata.source.table}` : `${table.source.schema}.${table.source.table}`;
    if (captured.has(name) && state.fullLoadRows[name] === undefined) {
      skipped.push(`curate: skipping ${name}: its full load has not finished (capture is still loading it, or stopped before it was done); `
        + 'curate again once capture has loaded it');
    } else {
      complete.push(table);
    }
  }
  return { complete, skipped };
}
