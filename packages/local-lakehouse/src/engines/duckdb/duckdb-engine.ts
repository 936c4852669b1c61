import { curateFollow, curateLakeTables } from '../../lake/curate';
import { openLake, registeredTables } from '../../lake/lake-database';
import { RowConsumer, streamLake } from '../../lake/query';
import { CuratedTablesView } from '../../lake/verify';
import { CurationEngine, CurateRequest, FollowRequest } from '../curation-engine';

/**
 * The default engine: the curation core's LocalCurationRunner into one DuckDB file (one
 * transaction per batch), the same plan and MERGE generator the AWS jobs use, in DuckDB's dialect.
 */
export const duckdbEngine: CurationEngine = {
  name: 'duckdb',
  summary: 'the curation core\'s LocalCurationRunner into a DuckDB file, --lake (default)',
  target: { option: 'lake', description: 'DuckDB database file (created when missing)', example: './lake.duckdb' },
  // a killed round loses nothing: each batch is one DuckDB transaction
  stoppable: false,

  async curate(request: CurateRequest) {
    return curateLakeTables(request.tables, { rawDir: request.rawDir, lakeFile: request.target, progress: request.progress });
  },

  async follow(request: FollowRequest) {
    return curateFollow({
      rawDir: request.rawDir,
      lakeFile: request.target,
      plansFile: request.plansFile,
      intervalMs: request.intervalMs,
      progress: request.progress,
      signal: request.signal,
    });
  },

  async query<T>(target: string, sql: string, consume: RowConsumer<T>) {
    return streamLake(target, sql, consume);
  },

  async openCuratedTables(target: string): Promise<CuratedTablesView> {
    const lake = await openLake(target, { readOnly: true });
    try {
      const tables = await registeredTables(lake.connection, target);
      return { connection: lake.connection, tables, close: () => lake.close() };
    } catch (err) {
      lake.close();
      throw err;
    }
  },
};
