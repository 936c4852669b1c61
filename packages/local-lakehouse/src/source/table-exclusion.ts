import { TablePattern, TableRef, parseTablePattern, selectTables, splitTableList } from '@cdc-lakehouse/source-setup';
import { UsageError, errorMessage } from '../errors';

/**
 * Parses an `--exclude` list: comma-separated `schema.table` selectors, `%` as a wildcard, quoted names for dots
 * and commas, a name without schema meaning `public` (the syntax of `--tables`).
 * @param command the command, for the message (`local capture`)
 * @throws UsageError naming the selector that cannot be parsed, or an empty list
 */
export function parseExcludeList(command: string, list: string, defaultSchema: string | undefined = 'public'): TablePattern[] {
  const items = splitTableList(list);
  if (items.length === 0) throw new UsageError(`${command}: --exclude is empty; give schema.table selectors, e.g. --exclude public.audit_log,staging.%`);
  try {
    return items.map((item) => parseTablePattern(item, { defaultSchema }));
  } catch (err) {
    throw new UsageError(`${command}: --exclude: ${errorMessage(err)}`);
  }
}

/** The tables no exclusion selector matches, and the selectors (as written) that matched none of `tables`. */
export function excludeTables<T extends TableRef>(tables: readonly T[], patterns: readonly TablePattern[]): { kept: T[]; unmatched: string[] } {
  if (patterns.length === 0) return { kept: [...tables], unmatched: [] };
  const { selected, unmatched } = selectTables(patterns, tables);
  const excluded = new Set<T>(selected);
  return { kept: tables.filter((t) => !excluded.has(t)), unmatched };
}
