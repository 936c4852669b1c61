import { stringLiteral } from './dialect';
import { DMS_FACTS_TO_VERIFY } from '../dms/dms-raw-format';
import { CurationSettings } from '../plan';

// Pieces every generated MERGE shares, whether it lists the columns (CurationSql) or not
// (ColumnAgnosticSql): the latest-change ordering, the key match and the newer-than guard.

/** Quotes an identifier for the dialect at hand. */
export type Quote = (identifier: string) => string;

/**
 * ORDER BY terms (each descending) that put the latest change to a key first: change sequence
 * (NULL counts as '', the lowest), commit timestamp (NULL last), then the file-order expressions.
 */
export function latestFirst(settings: CurationSettings, q: Quote, fileOrder: readonly string[]): string[] {
  const { commitTimestampColumn, changeSequenceColumn } = settings.format;
  return [
    ...(changeSequenceColumn === null ? [] : [`COALESCE(c.${q(changeSequenceColumn)}, '') DESC`]),
    `c.${q(commitTimestampColumn)} DESC NULLS LAST`,
    ...fileOrder.map((e) => `${e} DESC`),
  ];
}

/** `row_number() OVER (PARTITION BY <key> ORDER BY <latest first>) AS <name>`, over the changes aliased `c`. */
export function changeRankWindow(settings: CurationSettings, q: Quote, fileOrder: readonly string[], name: string): string {
  return [
    'row_number() OVER (',
    indent(`PARTITION BY ${settings.primaryKey.map((k) => `c.${q(k)}`).join(', ')}`, 1),
    indent('ORDER BY', 1),
    indent(latestFirst(settings, q, fileOrder).join(',\n'), 2),
    `) AS ${q(name)}`,
  ].join('\n');
}

/** The MERGE's ON clause: key columns equal (or not distinct, for a nullable whole-row key). */
export function keyMatch(settings: CurationSettings, q: Quote): string {
  const operator = settings.nullableKey ? 'IS NOT DISTINCT FROM' : '=';
  return `ON ${settings.primaryKey.map((k) => `t.${q(k)} ${operator} s.${q(k)}`).join(' AND ')}`;
}

/** Whether the change in `alias` is a delete. */
export function isDelete(settings: CurationSettings, q: Quote, alias = 's'): string {
  return `${alias}.${q(settings.format.opColumn)} = ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.delete)}`;
}

/** Whether the change in `alias` is not a delete. */
export function isNotDelete(settings: CurationSettings, q: Quote, alias = 's'): string {
  return `${alias}.${q(settings.format.opColumn)} <> ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.delete)}`;
}

/**
 * Whether the change in `s` is newer than the one that wrote the row in `t`. A change is applied
 * once: with a change sequence (unique per change; '' for every full-load row) the incoming
 * change must have a greater sequence, or the same sequence and a later commit timestamp (two
 * full-load rows). An equal change — the same change delivered or read again — is skipped, so a
 * re-run rewrites nothing (with merge-on-read, no delete files).
 *
 * Without a change sequence only the commit timestamp is known, and it is not unique per change:
 * the changes of one transaction (and of transactions committed in the same microsecond) share it,
 * and DMS may cut them into different files, which may land in different batches. There the guard
 * stays newer-or-equal: refusing an equal timestamp would drop the later changes of a transaction
 * applied across two batches, while accepting it only rewrites rows with the same change.
 */
export function incomingIsNewer(settings: CurationSettings, q: Quote): string {
  const ts = q(settings.format.commitTimestampColumn);
  const seqColumn = settings.format.changeSequenceColumn;
  if (seqColumn === null) {
    return `s.${ts} >= t.${ts}`;
  }
  const seq = q(seqColumn);
  return `(s.${seq} > t.${seq} OR (s.${seq} = t.${seq} AND s.${ts} > t.${ts}))`;
}

/** The commit timestamp and change sequence kept in the curated table. */
export function trackingColumns(settings: CurationSettings): string[] {
  const { commitTimestampColumn, changeSequenceColumn } = settings.format;
  return changeSequenceColumn === null ? [commitTimestampColumn] : [commitTimestampColumn, changeSequenceColumn];
}

/** Indents every non-empty line by `levels` × two spaces. */
export function indent(text: string, levels: number): string {
  const pad = '  '.repeat(levels);
  return text.split('\n').map((line) => (line.length > 0 ? pad + line : line)).join('\n');
}
