import { AthenaDialect } from './athena-dialect';
import { copyCountMerge, namedColumns } from './copy-count-merge';
import { ChangeSource, DialectName, SqlDialect, stringLiteral } from './dialect';
import { DuckDbDialect } from './duckdb-dialect';
import { changeRankWindow, incomingIsNewer, indent, isDelete, isNotDelete, keyMatch, trackingColumns } from './merge-parts';
import { SparkDialect } from './spark-dialect';
import { DMS_FACTS_TO_VERIFY } from '../dms/dms-raw-format';
import { ColumnDefinition, CurationPlan, INTERNAL_COLUMNS, SOFT_DELETE_COLUMNS } from '../plan';

/** The temp table {@link CurationSql.applyStatements} counts a batch's copies in (DuckDB, plans that keep duplicates). */
export const COPY_COUNTS_TABLE = '_curation_copy_counts';

/** The temp table {@link CurationSql.applyStatements} holds a batch's winning changes in (DuckDB, merge mode). */
export const CHANGES_TO_APPLY_TABLE = '_curation_changes_to_apply';

/** The dialect for an engine name, with default options. */
export function sqlDialect(name: DialectName): SqlDialect {
  switch (name) {
    case 'athena':
      return new AthenaDialect();
    case 'spark':
      return new SparkDialect();
    case 'duckdb':
      return new DuckDbDialect();
    default:
      throw new Error(`unknown SQL dialect ${JSON.stringify(name)}; use 'athena', 'spark' or 'duckdb'`);
  }
}

/**
 * Generates every statement a plan needs, for one engine. The statements are the same for all
 * engines except where the {@link SqlDialect} says otherwise, so the SQL tested locally on DuckDB
 * is the SQL Athena and Spark run.
 *
 * The MERGE first keeps the latest change per key: `row_number()` over the key, ordered by
 * change sequence (empty = lowest), commit timestamp and file order, all descending. Then:
 * matched and `D` → delete (or flag, in soft-delete mode); matched → update every non-key
 * column; not matched and not `D` → insert. A matched row is only touched when the incoming
 * change is newer than the one that wrote it (see `incomingIsNewer`), so a re-delivered old file
 * cannot roll a row back and a change already applied is not applied again.
 */
export class CurationSql {
  /** The engine's dialect. */
  readonly dialect: SqlDialect;

  constructor(readonly plan: CurationPlan, dialect: DialectName | SqlDialect) {
    this.dialect = typeof dialect === 'string' ? sqlDialect(dialect) : dialect;
  }

  /** Creates the curated database (namespace, schema) if missing. */
  createDatabase(): string {
    return this.dialect.createDatabase(this.plan.curated.database);
  }

  /** CREATE TABLE for the curated table. */
  createTable(): string {
    return this.dialect.createTable(this.plan);
  }

  /** Adds a new source column to the curated table. */
  addColumn(column: ColumnDefinition): string {
    return this.dialect.addColumn(this.plan, column);
  }

  /** Widens a curated column to a new type. */
  widenColumn(column: ColumnDefinition): string {
    return this.dialect.widenColumn(this.plan, column);
  }

  /**
   * Compaction and snapshot expiry statements. The built-in dialects let the engine compute the expiry cut-off when
   * the statements run, so `now` only reaches a custom dialect that wants a fixed timestamp.
   */
  maintenance(now: Date = new Date()): string[] {
    return this.dialect.maintenance(this.plan, now);
  }

  /**
   * The SELECT that keeps one row per key: the latest change by change sequence, commit
   * timestamp and file order. The op column is normalised (absent = `I`, for full loads
   * written without `includeOpForFullLoad`) and the change sequence is never NULL ('' = lowest).
   */
  latestChangePerKey(source: ChangeSource = this.dialect.defaultChangeSource(this.plan)): string {
    this.requireKey('latestChangePerKey');
    const q = (name: string): string => this.dialect.quote(name);
    const { opColumn } = this.plan.format;
    const projected = this.rawProjection();
    const window = changeRankWindow(this.plan, q, source.fileOrder, INTERNAL_COLUMNS.changeRank);
    const ranked = [
      'SELECT',
      indent([
        `COALESCE(c.${q(opColumn)}, ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.insert)}) AS ${q(opColumn)}`,
        ...projected.map((p) => p.expression),
        window,
      ].join(',\n'), 1),
      `FROM ${source.relation} AS c`,
      ...(source.filter ? [`WHERE ${source.filter}`] : []),
    ].join('\n');
    return [
      'SELECT',
      indent([q(opColumn), ...projected.map((p) => q(p.name))].join(',\n'), 1),
      'FROM (',
      indent(ranked, 1),
      ') AS ranked',
      `WHERE ${q(INTERNAL_COLUMNS.changeRank)} = 1`,
    ].join('\n');
  }

  /**
   * The statement that applies a batch of changes: a MERGE in merge mode, an INSERT of every
   * non-delete change in append-only mode. For a plan that keeps duplicates ({@link CurationPlan.countsCopies}) the
   * MERGE counts copies instead of merging by key: per distinct row the batch changes, the net change (+1 per `I`/`U`,
   * −1 per `D`) is added to the copies the table holds, and every copy of that row is deleted and `max(copies, 0)`
   * copies inserted, all in one statement (see `copy-count-merge.ts`). With a change sequence a row whose copies
   * already carry a change as new as the batch's is left alone, so a batch applied twice (Athena: a failure after the
   * MERGE, before the watermark) changes nothing; without one, Athena cannot apply such a plan exactly once, and this
   * throws for the Athena dialect.
   */
  merge(source: ChangeSource = this.dialect.defaultChangeSource(this.plan)): string {
    if (this.plan.mode === 'append-only') return this.append(source);
    return this.plan.countsCopies ? this.copyCountMerge(source) : this.mergeByKey(source);
  }

  /**
   * Every statement that applies a batch of changes, in order. For Spark and Athena that is {@link merge}. On DuckDB:
   *
   * - **Merge mode** (one row per key): three statements with the MERGE's result, laid out so that a checkpoint's cost
   *   follows the changes rather than the table. (1) A temp table {@link CHANGES_TO_APPLY_TABLE} with the latest
   *   change per key that is new to the table or newer than the row it replaces (the same newer-than guard as the
   *   MERGE), (2) a DELETE of the rows of those keys, (3) an INSERT of their new images (in soft-delete mode,
   *   tombstones for deletes too). A MERGE updates rows in place, and DuckDB's checkpoint then rewrites every row
   *   group holding an updated row (with random keys, the whole table); deleted rows only mark their row groups, and
   *   new rows are appended.
   * - **Plans that keep duplicates** ({@link CurationPlan.countsCopies}): (1) a temp table {@link COPY_COUNTS_TABLE}
   *   with, per distinct row the batch touches, its net change (+1 per `I`/`U`, −1 per `D`, rows whose changes cancel
   *   out left out) added to the copies the curated table holds, (2) a DELETE of every copy of those rows, (3) an
   *   INSERT of `max(copies, 0)` copies of each. The tracking columns of the rewritten copies take the batch's latest
   *   change to that row, as with the copy-counting MERGE that Spark and Athena get from {@link merge}. Unlike that
   *   MERGE's change-sequence guard, these statements count every change they see: each change must be applied exactly
   *   once, which the local runner ensures by committing the watermark in the same transaction.
   * - **Append-only plans**: {@link merge} (an INSERT).
   */
  applyStatements(source: ChangeSource = this.dialect.defaultChangeSource(this.plan)): string[] {
    if (this.dialect.name !== 'duckdb') return [this.merge(source)];
    if (this.plan.countsCopies) return this.copyCountStatements(source);
    return this.plan.mode === 'merge' ? this.replaceByKeyStatements(source) : [this.merge(source)];
  }

  private replaceByKeyStatements(source: ChangeSource): string[] {
    const q = (name: string): string => this.dialect.quote(name);
    const plan = this.plan;
    const target = this.dialect.curatedTableName(plan.curated);
    const tracked = trackingColumns(plan);
    const present = q(INTERNAL_COLUMNS.present);
    const operator = plan.nullableKey ? 'IS NOT DISTINCT FROM' : '=';
    const changes = [
      `CREATE OR REPLACE TEMP TABLE ${CHANGES_TO_APPLY_TABLE} AS`,
      'SELECT s.*',
      'FROM (',
      indent(this.latestChangePerKey(source), 1),
      ') AS s',
      `LEFT JOIN (SELECT ${[...plan.primaryKey, ...tracked].map(q).join(', ')}, true AS ${present} FROM ${target}) AS t`,
      keyMatch(plan, q),
      `WHERE t.${present} IS NULL OR ${incomingIsNewer(plan, q)}`,
    ].join('\n');
    const remove = [
      `DELETE FROM ${target} AS t`,
      `WHERE EXISTS (SELECT 1 FROM ${CHANGES_TO_APPLY_TABLE} AS s WHERE ${plan.primaryKey.map((k) => `t.${q(k)} ${operator} s.${q(k)}`).join(' AND ')})`,
    ].join('\n');
    const inserted = [...plan.columns.map((c) => c.name), ...tracked];
    let insert: string;
    if (plan.deletes === 'hard') {
      insert = [
        `INSERT INTO ${target} (${inserted.map(q).join(', ')})`,
        `SELECT ${inserted.map((n) => `s.${q(n)}`).join(', ')}`,
        `FROM ${CHANGES_TO_APPLY_TABLE} AS s`,
        `WHERE ${isNotDelete(plan, q)}`,
      ].join('\n');
    } else {
      const deleted = isDelete(plan, q);
      const deletedAt = this.dialect.castToTimestamp(`s.${q(plan.format.commitTimestampColumn)}`);
      insert = [
        `INSERT INTO ${target} (${[...inserted, SOFT_DELETE_COLUMNS.deleted, SOFT_DELETE_COLUMNS.deletedAt].map(q).join(', ')})`,
        `SELECT ${[...inserted.map((n) => `s.${q(n)}`), deleted, `CASE WHEN ${deleted} THEN ${deletedAt} END`].join(', ')}`,
        `FROM ${CHANGES_TO_APPLY_TABLE} AS s`,
      ].join('\n');
    }
    return [changes, remove, insert];
  }

  private copyCountMerge(source: ChangeSource): string {
    const q = (name: string): string => this.dialect.quote(name);
    const plan = this.plan;
    if (this.dialect.name === 'athena' && plan.format.changeSequenceColumn === null) {
      throw new Error(`curation plan ${plan.description}: keepDuplicates without a change-sequence column cannot be applied exactly once by Athena `
        + '(its watermark is stored after the MERGE, and only the change sequence tells an applied batch from a new one); '
        + 'add the $AR_H_CHANGE_SEQ transformation to the DMS task (source.format.changeSequenceColumn), or curate this source with the Glue engine');
    }
    const inserted = [...plan.columns.map((c) => c.name), ...trackingColumns(plan)].map(q);
    return copyCountMerge(plan, {
      dialect: this.dialect.name,
      q,
      target: this.dialect.curatedTableName(plan.curated),
      changes: source.relation,
      filter: source.filter,
      columns: namedColumns(plan.columns, q, this.dialect.name === 'athena' ? 'equi-join' : 'not-distinct'),
      insert: `INSERT (${inserted.join(', ')}) VALUES (${inserted.map((c) => `s.${c}`).join(', ')})`,
    });
  }

  private copyCountStatements(source: ChangeSource): string[] {
    const q = (name: string): string => this.dialect.quote(name);
    const plan = this.plan;
    const { opColumn, commitTimestampColumn, changeSequenceColumn } = plan.format;
    const target = this.dialect.curatedTableName(plan.curated);
    const data = plan.columns.map((c) => q(c.name));
    const sameRow = (left: string, right: string): string => data.map((c) => `${left}.${c} IS NOT DISTINCT FROM ${right}.${c}`).join('\n  AND ');
    const op = `COALESCE(c.${q(opColumn)}, ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.insert)})`;
    const tracking = [
      `max(c.${q(commitTimestampColumn)}) AS ${q(commitTimestampColumn)}`,
      ...(changeSequenceColumn === null ? [] : [`max(COALESCE(c.${q(changeSequenceColumn)}, '')) AS ${q(changeSequenceColumn)}`]),
    ];
    const trackingNames = trackingColumns(plan).map(q);
    const copies = q(INTERNAL_COLUMNS.copies);
    const delta = q(INTERNAL_COLUMNS.copyDelta);
    const counts = [
      `CREATE OR REPLACE TEMP TABLE ${COPY_COUNTS_TABLE} AS`,
      'WITH net AS (',
      indent([
        'SELECT',
        indent([...data.map((c) => `c.${c}`), ...tracking,
          `sum(CASE WHEN ${op} = ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.delete)} THEN -1 ELSE 1 END) AS ${delta}`].join(',\n'), 1),
        `FROM ${source.relation} AS c`,
        ...(source.filter ? [`WHERE ${source.filter}`] : []),
        `GROUP BY ${data.map((c) => `c.${c}`).join(', ')}`,
        `HAVING sum(CASE WHEN ${op} = ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.delete)} THEN -1 ELSE 1 END) <> 0`,
      ].join('\n'), 1),
      '), present AS (',
      indent([
        `SELECT ${data.map((c) => `t.${c}`).join(', ')}, count(*) AS ${copies}`,
        `FROM ${target} AS t`,
        `WHERE EXISTS (SELECT 1 FROM net AS n WHERE ${sameRow('n', 't')})`,
        `GROUP BY ${data.map((c) => `t.${c}`).join(', ')}`,
      ].join('\n'), 1),
      ')',
      'SELECT',
      indent([...data.map((c) => `n.${c}`), ...trackingNames.map((c) => `n.${c}`),
        `CAST(greatest(COALESCE(p.${copies}, 0) + n.${delta}, 0) AS BIGINT) AS ${copies}`].join(',\n'), 1),
      'FROM net AS n',
      `LEFT JOIN present AS p ON ${sameRow('p', 'n')}`,
    ].join('\n');
    const remove = [
      `DELETE FROM ${target} AS t`,
      `WHERE EXISTS (SELECT 1 FROM ${COPY_COUNTS_TABLE} AS n WHERE ${sameRow('n', 't')})`,
    ].join('\n');
    const columns = [...data, ...trackingNames];
    const insert = [
      `INSERT INTO ${target} (${columns.join(', ')})`,
      `SELECT ${columns.join(', ')}`,
      `FROM (SELECT *, unnest(range(n.${copies})) AS ${q(INTERNAL_COLUMNS.copyNumber)} FROM ${COPY_COUNTS_TABLE} AS n WHERE n.${copies} > 0) AS repeated`,
    ].join('\n');
    return [counts, remove, insert];
  }

  private mergeByKey(source: ChangeSource): string {
    const q = (name: string): string => this.dialect.quote(name);
    const plan = this.plan;
    const { commitTimestampColumn } = plan.format;
    const deleted = isDelete(plan, q);
    const newer = incomingIsNewer(plan, q);
    const tracked = trackingColumns(plan);
    const updated = [...plan.nonKeyColumns.map((c) => c.name), ...tracked];
    const set = (extra: string[]): string => indent([...updated.map((n) => `${q(n)} = s.${q(n)}`), ...extra].join(',\n'), 1);
    const inserted = [...plan.columns.map((c) => c.name), ...tracked];
    const lines = [
      `MERGE INTO ${this.dialect.curatedTableName(plan.curated)} AS t`,
      'USING (',
      indent(this.latestChangePerKey(source), 1),
      ') AS s',
      keyMatch(plan, q),
    ];
    if (plan.deletes === 'hard') {
      lines.push(
        `WHEN MATCHED AND ${deleted} AND ${newer} THEN DELETE`,
        `WHEN MATCHED AND ${newer} THEN UPDATE SET`,
        set([]),
        `WHEN NOT MATCHED AND ${isNotDelete(plan, q)} THEN INSERT (`,
        indent(inserted.map(q).join(',\n'), 1),
        ') VALUES (',
        indent(inserted.map((n) => `s.${q(n)}`).join(',\n'), 1),
        ')',
      );
    } else {
      const deletedAt = this.dialect.castToTimestamp(`s.${q(commitTimestampColumn)}`);
      const { deleted: deletedColumn, deletedAt: deletedAtColumn } = SOFT_DELETE_COLUMNS;
      lines.push(
        `WHEN MATCHED AND ${deleted} AND ${newer} THEN UPDATE SET`,
        set([`${q(deletedColumn)} = true`, `${q(deletedAtColumn)} = ${deletedAt}`]),
        `WHEN MATCHED AND ${newer} THEN UPDATE SET`,
        set([`${q(deletedColumn)} = false`, `${q(deletedAtColumn)} = NULL`]),
        // an unknown key deleted in this batch still gets its tombstone, so the result does not depend on batch boundaries
        'WHEN NOT MATCHED THEN INSERT (',
        indent([...inserted, deletedColumn, deletedAtColumn].map(q).join(',\n'), 1),
        ') VALUES (',
        indent([...inserted.map((n) => `s.${q(n)}`), deleted, `CASE WHEN ${deleted} THEN ${deletedAt} END`].join(',\n'), 1),
        ')',
      );
    }
    return lines.join('\n');
  }

  private append(source: ChangeSource): string {
    const q = (name: string): string => this.dialect.quote(name);
    const { opColumn } = this.plan.format;
    const projected = this.rawProjection();
    const notDelete = `COALESCE(c.${q(opColumn)}, ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.insert)}) <> ${stringLiteral(DMS_FACTS_TO_VERIFY.opValues.delete)}`;
    return [
      `INSERT INTO ${this.dialect.curatedTableName(this.plan.curated)} (`,
      indent(projected.map((p) => q(p.name)).join(',\n'), 1),
      ')',
      'SELECT',
      indent(projected.map((p) => p.expression).join(',\n'), 1),
      `FROM ${source.relation} AS c`,
      `WHERE ${[notDelete, ...(source.filter ? [`(${source.filter})`] : [])].join(' AND ')}`,
    ].join('\n');
  }

  /** Data columns, commit timestamp and change sequence as read from the raw relation `c`. */
  private rawProjection(): { name: string; expression: string }[] {
    const q = (name: string): string => this.dialect.quote(name);
    const { changeSequenceColumn } = this.plan.format;
    return [...this.plan.columns.map((c) => c.name), ...trackingColumns(this.plan)].map((name) => ({
      name,
      expression: name === changeSequenceColumn ? `COALESCE(c.${q(name)}, '') AS ${q(name)}` : `c.${q(name)}`,
    }));
  }

  private requireKey(what: string): void {
    if (this.plan.mode !== 'merge') {
      throw new Error(`curation plan ${this.plan.description}: ${what} needs a primary key, and the plan is append-only; use merge() instead`);
    }
  }
}
