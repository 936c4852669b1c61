import { runLocalLakehouse } from './local-lakehouse-bin';

/** One table of `lakehouse local verify --json`. */
export interface VerifiedTable {
  readonly table: string;
  readonly status: string;
  readonly sourceRows: number | null;
  readonly lakeRows: number | null;
  readonly differingColumns: readonly string[];
  readonly differingKeys: readonly string[];
  readonly sourceChecksum: string | null;
  readonly lakeChecksum: string | null;
  readonly lakeOnlyColumns: readonly string[];
}

/**
 * Runs `lakehouse local verify --tables <table> --json`: the curated table compared with the source table, every value rendered
 * under the capture's DMS mapping on both sides (for MySQL in SQL on the server; local-lakehouse README, "verify").
 */
export async function verifyOneTable(
  source: string, lake: string, table: string,
): Promise<{ code: number; tables: VerifiedTable[]; stderr: string }> {
  const result = await runLocalLakehouse(['local', 'verify', '--source', source, '--lake', lake, '--tables', table, '--json']);
  const report = JSON.parse(result.stdout) as { tables: VerifiedTable[] };
  return { code: result.code, tables: report.tables, stderr: result.stderr };
}
