"""Local CLI of the curation core (what ``lakehouse local curate --engine spark`` runs).

  python -m lakehouse_curation curate --spec FILE --raw DIR --warehouse DIR [--tables db.t,...]
                                      [--max-files-per-batch N] [--no-maintenance]
      one JSON object per table and line: {"table","status","kind","filesApplied","batches","schemaChanges","error"?}
  python -m lakehouse_curation query --warehouse DIR [--format json|csv|table] "SQL"
  python -m lakehouse_curation export --warehouse DIR --table db.t --out DIR

Exit status: 0 all ok, 1 some table failed (or the query failed), 2 bad usage (one line on stderr).
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
    curate.add_argument("--spec", required=True, help="job spec JSON (version 2)")
    curate.add_argument("--raw", required=True, help="raw zone root (the DMS target folder)")
    curate.add_argument("--warehouse", required=True, help="Iceberg warehouse directory")
    curate.add_argument("--tables", default="", help="comma-separated db.table names (default: all)")
    curate.add_argument("--max-files-per-batch", type=int, default=DEFAULT_MAX_FILES_PER_BATCH)
    curate.add_argument("--no-maintenance", action="store_true", help="skip compaction and snapshot expiry")
    query = sub.add_parser("query", help="run one SQL statement and print its rows")
    query.add_argument("--warehouse", required=True)
    query.add_argument("--format", choices=("json", "csv", "table"), default="json")
    query.add_argument("sql")
    export = sub.add_parser("export", help="write a table's current rows as Parquet files")
    export.add_argument("--warehouse", required=True)
    export.add_argument("--table", required=True, help="db.table")
    export.add_argument("--out", required=True, help="output directory (replaced)")
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
    names = df.columns
    rows = df.collect()
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
        elif args.command == "export" and args.table.count(".") != 1:
            raise UsageError(f"--table {args.table!r}: expected db.table")
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
            except Exception as err:  # AnalysisException, ParseException: one line, exit 1
                sys.stderr.write(f"lakehouse_curation: query failed: {str(err).strip().splitlines()[0]}\n")
                return 1
            return 0
        database, table = args.table.split(".")
        name = f"{CATALOG}.`{database}`.`{table}`"
        if not spark.catalog.tableExists(name):
            sys.stderr.write(f"lakehouse_curation: table {args.table} does not exist in {args.warehouse}\n")
            return 1
        spark.table(name).write.mode("overwrite").parquet(os.path.abspath(args.out))
        return 0
    finally:
        if not embedded:
            spark.stop()


if __name__ == "__main__":
    sys.exit(main())
