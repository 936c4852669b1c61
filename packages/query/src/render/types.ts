/** How a result is written: an aligned text table, CSV (RFC 4180 quoting) or JSON lines. */
export type OutputFormat = 'table' | 'csv' | 'json';

/** What a column's values are, whatever engine produced them (see `kindOfType`). */
export type ValueKind = 'text' | 'integer' | 'decimal' | 'float' | 'boolean' | 'date' | 'timestamp' | 'time' | 'json' | 'binary';

/** One result column: its name, the engine's type name, and the kind that type maps to. */
export interface ResultColumn {
  readonly name: string;
  readonly type: string;
  readonly kind: ValueKind;
}

/**
 * One value: null | string | number | bigint | boolean | JSON-able array/object. By kind: integer -> number|bigint|digit string;
 * decimal -> exact digit string; float -> number (or 'NaN'/'Infinity'/'-Infinity'); boolean -> boolean;
 * date/timestamp/time -> canonical text; json -> array/object (already parsed); binary -> hex text; text -> string.
 */
export type Cell = null | string | number | bigint | boolean | readonly unknown[] | { readonly [key: string]: unknown };

/** A result that arrives in batches of rows; the renderer pulls the next batch only when the sink has taken the last. */
export interface RowStream {
  readonly columns: readonly ResultColumn[];
  readonly batches: AsyncIterable<readonly (readonly Cell[])[]>;
}

/** Where rendered text goes. `write` resolves when the sink can take more. */
export interface TextSink {
  write(chunk: string): Promise<void>;
}

/** How to render. */
export interface RenderOptions {
  readonly format: OutputFormat;
  /** table only: the widest a column gets, in characters (longer values are cut with `…`); default 60. */
  readonly maxCellWidth?: number;
}
