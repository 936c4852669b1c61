import {
  ChangeSource, SqlDialect, columnList, fileOrderFromPath, partitionTransform, propertyList, qualifiedName, quoteWith, requireRawTable,
  stringLiteral,
} from './dialect';
import { ColumnDefinition, ColumnType, CurationPlan, CurationPlanError, TableRef, columnTypeOf, formatColumnType } from '../plan';

/**
 * Athena engine v3: Trino DML (double-quoted identifiers) and Hive-style DDL (backticks) for
 * Iceberg tables. Database and table names are quoted everywhere, so reserved words such as
 * `order` or `group` work as names. UPDATE / DELETE / MERGE are merge-on-read, so OPTIMIZE and
 * VACUUM belong to every table's schedule.
 */
export class AthenaDialect implements SqlDialect {
  readonly name = 'athena' as const;

  quote(identifier: string): string {
    return quoteWith('"', identifier);
  }

  /** The name in DML, OPTIMIZE and VACUUM (Trino engine): `"db"."table"`. */
  curatedTableName(table: TableRef): string {
    return qualifiedName(table, (n) => this.quote(n));
  }

  rawTableName(table: TableRef): string {
    return qualifiedName(table, (n) => this.quote(n));
  }

  /** The name in DDL (Hive engine): `` `db`.`table` ``. */
  ddlTableName(table: TableRef): string {
    return qualifiedName(table, ddlQuote);
  }

  castToTimestamp(expression: string): string {
    return `CAST(${expression} AS timestamp(6))`;
  }

  createDatabase(database: string): string {
    return `CREATE DATABASE IF NOT EXISTS ${ddlQuote(database)}`;
  }

  createTable(plan: CurationPlan): string {
    if (!plan.curated.location) {
      throw new CurationPlanError('LOCATION_REQUIRED', `curation plan ${plan.description}: Athena creates Iceberg tables only with a LOCATION; set curated.location (s3://bucket/folder/)`);
    }
    const ddl = ddlQuote;
    const properties = {
      table_type: 'ICEBERG',
      format: 'parquet',
      write_compression: 'zstd',
      vacuum_max_snapshot_age_seconds: String(plan.maintenance.snapshotRetentionHours * 3600),
      vacuum_min_snapshots_to_keep: String(plan.maintenance.minSnapshotsToKeep),
      ...plan.tableProperties.athena,
    };
    const lines = [`CREATE TABLE IF NOT EXISTS ${this.ddlTableName(plan.curated)} (`, columnList(plan, ddl, athenaDdlType), ')'];
    if (plan.partitionBy.length > 0) {
      const names = { year: 'year', month: 'month', day: 'day', hour: 'hour' };
      lines.push(`PARTITIONED BY (${plan.partitionBy.map((f) => partitionTransform(f, ddl, names)).join(', ')})`);
    }
    lines.push(`LOCATION ${stringLiteral(plan.curated.location)}`, 'TBLPROPERTIES (', propertyList(properties), ')');
    return lines.join('\n');
  }

  addColumn(plan: CurationPlan, column: ColumnDefinition): string {
    return `ALTER TABLE ${this.ddlTableName(plan.curated)} ADD COLUMNS (${ddlQuote(column.name)} ${athenaDdlType(column.type)})`;
  }

  widenColumn(plan: CurationPlan, column: ColumnDefinition): string {
    const name = ddlQuote(column.name);
    return `ALTER TABLE ${this.ddlTableName(plan.curated)} CHANGE COLUMN ${name} ${name} ${athenaDdlType(column.type)}`;
  }

  maintenance(plan: CurationPlan): string[] {
    const table = this.curatedTableName(plan.curated);
    return [`OPTIMIZE ${table} REWRITE DATA USING BIN_PACK`, `VACUUM ${table}`];
  }

  /** The raw table, files ordered by `"$path"` (LOAD files first, then CDC files by the time in their names). */
  defaultChangeSource(plan: CurationPlan): ChangeSource {
    return { relation: this.rawTableName(requireRawTable(plan, this.name)), fileOrder: fileOrderFromPath('c."$path"') };
  }
}

/** Backtick quoting of Athena's Hive-style DDL. */
function ddlQuote(identifier: string): string {
  return quoteWith('`', identifier);
}

/** Athena DDL type names for Iceberg columns: the plan's own vocabulary, canonically spelled. */
export function athenaDdlType(type: ColumnType): string {
  return formatColumnType(columnTypeOf(type));
}
