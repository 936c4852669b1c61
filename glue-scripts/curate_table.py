"""AWS Glue entry point: apply one curated table's generated Spark SQL to its Iceberg table.

Thin on purpose. The SQL (CREATE TABLE, the dedup + MERGE, maintenance) is generated and tested by the
TypeScript package @cdc-lakehouse/curation; this script only wires a Glue Spark session to the Glue
Data Catalog as an Iceberg catalog and runs the statements of a job spec in order.

Job parameters (Glue passes them as ``--name value``):
  --job_spec_uri     s3:// URI of the job spec JSON (see ``load_job_spec``)
  --warehouse        s3:// URI of the Iceberg warehouse
  --catalog          Spark catalog name bound to the Glue Data Catalog (default ``glue_catalog``)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from typing import Dict, List, Sequence

ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
REQUIRED_ARGS = ("job_spec_uri", "warehouse")
SPEC_VERSION = 1


class JobSpecError(ValueError):
    """A job spec or job parameter that cannot be run; the message says what to fix."""


@dataclass(frozen=True)
class JobSpec:
    """What one run does: the curated table and the Spark SQL statements to run, in order."""

    table: str
    statements: List[str]


def iceberg_spark_conf(warehouse: str, catalog: str = "glue_catalog") -> Dict[str, str]:
    """Spark settings that make ``catalog`` an Iceberg catalog backed by the Glue Data Catalog."""
    if not warehouse.startswith("s3://"):
        raise JobSpecError(f"--warehouse must be an s3:// URI, got {warehouse!r}")
    if not catalog.isidentifier():
        raise JobSpecError(f"--catalog must be a plain identifier, got {catalog!r}")
    prefix = f"spark.sql.catalog.{catalog}"
    return {
        "spark.sql.extensions": ICEBERG_EXTENSIONS,
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
        f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        f"{prefix}.warehouse": warehouse,
    }


def parse_job_args(argv: Sequence[str]) -> Dict[str, str]:
    """Reads ``--name value`` pairs the way Glue passes job parameters; checks the required ones."""
    args: Dict[str, str] = {}
    i = 0
    while i < len(argv):
        token = argv[i]
        if token.startswith("--") and i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            args[token[2:]] = argv[i + 1]
            i += 2
        else:
            i += 1
    missing = [name for name in REQUIRED_ARGS if name not in args]
    if missing:
        raise JobSpecError("missing job parameter(s): " + ", ".join("--" + m for m in missing))
    return args


def load_job_spec(text: str) -> JobSpec:
    """Parses and checks a job spec: ``{"version": 1, "table": "db.t", "statements": ["…", …]}``."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as err:
        raise JobSpecError(f"job spec is not valid JSON: {err.msg} at line {err.lineno}") from err
    if not isinstance(raw, dict):
        raise JobSpecError("job spec must be a JSON object with version, table and statements")
    if raw.get("version") != SPEC_VERSION:
        raise JobSpecError(f"job spec version {raw.get('version')!r} is not supported; expected {SPEC_VERSION}")
    table = raw.get("table")
    if not isinstance(table, str) or not table:
        raise JobSpecError("job spec needs a non-empty 'table' (e.g. \"curated.orders\")")
    statements = raw.get("statements")
    if not isinstance(statements, list) or not statements:
        raise JobSpecError(f"job spec for {table} needs a non-empty 'statements' list")
    for n, stmt in enumerate(statements):
        if not isinstance(stmt, str) or not stmt.strip():
            raise JobSpecError(f"job spec for {table}: statement {n} is empty or not a string")
    return JobSpec(table=table, statements=[s.strip().rstrip(";") for s in statements])


def split_s3_uri(uri: str) -> tuple:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise JobSpecError(f"expected an s3://bucket/key URI, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def main(argv: Sequence[str]) -> None:  # pragma: no cover - needs a Glue runtime
    # Imported here: the Glue runtime provides these; the pure functions above are tested without them.
    import boto3
    from awsglue.context import GlueContext
    from pyspark.conf import SparkConf
    from pyspark.context import SparkContext

    args = parse_job_args(argv)
    bucket, key = split_s3_uri(args["job_spec_uri"])
    spec = load_job_spec(boto3.client("s3").get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
    conf = SparkConf()
    for name, value in iceberg_spark_conf(args["warehouse"], args.get("catalog", "glue_catalog")).items():
        conf.set(name, value)
    spark = GlueContext(SparkContext.getOrCreate(conf=conf)).spark_session
    for n, statement in enumerate(spec.statements):
        print(f"{spec.table}: statement {n + 1}/{len(spec.statements)}", flush=True)
        spark.sql(statement)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
