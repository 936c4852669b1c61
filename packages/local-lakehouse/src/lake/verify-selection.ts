import { TablePattern, parseTablePattern, selectTables, splitTableList } from '@cdc-lakehouse/source-setup';
import { RegisteredTable } from './lake-database';
import { UsageError, errorMessage } from '../errors';
import { excludeTables, parseExcludeList } from '../source/table-exclusion';

/* Which curated tables verify compares: `--tables` and `--exclude`, read the way capture reads them. */

/**
 * Parses `--tables` for verify: comma-separated `schema.table` selectors, `%` as a wildcard, quoted names
 * for dots and commas (a name without schema means `defaultSchema`: `public`, or the database of a MySQL URL).
 * @throws UsageError naming the selector that cannot be parsed, or an empty list
 */
export function parseVerifySelectors(list: string, defaultSchema: string | undefined = 'public'): TablePattern[] {
  const items = splitTableList(list);
  if (items.length === 0) throw new UsageError('local verify: --tables is empty; give schema.table selectors, e.g. --tables public.orders,public.%');
  try {
    return items.map((item) => parseTablePattern(item, { defaultSchema }));
  } catch (err) {
    throw new UsageError(`local verify: --tables: ${errorMessage(err)}`);
  }
}

/** The curated tables verify compares, and the `--tables` selectors that match none of them. */
export interface CuratedTableSelection {
  /** The registered tables `--tables` selects, less those `--exclude` leaves out. */
  readonly tables: RegisteredTable[];
  /** `--tables` selectors that match no registered table (verify looks for them in the source). */
  readonly unmatched: TablePattern[];
}

/**
 * The registered tables verify compares for `--tables` and `--exclude` (selectors as `VerifyTablesOptions` takes
 * them): every one when neither is given. Engines that export a warehouse to compare it export only these.
 * @param defaultSchema the schema of a selector that names none (see {@link parseVerifySelectors})
 * @throws UsageError for a selector that cannot be parsed
 */
export function selectCuratedTables(
  registered: readonly RegisteredTable[], selectors?: readonly string[], exclude?: readonly string[], defaultSchema: string | undefined = 'public',
): CuratedTableSelection {
  const named = (tables: readonly RegisteredTable[]) => tables.map((t) => ({ ...t, schema: t.sourceSchema, name: t.sourceTable }));
  const patterns = selectors === undefined ? undefined : parseVerifySelectors(selectors.join(','), defaultSchema);
  const selected = patterns ? selectTables(patterns, named(registered)) : undefined;
  const excludePatterns = exclude === undefined || exclude.length === 0 ? [] : parseExcludeList('local verify', exclude.join(','), defaultSchema);
  const kept = excludeTables(named(selected ? selected.selected : registered), excludePatterns).kept;
  const tables = kept.map(({ schema: _schema, name: _name, ...t }) => t as RegisteredTable);
  return { tables, unmatched: patterns && selected ? patterns.filter((p) => selected.unmatched.includes(p.text)) : [] };
}
