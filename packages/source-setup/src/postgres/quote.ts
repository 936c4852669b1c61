import { TableRef } from '../table-selection';

/** A PostgreSQL identifier in double quotes (always quoted, so keywords and mixed case are safe). */
export function quoteIdent(name: string): string {
  if (name === '' || name.includes('\0')) {
    throw new Error(`invalid PostgreSQL identifier ${JSON.stringify(name)}`);
  }
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."table"`. */
export function quoteTable(table: TableRef): string {
  return `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
}

/**
 * A PostgreSQL string literal. Backslashes switch to the `E'…'` form, which
 * means the same whatever `standard_conforming_strings` is set to.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) {
    throw new Error('PostgreSQL string literals cannot contain NUL characters');
  }
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** A dollar-quote tag (`$setup$`, `$setup1$`, …) that does not occur in `body`. */
export function dollarQuoteTag(body: string, base = 'setup'): string {
  for (let n = 0; ; n++) {
    const tag = `$${base}${n === 0 ? '' : n}$`;
    if (!body.includes(tag)) {
      return tag;
    }
  }
}
