"""A table without key that keeps identical rows (keepDuplicates): the job runs the generator's copy-counting MERGE
(packages/curation/test/golden/spark-job-spec.keep-duplicates.json) with its {columns:<alias>} placeholders filled,
and the curated table holds every copy, batch after batch, each batch one commit carrying its watermark."""

import json
import os
from collections import Counter

import pyarrow as pa
import pytest

from conftest import GOLDEN_DIR
from dms_files import RawZone
from lakehouse_curation.spec import SpecError, fill_columns, load_job_spec
from spark_helpers import curate, snapshots

COLUMNS = [("sensor", pa.string()), ("value", pa.int32())]


def golden_spec(database):
    """The golden keep-duplicates spec, its curated database renamed to the test's own."""
    with open(os.path.join(GOLDEN_DIR, "spark-job-spec.keep-duplicates.json"), encoding="utf-8") as f:
        text = f.read()
    return json.loads(text.replace("curated_sales", database))


def copies(spark, database):
    """(sensor, value) -> number of copies in the curated table."""
    got = spark.sql(f"SELECT sensor, value, count(*) AS n FROM glue_catalog.`{database}`.`readings` GROUP BY sensor, value").collect()
    return {(r[0], r[1]): r[2] for r in got}


def change(op, sensor, value):
    return {"Op": op, "sensor": sensor, "value": value}


def test_the_merge_keeps_every_copy_through_inserts_updates_and_deletes(spark, database, raw_root):
    spec = golden_spec(database)
    assert spec["tables"][0]["keepDuplicates"] is True
    zone = RawZone(raw_root, "public", "readings", COLUMNS)
    zone.load([dict(sensor="a", value=1), dict(sensor="a", value=1), dict(sensor=None, value=None), dict(sensor=None, value=None),
               dict(sensor=None, value=None), dict(sensor="b", value=None)] + [dict(sensor="x", value=7) for _ in range(802)])
    # two more copies of a/1; an UPDATE of one copy of a/1 (the capture writes D of the old row, U of the new one)
    zone.cdc([change("I", "a", 1), change("I", "a", 1), change("D", "a", 1), change("U", "a", 2)])
    # a bulk UPDATE of all 802 copies of x/7, and a DELETE of one NULL row
    zone.cdc([change("D", "x", 7) for _ in range(802)] + [change("U", "y", 7) for _ in range(802)] + [change("D", None, None)])
    # a DELETE of one copy of y/7, a row inserted and deleted in the same file, a delete of a row the table never held
    zone.cdc([change("D", "y", 7), change("I", "c", 3), change("D", "c", 3), change("D", "z", 9)])

    result = curate(spark, spec, raw_root, max_files_per_batch=2, run_maintenance=False)[f"{database}.readings"]
    assert result.status == "ok", result.error
    assert (result.kind, result.batches, result.files_applied) == ("initial", 2, 4)
    assert copies(spark, database) == {("a", 1): 3, ("a", 2): 1, (None, None): 2, ("b", None): 1, ("y", 7): 801}
    # the table has the data and tracking columns only, and every copy of a rewritten row carries its latest change
    assert [f.name for f in spark.table(f"glue_catalog.`{database}`.`readings`").schema.fields] == \
        ["sensor", "value", "_dms_commit_ts", "_dms_change_seq"]
    sequences = spark.sql(f"SELECT DISTINCT _dms_change_seq FROM glue_catalog.`{database}`.`readings` WHERE sensor = 'y'").collect()
    assert [r[0] for r in sequences] == [f"{zone.seq_counter - 3:035d}"]
    # one commit per batch, each with its watermark
    merges = [s for s in snapshots(spark, f"`{database}`.`readings`") if s[2] is not None]
    assert len(merges) == 2

    # more copies of an existing row in a later run
    zone.cdc([change("I", "b", None), change("I", "b", None)])
    assert curate(spark, spec, raw_root)[f"{database}.readings"].kind == "incremental"
    assert copies(spark, database)[("b", None)] == 3
    assert sum(copies(spark, database).values()) == 3 + 1 + 2 + 3 + 801
    assert curate(spark, spec, raw_root)[f"{database}.readings"].kind == "up-to-date"


def test_the_merge_columns_follow_schema_evolution(spark, database, raw_root):
    spec = golden_spec(database)
    zone = RawZone(raw_root, "public", "readings", COLUMNS)
    zone.load([dict(sensor="a", value=1), dict(sensor="a", value=1)])
    assert curate(spark, spec, raw_root)[f"{database}.readings"].status == "ok"
    # a column added in the source: new changes carry it, the old copies hold NULL in it
    wider = COLUMNS + [("unit", pa.string())]
    zone.cdc([dict(change("D", "a", 1), unit=None), dict(change("U", "a", 1), unit="C")], columns=wider)
    result = curate(spark, spec, raw_root)[f"{database}.readings"]
    assert result.status == "ok", result.error
    got = Counter(tuple(r) for r in spark.sql(f"SELECT sensor, value, unit FROM glue_catalog.`{database}`.`readings`").collect())
    assert got == Counter({("a", 1, None): 1, ("a", 1, "C"): 1})


def test_fill_columns_and_the_placeholder_checks():
    assert fill_columns("SELECT {columns:n} FROM x AS n WHERE struct({columns:t}) <=> struct({columns:s})", ["a", "b`c"]) == \
        "SELECT n.`a`, n.`b``c` FROM x AS n WHERE struct(t.`a`, t.`b``c`) <=> struct(s.`a`, s.`b``c`)"
    spec = golden_spec("db")
    spec["tables"][0]["keepDuplicates"] = False
    with pytest.raises(SpecError, match=r"merge holds \{columns:<alias>\} placeholders, and keepDuplicates is false"):
        load_job_spec(json.dumps(spec))
    spec["placeholders"] = {"column": "{column}", "type": "{type}"}
    with pytest.raises(SpecError, match="placeholders .* differ from the ones this job fills"):
        load_job_spec(json.dumps(spec))
