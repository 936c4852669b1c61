"""The curation job core: a SparkSession, a job spec and a raw-zone lister in; curated Iceberg tables out.

Per table: plan the raw files after the table's watermark (:mod:`raw_zone`), read only those files, create the
namespace and table if missing (CTAS from the typed, empty view ``__curation_schema``), evolve the table
(:mod:`schema`), expose the batch as ``__curation_changes`` and run the generated MERGE, whose Iceberg commit
records the watermark (:mod:`watermark`). A failing table does not stop the others. Nothing here is Glue-specific:
the Glue entry (``curate_table.py``) and the local CLI (``python -m lakehouse_curation``) both call :func:`run_job`.
"""

from __future__ import annotations

import os
import signal
import traceback
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Sequence, Tuple

from .errors import describe_error, one_line
from .freshness import FreshnessSink, newest_commit_timestamp
from .raw_zone import ApplyPlan, ChangeFile, FileLister, RawZoneError, list_table_files, plan_apply
from .schema import (RawColumn, RawFileSchema, SchemaChange, SchemaEvolutionError, evolve_schema, format_type, parse_type,
                     plan_type_of_spark, spark_sql_type)
from .spec import ICEBERG_RESERVED_COLUMNS, JobSpec, RawFormat, SpecError, TableSpec, fill, fill_columns, quote_identifier
from .watermark import WATERMARK_KEY, CommitProperties, Watermark, WatermarkError, current_snapshot_watermark, read_watermark, stamp_watermark

CHANGES_VIEW = "__curation_changes"
SCHEMA_VIEW = "__curation_schema"
FILE_ORDER = "_file_order"
ROW_IN_FILE = "_row_in_file"
KILL_ENV = "LAKEHOUSE_CURATION_KILL_AT"
STAGES = ("planned", "created", "evolved", "truncated", "merged", "maintained")
DEFAULT_MAX_FILES_PER_BATCH = 100


class CurationError(RuntimeError):
    """A table that could not be curated; the message names the table and the cause."""


@dataclass
class TableResult:
    table: str
    status: str  # 'ok' | 'failed'
    kind: Optional[str] = None
    files_applied: int = 0
    batches: int = 0
    schema_changes: List[str] = field(default_factory=list)
    error: Optional[str] = None

    def to_json(self) -> Dict:
        out = {"table": self.table, "status": self.status, "kind": self.kind, "filesApplied": self.files_applied,
               "batches": self.batches, "schemaChanges": self.schema_changes}
        if self.error is not None:
            out["error"] = self.error
        return out


StageHook = Callable[[str, str, int], None]


def kill_hook_from_env(environ=os.environ) -> Optional[StageHook]:
    """Test hook: ``LAKEHOUSE_CURATION_KILL_AT=<db.table>:<stage>[:<batch>]`` SIGKILLs this process at that stage."""
    target = environ.get(KILL_ENV)
    if not target:
        return None
    parts = target.rsplit(":", 2) if target.count(":") >= 2 else target.split(":")
    if len(parts) < 2 or parts[1] not in STAGES:
        raise SpecError(f"{KILL_ENV}={target!r}: expected <db.table>:<stage>[:<batch>] with a stage among {', '.join(STAGES)}")
    table, stage = parts[0], parts[1]
    batch = int(parts[2]) if len(parts) > 2 else 0

    def hook(at_table: str, at_stage: str, at_batch: int) -> None:
        if (at_table, at_stage, at_batch) == (table, stage, batch):
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


@dataclass(frozen=True)
class Batch:
    files: Tuple[ChangeFile, ...]
    rebuild: bool


def cut_batches(plan: ApplyPlan, max_files: int) -> List[Batch]:
    """The batches of a plan (as in the TypeScript runner): the load whole in the first batch of a rebuild."""
    size = max(1, max_files)
    batches: List[Batch] = []
    rest = list(plan.changes)
    if plan.rebuild:
        first = rest[: size if not plan.load else max(0, size - len(plan.load))]
        batches.append(Batch(tuple(plan.load) + tuple(first), True))
        rest = rest[len(first):]
    for i in range(0, len(rest), size):
        batches.append(Batch(tuple(rest[i:i + size]), False))
    return batches


def batch_watermark(batch: Batch, plan: ApplyPlan, previous: Optional[Watermark], newest_in_batch: Optional[str] = None) -> Watermark:
    """The watermark after ``batch``; its newest commit time is the newer of the batch's and (unless rebuilt) the previous one."""
    cdc = [f for f in batch.files if f.kind == "cdc"]
    if cdc:
        last_cdc = cdc[-1].order_key
    else:
        last_cdc = None if batch.rebuild or previous is None else previous.last_cdc_order_key
    applied_before = 0 if batch.rebuild or previous is None else previous.files_applied
    newest_before = None if batch.rebuild or previous is None else previous.newest_commit_timestamp
    return Watermark(plan.files.load_fingerprint, batch.files[-1].relative_path, last_cdc, applied_before + len(batch.files),
                     newest_commit_timestamp(newest_before, newest_in_batch))


class ParquetSchemas:
    """Reads raw files' schemas from their Parquet footers on the driver (no Spark job per file)."""

    def __init__(self, spark):
        self.spark = spark
        jvm = spark._jvm
        self._jvm = jvm
        self._hadoop_conf = spark._jsc.hadoopConfiguration()
        self._converter = jvm.org.apache.spark.sql.execution.datasources.parquet.ParquetToSparkSchemaConverter(
            spark._jsparkSession.sessionState().conf())
        self._cache: Dict[Tuple[str, int, int], object] = {}

    def schema(self, file: ChangeFile):
        from pyspark.sql.types import StructType

        key = (file.uri, file.size_bytes, file.modified_ms)
        if key not in self._cache:
            jvm = self._jvm
            path = jvm.org.apache.hadoop.fs.Path(file.uri)
            input_file = jvm.org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(path, self._hadoop_conf)
            reader = jvm.org.apache.parquet.hadoop.ParquetFileReader.open(input_file)
            try:
                message_type = reader.getFooter().getFileMetaData().getSchema()
            finally:
                reader.close()
            self._cache[key] = StructType.fromJson(__import__("json").loads(self._converter.convert(message_type).json()))
        return self._cache[key]

    def qualified(self, uri: str) -> str:
        """The path as Spark's ``_metadata.file_path`` spells it."""
        path = self._jvm.org.apache.hadoop.fs.Path(uri)
        return normalize_file_uri(path.getFileSystem(self._hadoop_conf).makeQualified(path).toUri().toString())


_SCHEME = r"^[A-Za-z][A-Za-z0-9+.-]*:/+"


def normalize_file_uri(uri: str) -> str:
    """``file:/x``, ``file:///x`` -> ``/x``; ``s3://b/k`` -> ``/b/k`` (Spark and Hadoop differ in the slashes)."""
    import re

    return re.sub(_SCHEME, "/", uri)


def _find(names: Sequence[str], wanted: str) -> Optional[str]:
    lower = wanted.lower()
    return next((n for n in names if n.lower() == lower), None)


class TableCurator:
    """Curates one table of a spec."""

    def __init__(self, spark, spec: JobSpec, table: TableSpec, lister: FileLister, schemas: ParquetSchemas,
                 commit: CommitProperties, max_files_per_batch: int, run_maintenance: bool, hook: Optional[StageHook]):
        self.spark, self.spec, self.t, self.lister = spark, spec, table, lister
        self.schemas, self.commit = schemas, commit
        self.max_files_per_batch, self.run_maintenance, self.hook = max_files_per_batch, run_maintenance, hook
        self.fmt: RawFormat = spec.raw_format
        self.qualified = f"{spec.catalog}.{quote_identifier(table.database)}.{quote_identifier(table.table)}"
        # the watermark the table's current snapshot carries, as far as this run knows (for the freshness metric)
        self.committed: Optional[Watermark] = None

    def stage(self, name: str, batch: int = 0) -> None:
        if self.hook is not None:
            self.hook(self.t.name, name, batch)

    # --- reading the curated table -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return bool(self.spark.catalog.tableExists(self.qualified))

    def bookkeeping_names(self) -> List[str]:
        return [name for name, _ in self.t.bookkeeping]

    def current_columns(self) -> List[Tuple[str, str]]:
        skip = {n.lower() for n in self.bookkeeping_names()}
        columns = []
        for f in self.spark.table(self.qualified).schema.fields:
            if f.name.lower() in skip:
                continue
            plan_type = plan_type_of_spark(f.dataType)
            if plan_type is None:
                raise CurationError(f"table {self.t.name}: column {f.name} has type {f.dataType.simpleString()}, which curation does not handle")
            columns.append((f.name, plan_type))
        return columns

    def declared_columns(self) -> List[Tuple[str, str]]:
        out = []
        for name, text in self.t.columns or ():
            parsed = parse_type(text)
            if parsed is None:
                raise SpecError(f"job spec: table {self.t.name}: column {name} has type {text!r}; use boolean, int, bigint, "
                                "float, double, decimal(p,s), string, binary, date or timestamp")
            out.append((name, format_type(parsed)))
        return out

    # --- raw files -----------------------------------------------------------------------------------------------
    def raw_schema(self, file: ChangeFile) -> RawFileSchema:
        struct = self.schemas.schema(file)
        names = [f.name for f in struct.fields]
        where = file.uri
        if _find(names, self.fmt.commit_timestamp_column) is None:
            raise RawZoneError("RAW_FILE_COLUMNS", f"{where}: no commit-timestamp column \"{self.fmt.commit_timestamp_column}\" (columns: {', '.join(names)}); "
                               "set rawFormat.commitTimestampColumn to the DMS timestampColumnName of this task")
        if file.kind == "cdc" and _find(names, self.fmt.op_column) is None:
            raise RawZoneError("RAW_FILE_COLUMNS", f"{where}: CDC file without op column \"{self.fmt.op_column}\" (columns: {', '.join(names)}); set rawFormat.opColumn")
        if file.kind == "cdc" and self.fmt.change_sequence_column is not None and _find(names, self.fmt.change_sequence_column) is None:
            raise RawZoneError("RAW_FILE_COLUMNS", f"{where}: CDC file without change-sequence column \"{self.fmt.change_sequence_column}\"; add the "
                               "$AR_H_CHANGE_SEQ transformation to the DMS table mapping, or set rawFormat.changeSequenceColumn to null")
        skip = {n.lower() for n in self.fmt.bookkeeping_columns}
        reserved = [n for n in names if n.lower() in ICEBERG_RESERVED_COLUMNS and n.lower() not in skip]
        if reserved:
            raise RawZoneError("RAW_FILE_COLUMNS", f"{where}: column \"{reserved[0]}\" is an Iceberg metadata column name (reserved: "
                               f"{', '.join(ICEBERG_RESERVED_COLUMNS)}); Spark cannot read a curated table with it: rename it in "
                               "the DMS table mapping (a rename-column transformation rule)")
        columns = tuple(RawColumn(f.name, plan_type_of_spark(f.dataType), f.dataType.simpleString())
                        for f in struct.fields if f.name.lower() not in skip)
        return RawFileSchema(file.uri, columns)

    def changes_frame(self, files: Sequence[ChangeFile], columns: Sequence[Tuple[str, str]]):
        """``__curation_changes`` for a batch: the contract's columns, cast to the table's types, with file and row order."""
        from pyspark.sql import functions as F

        groups: Dict[str, Tuple[object, List[ChangeFile]]] = {}
        for file in files:
            struct = self.schemas.schema(file)
            groups.setdefault(struct.json(), (struct, []))[1].append(file)
        order = {}
        for position, file in enumerate(files, start=1):
            order[self.schemas.qualified(file.uri)] = position
        order_map = F.create_map(*[x for path, n in order.items() for x in (F.lit(path), F.lit(n))])
        frames = []
        for struct, group in groups.values():
            names = [f.name for f in struct.fields]
            df = self.spark.read.schema(struct).parquet(*[f.uri for f in group])

            def pick(name: str, sql_type: str):
                raw = _find(names, name)
                value = F.lit(None) if raw is None else F.col(quote_identifier(raw))
                return value.cast(sql_type)

            projection = [F.coalesce(pick(self.fmt.op_column, "STRING"), F.lit(self.fmt.op_insert)).alias(self.fmt.op_column)]
            projection += [pick(name, spark_sql_type(plan_type)).alias(name) for name, plan_type in columns]
            projection.append(pick(self.fmt.commit_timestamp_column, "STRING").alias(self.fmt.commit_timestamp_column))
            if self.fmt.change_sequence_column is not None:
                projection.append(F.coalesce(pick(self.fmt.change_sequence_column, "STRING"), F.lit(""))
                                  .alias(self.fmt.change_sequence_column))
            file_path = F.regexp_replace(F.col("_metadata.file_path"), _SCHEME, "/")
            projection.append(F.coalesce(F.element_at(order_map, file_path).cast("INT"),
                                         F.raise_error(F.concat(F.lit("raw file not in the batch: "), file_path)).cast("INT"))
                              .alias(FILE_ORDER))
            projection.append(F.col("_metadata.row_index").cast("BIGINT").alias(ROW_IN_FILE))
            frames.append(df.select(*projection))
        result = frames[0]
        for frame in frames[1:]:
            result = result.unionByName(frame)
        return result

    def schema_view(self, columns: Sequence[Tuple[str, str]]) -> None:
        items = [(name, spark_sql_type(t)) for name, t in columns] + list(self.t.bookkeeping)
        select = ", ".join(f"CAST(NULL AS {sql_type}) AS {quote_identifier(name)}" for name, sql_type in items)
        self.spark.sql(f"SELECT {select} LIMIT 0").createOrReplaceTempView(SCHEMA_VIEW)

    # --- the run ---------------------------------------------------------------------------------------------------
    def commit_with_watermark(self, statement: str, watermark: Optional[Watermark], what: str) -> None:
        value = "null" if watermark is None else watermark.to_json()
        self.commit.run(self.spark, statement, {WATERMARK_KEY: value})
        recorded = current_snapshot_watermark(self.spark, self.qualified)
        if recorded != value:
            raise WatermarkError(f"table {self.t.name}: the {what} commit did not record the watermark in its snapshot summary "
                                 f"(found {recorded!r}); the Iceberg runtime must honour CommitMetadata commit properties (1.7.x)")

    def create(self, columns: Sequence[Tuple[str, str]]) -> None:
        """The generated CTAS from ``__curation_schema``: ``columns``, then the bookkeeping columns."""
        self.schema_view(columns)
        try:
            self.spark.sql(self.t.sql.create_table)
        finally:
            self.spark.catalog.dropTempView(SCHEMA_VIEW)
        self.stage("created")

    def run(self) -> TableResult:
        exists = self.exists()
        before = read_watermark(self.spark, self.qualified) if exists else None
        self.committed = before
        where = self.lister.describe(self.t.raw_folder)
        files = list_table_files(self.lister, self.t.raw_folder, self.fmt)
        plan = plan_apply(files, before, where)
        self.stage("planned")
        result = TableResult(self.t.name, "ok", plan.kind)
        if plan.kind == "up-to-date":
            if not exists and self.t.columns:
                # no raw file yet, but the columns are declared: the table exists (empty) from the first run, as
                # the TypeScript runner creates it, so readers find an empty table for an empty source table
                self.spark.sql(self.t.sql.create_database)
                self.create(self.declared_columns())
            return result
        all_files = list(plan.load) + list(plan.changes)
        schemas = {f.uri: self.raw_schema(f) for f in all_files}
        start_columns = self.current_columns() if exists else self.declared_columns()
        # every file is checked up front: an incompatible change stops the run before anything is written
        evolve_schema(self.t.name, start_columns, [schemas[f.uri] for f in all_files])

        self.spark.sql(self.t.sql.create_database)
        if not exists:
            first_batch = cut_batches(plan, self.max_files_per_batch)[0]
            created_columns, _ = evolve_schema(self.t.name, start_columns, [schemas[f.uri] for f in first_batch.files])
            self.create(created_columns)
        elif plan.rebuild:
            self.commit_with_watermark(self.t.sql.truncate, None, "truncate")
            self.committed = None
            self.stage("truncated")

        watermark = None if plan.rebuild else before
        for index, batch in enumerate(cut_batches(plan, self.max_files_per_batch)):
            current = self.current_columns()
            columns, changes = evolve_schema(self.t.name, current, [schemas[f.uri] for f in batch.files])
            for change in changes:
                template = self.t.sql.add_column if change.kind == "add" else self.t.sql.widen_column
                self.spark.sql(fill(template, change.column, spark_sql_type(change.type)))
                result.schema_changes.append(change.describe())
            self.stage("evolved", index)
            changes = self.changes_frame(batch.files, columns)
            next_watermark = batch_watermark(batch, plan, watermark, self.newest_commit_timestamp(changes))
            changes.createOrReplaceTempView(CHANGES_VIEW)
            merge = fill_columns(self.t.sql.merge, [name for name, _ in columns]) if self.t.keep_duplicates else self.t.sql.merge
            try:
                self.commit_with_watermark(merge, next_watermark, "merge")
            finally:
                self.spark.catalog.dropTempView(CHANGES_VIEW)
            self.committed = next_watermark
            self.stage("merged", index)
            watermark = next_watermark
            result.batches += 1
            result.files_applied += len(batch.files)
        if self.run_maintenance:
            self.maintain(watermark)
        return result

    def newest_commit_timestamp(self, changes) -> Optional[str]:
        """The batch's newest commit time (max of the commit-timestamp column, 'yyyy-MM-dd HH:mm:ss.ffffff' in UTC)."""
        from pyspark.sql import functions as F

        value = changes.agg(F.max(F.col(quote_identifier(self.fmt.commit_timestamp_column)))).first()[0]
        return None if value is None else str(value)

    def maintain(self, watermark: Optional[Watermark]) -> None:
        props = {} if watermark is None else {WATERMARK_KEY: watermark.to_json()}
        for statement in self.t.sql.maintenance:
            try:
                self.commit.run(self.spark, statement, props)
            except Exception as err:
                raise CurationError(f"table {self.t.name}: maintenance failed after the changes were committed "
                                    f"(the next run repeats it): {describe_error(err)}; statement: {statement[:200]}") from err
            if watermark is not None and current_snapshot_watermark(self.spark, self.qualified) != watermark.to_json():
                # compaction commits carry no watermark, and a later snapshot expiry could drop the one that does:
                # restate it on top before the next statement, so the current snapshot always carries it
                stamp_watermark(self.spark, self.qualified, watermark)
        self.stage("maintained")


def first_line(err: BaseException) -> str:
    return one_line(str(err)) or type(err).__name__


def configure_session(spark) -> None:
    """Session settings the core relies on: UTC wall-clock timestamps (DMS writes UTC)."""
    spark.conf.set("spark.sql.session.timeZone", "UTC")


def run_job(spark, spec: JobSpec, lister: FileLister, tables: Optional[Sequence[str]] = None,
            max_files_per_batch: int = DEFAULT_MAX_FILES_PER_BATCH, run_maintenance: bool = True,
            hook: Optional[StageHook] = None, on_result: Optional[Callable[[TableResult], None]] = None,
            freshness: Optional[FreshnessSink] = None) -> List[TableResult]:
    """Curates the spec's tables (or those named); each table's failure is caught, reported and the next one runs.

    After each table, ``freshness`` (if any) gets the newest commit time its current snapshot's watermark records,
    failed tables included (what was committed before the failure); it is flushed at the end.
    """
    configure_session(spark)
    selected = spec.select(tables)
    schemas = ParquetSchemas(spark)
    commit = CommitProperties(spark)
    hook = hook or kill_hook_from_env()
    results = []
    try:
        for table in selected:
            curator = TableCurator(spark, spec, table, lister, schemas, commit, max_files_per_batch, run_maintenance, hook)
            try:
                result = curator.run()
            except (RawZoneError, SchemaEvolutionError, CurationError, WatermarkError, SpecError) as err:
                message = first_line(err)
                result = TableResult(table.name, "failed", error=message if f"table {table.name}" in message else f"table {table.name}: {message}")
            except Exception as err:  # Spark/Iceberg errors: reported per table (the innermost Java cause), the other tables still run
                traceback.print_exc()
                result = TableResult(table.name, "failed", error=f"table {table.name}: {describe_error(err)}")
            results.append(result)
            if freshness is not None and curator.committed is not None:
                freshness.record(table.name, curator.committed.newest_commit_timestamp)
            if on_result is not None:
                on_result(result)
    finally:
        if freshness is not None:
            freshness.flush()
    return results


def failure_summary(results: Sequence[TableResult]) -> Optional[str]:
    failed = [r for r in results if r.status != "ok"]
    if not failed:
        return None
    return f"{len(failed)} of {len(results)} table(s) failed: " + "; ".join(r.error or r.table for r in failed)
