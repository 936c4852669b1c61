/**
 * Everything this package assumes about DMS output that no primary source pinned down
 * (the facts marked *verify* in the project's dms-facts.md). Each guess lives here and
 * nowhere else, so a wrong one is fixed in one place; tests fail loudly when real output
 * contradicts it (the raw-zone reader refuses `.parquet` names it cannot classify).
 */
export const DMS_FACTS_TO_VERIFY = {
  /** Name of the operation column DMS writes first in every CDC row (and in full-load rows with `includeOpForFullLoad`). */
  opColumnName: 'Op',
  /** Values of the operation column. For `D` the row holds the before-image. */
  opValues: { insert: 'I', update: 'U', delete: 'D' },
  /** Full-load object names: `LOAD` + 8 hexadecimal digits (a counter starting at 1). */
  loadFileName: /^LOAD([0-9A-Fa-f]{8})\.parquet$/,
  /** CDC object names: the UTC time DMS wrote the file, `yyyyMMdd-HHmmssSSS.parquet`. */
  cdcFileName: /^(\d{8})-(\d{9})\.parquet$/,
  /**
   * Full-load rows may carry an empty (or NULL) change sequence; empty and NULL sort as the
   * lowest sequence, so any CDC change to a key wins over its full-load row.
   */
  fullLoadChangeSequenceMayBeEmpty: true,
  /**
   * The change sequence (`$AR_H_CHANGE_SEQ`, 35 digits) is fixed-width, so string order is
   * numeric order. Ordering compares it as a string.
   */
  changeSequenceIsFixedWidth: true,
  /** Where DMS puts a column added by an `add-column` table-mapping transformation: after the source's columns. */
  addedColumnPosition: 'last',
  /**
   * DMS's own data type for each MySQL/MariaDB source type (its page "Source data types for MySQL"), which decides the
   * Parquet type its S3 target writes. Keys are information_schema `DATA_TYPE`s; `unsigned` holds the UNSIGNED integers,
   * `bit1` is BIT(1); a type not listed is read as a string (`WSTRING`). The local MySQL capture (packages/local-lakehouse)
   * maps through this table. It was written from how this project reads that page, without the page at hand: check it
   * against the current one, and fix any entry here (the capture, its README table and verify follow).
   */
  mysqlSourceTypes: {
    signed: { tinyint: 'INT1', smallint: 'INT2', mediumint: 'INT4', int: 'INT4', integer: 'INT4', bigint: 'INT8' },
    unsigned: { tinyint: 'UINT1', smallint: 'UINT2', mediumint: 'UINT4', int: 'UINT4', integer: 'UINT4', bigint: 'UINT8' },
    /** BIT(1) is a boolean; TINYINT(1) (MySQL's BOOLEAN) is not special: a TINYINT like any other. */
    bit1: 'BOOLEAN',
    other: {
      bit: 'BYTES',
      decimal: 'NUMERIC',
      numeric: 'NUMERIC',
      float: 'REAL4',
      double: 'REAL8',
      real: 'REAL8',
      date: 'DATE',
      datetime: 'DATETIME',
      timestamp: 'DATETIME',
      year: 'INT2',
      time: 'STRING',
      json: 'CLOB',
      binary: 'BYTES',
      varbinary: 'BYTES',
      tinyblob: 'BLOB',
      blob: 'BLOB',
      mediumblob: 'BLOB',
      longblob: 'BLOB',
      geometry: 'BLOB',
      point: 'BLOB',
      linestring: 'BLOB',
      polygon: 'BLOB',
      multipoint: 'BLOB',
      multilinestring: 'BLOB',
      multipolygon: 'BLOB',
      geometrycollection: 'BLOB',
    },
  },
} as const;

/**
 * Names of the DMS bookkeeping columns in a raw table's Parquet files. They are set per DMS
 * task (S3 endpoint settings and table mappings), so they are configurable here.
 */
export interface DmsRawFormat {
  /**
   * The operation column (`I` / `U` / `D`). Full-load files written without
   * `includeOpForFullLoad` have no such column: their rows are inserts.
   * @default DMS_FACTS_TO_VERIFY.opColumnName ('Op')
   */
  readonly opColumn: string;
  /**
   * The commit-timestamp column (S3 endpoint setting `timestampColumnName`): a STRING
   * `yyyy-MM-dd HH:mm:ss.SSSSSS`, source commit time for CDC rows, task start or transfer time for full-load rows.
   * @default '_dms_commit_ts'
   */
  readonly commitTimestampColumn: string;
  /**
   * The change-sequence column added with a table-mapping `add-column` transformation whose
   * expression is `$AR_H_CHANGE_SEQ`; `null` when the task does not add one (ordering then
   * falls back to commit timestamp and file order, which cannot order several changes to
   * one key inside one transaction on Athena or Spark).
   * @default '_dms_change_seq'
   */
  readonly changeSequenceColumn: string | null;
}

/** The format this project configures its DMS tasks to write. */
export const DEFAULT_DMS_RAW_FORMAT: DmsRawFormat = Object.freeze({
  opColumn: DMS_FACTS_TO_VERIFY.opColumnName,
  commitTimestampColumn: '_dms_commit_ts',
  changeSequenceColumn: '_dms_change_seq',
});

/** A change operation as DMS writes it in the op column. */
export type ChangeOperation = 'I' | 'U' | 'D';

/** Fills in the defaults of a partial raw format. */
export function dmsRawFormat(props: Partial<DmsRawFormat> = {}): DmsRawFormat {
  return Object.freeze({
    opColumn: props.opColumn ?? DEFAULT_DMS_RAW_FORMAT.opColumn,
    commitTimestampColumn: props.commitTimestampColumn ?? DEFAULT_DMS_RAW_FORMAT.commitTimestampColumn,
    changeSequenceColumn: props.changeSequenceColumn === undefined ? DEFAULT_DMS_RAW_FORMAT.changeSequenceColumn : props.changeSequenceColumn,
  });
}
