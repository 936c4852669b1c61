"""AWS Glue 5.0 entry point: curate a source database's tables from its DMS raw zone into Iceberg.

Thin on purpose: Glue arguments, GlueContext -> SparkSession, an S3 lister over the raw root, then the job core
(``lakehouse_curation.job.run_job``), which runs locally unchanged (``python -m lakehouse_curation``). The
``lakehouse_curation`` package (glue-scripts/src) reaches Glue through ``--extra-py-files``.

Job parameters (Glue passes them as ``--name value``):
  --job_spec_uri     s3:// URI of the job spec JSON (version 3, written by sparkJobSpec() of @cdc-lakehouse/curation)
  --raw_root         s3:// URI of the source's DMS target folder (<raw_root>/<schema>/<table>/...)
  --warehouse        s3:// URI of the Iceberg warehouse
  --catalog          Spark catalog the spec's SQL names (default glue_catalog; must equal the spec's catalog)
  --tables           optional comma-separated db.table names (default: every table of the spec)
  --max_files_per_batch  optional, raw files per MERGE (default 100)
  --maintenance      optional true|false: compaction and snapshot expiry after a table's changes (default true)
  --freshness_source optional source name: publish each table's FreshnessSeconds (namespace CdcLakehouse/Curation,
                     dimensions Source=<this>, Table=<db.table>) with PutMetricData; absent: publish nothing
The run fails (non-zero exit) when any table failed, naming each failed table and its cause.
"""

from __future__ import annotations

import json
import sys
from typing import Callable, Dict, Optional, Sequence

ICEBERG_EXTENSIONS = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
REQUIRED_ARGS = ("job_spec_uri", "raw_root", "warehouse")


class JobArgumentError(ValueError):
    """A job parameter that cannot be used; the message says what to fix."""


def iceberg_spark_conf(warehouse: str, catalog: str = "glue_catalog") -> Dict[str, str]:
    """Spark settings that make ``catalog`` an Iceberg catalog backed by the Glue Data Catalog."""
    if not warehouse.startswith("s3://"):
        raise JobArgumentError(f"--warehouse must be an s3:// URI, got {warehouse!r}")
    if not catalog.isidentifier():
        raise JobArgumentError(f"--catalog must be a plain identifier, got {catalog!r}")
    prefix = f"spark.sql.catalog.{catalog}"
    return {
        "spark.sql.extensions": ICEBERG_EXTENSIONS,
        prefix: "org.apache.iceberg.spark.SparkCatalog",
        f"{prefix}.catalog-impl": "org.apache.iceberg.aws.glue.GlueCatalog",
        f"{prefix}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
        f"{prefix}.warehouse": warehouse,
        "spark.sql.session.timeZone": "UTC",
    }


def parse_job_args(argv: Sequence[str]) -> Dict[str, str]:
    """Reads ``--name value`` pairs the way Glue passes job parameters; checks the required and optional ones."""
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
        raise JobArgumentError("missing job parameter(s): " + ", ".join("--" + m for m in missing))
    for name in ("job_spec_uri", "raw_root", "warehouse"):
        if not args[name].startswith("s3://"):
            raise JobArgumentError(f"--{name} must be an s3:// URI, got {args[name]!r}")
    batch = args.get("max_files_per_batch", "100")
    if not batch.isdigit() or int(batch) < 1:
        raise JobArgumentError(f"--max_files_per_batch must be a positive integer, got {batch!r}")
    if args.get("maintenance", "true").lower() not in ("true", "false"):
        raise JobArgumentError(f"--maintenance must be true or false, got {args['maintenance']!r}")
    if "freshness_source" in args and not args["freshness_source"].strip():
        raise JobArgumentError("--freshness_source must be the source's name")
    return args


def freshness_sink(args: Dict[str, str], cloudwatch_client: Callable[[], object]):
    """The freshness sink the job arguments ask for: CloudWatch when ``--freshness_source`` is set, else None.

    ``cloudwatch_client`` makes the boto3 client (called only when publishing is on).
    """
    from lakehouse_curation.freshness import CloudWatchFreshnessSink

    source: Optional[str] = args.get("freshness_source")
    return None if source is None else CloudWatchFreshnessSink(cloudwatch_client(), source)


def split_s3_uri(uri: str) -> tuple:
    """``s3://bucket/key`` → ``(bucket, key)``."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise JobArgumentError(f"expected an s3://bucket/key URI, got {uri!r}")
    bucket, key = uri[5:].split("/", 1)
    return bucket, key


def main(argv: Sequence[str]) -> int:  # pragma: no cover - needs a Glue runtime
    # Imported here: the Glue runtime provides these; the pure functions above are tested without them.
    import boto3
    from awsglue.context import GlueContext
    from pyspark.conf import SparkConf
    from pyspark.context import SparkContext

    from lakehouse_curation.job import failure_summary, run_job
    from lakehouse_curation.raw_zone import S3Lister
    from lakehouse_curation.spec import load_job_spec

    args = parse_job_args(argv)
    s3 = boto3.client("s3")
    bucket, key = split_s3_uri(args["job_spec_uri"])
    spec = load_job_spec(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode("utf-8"))
    catalog = args.get("catalog", "glue_catalog")
    if spec.catalog != catalog:
        raise JobArgumentError(f"the job spec's SQL names catalog {spec.catalog!r} but --catalog is {catalog!r}; make them equal")
    conf = SparkConf()
    for name, value in iceberg_spark_conf(args["warehouse"], catalog).items():
        conf.set(name, value)
    spark = GlueContext(SparkContext.getOrCreate(conf=conf)).spark_session
    tables = [t for t in args.get("tables", "").split(",") if t.strip()]
    results = run_job(spark, spec, S3Lister(s3, args["raw_root"]), tables,
                      max_files_per_batch=int(args.get("max_files_per_batch", "100")),
                      run_maintenance=args.get("maintenance", "true").lower() == "true",
                      on_result=lambda r: print(json.dumps(r.to_json()), flush=True),
                      freshness=freshness_sink(args, lambda: boto3.client("cloudwatch")))
    summary = failure_summary(results)
    if summary:
        raise SystemExit(f"curation failed: {summary}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
