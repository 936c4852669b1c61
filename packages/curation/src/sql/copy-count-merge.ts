import { DialectName, stringLiteral } from './dialect';
import { Quote, indent, trackingColumns } from './merge-parts';
import { DMS_FACTS_TO_VERIFY } from '../dms/dms-raw-format';
import { ColumnDefinition, ColumnType, CurationSettings, INTERNAL_COLUMNS, columnTypeOf } from '../plan';

// The MERGE of a table that keeps identical rows as separate copies (keepDuplicates): one statement, one commit.
//
// Its source holds, per distinct row R the batch changes (net change ≠ 0), one "marker" row (copy number NULL) and
// max(copies + net, 0) "copy" rows (copy number 1..n). The ON clause matches only marker rows, on every data column
// null-safely: each copy of R in the curated table matches R's one marker (never two source rows per target row,
// which Athena refuses with MERGE_TARGET_ROW_MULTIPLE_MATCHES) and is deleted; copy rows never match and are
// inserted. So every copy of R is rewritten, carrying the batch's latest change to R, and the table needs no extra
// column. With a change sequence, R is left alone when its copies already carry a change as new as the batch's
// (a batch applied again after a failure before its watermark was stored changes nothing).

/**
 * How the data columns are written: by name (the plan lists them) or as a placeholder the Spark job fills with the
 * columns it finds at run time.
 */
export interface CopyCountColumns {
  /** The data columns of `alias`, comma-separated, in table order. */
  list(alias: string): string;
  /** Every data column of `left` null-safely equal to the same column of `right`. */
  same(left: string, right: string): string;
}

/**
 * Data columns named in the SQL. Rows compare per column with `IS NOT DISTINCT FROM` (DuckDB and Spark hash-join on
 * it), or, for Trino (Athena), as `coalesce(l.c, <zero of the type>) = coalesce(r.c, <zero>) AND (l.c IS NULL) = (r.c
 * IS NULL)`: Trino 476 plans a join on `IS NOT DISTINCT FROM` as a nested loop (a cross join filtered row by row; a
 * 200 000-row table with 20 000 changes did not finish in 15 minutes), while equalities of one side's expressions are
 * hash-join keys. The pair is true exactly when the values are both NULL or equal.
 */
export function namedColumns(columns: readonly ColumnDefinition[], q: Quote, compare: 'not-distinct' | 'equi-join'): CopyCountColumns {
  const same = (left: string, right: string, c: ColumnDefinition): string => {
    const l = `${left}.${q(c.name)}`;
    const r = `${right}.${q(c.name)}`;
    if (compare === 'not-distinct') return `${l} IS NOT DISTINCT FROM ${r}`;
    const zero = zeroOf(c.type);
    return `coalesce(${l}, ${zero}) = coalesce(${r}, ${zero}) AND (${l} IS NULL) = (${r} IS NULL)`;
  };
  return {
    list: (alias) => columns.map((c) => `${alias}.${q(c.name)}`).join(', '),
    same: (left, right) => columns.map((c) => same(left, right, c)).join('\n  AND '),
  };
}

/** A literal of the type (any value would do: it stands in for NULL, which the IS NULL comparison tells apart). */
function zeroOf(type: ColumnType): string {
  switch (columnTypeOf(type).kind) {
    case 'boolean': return 'false';
    case 'string': return "''";
    case 'binary': return "X''";
    case 'date': return "DATE '1970-01-01'";
    case 'timestamp': return "TIMESTAMP '1970-01-01 00:00:00'";
    default: return '0';
  }
}

/** The placeholder the Spark job replaces by the data columns of one alias: `{columns:n}` → ``n.`a`, n.`b` ``. */
export const COLUMNS_PLACEHOLDER = Object.freeze({ pattern: '{columns:<alias>}', of: (alias: string): string => `{columns:${alias}}` });

/**
 * Data columns as placeholders (the Spark job's columns come from the raw files): a list is `{columns:<alias>}`, and
 * rows are compared as structs, `struct(…) <=> struct(…)`, which Spark compares field by field with NULLs equal.
 */
export function placeholderColumns(): CopyCountColumns {
  return {
    list: (alias) => COLUMNS_PLACEHOLDER.of(alias),
    same: (left, right) => `struct(${COLUMNS_PLACEHOLDER.of(left)}) <=> struct(${COLUMNS_PLACEHOLDER.of(right)})`,
  };
}

/** Everything the copy-counting MERGE needs besides the plan's settings. */
export interface CopyCountMergeProps {
  readonly dialect: DialectName;
  readonly q: Quote;
  /** The curated table's name. */
  readonly target: string;
  /** A relation of raw changes (aliased `c`). */
  readonly changes: string;
  /** A predicate restricting the changes read. */
  readonly filter?: string;
  readonly columns: CopyCountColumns;
  /** The INSERT clause (`INSERT *` in Spark, or the column and value lists). */
  readonly insert: string;
}

/** Trino's `sequence()` returns at most this many elements: larger copy counts are expanded in blocks. */
export const TRINO_SEQUENCE_LIMIT = 10_000;

/** The copy-counting MERGE (see the comment at the top of this file). */
export function copyCountMerge(settings: CurationSettings, props: CopyCountMergeProps): string {
  const { q, columns } = props;
  const { opColumn, commitTimestampColumn, changeSequenceColumn } = settings.format;
  const tracking = trackingColumns(settings).map(q);
  const ts = q(commitTimestampColumn);
  const seq = changeSequenceColumn === null ? undefined : q(changeSequenceColumn);
  const copies = q(INTERNAL_COLUMNS.copies);
  const delta = q(INTERNAL_COLUMNS.copyDelta);
  const present = q(INTERNAL_COLUMNS.present);
  const number = q(INTERNAL_COLUMNS.copyNumber);
  const op = `COALESCE(c.${q(opColumn)}, ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.insert)})`;
  const netChange = `sum(CASE WHEN ${op} = ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.delete)} THEN -1 ELSE 1 END)`;
  const net = [
    'SELECT',
    indent([
      columns.list('c'),
      `max(c.${ts}) AS ${ts}`,
      ...(seq === undefined ? [] : [`max(COALESCE(c.${seq}, '')) AS ${seq}`]),
      `${netChange} AS ${delta}`,
    ].join(',\n'), 1),
    `FROM ${props.changes} AS c`,
    ...(props.filter ? [`WHERE ${props.filter}`] : []),
    `GROUP BY ${columns.list('c')}`,
    `HAVING ${netChange} <> 0`,
  ].join('\n');
  // the copies the table holds of each changed row; with a change sequence, rows whose copies already carry a change
  // as new as the batch's latest are skipped (load rows, sequence '', only come in a rebuild, after the table is emptied)
  const guard = seq === undefined ? [] : [`HAVING count(p.${present}) = 0 OR n.${seq} = '' OR n.${seq} > max(p.${seq})`];
  const counted = [
    'SELECT',
    indent([columns.list('n'), ...tracking.map((c) => `n.${c}`), `CAST(greatest(count(p.${present}) + n.${delta}, 0) AS BIGINT) AS ${copies}`].join(',\n'), 1),
    'FROM net AS n',
    `LEFT JOIN (SELECT ${[columns.list('t'), ...(seq === undefined ? [] : [`t.${seq}`]), `1 AS ${present}`].join(', ')} FROM ${props.target} AS t) AS p`,
    `  ON ${columns.same('n', 'p')}`,
    `GROUP BY ${[columns.list('n'), ...tracking.map((c) => `n.${c}`), `n.${delta}`].join(', ')}`,
    ...guard,
  ].join('\n');
  const rowColumns = (alias: string): string => [columns.list(alias), ...tracking.map((c) => `${alias}.${c}`)].join(', ');
  const expansion = expandCopies(props.dialect, `(SELECT * FROM counted WHERE ${copies} > 0) AS x`, `x.${copies}`, number);
  const source = [
    'WITH net AS (',
    indent(net, 1),
    '), counted AS (',
    indent(counted, 1),
    ')',
    `SELECT ${rowColumns('n')}, CAST(NULL AS BIGINT) AS ${number}`,
    'FROM counted AS n',
    'UNION ALL',
    `SELECT ${rowColumns('x')}, ${expansion.number} AS ${number}`,
    `FROM ${expansion.from}`,
  ].join('\n');
  return [
    `MERGE INTO ${props.target} AS t`,
    'USING (',
    indent(source, 1),
    ') AS s',
    `ON s.${number} IS NULL AND ${columns.same('t', 's')}`,
    'WHEN MATCHED THEN DELETE',
    `WHEN NOT MATCHED AND s.${number} IS NOT NULL THEN ${props.insert}`,
  ].join('\n');
}

/** A FROM clause giving each row of `relation` (aliased `x`) `count` times, and the copy's number (1..count). */
function expandCopies(dialect: DialectName, relation: string, count: string, name: string): { from: string; number: string } {
  switch (dialect) {
    case 'spark':
      return { from: `${relation}\nLATERAL VIEW explode(sequence(CAST(1 AS BIGINT), ${count})) e AS ${name}`, number: `e.${name}` };
    case 'duckdb':
      return { from: `${relation}\nCROSS JOIN unnest(range(1, ${count} + 1)) AS e(${name})`, number: `e.${name}` };
    default: {
      // Trino (Athena): sequence() holds at most 10 000 elements, so count in blocks of that many
      const block = TRINO_SEQUENCE_LIMIT;
      return {
        from: [
          relation,
          `CROSS JOIN UNNEST(sequence(CAST(1 AS BIGINT), (${count} + ${block - 1}) / ${block})) AS b(${name})`,
          `CROSS JOIN UNNEST(sequence(CAST(1 AS BIGINT), least(${block}, ${count} - (b.${name} - 1) * ${block}))) AS e(${name})`,
        ].join('\n'),
        number: `(b.${name} - 1) * ${block} + e.${name}`,
      };
    }
  }
}
