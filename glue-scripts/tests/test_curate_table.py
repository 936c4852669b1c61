import json
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from curate_table import (  # noqa: E402
    ICEBERG_EXTENSIONS,
    JobSpecError,
    iceberg_spark_conf,
    load_job_spec,
    parse_job_args,
    split_s3_uri,
)


def test_iceberg_conf_binds_the_glue_catalog():
    conf = iceberg_spark_conf("s3://lake/warehouse", "glue_catalog")
    assert conf["spark.sql.extensions"] == ICEBERG_EXTENSIONS
    assert conf["spark.sql.catalog.glue_catalog"] == "org.apache.iceberg.spark.SparkCatalog"
    assert conf["spark.sql.catalog.glue_catalog.catalog-impl"] == "org.apache.iceberg.aws.glue.GlueCatalog"
    assert conf["spark.sql.catalog.glue_catalog.io-impl"] == "org.apache.iceberg.aws.s3.S3FileIO"
    assert conf["spark.sql.catalog.glue_catalog.warehouse"] == "s3://lake/warehouse"


@pytest.mark.parametrize("warehouse,catalog,message", [
    ("/tmp/warehouse", "glue_catalog", "--warehouse must be an s3:// URI"),
    ("s3://lake/w", "glue-catalog", "--catalog must be a plain identifier"),
])
def test_iceberg_conf_rejects_bad_parameters(warehouse, catalog, message):
    with pytest.raises(JobSpecError, match=message):
        iceberg_spark_conf(warehouse, catalog)


def test_job_args_are_read_as_glue_passes_them():
    args = parse_job_args(["--JOB_ID", "j_1", "--job_spec_uri", "s3://b/specs/orders.json",
                           "--warehouse", "s3://lake/w", "--enable-glue-datacatalog", "--catalog", "c"])
    assert args["job_spec_uri"] == "s3://b/specs/orders.json"
    assert args["warehouse"] == "s3://lake/w"
    assert args["catalog"] == "c"
    assert "enable-glue-datacatalog" not in args


def test_missing_job_args_are_named():
    with pytest.raises(JobSpecError, match="missing job parameter\\(s\\): --job_spec_uri, --warehouse"):
        parse_job_args(["--JOB_ID", "j_1"])


def test_job_spec_statements_are_kept_in_order_without_trailing_semicolons():
    spec = load_job_spec(json.dumps({
        "version": 1,
        "table": "curated.orders",
        "statements": ["CREATE TABLE IF NOT EXISTS t (id bigint) USING iceberg;", "  MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE  "],
    }))
    assert spec.table == "curated.orders"
    assert spec.statements == [
        "CREATE TABLE IF NOT EXISTS t (id bigint) USING iceberg",
        "MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE",
    ]


@pytest.mark.parametrize("text,message", [
    ("{", "not valid JSON"),
    ("[]", "must be a JSON object"),
    (json.dumps({"version": 2, "table": "t", "statements": ["x"]}), "version 2 is not supported"),
    (json.dumps({"version": 1, "statements": ["x"]}), "needs a non-empty 'table'"),
    (json.dumps({"version": 1, "table": "t", "statements": []}), "needs a non-empty 'statements'"),
    (json.dumps({"version": 1, "table": "t", "statements": ["ok", " "]}), "statement 1 is empty"),
])
def test_bad_job_specs_are_refused_with_the_reason(text, message):
    with pytest.raises(JobSpecError, match=message):
        load_job_spec(text)


def test_s3_uris_split_into_bucket_and_key():
    assert split_s3_uri("s3://bucket/a/b.json") == ("bucket", "a/b.json")
    with pytest.raises(JobSpecError, match="expected an s3://bucket/key URI"):
        split_s3_uri("s3://bucket-only")
