"""The job runs exactly the SQL the TypeScript generator wrote (packages/curation/test/golden/spark-job-spec.*.json)."""

import copy
import datetime as dt
import glob
import json
import os

import pyarrow as pa
import pytest

from conftest import GOLDEN_DIR
from dms_files import RawZone
from lakehouse_curation.spec import ICEBERG_RESERVED_COLUMNS, SpecError, load_job_spec
from spark_helpers import curate

GOLDEN_SPECS = sorted(glob.glob(os.path.join(GOLDEN_DIR, "spark-job-spec.*.json")))


def golden_ids(path):
    return os.path.basename(path)[len("spark-job-spec."):-len(".json")]


def reserved_bookkeeping(table):
    names = [c["name"] for c in table.get("bookkeepingColumns", [])]
    return [n for n in names if n.lower() in ICEBERG_RESERVED_COLUMNS]


def arrow_type(plan_type):
    if plan_type.startswith("decimal("):
        p, s = plan_type[len("decimal("):-1].split(",")
        return pa.decimal128(int(p), int(s))
    return {"int": pa.int32(), "bigint": pa.int64(), "string": pa.string(), "timestamp": pa.timestamp("us"), "date": pa.date32(),
            "double": pa.float64(), "float": pa.float32(), "boolean": pa.bool_(), "binary": pa.binary()}[plan_type]


def data_columns(table):
    """The columns raw files carry: declared ones, or keys, partition columns and one payload column."""
    if table.get("columns"):
        return [(c["name"], c["type"]) for c in table["columns"]]
    by_transform = {"day": "timestamp", "hour": "timestamp", "month": "timestamp", "year": "timestamp", "bucket": "bigint",
                    "identity": "string", "truncate": "string"}
    columns = {}
    for key in table["primaryKey"]:
        columns[key] = "bigint"
    for field in table["partitionBy"]:
        columns.setdefault(field["column"], by_transform[field["transform"]])
    columns.setdefault("payload", "string")
    return list(columns.items())


def value(name, plan_type, n, version):
    base = dt.datetime(2026, 11, 1) + dt.timedelta(hours=n)
    return {"bigint": n, "int": n, "string": f"{name}-{n}-v{version}", "timestamp": base, "date": base.date(), "double": n + version / 10,
            "float": float(n), "boolean": version % 2 == 0, "binary": b"x"}.get(plan_type, None) if not plan_type.startswith("decimal") \
        else __import__("decimal").Decimal(f"{n}.{version:02d}")


def row(columns, keys, n, version):
    out = {}
    for name, plan_type in columns:
        # key and partition columns stay stable per row; the others change with each version
        out[name] = value(name, plan_type, n, 0 if name in keys else version)
    return out


def test_the_golden_specs_are_there():
    assert len(GOLDEN_SPECS) >= 6, f"expected the golden Spark job specs of packages/curation in {GOLDEN_DIR}"


def runnable_locally(raw_spec, spark, warehouse):
    """The spec as the local HadoopCatalog can run it: its catalog registered in the session (an Iceberg
    HadoopCatalog over the test warehouse), and a `LOCATION 's3://…'` left out of createTable (a HadoopCatalog puts
    every table at `<warehouse>/<db>/<table>` and refuses any other location). Nothing else of the SQL changes."""
    catalog = raw_spec["catalog"]
    if catalog != "glue_catalog":
        prefix = f"spark.sql.catalog.{catalog}"
        spark.conf.set(prefix, "org.apache.iceberg.spark.SparkCatalog")
        spark.conf.set(f"{prefix}.type", "hadoop")
        spark.conf.set(f"{prefix}.warehouse", os.path.join(warehouse, catalog))
        spark.conf.set(f"{prefix}.cache-enabled", "false")
    spec = copy.deepcopy(raw_spec)
    for table in spec["tables"]:
        location = table.get("location")
        if location:
            clause = f"LOCATION '{location}'"
            assert clause in table["sql"]["createTable"], f"{table['name']}: no {clause} in createTable"
            table["sql"]["createTable"] = table["sql"]["createTable"].replace(clause, "")
    return spec


@pytest.mark.parametrize("path", GOLDEN_SPECS, ids=golden_ids)
def test_golden_spec_runs_unchanged_on_spark(spark, warehouse, tmp_path, path):
    with open(path, encoding="utf-8") as f:
        golden = json.load(f)
    table = golden["tables"][0]
    assert not reserved_bookkeeping(table), "the generator names no bookkeeping column as Iceberg reserves"
    raw_spec = runnable_locally(golden, spark, warehouse)
    spec = load_job_spec(json.dumps(raw_spec))
    t = spec.tables[0]
    fmt = spec.raw_format
    qualified = f"{spec.catalog}.`{t.database}`.`{t.table}`"  # each golden spec names its own table

    columns = data_columns(table)
    keys = set(t.primary_key) | {p["column"] for p in t.partition_by}
    arrow_columns = [(name, arrow_type(plan_type)) for name, plan_type in columns]
    raw_root = str(tmp_path / "raw")
    zone = RawZone(raw_root, t.source_schema, t.source_table, arrow_columns, seq=fmt.change_sequence_column, ts=fmt.commit_timestamp_column)
    zone.load([row(columns, keys, n, 0) for n in (1, 2, 3)])
    first = zone.cdc([dict(row(columns, keys, 1, 1), Op="U"), dict(row(columns, keys, 2, 0), Op="D"), dict(row(columns, keys, 4, 0), Op="I")])
    zone.cdc([dict(row(columns, keys, 4, 2), Op="U"), dict(row(columns, keys, 3, 3), Op="U")])
    if t.mode == "merge" and not t.keep_duplicates:
        zone.redeliver(first)  # applied again: must change nothing
    result = curate(spark, raw_spec, raw_root)[t.name]
    assert result.status == "ok", result.error
    assert result.kind == "initial"

    names = [n for n, _ in columns]
    got = sorted(tuple(r) for r in spark.sql(f"SELECT {', '.join('`' + n + '`' for n in names)} FROM {qualified}").collect())
    if t.keep_duplicates:
        # every column is key: an I or U adds a copy of its row, a D removes one (rows 1, 3 and 4 end with two copies)
        assert keys == set(names), "the keep-duplicates golden spec keys every column"
        want_rows = [row(columns, keys, n, 0) for n in (1, 1, 3, 3, 4, 4)]
    elif t.mode == "append-only":
        want_rows = [row(columns, keys, n, 0) for n in (1, 2, 3)] + [row(columns, keys, 1, 1), row(columns, keys, 4, 0),
                                                                       row(columns, keys, 4, 2), row(columns, keys, 3, 3)]
    elif t.deletes == "soft":
        want_rows = [row(columns, keys, 1, 1), row(columns, keys, 2, 0), row(columns, keys, 3, 3), row(columns, keys, 4, 2)]
    else:
        want_rows = [row(columns, keys, 1, 1), row(columns, keys, 3, 3), row(columns, keys, 4, 2)]
    want = sorted(tuple(r[n] for n in names) for r in want_rows)
    assert got == want
    if t.deletes == "soft":
        flags = spark.sql(f"SELECT `{t.primary_key[-1]}`, `{t.deleted_column}`, `{t.deleted_at_column}` IS NOT NULL FROM {qualified}").collect()
        assert sorted(tuple(r) for r in flags) == [(1, False, False), (2, True, True), (3, False, False), (4, False, False)]
    assert [f.name for f in spark.table(qualified).schema.fields] == names + [n for n, _ in t.bookkeeping]
    assert curate(spark, raw_spec, raw_root)[t.name].kind == "up-to-date"


def test_a_spec_still_naming_the_soft_delete_flag_deleted_is_refused_up_front():
    """A spec of an older generator (flag `_deleted`) is refused before anything runs, naming the fix."""
    path = os.path.join(GOLDEN_DIR, "spark-job-spec.soft-deletes-declared-columns.json")
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    bookkeeping = spec["tables"][0]["bookkeepingColumns"]
    assert [c["name"] for c in bookkeeping][-2:] == ["_is_deleted", "_deleted_at"]
    bookkeeping[-2]["name"] = "_deleted"
    with pytest.raises(SpecError, match="bookkeeping column _deleted is an Iceberg metadata column name .*\\(e.g. _is_deleted\\)"):
        load_job_spec(json.dumps(spec))


def test_spark_cannot_read_an_iceberg_table_with_a_deleted_column(spark, database):
    """Why specs with a `_deleted` bookkeeping column are refused: Iceberg 1.7 reserves the name."""
    spark.sql(f"CREATE NAMESPACE IF NOT EXISTS glue_catalog.{database}")
    spark.sql(f"CREATE TABLE glue_catalog.{database}.soft (id BIGINT, _deleted BOOLEAN) USING iceberg")
    spark.sql(f"INSERT INTO glue_catalog.{database}.soft VALUES (1, false)")
    with pytest.raises(Exception, match="Table column names conflict with names reserved for Iceberg metadata columns: \\[_deleted\\]"):
        spark.sql(f"SELECT * FROM glue_catalog.{database}.soft").collect()
