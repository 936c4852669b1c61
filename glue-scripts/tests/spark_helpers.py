import json

from lakehouse_curation.job import run_job
from lakehouse_curation.raw_zone import LocalDirectoryLister
from lakehouse_curation.spec import load_job_spec
from lakehouse_curation.watermark import WATERMARK_KEY, read_watermark, snapshot_chain


def curate(spark, spec, raw_root, **kwargs):
    results = run_job(spark, load_job_spec(json.dumps(spec)), LocalDirectoryLister(raw_root), **kwargs)
    return {r.table: r for r in results}


def rows(spark, table, order="id"):
    return [tuple(r) for r in spark.sql(f"SELECT * FROM glue_catalog.{table} ORDER BY {order}").collect()]


def data(spark, table, columns="id, v", order="id"):
    return [tuple(r) for r in spark.sql(f"SELECT {columns} FROM glue_catalog.{table} ORDER BY {order}").collect()]


def snapshots(spark, table):
    """(id, operation, watermark JSON or None, summary) of the current snapshot's ancestry, oldest first."""
    return [(sid, op, summary.get(WATERMARK_KEY), summary) for sid, op, summary in reversed(snapshot_chain(spark, f"glue_catalog.{table}"))]


def watermark(spark, table):
    return read_watermark(spark, f"glue_catalog.{table}")
