"""Local CLI of the curation core (what ``lakehouse local curate --engine spark`` runs).

  python -m lakehouse_curation curate --spec FILE --raw DIR --warehouse DIR [--tables db.t,...]
                                      [--max-files-per-batch N] [--no-maintenance]
      one JSON object per table and line: {"table","status","kind","filesApplied","batches","schemaChanges","error"?}
  python -m lakehouse_curation query --warehouse DIR [--format json|csv|table] "SQL"
  python -m lakehouse_curation export --warehouse DIR --table db.t --out DIR
      the table's current rows as Parquet files in DIR (replaced)
  python -m lakehouse_curation export --warehouse DIR --tables db.t,db.u --out DIR
      one folder per table, DIR/<db>.<t>/ (each replaced; the rest of DIR is left alone), in one Spark session;
      one JSON object per table and line: {"table","status":"ok"|"failed","out"?,"error"?}

Exit status: 0 all ok, 1 some table failed (or the query failed, or a table to export is missing), 2 bad usage
(one line on stderr).
The warehouse is an Iceberg HadoopCatalog named ``glue_catalog``, so the SQL generated for Glue runs unchanged;
in queries ``db.t`` means ``glue_catalog.db.t``.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import decimal
import json
import os
import sys
from typing import List, Optional, Sequence

from .errors import describe_error
from .job import DEFAULT_MAX_FILES_PER_BATCH, run_job
from .raw_zone import LocalDirectoryLister
from .spec import SpecError, load_job_spec

CATALOG = "glue_catalog"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m lakehouse_curation", description="Curate DMS raw files into Iceberg tables with local Spark")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    curate = sub.add_parser("curate", help="apply the raw files after each table's watermark")
    curate.add_argument("--spec", required=True, help="job spec JSON (version 3)")
    curate.add_argument("--raw", required=True, help="raw zone root (the DMS target folder)")
    curate.add_argument("--warehouse", required=True, help="Iceberg warehouse directory")
    curate.add_argument("--tables", default="", help="comma-separated db.table names (default: all)")
    curate.add_argument("--max-files-per-batch", type=int, default=DEFAULT_MAX_FILES_PER_BATCH)
    curate.add_argument("--no-maintenance", action="store_true", help="skip compaction and snapshot expiry")
    query = sub.add_parser("query", help="run one SQL statement and print its rows")
    query.add_argument("--warehouse", required=True)
    query.add_argument("--format", choices=("json", "csv", "table", "rows"), default="json",
                       help="rows: a first line {\"columns\": [{name, type}]} then one JSON array per row (what the local CLI reads)")
    query.add_argument("sql")
    export = sub.add_parser("export", help="write tables' current rows as Parquet files")
    export.add_argument("--warehouse", required=True)
    which = export.add_mutually_exclusive_group(required=True)
    which.add_argument("--table", help="db.table: its Parquet files go straight into --out")
    which.add_argument("--tables", help="comma-separated db.table names: each into --out/<db>.<table>/")
    export.add_argument("--out", required=True, help="output directory (--table: replaced; --tables: each table's folder replaced)")
    return parser


def _json_value(value):
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat(sep=" ") if isinstance(value, datetime.datetime) else value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    return value


def _print_rows(df, fmt: str, out=sys.stdout) -> None:
    """Prints a result; every format but ``table`` (which needs every width first) streams it a partition at a time."""
    names = df.columns
    if fmt == "rows":
        columns = [{"name": f.name, "type": f.dataType.simpleString()} for f in df.schema.fields]
        out.write(json.dumps({"columns": columns}) + "\n")
        for row in df.toLocalIterator():
            out.write(json.dumps([_json_value(v) for v in row], default=_json_value) + "\n")
        return
    rows = df.collect() if fmt == "table" else df.toLocalIterator()
    if fmt == "json":
        for row in rows:
            out.write(json.dumps({n: _json_value(row[i]) for i, n in enumerate(names)}) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(names)
        for row in rows:
            writer.writerow(["" if v is None else _json_value(v) for v in row])
    else:
        cells = [[str(n) for n in names]] + [["NULL" if v is None else str(_json_value(v)) for v in row] for row in rows]
        widths = [max(len(r[i]) for r in cells) for i in range(len(names))]
        for n, row in enumerate(cells):
            out.write(" | ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() + "\n")
            if n == 0:
                out.write("-+-".join("-" * w for w in widths) + "\n")


def _export_names(args) -> List[str]:
    """The tables to export (``db.t``), checked, in the order given, each once."""
    option, value = ("--table", args.table) if args.table is not None else ("--tables", args.tables)
    names = [n.strip() for n in value.split(",") if n.strip()] if option == "--tables" else [value]
    if not names:
        raise UsageError(f"{option} {value!r}: expected db.table[,db.table...]")
    for name in names:
        database, _, table = name.partition(".")
        if not database or not table or "." in table:
            raise UsageError(f"{option}: {name!r} is not db.table")
    return list(dict.fromkeys(names))


def export_tables(spark, warehouse: str, names: Sequence[str], out: str, per_table_folders: bool, emit=None) -> bool:
    """Writes each table's current rows as Parquet: into ``out`` itself (one table), or ``out/<db>.<t>/``.

    Every table is attempted; a missing or failing one is reported (``emit`` gets one JSON-ready dict per table)
    and the others are still written. True when every table was written.
    """
    all_ok = True
    for name in names:
        database, table = name.split(".")
        target = os.path.join(os.path.abspath(out), name) if per_table_folders else os.path.abspath(out)
        qualified = f"{CATALOG}.`{database}`.`{table}`"
        if not spark.catalog.tableExists(qualified):
            report = {"table": name, "status": "failed", "error": f"table {name} does not exist in {warehouse}"}
        else:
            try:
                spark.table(qualified).write.mode("overwrite").parquet(target)
                report = {"table": name, "status": "ok", "out": target}
            except Exception as err:  # a JVM failure: reported for this table (its Java cause), the others still run
                report = {"table": name, "status": "failed", "error": f"table {name}: export failed: {describe_error(err)}"}
        if report["status"] != "ok":
            all_ok = False
            sys.stderr.write(f"lakehouse_curation: {report['error']}\n")
        if emit is not None:
            emit(report)
    return all_ok


def _session(warehouse: str):
    from .local_session import local_session

    spark = local_session(warehouse, CATALOG)
    spark.catalog.setCurrentCatalog(CATALOG)  # `db.t` resolves to glue_catalog.db.t
    return spark


def main(argv: Optional[Sequence[str]] = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "curate":
            if not os.path.isfile(args.spec):
                raise UsageError(f"--spec {args.spec}: no such file")
            if not os.path.isdir(args.raw):
                raise UsageError(f"--raw {args.raw}: no such directory")
            if args.max_files_per_batch < 1:
                raise UsageError("--max-files-per-batch must be at least 1")
            with open(args.spec, encoding="utf-8") as f:
                spec = load_job_spec(f.read())
            if spec.catalog != CATALOG:
                raise UsageError(f"the spec's catalog is {spec.catalog!r}; the local warehouse is catalog {CATALOG!r}: regenerate the spec with catalog {CATALOG}")
            tables = [t for t in args.tables.split(",") if t.strip()]
            spec.select(tables)  # unknown names are a usage error, before Spark starts
        elif args.command == "export":
            args.export_tables = _export_names(args)
    except (UsageError, SpecError) as err:
        sys.stderr.write(f"lakehouse_curation: {err}\n")
        return 2
    except OSError as err:
        sys.stderr.write(f"lakehouse_curation: {err}\n")
        return 2

    os.makedirs(args.warehouse, exist_ok=True)
    from pyspark.sql import SparkSession

    embedded = SparkSession.getActiveSession() is not None  # called from a process that owns a session (tests)
    spark = _session(args.warehouse)
    try:
        if args.command == "curate":
            def emit(result):
                sys.stdout.write(json.dumps(result.to_json()) + "\n")
                sys.stdout.flush()

            results = run_job(spark, spec, LocalDirectoryLister(args.raw), tables, args.max_files_per_batch,
                              run_maintenance=not args.no_maintenance, on_result=emit)
            for result in results:
                if result.status != "ok":
                    sys.stderr.write(f"lakehouse_curation: {result.error}\n")
            return 0 if all(r.status == "ok" for r in results) else 1
        if args.command == "query":
            try:
                _print_rows(spark.sql(args.sql), args.format)
            except Exception as err:  # AnalysisException, ParseException, a failed Spark job: one line (the Java cause), exit 1
                sys.stderr.write(f"lakehouse_curation: query failed: {describe_error(err)}\n")
                return 1
            return 0
        per_table = args.tables is not None

        def emit_export(report):
            sys.stdout.write(json.dumps(report) + "\n")
            sys.stdout.flush()

        ok = export_tables(spark, args.warehouse, args.export_tables, args.out, per_table, emit_export if per_table else None)
        return 0 if ok else 1
    finally:
        if not embedded:
            spark.stop()


if __name__ == "__main__":
    sys.exit(main())
