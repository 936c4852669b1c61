"""Schema evolution of a curated table, from the raw files' own Parquet schemas.

The rules of ``packages/curation/src/local/schema-evolution.ts``: new columns are added (nullable, at the end),
int→bigint, float→double and decimal precision increases (same scale) are applied, anything else raises
:class:`SchemaEvolutionError` before anything is written. Column names match case-insensitively.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Sequence, Tuple

SIMPLE_TYPES = ("boolean", "int", "bigint", "float", "double", "string", "binary", "date", "timestamp")
_DECIMAL = re.compile(r"^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$")
MAX_DECIMAL_PRECISION = 38


class SchemaEvolutionError(RuntimeError):
    """A raw column whose type the curated table cannot follow automatically."""

    def __init__(self, table: str, column: str, old_type: str, new_type: str, file: str):
        self.table, self.column, self.old_type, self.new_type, self.file = table, column, old_type, new_type, file
        super().__init__(f"table {table}: column \"{column}\" changed type from {old_type} to {new_type} in raw file {file}; "
                         "only int→bigint, float→double and decimal precision increases are applied automatically. "
                         "Migrate the curated table by hand (or reload it), then run again; nothing was applied")


def parse_type(text: str) -> Optional[Tuple[str, int, int]]:
    """``(kind, precision, scale)`` of a plan column type (precision/scale 0 unless decimal); None if unsupported."""
    normalized = text.strip().lower()
    if normalized in SIMPLE_TYPES:
        return normalized, 0, 0
    match = _DECIMAL.match(normalized)
    if match:
        precision, scale = int(match.group(1)), int(match.group(2))
        if 1 <= precision <= MAX_DECIMAL_PRECISION and scale <= precision:
            return "decimal", precision, scale
    return None


def format_type(parsed: Tuple[str, int, int]) -> str:
    kind, precision, scale = parsed
    return f"decimal({precision},{scale})" if kind == "decimal" else kind


def is_widening_or_same(source: Tuple[str, int, int], target: Tuple[str, int, int]) -> bool:
    """Whether values of ``source`` fit a column of ``target`` without loss."""
    if source[0] == "decimal" or target[0] == "decimal":
        return source[0] == "decimal" and target[0] == "decimal" and source[2] == target[2] and target[1] >= source[1]
    if source[0] == target[0]:
        return True
    return (source[0], target[0]) in (("int", "bigint"), ("float", "double"))


def spark_sql_type(plan_type: str) -> str:
    """Spark DDL for a plan type (timestamps are TIMESTAMP_NTZ: Iceberg ``timestamp``, as Athena creates)."""
    parsed = parse_type(plan_type)
    if parsed is None:
        raise ValueError(f"{plan_type!r} is not a column type; use boolean, int, bigint, float, double, decimal(p,s), string, binary, date or timestamp")
    kind, precision, scale = parsed
    if kind == "decimal":
        return f"DECIMAL({precision},{scale})"
    return "TIMESTAMP_NTZ" if kind == "timestamp" else kind.upper()


def plan_type_of_spark(data_type) -> Optional[str]:
    """The plan type of a Spark DataType (from a Parquet footer or an Iceberg table); None when unsupported."""
    name = type(data_type).__name__
    simple = {
        "BooleanType": "boolean", "ByteType": "int", "ShortType": "int", "IntegerType": "int", "LongType": "bigint",
        "FloatType": "float", "DoubleType": "double", "StringType": "string", "VarcharType": "string", "CharType": "string",
        "BinaryType": "binary", "DateType": "date", "TimestampType": "timestamp", "TimestampNTZType": "timestamp",
    }
    if name in simple:
        return simple[name]
    if name == "DecimalType":
        return f"decimal({data_type.precision},{data_type.scale})"
    return None


@dataclass(frozen=True)
class RawColumn:
    name: str
    plan_type: Optional[str]  # None: a type the curated table cannot hold
    engine_type: str  # Spark's name for it, for messages


@dataclass(frozen=True)
class RawFileSchema:
    file: str
    columns: Tuple[RawColumn, ...]  # data columns only (bookkeeping columns removed)


@dataclass(frozen=True)
class SchemaChange:
    kind: str  # 'add' | 'widen'
    column: str
    type: str
    from_type: Optional[str] = None

    def describe(self) -> str:
        return f"add {self.column} {self.type}" if self.kind == "add" else f"widen {self.column} {self.from_type}->{self.type}"


def evolve_schema(table: str, current: Sequence[Tuple[str, str]], files: Sequence[RawFileSchema]) -> Tuple[List[Tuple[str, str]], List[SchemaChange]]:
    """The table's data columns after the files, and the changes that get there (raises SchemaEvolutionError)."""
    columns = list(current)
    for file in files:
        for raw in file.columns:
            index = next((i for i, (name, _) in enumerate(columns) if name.lower() == raw.name.lower()), None)
            existing = None if index is None else columns[index]
            if raw.plan_type is None:
                raise SchemaEvolutionError(table, raw.name, existing[1] if existing else "(new column)", raw.engine_type, file.file)
            if existing is None:
                columns.append((raw.name, raw.plan_type))
                continue
            old, new = parse_type(existing[1]), parse_type(raw.plan_type)
            if old is None:
                raise SchemaEvolutionError(table, existing[0], existing[1], raw.plan_type, file.file)
            if is_widening_or_same(new, old):
                continue  # the curated column already holds these values
            if not is_widening_or_same(old, new):
                raise SchemaEvolutionError(table, existing[0], existing[1], raw.plan_type, file.file)
            columns[index] = (existing[0], format_type(new))
    changes: List[SchemaChange] = []
    before = dict(current)
    for name, column_type in columns:
        if name not in before:
            changes.append(SchemaChange("add", name, column_type))
        elif before[name] != column_type:
            changes.append(SchemaChange("widen", name, column_type, before[name]))
    return columns, changes
