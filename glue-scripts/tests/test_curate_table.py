"""The Glue entry's pure parts: job parameters and Spark conf (no Glue runtime, no Spark)."""

import pytest

from curate_table import ICEBERG_EXTENSIONS, JobArgumentError, iceberg_spark_conf, parse_job_args, split_s3_uri


def test_iceberg_conf_binds_the_glue_catalog():
    conf = iceberg_spark_conf("s3://lake/warehouse", "glue_catalog")
    assert conf["spark.sql.extensions"] == ICEBERG_EXTENSIONS
    assert conf["spark.sql.catalog.glue_catalog"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.glue_catalog.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert conf["spark.sql.catalog.glue_catalog.io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"
    assert conf["spark.sql.catalog.glue_catalog.warehouse"] == "s3://lake/warehouse"
    assert conf["spark.sql.session.timeZone"] == "UTC"


@pytest.mark.parametrize("warehouse,catalog,message", [
    ("/tmp/warehouse", "glue_catalog", "--warehouse must be an s3:// URI"),
    ("s3://lake/w", "glue-catalog", "--catalog must be a plain identifier"),
])
def test_iceberg_conf_rejects_bad_parameters(warehouse, catalog, message):
    with pytest.raises(JobArgumentError, match=message):
        iceberg_spark_conf(warehouse, catalog)


def test_job_args_are_read_as_glue_passes_them():
    args = parse_job_args(["--JOB_ID", "j_1", "--job_spec_uri", "s3://b/specs/sales.json", "--raw_root", "s3://raw/dms/sales",
                           "--warehouse", "s3://lake/w", "--enable-glue-datacatalog", "--tables", "db.a,db.b"])
    assert (args["job_spec_uri"], args["raw_root"], args["warehouse"], args["tables"]) == (
        "s3://b/specs/sales.json", "s3://raw/dms/sales", "s3://lake/w", "db.a,db.b")
    assert "enable-glue-datacatalog" not in args


@pytest.mark.parametrize("argv,message", [
    (["--JOB_ID", "j_1"], "missing job parameter\\(s\\): --job_spec_uri, --raw_root, --warehouse"),
    (["--job_spec_uri", "s3://b/k", "--raw_root", "/raw", "--warehouse", "s3://w/"], "--raw_root must be an s3:// URI"),
    (["--job_spec_uri", "s3://b/k", "--raw_root", "s3://r/", "--warehouse", "s3://w/", "--max_files_per_batch", "0"],
     "--max_files_per_batch must be a positive integer"),
    (["--job_spec_uri", "s3://b/k", "--raw_root", "s3://r/", "--warehouse", "s3://w/", "--maintenance", "sometimes"],
     "--maintenance must be true or false"),
])
def test_bad_job_args_are_named(argv, message):
    with pytest.raises(JobArgumentError, match=message):
        parse_job_args(argv)


def test_s3_uris_split_into_bucket_and_key():
    assert split_s3_uri("s3://bucket/a/b.json") == ("bucket", "a/b.json")
    with pytest.raises(JobArgumentError, match="expected an s3://bucket/key URI"):
        split_s3_uri("s3://bucket-only")
