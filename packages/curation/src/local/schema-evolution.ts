import { ColumnDefinition, ColumnType, formatColumnType, isWideningOrSame, parseColumnType } from '../plan';

/** A change the runner makes to the curated table before merging. */
export type SchemaChange =
  | { readonly kind: 'add'; readonly column: ColumnDefinition }
  | { readonly kind: 'widen'; readonly column: ColumnDefinition; readonly from: ColumnType };

/** A raw column whose type the curated table cannot follow automatically. */
export class SchemaEvolutionError extends Error {
  constructor(
    /** Curated table, `database.table`. */
    readonly table: string,
    /** Column name. */
    readonly column: string,
    /** Type in the curated table. */
    readonly oldType: string,
    /** Type in the raw file. */
    readonly newType: string,
    /** The raw file that brought the new type. */
    readonly file: string,
  ) {
    super(`table ${table}: column "${column}" changed type from ${oldType} to ${newType} in raw file ${file}; `
      + 'only int→bigint, float→double and decimal precision increases are applied automatically. '
      + 'Migrate the curated table by hand (or reload it), then run again; nothing was applied');
    this.name = 'SchemaEvolutionError';
  }
}

/** Columns of one raw file as the engine reads them. */
export interface RawFileSchema {
  /** File path (for messages). */
  readonly file: string;
  /** Data columns (bookkeeping columns removed), with plan types or `undefined` where the type is unsupported. */
  readonly columns: readonly { readonly name: string; readonly type: ColumnType | undefined; readonly engineType: string }[];
}

/**
 * Works out the curated table's data columns after a batch of raw files: new columns are added
 * (nullable, at the end), allowed widenings are applied, and anything else throws
 * {@link SchemaEvolutionError} before the table is touched. Column names match case-insensitively,
 * as in Athena, Spark and DuckDB.
 */
export function evolveSchema(
  table: string, current: readonly ColumnDefinition[], files: readonly RawFileSchema[],
): { columns: ColumnDefinition[]; changes: SchemaChange[] } {
  const columns = [...current];
  for (const file of files) {
    for (const raw of file.columns) {
      const index = columns.findIndex((c) => c.name.toLowerCase() === raw.name.toLowerCase());
      const existing = index >= 0 ? columns[index] : undefined;
      if (raw.type === undefined) {
        throw new SchemaEvolutionError(table, raw.name, existing?.type ?? '(new column)', raw.engineType, file.file);
      }
      if (!existing) {
        columns.push({ name: raw.name, type: raw.type });
        continue;
      }
      const from = parseColumnType(existing.type)!;
      const to = parseColumnType(raw.type)!;
      if (isWideningOrSame(to, from)) {
        continue; // the curated column already holds these values
      }
      if (!isWideningOrSame(from, to)) {
        throw new SchemaEvolutionError(table, existing.name, existing.type, raw.type, file.file);
      }
      columns[index] = { name: existing.name, type: formatColumnType(to) };
    }
  }
  // one change per column, from where it started to where it ended
  const changes: SchemaChange[] = columns.flatMap((column): SchemaChange[] => {
    const before = current.find((c) => c.name === column.name);
    if (!before) return [{ kind: 'add', column }];
    return before.type === column.type ? [] : [{ kind: 'widen', column, from: before.type }];
  });
  return { columns, changes };
}
