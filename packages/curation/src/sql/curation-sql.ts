import { AthenaDialect } from './athena-dialect';
import { ChangeSource, DialectName, SqlDialect, stringLiteral } from './dialect';
import { DuckDbDialect } from './duckdb-dialect';
import { changeRankWindow, incomingIsNewer, indent, isDelete, isNotDelete, keyMatch, trackingColumns } from './merge-parts';
import { SparkDialect } from './spark-dialect';
import { DMS_FACTS_TO_VERIFY } from '../dms/dms-raw-format';
import { ColumnDefinition, CurationPlan, INTERNAL_COLUMNS, SOFT_DELETE_COLUMNS } from '../plan';

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
   * non-delete change in append-only mode.
   */
  merge(source: ChangeSource = this.dialect.defaultChangeSource(this.plan)): string {
    return this.plan.mode === 'append-only' ? this.append(source) : this.mergeByKey(source);
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
