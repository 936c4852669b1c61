"""Benchmark of the curation core on local Spark 3.5.4 + Iceberg 1.7.1 (not a timed test; figures for the README).

Part 1: MERGE of C changes (the generated MERGE shape: dedup window + apply-once guard) into Iceberg tables of N rows,
copy-on-write and merge-on-read, against a plain INSERT of the same C rows, from the same run.
Part 2: the job core's incremental run after H earlier CDC files against its first incremental run, same batch size:
listing, watermark and reads must not grow with the raw zone's history.

  $LAKEHOUSE_SPARK_HOME/venv/bin/python glue-scripts/bench/merge_bench.py [--sizes 1000000,10000000] [--changes 100000]
      [--history 100] [--batch-rows 1000] [--parts merge,incremental] [--work DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [os.path.join(os.path.dirname(HERE), "src"), os.path.join(os.path.dirname(HERE), "tests")]

import pyarrow as pa  # noqa: E402

import spec_builder as sb  # noqa: E402
from dms_files import RawZone  # noqa: E402
from lakehouse_curation.job import run_job  # noqa: E402
from lakehouse_curation.local_session import local_session  # noqa: E402
from lakehouse_curation.raw_zone import LocalDirectoryLister  # noqa: E402
from lakehouse_curation.spec import load_job_spec  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def table_sql(name, mode):
    return (f"CREATE TABLE {name} (id BIGINT, v STRING, amount DECIMAL(12,2), updated_at TIMESTAMP_NTZ, "
            "_dms_commit_ts STRING, _dms_change_seq STRING) USING iceberg TBLPROPERTIES ('format-version'='2', "
            f"'write.merge.mode'='{mode}', 'write.update.mode'='{mode}', 'write.delete.mode'='{mode}', "
            "'write.parquet.compression-codec'='zstd')")


def merge_part(spark, sizes, changes):
    merge_sql = sb.table_spec("bench", "target")["sql"]["merge"]
    results = []
    for size in sizes:
        # the changes: 60 % updates of existing ids (spread over the table), 30 % inserts, 10 % deletes
        spark.sql(f"""
            SELECT CASE WHEN id % 10 < 6 THEN 'U' WHEN id % 10 < 9 THEN 'I' ELSE 'D' END AS Op,
                   CASE WHEN id % 10 < 6 OR id % 10 = 9 THEN (id * 7919) % {size} ELSE {size} + id END AS id,
                   concat('changed-', id) AS v, CAST(id % 100000 AS DECIMAL(12,2)) AS amount,
                   TIMESTAMP_NTZ '2026-11-02 00:00:00' AS updated_at, '2026-11-02 00:00:00.000000' AS _dms_commit_ts,
                   lpad(CAST(1000000000 + id AS STRING), 35, '0') AS _dms_change_seq,
                   1 AS _file_order, id AS _row_in_file
            FROM range({changes})""").cache().createOrReplaceTempView("__curation_changes")
        spark.table("__curation_changes").count()
        for mode in ("copy-on-write", "merge-on-read"):
            spark.sql("DROP TABLE IF EXISTS glue_catalog.bench.target PURGE")
            spark.sql("DROP TABLE IF EXISTS glue_catalog.bench.inserted PURGE")
            spark.sql(table_sql("glue_catalog.bench.target", mode))
            spark.sql(table_sql("glue_catalog.bench.inserted", mode))
            fill = timed(lambda: spark.sql(
                f"INSERT INTO glue_catalog.bench.target SELECT id, concat('v', id), CAST(id % 100000 AS DECIMAL(12,2)), "
                f"TIMESTAMP_NTZ '2026-11-01 00:00:00', '2026-11-01 00:00:00.000000', '' FROM range({size})"))
            insert = timed(lambda: spark.sql(
                "INSERT INTO glue_catalog.bench.inserted SELECT id, v, amount, updated_at, _dms_commit_ts, _dms_change_seq "
                "FROM __curation_changes"))
            merge = timed(lambda: spark.sql(merge_sql))
            count = spark.table("glue_catalog.bench.target").count()
            row = {"rows": size, "changes": changes, "mode": mode, "fill_s": round(fill, 1), "insert_s": round(insert, 1),
                   "merge_s": round(merge, 1), "merge_vs_insert": round(merge / insert, 1), "rows_after": count}
            print(json.dumps(row), flush=True)
            results.append(row)
        spark.catalog.uncacheTable("__curation_changes")
    spark.sql("DROP TABLE IF EXISTS glue_catalog.bench.target PURGE")
    spark.sql("DROP TABLE IF EXISTS glue_catalog.bench.inserted PURGE")
    return results


def incremental_part(spark, work, history, batch_rows, load_rows=100_000, sample=5, maintenance=False):
    raw_root = os.path.join(work, "raw")
    zone = RawZone(raw_root, "public", "events", [("id", pa.int64()), ("v", pa.string())])
    zone.load([{"id": i, "v": "load"} for i in range(load_rows)])
    spec = load_job_spec(sb.dumps(sb.job_spec(sb.table_spec("bench", "events", maintenance=maintenance))))
    lister = LocalDirectoryLister(raw_root)

    def one_file(n):
        base = (n * 7919) % load_rows
        zone.cdc([{"Op": "U", "id": (base + i * 13) % load_rows, "v": f"run{n}"} for i in range(batch_rows)])

    def run():
        result = run_job(spark, spec, lister, run_maintenance=maintenance)[0]
        assert result.status == "ok" and result.files_applied == 1, result
    run_job(spark, spec, lister, run_maintenance=False)  # the initial load
    from lakehouse_curation.raw_zone import list_table_files, plan_apply
    from lakehouse_curation.watermark import read_watermark

    def plan_only():  # what a run does before reading data: watermark, listing, apply plan
        plan = plan_apply(list_table_files(lister, "public/events"), read_watermark(spark, "glue_catalog.bench.events"))
        assert plan.kind == "up-to-date", plan.kind

    times, plan_times = [], []
    for n in range(history + 1):
        one_file(n)
        times.append(timed(run))
        plan_times.append(timed(plan_only))
        if n % 10 == 0:
            print(json.dumps({"incremental_run": n + 1, "seconds": round(times[-1], 2)}), flush=True)
    first = statistics.median(times[1:1 + sample])  # runs 2..6: past the JIT warm-up of run 1
    last = statistics.median(times[-sample:])
    row = {"history_files": history, "batch_rows": batch_rows, "maintenance": maintenance, "first_runs_median_s": round(first, 2),
           "last_runs_median_s": round(last, 2), "ratio": round(last / first, 2), "run_1_s": round(times[0], 2),
           "run_last_s": round(times[-1], 2), "plan_first_median_s": round(statistics.median(plan_times[1:1 + sample]), 3),
           "plan_last_median_s": round(statistics.median(plan_times[-sample:]), 3)}
    print(json.dumps(row), flush=True)
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,10000000")
    parser.add_argument("--changes", type=int, default=100_000)
    parser.add_argument("--history", type=int, default=100)
    parser.add_argument("--batch-rows", type=int, default=1000)
    parser.add_argument("--load-rows", type=int, default=100_000)
    parser.add_argument("--parts", default="merge,incremental")
    parser.add_argument("--maintenance", choices=("on", "off"), default="on",
                        help="incremental part: run the spec's compaction + snapshot expiry after each run (as deployed)")
    parser.add_argument("--work", default=None, help="scratch directory (default: a temp dir, removed afterwards)")
    args = parser.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="merge-bench-")
    os.environ.setdefault("LAKEHOUSE_SPARK_DRIVER_MEMORY", "6g")
    spark = local_session(os.path.join(work, "warehouse"), shuffle_partitions=8)
    try:
        spark.sql("CREATE NAMESPACE IF NOT EXISTS glue_catalog.bench")
        parts = args.parts.split(",")
        if "merge" in parts:
            merge_part(spark, [int(s) for s in args.sizes.split(",")], args.changes)
        if "incremental" in parts:
            incremental_part(spark, work, args.history, args.batch_rows, args.load_rows, maintenance=args.maintenance == "on")
    finally:
        spark.stop()
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
