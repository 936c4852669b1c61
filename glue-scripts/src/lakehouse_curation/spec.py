"""The Spark job spec (version 3) produced by ``sparkJobSpec`` in ``@cdc-lakehouse/curation``.

Every SQL statement the job runs comes from the spec verbatim; the job only fills in the ``{column}`` and
``{type}`` placeholders of ``addColumn`` / ``widenColumn``, and the ``{columns:<alias>}`` placeholders of the
``merge`` of a table that keeps duplicates (``keepDuplicates``) with the table's data columns.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple

SPEC_VERSION = 3
# Iceberg 1.7's metadata column names: a table column of one of these names makes Spark refuse to read the table
# ("Table column names conflict with names reserved for Iceberg metadata columns: [_deleted]")
ICEBERG_RESERVED_COLUMNS = ("_file", "_pos", "_deleted", "_spec_id", "_partition")
# the placeholders the job fills: a column and its type in addColumn / widenColumn, the data columns in a merge
PLACEHOLDERS = {"column": "{column}", "type": "{type}", "columns": "{columns:<alias>}"}
COLUMNS_PLACEHOLDER = re.compile(r"\{columns:([A-Za-z_][A-Za-z0-9_]*)\}")
# the soft-delete columns the TypeScript generator names (not `_deleted`, which Iceberg reserves)
DEFAULT_DELETED_COLUMN = "_is_deleted"
DEFAULT_DELETED_AT_COLUMN = "_deleted_at"


class SpecError(ValueError):
    """A job spec or job parameter that cannot be run; the message says what to fix."""


@dataclass(frozen=True)
class RawFormat:
    """Names of DMS's bookkeeping columns and file names (``DMS_FACTS_TO_VERIFY`` on the TypeScript side)."""

    op_column: str = "Op"
    commit_timestamp_column: str = "_dms_commit_ts"
    change_sequence_column: Optional[str] = "_dms_change_seq"
    op_insert: str = "I"
    op_update: str = "U"
    op_delete: str = "D"
    load_file_name: str = r"^LOAD([0-9A-Fa-f]{8})\.parquet$"
    cdc_file_name: str = r"^(\d{8})-(\d{9})\.parquet$"

    @property
    def bookkeeping_columns(self) -> Tuple[str, ...]:
        names = [self.op_column, self.commit_timestamp_column]
        if self.change_sequence_column is not None:
            names.append(self.change_sequence_column)
        return tuple(names)


@dataclass(frozen=True)
class TableSql:
    """The generated statements of one table."""

    create_database: str
    create_table: str
    add_column: str
    widen_column: str
    truncate: str
    merge: str
    maintenance: Tuple[str, ...]


@dataclass(frozen=True)
class TableSpec:
    """One curated table: where its raw files are, how it is merged, and its SQL."""

    name: str
    database: str
    table: str
    source_schema: str
    source_table: str
    mode: str
    deletes: str
    primary_key: Tuple[str, ...]
    nullable_key: bool
    partition_by: Tuple[Dict[str, Any], ...]
    columns: Optional[Tuple[Tuple[str, str], ...]]
    sql: TableSql
    deleted_column: str = DEFAULT_DELETED_COLUMN
    deleted_at_column: str = DEFAULT_DELETED_AT_COLUMN
    # the curated table's columns after the data columns, in order: (name, Spark type)
    bookkeeping: Tuple[Tuple[str, str], ...] = ()
    # identical rows stay separate copies: the merge counts copies and holds {columns:<alias>} placeholders
    keep_duplicates: bool = False

    @property
    def raw_folder(self) -> str:
        """The table's folder below the raw root: ``<schema>/<table>``."""
        return f"{self.source_schema}/{self.source_table}"


@dataclass(frozen=True)
class JobSpec:
    catalog: str
    raw_format: RawFormat
    tables: Tuple[TableSpec, ...]

    def select(self, names: Optional[Sequence[str]]) -> List[TableSpec]:
        """The tables named (``db.t``), in spec order; all tables when ``names`` is empty or None."""
        if not names:
            return list(self.tables)
        known = {t.name: t for t in self.tables}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SpecError(f"--tables names {', '.join(unknown)}, not in the job spec (tables: {', '.join(known)})")
        wanted = set(names)
        return [t for t in self.tables if t.name in wanted]


def _require(obj: Dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in obj:
        raise SpecError(f"job spec: {where} has no '{key}'; regenerate the spec with sparkJobSpec()")
    value = obj[key]
    if kind is str and (not isinstance(value, str) or not value.strip()):
        raise SpecError(f"job spec: {where}.{key} must be a non-empty string, got {value!r}")
    if kind is not str and not isinstance(value, kind):
        raise SpecError(f"job spec: {where}.{key} must be a {kind.__name__}, got {type(value).__name__}")
    return value


def _regex(obj: Dict[str, Any], key: str, default: str, where: str) -> str:
    pattern = obj.get(key, default)
    if not isinstance(pattern, str):
        raise SpecError(f"job spec: {where}.{key} must be a regular expression string, got {pattern!r}")
    try:
        re.compile(pattern)
    except re.error as err:
        raise SpecError(f"job spec: {where}.{key} {pattern!r} is not a valid regular expression: {err}") from err
    return pattern


def _raw_format(raw: Any) -> RawFormat:
    if raw is None:
        return RawFormat()
    if not isinstance(raw, dict):
        raise SpecError("job spec: rawFormat must be an object")
    default = RawFormat()
    ops = raw.get("opValues", {})
    if not isinstance(ops, dict):
        raise SpecError("job spec: rawFormat.opValues must be an object with insert, update, delete")
    seq = raw.get("changeSequenceColumn", default.change_sequence_column)
    if seq is not None and (not isinstance(seq, str) or not seq):
        raise SpecError(f"job spec: rawFormat.changeSequenceColumn must be a column name or null, got {seq!r}")
    return RawFormat(
        op_column=str(raw.get("opColumn", default.op_column)),
        commit_timestamp_column=str(raw.get("commitTimestampColumn", default.commit_timestamp_column)),
        change_sequence_column=seq,
        op_insert=str(ops.get("insert", default.op_insert)),
        op_update=str(ops.get("update", default.op_update)),
        op_delete=str(ops.get("delete", default.op_delete)),
        load_file_name=_regex(raw, "loadFileName", default.load_file_name, "rawFormat"),
        cdc_file_name=_regex(raw, "cdcFileName", default.cdc_file_name, "rawFormat"),
    )


def _table(raw: Any, n: int, raw_format: RawFormat) -> TableSpec:
    where = f"tables[{n}]"
    if not isinstance(raw, dict):
        raise SpecError(f"job spec: {where} must be an object")
    name = _require(raw, "name", str, where)
    where = f"table {name}"
    database = _require(raw, "database", str, where)
    table = _require(raw, "table", str, where)
    if name != f"{database}.{table}":
        raise SpecError(f"job spec: {where}: name must be database.table ({database}.{table})")
    source = _require(raw, "source", dict, where)
    mode = raw.get("mode", "merge")
    if mode not in ("merge", "append-only"):
        raise SpecError(f"job spec: {where}.mode must be 'merge' or 'append-only', got {mode!r}")
    deletes = raw.get("deletes", "hard")
    if deletes not in ("hard", "soft"):
        raise SpecError(f"job spec: {where}.deletes must be 'hard' or 'soft', got {deletes!r}")
    columns = raw.get("columns")
    parsed_columns = None
    if columns is not None:
        if not isinstance(columns, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str) and isinstance(c.get("type"), str) for c in columns):
            raise SpecError(f"job spec: {where}.columns must be a list of {{name, type}} objects")
        parsed_columns = tuple((c["name"], c["type"]) for c in columns)
        reserved_data = [name for name, _ in parsed_columns if name.lower() in ICEBERG_RESERVED_COLUMNS]
        if reserved_data:
            raise SpecError(f"job spec: {where}: column {reserved_data[0]} is an Iceberg metadata column name "
                            f"(reserved: {', '.join(ICEBERG_RESERVED_COLUMNS)}); Spark cannot read such a table: rename the "
                            "column in the source (or the DMS table mapping) and regenerate the spec")
    soft = raw.get("softDeleteColumns") or {}
    if not isinstance(soft, dict):
        raise SpecError(f"job spec: {where}.softDeleteColumns must be an object {{deleted, deletedAt}}")
    deleted_column = str(soft.get("deleted", DEFAULT_DELETED_COLUMN))
    deleted_at_column = str(soft.get("deletedAt", DEFAULT_DELETED_AT_COLUMN))
    bookkeeping = raw.get("bookkeepingColumns")
    if bookkeeping is None:
        derived = [(raw_format.commit_timestamp_column, "STRING")]
        if raw_format.change_sequence_column is not None:
            derived.append((raw_format.change_sequence_column, "STRING"))
        if deletes == "soft":
            derived += [(deleted_column, "BOOLEAN"), (deleted_at_column, "TIMESTAMP_NTZ")]
        parsed_bookkeeping = tuple(derived)
    else:
        if not isinstance(bookkeeping, list) or not all(isinstance(c, dict) and isinstance(c.get("name"), str)
                                                        and isinstance(c.get("sparkType"), str) for c in bookkeeping):
            raise SpecError(f"job spec: {where}.bookkeepingColumns must be a list of {{name, sparkType}} objects")
        parsed_bookkeeping = tuple((c["name"], c["sparkType"]) for c in bookkeeping)
        if deletes == "soft":
            extra = [c for c in parsed_bookkeeping if c[0] not in raw_format.bookkeeping_columns]
            if len(extra) != 2:
                raise SpecError(f"job spec: {where}.bookkeepingColumns must end with the two soft-delete columns (deleted, deleted-at)")
            deleted_column, deleted_at_column = extra[0][0], extra[1][0]
    reserved = [name for name, _ in parsed_bookkeeping if name.lower() in ICEBERG_RESERVED_COLUMNS]
    if reserved:
        raise SpecError(f"job spec: {where}: bookkeeping column {reserved[0]} is an Iceberg metadata column name "
                        f"(reserved: {', '.join(ICEBERG_RESERVED_COLUMNS)}); Spark cannot read such a table: name it "
                        "differently in the curation plan (e.g. _is_deleted)")
    keep_duplicates = raw.get("keepDuplicates", False)
    if not isinstance(keep_duplicates, bool):
        raise SpecError(f"job spec: {where}.keepDuplicates must be true or false, got {keep_duplicates!r}")
    sql = _require(raw, "sql", dict, where)
    maintenance = sql.get("maintenance", [])
    if not isinstance(maintenance, list) or not all(isinstance(s, str) and s.strip() for s in maintenance):
        raise SpecError(f"job spec: {where}.sql.maintenance must be a list of SQL statements")
    sql_where = f"{where}.sql"
    add_column = _require(sql, "addColumn", str, sql_where)
    widen_column = _require(sql, "widenColumn", str, sql_where)
    for key, template, placeholders in (("addColumn", add_column, ("{column}", "{type}")), ("widenColumn", widen_column, ("{column}", "{type}"))):
        missing = [p for p in placeholders if p not in template]
        if missing:
            raise SpecError(f"job spec: {sql_where}.{key} lacks the placeholder(s) {', '.join(missing)}")
    merge = _statement(sql, "merge", sql_where)
    if keep_duplicates != bool(COLUMNS_PLACEHOLDER.search(merge)):
        raise SpecError(f"job spec: {sql_where}.merge {'lacks' if keep_duplicates else 'holds'} {{columns:<alias>}} placeholders, and "
                        f"keepDuplicates is {str(keep_duplicates).lower()}; regenerate the spec with sparkJobSpec()")
    return TableSpec(
        name=name,
        database=database,
        table=table,
        source_schema=_require(source, "schema", str, f"{where}.source"),
        source_table=_require(source, "table", str, f"{where}.source"),
        mode=mode,
        deletes=deletes,
        primary_key=tuple(raw.get("primaryKey") or ()),
        nullable_key=bool(raw.get("nullableKey", False)),
        partition_by=tuple(raw.get("partitionBy") or ()),
        columns=parsed_columns,
        sql=TableSql(
            create_database=_statement(sql, "createDatabase", sql_where),
            create_table=_statement(sql, "createTable", sql_where),
            add_column=add_column,
            widen_column=widen_column,
            truncate=_statement(sql, "truncate", sql_where),
            merge=merge,
            maintenance=tuple(_strip(s) for s in maintenance),
        ),
        deleted_column=deleted_column,
        deleted_at_column=deleted_at_column,
        bookkeeping=parsed_bookkeeping,
        keep_duplicates=keep_duplicates,
    )


def _strip(statement: str) -> str:
    return statement.strip().rstrip(";").rstrip()


def _statement(sql: Dict[str, Any], key: str, where: str) -> str:
    return _strip(_require(sql, key, str, where))


def load_job_spec(text: str) -> JobSpec:
    """Parses and checks a version-2 job spec; raises :class:`SpecError` naming what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise SpecError(f"job spec is not valid JSON: {err.msg} at line {err.lineno}") from err
    if not isinstance(raw, dict):
        raise SpecError("job spec must be a JSON object with version, catalog, rawFormat and tables")
    if raw.get("version") != SPEC_VERSION:
        raise SpecError(f"job spec version {raw.get('version')!r} is not supported; expected {SPEC_VERSION} "
                        "(regenerate it with sparkJobSpec() of @cdc-lakehouse/curation)")
    catalog = raw.get("catalog", "glue_catalog")
    if not isinstance(catalog, str) or not catalog.isidentifier():
        raise SpecError(f"job spec: catalog must be a plain identifier, got {catalog!r}")
    tables = raw.get("tables")
    if not isinstance(tables, list) or not tables:
        raise SpecError("job spec needs a non-empty 'tables' list")
    views = raw.get("views", {"changes": "__curation_changes", "schema": "__curation_schema"})
    if views != {"changes": "__curation_changes", "schema": "__curation_schema"}:
        raise SpecError(f"job spec: views {views!r} differ from the ones this job creates (__curation_changes, __curation_schema); "
                        "update glue-scripts and the generator together")
    placeholders = raw.get("placeholders", PLACEHOLDERS)
    if placeholders != PLACEHOLDERS:
        raise SpecError(f"job spec: placeholders {placeholders!r} differ from the ones this job fills ({{column}}, {{type}}, {{columns:<alias>}})")
    raw_format = _raw_format(raw.get("rawFormat"))
    parsed = tuple(_table(t, n, raw_format) for n, t in enumerate(tables))
    names = [t.name for t in parsed]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SpecError(f"job spec names table(s) {', '.join(duplicates)} more than once")
    return JobSpec(catalog=catalog, raw_format=raw_format, tables=parsed)


def quote_identifier(name: str) -> str:
    """A backtick-quoted Spark identifier, backticks doubled."""
    return "`" + name.replace("`", "``") + "`"


def fill(template: str, column: str, spark_type: str) -> str:
    """Fills the ``{column}`` and ``{type}`` placeholders of addColumn / widenColumn."""
    return template.replace("{column}", quote_identifier(column)).replace("{type}", spark_type)


def fill_columns(statement: str, columns: Sequence[str]) -> str:
    """Replaces each ``{columns:<alias>}`` by the data columns, backtick-quoted and prefixed: ``n.`kind`, n.`qty```."""
    if not columns:
        raise SpecError("a merge that counts copies needs at least one data column")
    return COLUMNS_PLACEHOLDER.sub(lambda m: ", ".join(f"{m.group(1)}.{quote_identifier(c)}" for c in columns), statement)
