import { rowText } from '../source/type-mapping';

/* Row texts of any width, the same in PostgreSQL and DuckDB. */

/** PostgreSQL takes at most 100 arguments in a function call; wider rows are joined in groups. */
const ROW_TEXT_GROUP = 90;

/** {@link rowText} for any number of columns: groups joined by the same separator give the same text. */
export function wideRowText(texts: readonly string[]): string {
  if (texts.length <= ROW_TEXT_GROUP) return rowText(texts);
  const groups: string[] = [];
  for (let i = 0; i < texts.length; i += ROW_TEXT_GROUP) groups.push(rowText(texts.slice(i, i + ROW_TEXT_GROUP)));
  return `concat_ws(chr(1), ${groups.join(', ')})`;
}
