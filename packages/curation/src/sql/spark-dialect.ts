import {
  ChangeSource, SqlDialect, columnList, fileOrderFromPath, partitionTransform, propertyList, qualifiedName, quoteWith, requireRawTable,
  stringLiteral,
} from './dialect';
import { ColumnDefinition, ColumnType, CurationPlan, CurationSettings, TableRef, columnTypeOf } from '../plan';

/** Options of the Spark dialect. */
export interface SparkDialectProps {
  /**
   * The Iceberg catalog the curated tables live in (a `SparkCatalog` backed by Glue).
   * @default 'glue_catalog'
   */
  readonly catalog?: string;
}

/** The placeholders of {@link SparkDialect.addColumnTemplate} and {@link SparkDialect.widenColumnTemplate}. */
export const SPARK_TEMPLATE_PLACEHOLDERS = Object.freeze({ column: '{column}', type: '{type}' });

const CATALOG = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Spark SQL with the Iceberg runtime (Glue 5.0: Spark 3.5, Iceberg 1.7): backtick identifiers,
 * three-part curated table names (`` glue_catalog.`db`.`table` ``, database and table always
 * quoted so reserved words work), raw tables read through the session catalog, maintenance
 * through Iceberg's `CALL <catalog>.system.*` procedures. The plan type `timestamp` is
 * `TIMESTAMP_NTZ`: Spark's `TIMESTAMP` would make an Iceberg `timestamptz` column, while Athena
 * and the DMS files hold zone-less timestamps.
 *
 * The methods taking {@link CurationSettings} need no column list: they are the forms a job
 * uses when the columns come from the raw files (see `sparkJobSpec`).
 */
export class SparkDialect implements SqlDialect {
  readonly name = 'spark' as const;
  /** The Iceberg catalog name. */
  readonly catalog: string;

  constructor(props: SparkDialectProps = {}) {
    this.catalog = props.catalog ?? 'glue_catalog';
    if (!CATALOG.test(this.catalog)) {
      throw new Error(`Spark catalog name ${JSON.stringify(this.catalog)} is not a plain identifier; use letters, digits and underscores, e.g. glue_catalog`);
    }
  }

  quote(identifier: string): string {
    return quoteWith('`', identifier);
  }

  curatedTableName(table: TableRef): string {
    return `${this.catalog}.${qualifiedName(table, (n) => this.quote(n))}`;
  }

  rawTableName(table: TableRef): string {
    return qualifiedName(table, (n) => this.quote(n));
  }

  castToTimestamp(expression: string): string {
    return `CAST(${expression} AS TIMESTAMP_NTZ)`;
  }

  createDatabase(database: string): string {
    return `CREATE NAMESPACE IF NOT EXISTS ${this.catalog}.${this.quote(database)}`;
  }

  createTable(plan: CurationPlan): string {
    const quote = (name: string): string => this.quote(name);
    return [
      `CREATE TABLE IF NOT EXISTS ${this.curatedTableName(plan.curated)} (`,
      columnList(plan, quote, sparkType),
      ')',
      ...this.tableClauses(plan),
    ].join('\n');
  }

  /**
   * CREATE TABLE … AS SELECT from a relation holding exactly the curated table's columns (the
   * job's empty, typed view `__curation_schema`): no column list needed.
   */
  createTableAsSelect(settings: CurationSettings, relation: string): string {
    return [
      `CREATE TABLE IF NOT EXISTS ${this.curatedTableName(settings.curated)}`,
      ...this.tableClauses(settings),
      `AS SELECT * FROM ${relation}`,
    ].join('\n');
  }

  addColumn(plan: CurationPlan, column: ColumnDefinition): string {
    return this.fillTemplate(this.addColumnTemplate(plan), column);
  }

  widenColumn(plan: CurationPlan, column: ColumnDefinition): string {
    return this.fillTemplate(this.widenColumnTemplate(plan), column);
  }

  /** Fills `{column}` and `{type}` of a template, the way a job does with a column it found in the raw files. */
  fillTemplate(template: string, column: ColumnDefinition): string {
    const { column: name, type } = SPARK_TEMPLATE_PLACEHOLDERS;
    return template.replace(name, this.quote(column.name)).replace(type, sparkType(column.type));
  }

  /** ADD COLUMNS with `{column}` (a quoted identifier) and `{type}` (a Spark type) left to fill in. */
  addColumnTemplate(settings: CurationSettings): string {
    const { column, type } = SPARK_TEMPLATE_PLACEHOLDERS;
    return `ALTER TABLE ${this.curatedTableName(settings.curated)} ADD COLUMNS (${column} ${type})`;
  }

  /** ALTER COLUMN … TYPE with `{column}` and `{type}` left to fill in. */
  widenColumnTemplate(settings: CurationSettings): string {
    const { column, type } = SPARK_TEMPLATE_PLACEHOLDERS;
    return `ALTER TABLE ${this.curatedTableName(settings.curated)} ALTER COLUMN ${column} TYPE ${type}`;
  }

  /** Empties the table (before a rebuild from a new load): an Iceberg metadata-only delete. */
  truncate(settings: CurationSettings): string {
    return `DELETE FROM ${this.curatedTableName(settings.curated)}`;
  }

  /**
   * The plan's retention as table properties, compaction, then snapshot expiry. Iceberg's
   * `expire_snapshots` takes only literals (no `current_timestamp()`), so `older_than` is left out:
   * Iceberg then expires snapshots older than `history.expire.max-snapshot-age-ms` before the moment
   * the procedure runs. The first statement sets that property from the plan, so the cut-off is
   * always the plan's retention, computed at run time.
   */
  maintenance(settings: CurationSettings): string[] {
    const table = this.curatedTableName(settings.curated);
    const argument = stringLiteral(qualifiedName(settings.curated, (n) => this.quote(n)));
    return [
      [`ALTER TABLE ${table} SET TBLPROPERTIES (`, propertyList(retentionProperties(settings)), ')'].join('\n'),
      `CALL ${this.catalog}.system.rewrite_data_files(table => ${argument})`,
      `CALL ${this.catalog}.system.expire_snapshots(table => ${argument}, retain_last => ${settings.maintenance.minSnapshotsToKeep})`,
    ];
  }

  /** The raw table, files ordered by `input_file_name()` (LOAD files first, then CDC files by the time in their names). */
  defaultChangeSource(plan: CurationPlan): ChangeSource {
    return { relation: this.rawTableName(requireRawTable(plan, this.name)), fileOrder: fileOrderFromPath('input_file_name()') };
  }

  /** USING, PARTITIONED BY, LOCATION and TBLPROPERTIES of a CREATE TABLE. */
  private tableClauses(settings: CurationSettings): string[] {
    const properties = {
      // Glue 4.0 (Iceberg 1.0) creates v1 tables unless told otherwise; MERGE needs v2
      'format-version': '2',
      'write.format.default': 'parquet',
      'write.parquet.compression-codec': 'zstd',
      'write.merge.mode': 'merge-on-read',
      'write.update.mode': 'merge-on-read',
      'write.delete.mode': 'merge-on-read',
      ...retentionProperties(settings),
      ...settings.tableProperties.spark,
    };
    const quote = (name: string): string => this.quote(name);
    const lines = ['USING iceberg'];
    if (settings.partitionBy.length > 0) {
      const names = { year: 'years', month: 'months', day: 'days', hour: 'hours' };
      lines.push(`PARTITIONED BY (${settings.partitionBy.map((f) => partitionTransform(f, quote, names)).join(', ')})`);
    }
    if (settings.curated.location) {
      lines.push(`LOCATION ${stringLiteral(settings.curated.location)}`);
    }
    lines.push('TBLPROPERTIES (', propertyList(properties), ')');
    return lines;
  }
}

/** Iceberg's snapshot-expiry properties for the plan's retention. */
function retentionProperties(settings: CurationSettings): Record<string, string> {
  return {
    'history.expire.max-snapshot-age-ms': String(settings.maintenance.snapshotRetentionHours * 3600 * 1000),
    'history.expire.min-snapshots-to-keep': String(settings.maintenance.minSnapshotsToKeep),
  };
}

/** Spark SQL type names (`timestamp` → `TIMESTAMP_NTZ`, which Iceberg stores as `timestamp` without zone). */
export function sparkType(type: ColumnType): string {
  const parsed = columnTypeOf(type);
  switch (parsed.kind) {
    case 'decimal':
      return `DECIMAL(${parsed.precision},${parsed.scale})`;
    case 'timestamp':
      return 'TIMESTAMP_NTZ';
    default:
      return parsed.kind.toUpperCase();
  }
}
