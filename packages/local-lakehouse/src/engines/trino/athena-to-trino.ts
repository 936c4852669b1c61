import { ColumnType, parseColumnType } from '@cdc-lakehouse/curation';

/**
 * Every place where Trino 476 refuses the spelling of a statement `new CurationSql(plan, 'athena')` generates, and
 * what the rehearsal runs instead. Athena engine v3 parses DDL with Hive's grammar and DML with Trino's, so only
 * DDL (and the maintenance statements, which are Athena extensions) needs translating: the dedup SELECT and the
 * MERGE run exactly as generated. README.md ("Trino rehearsal") lists the same differences for readers.
 */
export const ATHENA_TRINO_DIFFERENCES = Object.freeze({
  /** Hive DDL quotes identifiers with backticks; Trino only knows double quotes ("backquoted identifiers are not supported"). */
  identifierQuote: { athena: '`name`', trino: '"name"' },
  /** `CREATE DATABASE` is Hive's word; Trino has only `CREATE SCHEMA` (the schema gets a location in the warehouse). */
  createDatabase: { athena: 'CREATE DATABASE IF NOT EXISTS `db`', trino: 'CREATE SCHEMA IF NOT EXISTS "db" WITH (location = …)' },
  /** Hive type names of the plan's vocabulary; Trino's Iceberg connector spells four of them differently. */
  types: { string: 'varchar', int: 'integer', float: 'real', binary: 'varbinary', timestamp: 'timestamp(6)' } as Readonly<Partial<Record<ColumnType, string>>>,
  /** Hive's `PARTITIONED BY (bucket(16, `id`), month(`at`))` is Trino's `partitioning = ARRAY['bucket("id", 16)', 'month("at")']`: the
   *  bucket and truncate arguments swap places. */
  partitionedBy: { athena: 'PARTITIONED BY (bucket(N, `c`))', trino: 'partitioning = ARRAY[\'bucket("c", N)\']' },
  /** `LOCATION 's3://…'` is a table property in Trino (`location = …`); the rehearsal maps the S3 folder into the warehouse. */
  location: { athena: 'LOCATION \'s3://…\'', trino: 'location = \'local:///<warehouse>/…\'' },
  /** `TBLPROPERTIES ('k' = 'v')` becomes `WITH (k = v)` for the properties Trino has; see {@link ATHENA_TABLE_PROPERTIES}. */
  tblproperties: { athena: 'TBLPROPERTIES (\'format\' = \'parquet\')', trino: 'WITH (format = \'PARQUET\')' },
  /** Hive's `ADD COLUMNS (`c` type)` is Trino's `ADD COLUMN "c" type` (one column per statement). */
  addColumns: { athena: 'ALTER TABLE `db`.`t` ADD COLUMNS (`c` bigint)', trino: 'ALTER TABLE "db"."t" ADD COLUMN "c" bigint' },
  /** Hive's `CHANGE COLUMN `c` `c` type` is Trino's `ALTER COLUMN "c" SET DATA TYPE type`. */
  changeColumn: { athena: 'ALTER TABLE `db`.`t` CHANGE COLUMN `c` `c` bigint', trino: 'ALTER TABLE "db"."t" ALTER COLUMN "c" SET DATA TYPE bigint' },
  /** Athena's `OPTIMIZE … REWRITE DATA USING BIN_PACK` is Trino's table procedure `ALTER TABLE … EXECUTE optimize`. */
  optimize: { athena: 'OPTIMIZE "db"."t" REWRITE DATA USING BIN_PACK', trino: 'ALTER TABLE "db"."t" EXECUTE optimize' },
  /** Athena's `VACUUM` (expiry by the table's vacuum_* properties, then orphan files) is two Trino table procedures. */
  vacuum: { athena: 'VACUUM "db"."t"', trino: 'ALTER TABLE "db"."t" EXECUTE expire_snapshots(…); … EXECUTE remove_orphan_files(…)' },
});

/**
 * What becomes of each Iceberg table property Athena takes in TBLPROPERTIES: a Trino table property (`trino`, with
 * the value as Trino wants it), a setting of the rehearsal's Iceberg catalog (`catalog`: Trino has it per catalog or
 * session, not per table), or nothing (`dropped`, with the reason). A property missing here stops the translation:
 * the rehearsal says so rather than run something other than what Athena would.
 */
export type PropertyRule = { trino: string; value: (v: string) => string } | { catalog: string } | { dropped: string };

/** See {@link PropertyRule}. */
export const ATHENA_TABLE_PROPERTIES: Readonly<Record<string, PropertyRule>> = {
  // Athena needs it to make an Iceberg table; in Trino the catalog decides (the rehearsal's curated catalog is Iceberg)
  table_type: { dropped: 'the Iceberg catalog makes every table an Iceberg table' },
  format: { trino: 'format', value: (v) => `'${v.toUpperCase()}'` },
  // Trino 476 sets the Parquet codec per catalog: the rehearsal's catalog is configured with ZSTD, Athena's default
  write_compression: { catalog: 'iceberg.compression-codec' },
  // snapshot expiry is maintenance (VACUUM); Trino's expire_snapshots takes the retention as an argument
  vacuum_max_snapshot_age_seconds: { dropped: 'VACUUM input; Trino\'s expire_snapshots takes the retention as an argument' },
  vacuum_min_snapshots_to_keep: { dropped: 'VACUUM input; Trino always keeps the current snapshot' },
  vacuum_max_metadata_files_to_keep: { dropped: 'VACUUM input; not a Trino table property' },
  optimize_rewrite_delete_file_threshold: { dropped: 'OPTIMIZE input; Trino\'s optimize rewrites by file size' },
  optimize_rewrite_data_file_threshold: { dropped: 'OPTIMIZE input; Trino\'s optimize rewrites by file size' },
  optimize_rewrite_min_data_file_size_bytes: { dropped: 'OPTIMIZE input; Trino\'s optimize takes file_size_threshold as an argument' },
  optimize_rewrite_max_data_file_size_bytes: { dropped: 'OPTIMIZE input; Trino\'s optimize takes file_size_threshold as an argument' },
  // Trino 476 has the target file size per catalog (iceberg.target-max-file-size) or session, not per table
  write_target_data_file_size_bytes: { catalog: 'iceberg.target-max-file-size' },
};

/** A statement Athena accepts that the rehearsal cannot translate (an unknown table property, a new DDL shape). */
export class TrinoTranslationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TrinoTranslationError';
  }
}

/** What the translation needs to know about the rehearsal's warehouse. */
export interface TranslationContext {
  /** The Trino location (`local:///…`) of an Athena S3 location. */
  readonly location: (s3Location: string) => string;
  /** The Trino location of a curated database's schema. */
  readonly schemaLocation: (database: string) => string;
}

/** A Hive/Athena DDL type of the plan's vocabulary in Trino's spelling. */
export function trinoType(athenaType: string): string {
  const parsed = parseColumnType(athenaType);
  if (!parsed) throw new TrinoTranslationError(`Athena type ${JSON.stringify(athenaType)} is not in the plan's vocabulary`);
  const canonical = (parsed.kind === 'decimal' ? `decimal(${parsed.precision},${parsed.scale})` : parsed.kind) as ColumnType;
  return ATHENA_TRINO_DIFFERENCES.types[canonical] ?? canonical;
}

/** A double-quoted Trino identifier. */
export function trinoQuote(name: string): string {
  return `"${name.split('"').join('""')}"`;
}

/** A single-quoted SQL string. */
export function trinoString(value: string): string {
  return `'${value.split('\'').join('\'\'')}'`;
}

// `name` or `db`.`table` in Hive DDL (backticks doubled inside)
const BACKTICKED = '`(?:[^`]|``)*`';
const TABLE_NAME = `(${BACKTICKED})\\.(${BACKTICKED})`;

function unBacktick(quoted: string): string {
  return quoted.slice(1, -1).split('``').join('`');
}

function tableName(db: string, table: string): string {
  return `${trinoQuote(unBacktick(db))}.${trinoQuote(unBacktick(table))}`;
}

/**
 * Translates one statement generated for Athena into what Trino 476 runs. DML (SELECT, MERGE, INSERT, DELETE) is
 * returned unchanged; DDL and maintenance get the spellings of {@link ATHENA_TRINO_DIFFERENCES}. One Athena
 * statement may become several Trino statements (VACUUM).
 */
export function athenaToTrino(statement: string, context: TranslationContext): string[] {
  const sql = statement.trim();
  let m: RegExpExecArray | null;
  if (/^(MERGE|INSERT|SELECT|WITH|DELETE|UPDATE)\b/i.test(sql)) return [sql];
  if ((m = new RegExp(`^CREATE DATABASE IF NOT EXISTS (${BACKTICKED})$`, 'i').exec(sql))) {
    const database = unBacktick(m[1]);
    return [`CREATE SCHEMA IF NOT EXISTS ${trinoQuote(database)} WITH (location = ${trinoString(context.schemaLocation(database))})`];
  }
  if (/^CREATE TABLE\b/i.test(sql)) return [createTable(sql, context)];
  if ((m = new RegExp(`^ALTER TABLE ${TABLE_NAME} ADD COLUMNS \\((.*)\\)$`, 'is').exec(sql))) {
    const table = tableName(m[1], m[2]);
    return columnDefinitions(m[3]).map((c) => `ALTER TABLE ${table} ADD COLUMN ${trinoQuote(c.name)} ${trinoType(c.type)}`);
  }
  if ((m = new RegExp(`^ALTER TABLE ${TABLE_NAME} CHANGE COLUMN (${BACKTICKED}) (${BACKTICKED}) (.+)$`, 'i').exec(sql))) {
    if (m[3] !== m[4]) throw new TrinoTranslationError(`a column rename is not rehearsed: ${sql}`);
    return [`ALTER TABLE ${tableName(m[1], m[2])} ALTER COLUMN ${trinoQuote(unBacktick(m[3]))} SET DATA TYPE ${trinoType(m[5])}`];
  }
  if ((m = /^OPTIMIZE (.+) REWRITE DATA USING BIN_PACK$/i.exec(sql))) return [`ALTER TABLE ${m[1]} EXECUTE optimize`];
  if ((m = /^VACUUM (.+)$/i.exec(sql))) {
    return [`ALTER TABLE ${m[1]} EXECUTE expire_snapshots(retention_threshold => '7d')`, `ALTER TABLE ${m[1]} EXECUTE remove_orphan_files(retention_threshold => '7d')`];
  }
  throw new TrinoTranslationError(`no Trino translation for this Athena statement: ${sql.split('\n')[0]}`);
}

function columnDefinitions(text: string): { name: string; type: string }[] {
  const column = new RegExp(`^\\s*(${BACKTICKED})\\s+(.+?)\\s*$`);
  // types hold commas only inside parentheses (decimal(p,s))
  const parts = splitTopLevel(text).filter((part) => part.trim() !== '');
  return parts.map((part) => {
    const m = column.exec(part);
    if (!m) throw new TrinoTranslationError(`cannot read the column definition ${JSON.stringify(part.trim())}`);
    return { name: unBacktick(m[1]), type: m[2] };
  });
}

function partitionField(field: string): string {
  const f = field.trim();
  let m: RegExpExecArray | null;
  if ((m = new RegExp(`^(bucket|truncate)\\((\\d+),\\s*(${BACKTICKED})\\)$`, 'i').exec(f))) {
    return `${m[1].toLowerCase()}(${trinoQuote(unBacktick(m[3]))}, ${m[2]})`;
  }
  if ((m = new RegExp(`^(year|month|day|hour)\\((${BACKTICKED})\\)$`, 'i').exec(f))) return `${m[1].toLowerCase()}(${trinoQuote(unBacktick(m[2]))})`;
  if ((m = new RegExp(`^(${BACKTICKED})$`).exec(f))) return trinoQuote(unBacktick(m[1]));
  throw new TrinoTranslationError(`no Trino partitioning for the Athena partition field ${JSON.stringify(f)}`);
}

/**
 * `CREATE TABLE IF NOT EXISTS `db`.`t` (cols) [PARTITIONED BY (…)] LOCATION '…' TBLPROPERTIES (…)` (the shape
 * AthenaDialect.createTable writes) → `CREATE TABLE IF NOT EXISTS "db"."t" (cols) WITH (format, partitioning, location)`.
 */
function createTable(sql: string, context: TranslationContext): string {
  const m = new RegExp(
    `^CREATE TABLE IF NOT EXISTS ${TABLE_NAME} \\(\\n([\\s\\S]*?)\\n\\)\\n(?:PARTITIONED BY \\((.*)\\)\\n)?LOCATION '((?:[^']|'')*)'\\nTBLPROPERTIES \\(\\n([\\s\\S]*)\\n\\)$`,
  ).exec(sql);
  if (!m) throw new TrinoTranslationError(`the CREATE TABLE is not in the shape AthenaDialect writes: ${sql.split('\n')[0]}`);
  const [, db, table, columnsText, partitionedBy, location, propertiesText] = m;
  const columns = columnDefinitions(columnsText.replace(/\n/g, ' '));
  const properties: string[] = [];
  for (const line of propertiesText.split(',\n')) {
    const p = /^\s*'((?:[^']|'')*)'\s*=\s*'((?:[^']|'')*)'\s*$/.exec(line);
    if (!p) throw new TrinoTranslationError(`cannot read the table property ${JSON.stringify(line.trim())}`);
    const [key, value] = [p[1].split('\'\'').join('\''), p[2].split('\'\'').join('\'')];
    const rule = ATHENA_TABLE_PROPERTIES[key];
    if (!rule) throw new TrinoTranslationError(`the Athena table property ${JSON.stringify(key)} has no Trino counterpart in this rehearsal; add it to ATHENA_TABLE_PROPERTIES`);
    if ('trino' in rule) properties.push(`${rule.trino} = ${rule.value(value)}`);
  }
  if (partitionedBy !== undefined) {
    const fields = splitTopLevel(partitionedBy).map(partitionField);
    properties.push(`partitioning = ARRAY[${fields.map(trinoString).join(', ')}]`);
  }
  properties.push(`location = ${trinoString(context.location(location.split('\'\'').join('\'')))}`);
  return [
    `CREATE TABLE IF NOT EXISTS ${tableName(db, table)} (`,
    columns.map((c) => `  ${trinoQuote(c.name)} ${trinoType(c.type)}`).join(',\n'),
    ')',
    'WITH (',
    properties.map((p) => `  ${p}`).join(',\n'),
    ')',
  ].join('\n');
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  let inBackticks = false;
  for (const ch of text) {
    if (ch === '`') inBackticks = !inBackticks;
    if (!inBackticks && ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
      continue;
    }
    if (!inBackticks && ch === '(') depth++;
    if (!inBackticks && ch === ')') depth--;
    current += ch;
  }
  parts.push(current);
  return parts;
}
