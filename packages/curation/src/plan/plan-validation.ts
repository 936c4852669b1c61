import { ParsedColumnType, formatColumnType, parseColumnType } from './column-type';
import {
  ATHENA_ICEBERG_TABLE_PROPERTIES, ColumnDefinition, CurationMode, CurationPlanError, CurationPlanErrorCode, CurationSettings,
  CurationSettingsProps, DeleteHandling, ICEBERG_RESERVED_COLUMNS, INTERNAL_COLUMNS, MaintenanceSettings, PartitionField,
  SOFT_DELETE_COLUMNS, TableProperties, TableRef,
} from './plan-props';
import { DmsRawFormat, dmsRawFormat } from '../dms/dms-raw-format';

// The rules a CurationPlan is checked with. Rules that need the column list run only when it is
// given, so a table whose columns come from its raw files is checked with the same rules and codes.

const CATALOG_NAME = /^[a-z][a-z0-9_]*$/;
const TRANSFORM_TYPES: Record<PartitionField['transform'], readonly ParsedColumnType['kind'][] | 'any'> = {
  identity: 'any',
  year: ['date', 'timestamp'],
  month: ['date', 'timestamp'],
  day: ['date', 'timestamp'],
  hour: ['timestamp'],
  bucket: ['int', 'bigint', 'decimal', 'date', 'timestamp', 'string', 'binary'],
  truncate: ['int', 'bigint', 'decimal', 'string'],
};

/** Throws a CurationPlanError naming the plan. */
export type Fail = (code: CurationPlanErrorCode, what: string) => never;

/** The settings and (when given) columns of a plan, validated and frozen. */
export interface ValidatedPlan {
  readonly settings: Omit<CurationSettings, 'description'>;
  readonly columns: readonly ColumnDefinition[] | undefined;
}

/**
 * Validates plan props. With `requireColumns` a missing column list is an error (NO_COLUMNS);
 * without it the column list is optional and the rules that need it are skipped.
 */
export function validatePlanProps(props: CurationSettingsProps, requireColumns: boolean): ValidatedPlan {
  const where = describePlan(props);
  const fail: Fail = (code, what) => {
    throw new CurationPlanError(code, `curation plan ${where}: ${what}`);
  };
  validateTables(props, fail);
  const format = validateFormat(props.source.format, fail);
  const columns = requireColumns || props.columns !== undefined ? validateColumns(props.columns, format, fail) : undefined;
  const mode = props.mode ?? 'merge';
  const deletes = props.deletes ?? 'hard';
  const primaryKey = validateKey(props, mode, deletes, columns, format, fail);
  const settings = {
    source: Object.freeze({ schema: props.source.schema, table: props.source.table, rawTable: props.source.rawTable }),
    curated: Object.freeze({ ...props.curated }),
    primaryKey,
    nullableKey: props.nullableKey ?? false,
    keepDuplicates: props.keepDuplicates ?? false,
    mode,
    deletes,
    partitionBy: validatePartitions(props.partitionBy ?? [], columns, format, fail),
    format,
    tableProperties: validateTableProperties(props.tableProperties ?? {}, fail),
    maintenance: validateMaintenance(props.maintenance ?? {}, fail),
  };
  return { settings, columns };
}

/**
 * Validates a plan's settings without needing its columns (same rules and error codes as
 * CurationPlan; with columns, the column rules too).
 */
export function curationSettings(props: CurationSettingsProps): CurationSettings {
  const { settings } = validatePlanProps(props, false);
  return Object.freeze({ ...settings, description: describePlan(props) });
}

/** `<schema>.<table> → <database>.<table>`, for messages. */
export function describePlan(props: Pick<CurationSettingsProps, 'source' | 'curated'>): string {
  const source = props.source ? `${props.source.schema}.${props.source.table}` : '?';
  const curated = props.curated ? `${props.curated.database}.${props.curated.table}` : '?';
  return `${source} → ${curated}`;
}

function validateTables(props: CurationSettingsProps, fail: Fail): void {
  if (!props.source?.schema || !props.source?.table) {
    fail('SOURCE_TABLE_MISSING', 'source.schema and source.table are required (the DMS folder <prefix>/<schema>/<table>/)');
  }
  const checkName = (label: string, ref: TableRef | undefined): void => {
    if (!ref) return;
    for (const part of ['database', 'table'] as const) {
      if (typeof ref[part] !== 'string' || !CATALOG_NAME.test(ref[part])) {
        fail('INVALID_TABLE_NAME', `${label}.${part} "${ref[part]}" is not a Glue name; use lowercase letters, digits and underscores, starting with a letter`);
      }
    }
  };
  if (!props.curated) {
    fail('INVALID_TABLE_NAME', 'curated is required: { database, table }');
  }
  checkName('curated', props.curated);
  checkName('source.rawTable', props.source.rawTable);
  if (props.curated.location !== undefined && !/^s3a?:\/\/[^/]+\/.+/.test(props.curated.location)) {
    fail('INVALID_LOCATION', `curated.location "${props.curated.location}" must be an S3 folder like s3://bucket/curated/orders/`);
  }
}

function validateIdentifier(label: string, name: unknown, fail: Fail, code: CurationPlanErrorCode): void {
  // eslint-disable-next-line no-control-regex
  if (typeof name !== 'string' || name.length === 0 || name.length > 255 || /["`\u0000-\u001f]/.test(name)) {
    fail(code, `${label} ${JSON.stringify(name)} is not a usable column name; use 1-255 characters without quotes, backticks or control characters`);
  }
}

function validateFormat(props: Partial<DmsRawFormat> | undefined, fail: Fail): DmsRawFormat {
  const format = dmsRawFormat(props);
  validateIdentifier('source.format.opColumn', format.opColumn, fail, 'INVALID_RAW_FORMAT');
  validateIdentifier('source.format.commitTimestampColumn', format.commitTimestampColumn, fail, 'INVALID_RAW_FORMAT');
  if (format.changeSequenceColumn !== null) {
    validateIdentifier('source.format.changeSequenceColumn', format.changeSequenceColumn, fail, 'INVALID_RAW_FORMAT');
  }
  const names = [format.opColumn, format.commitTimestampColumn, format.changeSequenceColumn].filter((n) => n !== null).map((n) => n.toLowerCase());
  if (new Set(names).size !== names.length) {
    fail('INVALID_RAW_FORMAT', `source.format names the op, commit-timestamp and change-sequence columns ${JSON.stringify(format)}; they must be three different columns`);
  }
  return format;
}

/** Lower-cased names a data column cannot have, and what each is. */
function reservedNames(format: DmsRawFormat): Map<string, string> {
  const reserved = new Map<string, string>([
    [format.opColumn.toLowerCase(), 'the op column (source.format.opColumn)'],
    [format.commitTimestampColumn.toLowerCase(), 'the commit-timestamp column (source.format.commitTimestampColumn)'],
    [SOFT_DELETE_COLUMNS.deleted, 'the soft-delete flag'],
    [SOFT_DELETE_COLUMNS.deletedAt, 'the soft-delete timestamp'],
    ...Object.values(INTERNAL_COLUMNS).map((n): [string, string] => [n, 'a column the generated SQL uses internally']),
    ...ICEBERG_RESERVED_COLUMNS.map((n): [string, string] => [n, 'a name Iceberg reserves for a metadata column (Spark cannot read such a table)']),
  ]);
  if (format.changeSequenceColumn !== null) {
    reserved.set(format.changeSequenceColumn.toLowerCase(), 'the change-sequence column (source.format.changeSequenceColumn)');
  }
  return reserved;
}

/** Checks a key or partition column named without a column list: a usable name that is not a bookkeeping column. */
function validateNamedColumn(label: string, name: unknown, format: DmsRawFormat, fail: Fail): void {
  validateIdentifier(label, name, fail, 'INVALID_COLUMN_NAME');
  const what = reservedNames(format).get((name as string).toLowerCase());
  if (what !== undefined) {
    fail('RESERVED_COLUMN_NAME', `${label} "${name as string}" collides with ${what}; name a data column`);
  }
}

function validateColumns(columns: readonly ColumnDefinition[] | undefined, format: DmsRawFormat, fail: Fail): readonly ColumnDefinition[] {
  if (!columns || columns.length === 0) {
    fail('NO_COLUMNS', 'columns is empty; list the source table columns with their types');
  }
  const reserved = reservedNames(format);
  const seen = new Set<string>();
  return Object.freeze(columns!.map((column, i) => {
    validateIdentifier(`columns[${i}].name`, column?.name, fail, 'INVALID_COLUMN_NAME');
    const lower = column.name.toLowerCase();
    if (seen.has(lower)) {
      fail('DUPLICATE_COLUMN', `column "${column.name}" is listed twice (names are case-insensitive in Athena and Spark); remove one`);
    }
    seen.add(lower);
    if (reserved.has(lower)) {
      fail('RESERVED_COLUMN_NAME', `column "${column.name}" collides with ${reserved.get(lower)}; rename the column in the DMS table mapping or change source.format`);
    }
    const type = typeof column.type === 'string' ? parseColumnType(column.type) : undefined;
    if (!type) {
      fail('INVALID_COLUMN_TYPE', `column "${column.name}" has type ${JSON.stringify(column.type)}; use boolean, int, bigint, float, double, decimal(p,s) with p ≤ 38, string, binary, date or timestamp`);
    }
    return Object.freeze({ name: column.name, type: formatColumnType(type!) });
  }));
}

function validateKey(
  props: CurationSettingsProps, mode: CurationMode, deletes: DeleteHandling, columns: readonly ColumnDefinition[] | undefined,
  format: DmsRawFormat, fail: Fail,
): readonly string[] {
  if (mode !== 'merge' && mode !== 'append-only') {
    fail('INVALID_MODE', `mode ${JSON.stringify(mode)} is not supported; use 'merge' or 'append-only'`);
  }
  if (deletes !== 'hard' && deletes !== 'soft') {
    fail('INVALID_DELETE_HANDLING', `deletes ${JSON.stringify(deletes)} is not supported; use 'hard' or 'soft'`);
  }
  const key = props.primaryKey ?? [];
  if (mode === 'append-only') {
    if (key.length > 0) {
      fail('PRIMARY_KEY_IN_APPEND_ONLY', 'primaryKey is set but mode is \'append-only\'; remove primaryKey or use mode \'merge\'');
    }
    if (deletes === 'soft') {
      fail('SOFT_DELETE_IN_APPEND_ONLY', 'deletes \'soft\' needs a primary key; append-only tables keep every change, use deletes \'hard\' (deletes are skipped)');
    }
    return Object.freeze([]);
  }
  if (key.length === 0) {
    fail('PRIMARY_KEY_MISSING', 'table has no primary key; set primaryKey: [...] or mode: \'append-only\'');
  }
  const names = columns?.map((c) => c.name);
  const seen = new Set<string>();
  for (const [i, column] of key.entries()) {
    if (names === undefined) {
      validateNamedColumn(`primaryKey[${i}]`, column, format, fail);
    } else if (!names.includes(column)) {
      fail('KEY_COLUMN_NOT_IN_SCHEMA', `primaryKey column "${column}" is not in columns (${names.join(', ')}); add it to columns or fix the name`);
    }
    if (seen.has(column)) {
      fail('DUPLICATE_KEY_COLUMN', `primaryKey lists "${column}" twice; list each key column once`);
    }
    seen.add(column);
  }
  return Object.freeze([...key]);
}

function validatePartitions(
  fields: readonly PartitionField[], columns: readonly ColumnDefinition[] | undefined, format: DmsRawFormat, fail: Fail,
): readonly PartitionField[] {
  const seen = new Set<string>();
  return Object.freeze(fields.map((field, i) => {
    const label = `partitionBy[${i}]`;
    const column = columns?.find((c) => c.name === field.column);
    if (columns === undefined) {
      validateNamedColumn(`${label}.column`, field.column, format, fail);
    } else if (!column) {
      fail('PARTITION_COLUMN_UNKNOWN', `${label} partitions on "${field.column}", which is not in columns (${columns.map((c) => c.name).join(', ')}); fix the column name`);
    }
    const allowed = TRANSFORM_TYPES[field.transform];
    if (allowed === undefined) {
      fail('PARTITION_TRANSFORM_UNKNOWN', `${label} transform ${JSON.stringify(field.transform)} is not an Iceberg transform; use identity, year, month, day, hour, bucket or truncate`);
    }
    const kind = column === undefined ? undefined : parseColumnType(column.type)!.kind;
    if (column !== undefined && allowed !== 'any' && !allowed.includes(kind!)) {
      fail('PARTITION_TRANSFORM_TYPE', `${label} ${field.transform}(${field.column}) does not apply to a ${column.type} column; ${field.transform} takes ${allowed.join(', ')}`);
    }
    if (field.transform === 'bucket' && !(Number.isInteger(field.buckets) && field.buckets > 0)) {
      fail('BUCKET_COUNT_NOT_POSITIVE', `${label} bucket(${field.buckets}, ${field.column}) needs a positive whole number of buckets, e.g. 16`);
    }
    if (field.transform === 'truncate' && !(Number.isInteger(field.width) && field.width > 0)) {
      fail('TRUNCATE_WIDTH_NOT_POSITIVE', `${label} truncate(${field.width}, ${field.column}) needs a positive whole width, e.g. 10`);
    }
    const id = `${field.transform}:${field.column}`;
    if (seen.has(id)) {
      fail('DUPLICATE_PARTITION_FIELD', `${label} repeats ${field.transform}(${field.column}); list each partition field once`);
    }
    seen.add(id);
    return Object.freeze({ ...field });
  }));
}

function validateTableProperties(props: TableProperties, fail: Fail): TableProperties {
  for (const [name, value] of Object.entries(props.athena ?? {})) {
    if (name === 'table_type') {
      fail('TABLE_PROPERTY_RESERVED', 'tableProperties.athena.table_type is set by the generator (\'ICEBERG\'); remove it');
    }
    if (!ATHENA_ICEBERG_TABLE_PROPERTIES.includes(name)) {
      fail('TABLE_PROPERTY_UNKNOWN', `tableProperties.athena.${name} is not a property Athena accepts for Iceberg tables; use one of ${ATHENA_ICEBERG_TABLE_PROPERTIES.join(', ')}`);
    }
    if (typeof value !== 'string') {
      fail('TABLE_PROPERTY_UNKNOWN', `tableProperties.athena.${name} must be a string, got ${JSON.stringify(value)}`);
    }
  }
  for (const [name, value] of Object.entries(props.spark ?? {})) {
    if (name === 'format-version' && value !== '2') {
      fail('TABLE_PROPERTY_RESERVED', 'tableProperties.spark.format-version must be \'2\' (MERGE needs Iceberg v2 row-level deletes); remove it or set \'2\'');
    }
    if (typeof value !== 'string') {
      fail('TABLE_PROPERTY_UNKNOWN', `tableProperties.spark.${name} must be a string, got ${JSON.stringify(value)}`);
    }
  }
  return Object.freeze({ athena: Object.freeze({ ...props.athena }), spark: Object.freeze({ ...props.spark }) });
}

function validateMaintenance(props: MaintenanceSettings, fail: Fail): Required<MaintenanceSettings> {
  const settings = { snapshotRetentionHours: props.snapshotRetentionHours ?? 120, minSnapshotsToKeep: props.minSnapshotsToKeep ?? 1 };
  for (const [name, value] of Object.entries(settings)) {
    if (!Number.isInteger(value) || value < 1) {
      fail('MAINTENANCE_SETTING_INVALID', `maintenance.${name} is ${value}; use a whole number ≥ 1`);
    }
  }
  return Object.freeze(settings);
}