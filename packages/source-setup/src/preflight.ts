import { SourceEngine } from './connection-url';
import { preflightMysql } from './mysql/preflight';
import { preflightPostgres } from './postgres/preflight';
import { CheckResult } from './requirement';

export interface PreflightOptions {
  readonly engine: SourceEngine;
  /** `postgres://…` or `mysql://…`, matching `engine`. */
  readonly connectionString: string;
  /**
   * Table selectors, `schema.table` with `%` wildcards.
   * @default every user table
   */
  readonly tables?: readonly string[];
  /**
   * DMS tasks that will read this database.
   * @default 1
   */
  readonly expectedTasks?: number;
  /**
   * Give up connecting after this long.
   * @default 10000
   */
  readonly connectTimeoutMs?: number;
}

/** Runs the preflight of one engine: preflightPostgres or preflightMysql. */
export async function preflight(options: PreflightOptions): Promise<CheckResult[]> {
  const { engine, ...rest } = options;
  switch (engine) {
    case 'postgres':
      return preflightPostgres(rest);
    case 'mysql':
      return preflightMysql(rest);
    default:
      throw new Error(`unknown engine ${JSON.stringify(engine)}: use postgres or mysql`);
  }
}

/** Counts of a report by status. */
export interface PreflightSummary {
  readonly passed: number;
  readonly failed: number;
  readonly warned: number;
}

/** Counts results by status. */
export function summarizeResults(results: readonly CheckResult[]): PreflightSummary {
  return {
    passed: results.filter((result) => result.status === 'pass').length,
    failed: results.filter((result) => result.status === 'fail').length,
    warned: results.filter((result) => result.status === 'warn').length,
  };
}
