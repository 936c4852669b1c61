import { copyCountMerge, placeholderColumns } from './copy-count-merge';
import { changeRankWindow, incomingIsNewer, indent, isDelete, isNotDelete, keyMatch } from './merge-parts';
import { SparkDialect } from './spark-dialect';
import { CurationSettings, INTERNAL_COLUMNS, SOFT_DELETE_COLUMNS, countsCopies } from '../plan';

/**
 * The temp views a Spark job builds from a batch's raw files before it runs the statements of
 * {@link ColumnAgnosticSql}.
 */
export const SPARK_JOB_VIEWS = Object.freeze({
  /**
   * Every data column of the curated table (after schema evolution, in table order, cast to the
   * table's Spark types; a column absent from a file is NULL), the op column normalised
   * (`coalesce(Op, 'I')`), the commit timestamp (STRING), the change sequence `coalesce(seq, '')`
   * (STRING, when the format has one), `_file_order` INT (1-based position of the file in the
   * batch's apply order) and `_row_in_file` BIGINT (the row's position in its file).
   */
  changes: '__curation_changes',
  /**
   * Zero rows with exactly the curated table's columns and types: the data columns, then the
   * commit timestamp and change sequence (STRING), then `_is_deleted` BOOLEAN and `_deleted_at`
   * TIMESTAMP_NTZ in soft-delete mode. The table is created from it with CREATE TABLE … AS SELECT.
   */
  schema: '__curation_schema',
});

/**
 * Spark SQL for a curated table whose columns are not known when the SQL is generated (they come
 * from the raw files at run time). It reads the views of {@link SPARK_JOB_VIEWS}; the MERGE uses
 * `UPDATE SET *` and `INSERT *`, so every column of the view that the table has is written, and the
 * view's extra columns (op, file and row order, rank) are ignored. Key match, latest-change
 * ordering and the newer-than guard are the same code as {@link CurationSql}'s.
 */
export class ColumnAgnosticSql {
  constructor(readonly settings: CurationSettings, readonly dialect: SparkDialect = new SparkDialect()) {}

  /** CREATE NAMESPACE IF NOT EXISTS for the curated database. */
  createDatabase(): string {
    return this.dialect.createDatabase(this.settings.curated.database);
  }

  /** CREATE TABLE IF NOT EXISTS … AS SELECT * FROM `__curation_schema`. */
  createTable(): string {
    return this.dialect.createTableAsSelect(this.settings, this.dialect.quote(SPARK_JOB_VIEWS.schema));
  }

  /** ADD COLUMNS with `{column}` and `{type}` to fill in. */
  addColumn(): string {
    return this.dialect.addColumnTemplate(this.settings);
  }

  /** ALTER COLUMN … TYPE with `{column}` and `{type}` to fill in. */
  widenColumn(): string {
    return this.dialect.widenColumnTemplate(this.settings);
  }

  /** Empties the table before a rebuild. */
  truncate(): string {
    return this.dialect.truncate(this.settings);
  }

  /** Retention properties, compaction, snapshot expiry (cut-off computed by Iceberg at run time). */
  maintenance(): string[] {
    return this.dialect.maintenance(this.settings);
  }

  /**
   * Applies the changes in `__curation_changes`. Merge mode: the latest change per key (change
   * sequence, commit timestamp, `_file_order`, `_row_in_file`, all descending) is merged; a matched
   * row is deleted or updated only when that change is newer than the one that wrote it. Soft
   * deletes: `_is_deleted` and `_deleted_at` are computed in the source, so one `UPDATE SET *` covers
   * deletes and updates, and an unseen key deleted in the batch still gets its tombstone.
   * Append-only: every non-delete change is inserted (`ON false`: nothing ever matches).
   *
   * A table that keeps duplicates (`keepDuplicates`, merge mode, hard deletes) gets the copy-counting MERGE of
   * `CurationSql.merge`, whose data columns are the placeholders `{columns:<alias>}`: the job replaces each by the
   * table's data columns (after schema evolution, in table order), backtick-quoted and prefixed by the alias
   * (`` n.`kind`, n.`qty` ``).
   */
  merge(): string {
    if (this.settings.mode === 'append-only') return this.append();
    if (countsCopies(this.settings)) {
      const q = (name: string): string => this.dialect.quote(name);
      return copyCountMerge(this.settings, {
        dialect: 'spark',
        q,
        target: this.dialect.curatedTableName(this.settings.curated),
        changes: q(SPARK_JOB_VIEWS.changes),
        columns: placeholderColumns(),
        insert: 'INSERT *',
      });
    }
    return this.mergeByKey();
  }

  private mergeByKey(): string {
    const s = this.settings;
    const q = (name: string): string => this.dialect.quote(name);
    const fileOrder = [`c.${q(INTERNAL_COLUMNS.fileOrder)}`, `c.${q(INTERNAL_COLUMNS.rowInFile)}`];
    const ranked = [
      'SELECT',
      indent(['c.*', changeRankWindow(s, q, fileOrder, INTERNAL_COLUMNS.changeRank)].join(',\n'), 1),
      `FROM ${q(SPARK_JOB_VIEWS.changes)} AS c`,
    ].join('\n');
    const projection = s.deletes === 'soft'
      ? [
        'ranked.*',
        `${isDelete(s, q, 'ranked')} AS ${q(SOFT_DELETE_COLUMNS.deleted)}`,
        `CASE WHEN ${isDelete(s, q, 'ranked')} THEN ${this.dialect.castToTimestamp(`ranked.${q(s.format.commitTimestampColumn)}`)} END `
          + `AS ${q(SOFT_DELETE_COLUMNS.deletedAt)}`,
      ]
      : ['ranked.*'];
    const latest = [
      'SELECT',
      indent(projection.join(',\n'), 1),
      'FROM (',
      indent(ranked, 1),
      ') AS ranked',
      `WHERE ranked.${q(INTERNAL_COLUMNS.changeRank)} = 1`,
    ].join('\n');
    const newer = incomingIsNewer(s, q);
    const lines = [
      `MERGE INTO ${this.dialect.curatedTableName(s.curated)} AS t`,
      'USING (',
      indent(latest, 1),
      ') AS s',
      keyMatch(s, q),
    ];
    if (s.deletes === 'hard') {
      lines.push(
        `WHEN MATCHED AND ${isDelete(s, q)} AND ${newer} THEN DELETE`,
        `WHEN MATCHED AND ${newer} THEN UPDATE SET *`,
        `WHEN NOT MATCHED AND ${isNotDelete(s, q)} THEN INSERT *`,
      );
    } else {
      lines.push(
        `WHEN MATCHED AND ${newer} THEN UPDATE SET *`,
        'WHEN NOT MATCHED THEN INSERT *',
      );
    }
    return lines.join('\n');
  }

  private append(): string {
    const q = (name: string): string => this.dialect.quote(name);
    return [
      `MERGE INTO ${this.dialect.curatedTableName(this.settings.curated)} AS t`,
      `USING ${q(SPARK_JOB_VIEWS.changes)} AS s`,
      'ON false',
      `WHEN NOT MATCHED AND ${isNotDelete(this.settings, q)} THEN INSERT *`,
    ].join('\n');
  }
}
