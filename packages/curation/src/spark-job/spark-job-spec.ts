import { DMS_FACTS_TO_VERIFY, DmsRawFormat, dmsRawFormat } from '../dms/dms-raw-format';
import {
  ColumnDefinition, CurationMode, CurationPlan, CurationPlanError, CurationSettings, CurationSettingsProps, DeleteHandling, PartitionField,
  SOFT_DELETE_COLUMNS, countsCopies, curationSettings,
} from '../plan';
import { ColumnAgnosticSql, SPARK_JOB_VIEWS } from '../sql/column-agnostic-sql';
import { COLUMNS_PLACEHOLDER } from '../sql/copy-count-merge';
import { SPARK_TEMPLATE_PLACEHOLDERS, SparkDialect, sparkType } from '../sql/spark-dialect';

/** The version of the spec format; the job refuses other versions. */
export const SPARK_JOB_SPEC_VERSION = 3;

/**
 * One table of a Spark job: what a source entry knows about it. The same props as a
 * CurationPlan, with the column list optional (a Glue job reads the columns from the raw files).
 * `source.format` may be left out; when set it must equal the spec's `rawFormat` (one DMS task
 * writes every table of a source the same way).
 */
export type SparkJobTable = CurationSettingsProps;

/** Options of {@link sparkJobSpec}. */
export interface SparkJobSpecOptions {
  /**
   * The Spark catalog name the SQL uses (an Iceberg `SparkCatalog`, Glue-backed on AWS).
   * @default 'glue_catalog'
   */
  readonly catalog?: string;
  /**
   * The DMS bookkeeping column names of the source's task.
   * @default DEFAULT_DMS_RAW_FORMAT (`Op`, `_dms_commit_ts`, `_dms_change_seq`)
   */
  readonly rawFormat?: Partial<DmsRawFormat>;
}

/** How the source's DMS task writes its files. */
export interface SparkJobRawFormat extends DmsRawFormat {
  /** Values of the op column. */
  readonly opValues: { readonly insert: string; readonly update: string; readonly delete: string };
  /** Regular expression (Python `re` syntax too) of full-load file names; group 1 is the hexadecimal counter. */
  readonly loadFileName: string;
  /** Regular expression of CDC file names; groups 1 and 2 are the date and time of the name. */
  readonly cdcFileName: string;
}

/** A column with its plan type and the Spark type the job casts it to. */
export interface SparkJobColumn extends ColumnDefinition {
  /** The Spark SQL type (`BIGINT`, `DECIMAL(12,2)`, `TIMESTAMP_NTZ`, …). */
  readonly sparkType: string;
}

/** The SQL of one table, verbatim from the generator. */
export interface SparkJobTableSql {
  /** `CREATE NAMESPACE IF NOT EXISTS <catalog>.`db``. */
  readonly createDatabase: string;
  /** `CREATE TABLE IF NOT EXISTS … USING iceberg … AS SELECT * FROM `__curation_schema``. */
  readonly createTable: string;
  /** `ALTER TABLE … ADD COLUMNS ({column} {type})`. */
  readonly addColumn: string;
  /** `ALTER TABLE … ALTER COLUMN {column} TYPE {type}`. */
  readonly widenColumn: string;
  /** `DELETE FROM …`: empties the table before a rebuild (initial run or reload). */
  readonly truncate: string;
  /**
   * The MERGE that applies `__curation_changes` (merge mode), or inserts every non-delete change (append-only). For a
   * table that keeps duplicates it holds `{columns:<alias>}` placeholders, which the job fills with the data columns.
   */
  readonly merge: string;
  /** Retention properties, `rewrite_data_files`, `expire_snapshots`, in order. */
  readonly maintenance: readonly string[];
}

/** One curated table of a Spark job. */
export interface SparkJobTableSpec {
  /** `<database>.<table>`. */
  readonly name: string;
  /** Curated database (Glue database / Iceberg namespace). */
  readonly database: string;
  /** Curated table. */
  readonly table: string;
  /** The raw folder `<rawRoot>/<schema>/<table>/`. */
  readonly source: { readonly schema: string; readonly table: string };
  /** S3 location of the table, when the entry sets one; otherwise the catalog's warehouse decides. */
  readonly location?: string;
  /** `merge` or `append-only`. */
  readonly mode: CurationMode;
  /** `hard` or `soft`. */
  readonly deletes: DeleteHandling;
  /** Key columns (empty in append-only mode). */
  readonly primaryKey: readonly string[];
  /** Whether key columns may hold NULL (the MERGE matches them null-safely). */
  readonly nullableKey: boolean;
  /**
   * Whether identical rows stay separate copies (`keepDuplicates` in merge mode with hard deletes): `merge` then counts
   * copies and holds `{columns:<alias>}` placeholders.
   */
  readonly keepDuplicates: boolean;
  /** Iceberg partition fields, CurationPlan's shape. */
  readonly partitionBy: readonly PartitionField[];
  /** Declared data columns, when the entry lists them (otherwise the job takes them from the raw files). */
  readonly columns?: readonly SparkJobColumn[];
  /**
   * The columns after the data columns, in order: commit timestamp and change sequence (STRING),
   * then `_is_deleted` BOOLEAN and `_deleted_at` TIMESTAMP_NTZ in soft-delete mode.
   */
  readonly bookkeepingColumns: readonly SparkJobColumn[];
  /** The statements. */
  readonly sql: SparkJobTableSql;
}

/**
 * The job spec: everything a Spark job needs to curate one source's tables, SQL included.
 *
 * ```jsonc
 * {
 *   "version": 3,
 *   "catalog": "glue_catalog",
 *   "views": { "changes": "__curation_changes", "schema": "__curation_schema" },
 *   "placeholders": { "column": "{column}", "type": "{type}", "columns": "{columns:<alias>}" },
 *   "rawFormat": { "opColumn": "Op", "commitTimestampColumn": "_dms_commit_ts", "changeSequenceColumn": "_dms_change_seq",
 *                  "opValues": { "insert": "I", "update": "U", "delete": "D" },
 *                  "loadFileName": "^LOAD([0-9A-Fa-f]{8})\\.parquet$", "cdcFileName": "^(\\d{8})-(\\d{9})\\.parquet$" },
 *   "tables": [ SparkJobTableSpec, … ]
 * }
 * ```
 *
 * What the job does per table and batch: build the temp view `__curation_schema` (zero rows,
 * the table's columns: data columns, then `bookkeepingColumns`) and run `createDatabase`,
 * `createTable`; add or widen columns with `addColumn` / `widenColumn`, replacing `{column}` by the
 * backtick-quoted name (backticks doubled) and `{type}` by a Spark type; on a rebuild run
 * `truncate`; build `__curation_changes` (see SPARK_JOB_VIEWS) from the batch's files and run
 * `merge`, where (tables with `keepDuplicates`) each `{columns:<alias>}` becomes the table's data columns
 * (after schema evolution, in table order), backtick-quoted, each prefixed by `<alias>.` and separated by `, `.
 * Nothing else in the SQL is to be edited.
 */
export interface SparkJobSpec {
  /** {@link SPARK_JOB_SPEC_VERSION}. */
  readonly version: typeof SPARK_JOB_SPEC_VERSION;
  /** The Spark catalog the SQL names. */
  readonly catalog: string;
  /** The temp views the SQL reads. */
  readonly views: { readonly changes: string; readonly schema: string };
  /** The placeholders in `addColumn` and `widenColumn` (`column`, `type`) and in `merge` (`columns`). */
  readonly placeholders: { readonly column: string; readonly type: string; readonly columns: string };
  /** The DMS format of the source's raw files. */
  readonly rawFormat: SparkJobRawFormat;
  /** The tables, in the order given. */
  readonly tables: readonly SparkJobTableSpec[];
}

/**
 * The job spec for one source's tables. Each table is validated like a CurationPlan (same rules,
 * same `CurationPlanError` codes); the rules that need columns run when the entry lists columns.
 * The SQL comes from {@link ColumnAgnosticSql} (the Spark dialect of the one generator).
 */
export function sparkJobSpec(tables: readonly SparkJobTable[], options: SparkJobSpecOptions = {}): SparkJobSpec {
  const format = dmsRawFormat(options.rawFormat);
  const dialect = new SparkDialect({ catalog: options.catalog });
  const seen = new Set<string>();
  const specs = tables.map((entry) => {
    const props: SparkJobTable = { ...entry, source: { ...entry.source, format: entry.source?.format ?? format } };
    const settings: CurationSettings = props.columns === undefined ? curationSettings(props) : new CurationPlan({ ...props, columns: props.columns });
    if (JSON.stringify(settings.format) !== JSON.stringify(format)) {
      throw new CurationPlanError('INVALID_RAW_FORMAT', `curation plan ${settings.description}: source.format ${JSON.stringify(settings.format)} differs from `
        + `the job's rawFormat ${JSON.stringify(format)}; one DMS task writes all tables of a source alike, so drop source.format or set options.rawFormat`);
    }
    const name = `${settings.curated.database}.${settings.curated.table}`;
    if (seen.has(name)) {
      throw new CurationPlanError('DUPLICATE_TABLE', `curation plan ${settings.description}: another table of this job also writes ${name}; give each table its own curated name`);
    }
    seen.add(name);
    return tableSpec(settings, props.columns === undefined ? undefined : (settings as CurationPlan).columns, dialect);
  });
  return {
    version: SPARK_JOB_SPEC_VERSION,
    catalog: dialect.catalog,
    views: { changes: SPARK_JOB_VIEWS.changes, schema: SPARK_JOB_VIEWS.schema },
    placeholders: { column: SPARK_TEMPLATE_PLACEHOLDERS.column, type: SPARK_TEMPLATE_PLACEHOLDERS.type, columns: COLUMNS_PLACEHOLDER.pattern },
    rawFormat: {
      ...format,
      opValues: { ...DMS_FACTS_TO_VERIFY.opValues },
      loadFileName: DMS_FACTS_TO_VERIFY.loadFileName.source,
      cdcFileName: DMS_FACTS_TO_VERIFY.cdcFileName.source,
    },
    tables: specs,
  };
}

function tableSpec(settings: CurationSettings, columns: readonly ColumnDefinition[] | undefined, dialect: SparkDialect): SparkJobTableSpec {
  const sql = new ColumnAgnosticSql(settings, dialect);
  const column = (c: ColumnDefinition): SparkJobColumn => ({ name: c.name, type: c.type, sparkType: sparkType(c.type) });
  const { commitTimestampColumn, changeSequenceColumn } = settings.format;
  const bookkeeping: ColumnDefinition[] = [
    { name: commitTimestampColumn, type: 'string' },
    ...(changeSequenceColumn === null ? [] : [{ name: changeSequenceColumn, type: 'string' } as const]),
    ...(settings.deletes === 'soft'
      ? [{ name: SOFT_DELETE_COLUMNS.deleted, type: 'boolean' } as const, { name: SOFT_DELETE_COLUMNS.deletedAt, type: 'timestamp' } as const]
      : []),
  ];
  return {
    name: `${settings.curated.database}.${settings.curated.table}`,
    database: settings.curated.database,
    table: settings.curated.table,
    source: { schema: settings.source.schema, table: settings.source.table },
    ...(settings.curated.location === undefined ? {} : { location: settings.curated.location }),
    mode: settings.mode,
    deletes: settings.deletes,
    primaryKey: settings.primaryKey,
    nullableKey: settings.nullableKey,
    keepDuplicates: countsCopies(settings),
    partitionBy: settings.partitionBy,
    ...(columns === undefined ? {} : { columns: columns.map(column) }),
    bookkeepingColumns: bookkeeping.map(column),
    sql: {
      createDatabase: sql.createDatabase(),
      createTable: sql.createTable(),
      addColumn: sql.addColumn(),
      widenColumn: sql.widenColumn(),
      truncate: sql.truncate(),
      merge: sql.merge(),
      maintenance: sql.maintenance(),
    },
  };
}
