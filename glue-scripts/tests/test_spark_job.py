"""The job core on real local PySpark 3.5.4 + Iceberg 1.7.1 against DMS-shaped Parquet files."""

import datetime as dt
import decimal
import json
import os
import shutil

import pyarrow as pa
import pytest

import spec_builder as sb
from dms_files import RawZone
from lakehouse_curation.job import failure_summary
from lakehouse_curation.schema import SchemaEvolutionError
from spark_helpers import curate, data, rows, snapshots, watermark

COLS = [("id", pa.int64()), ("v", pa.string())]


def zone(raw_root, table="t", columns=COLS, **kw):
    return RawZone(raw_root, "public", table, columns, **kw)


def spec_for(database, table="t", **kw):
    return sb.job_spec(sb.table_spec(database, table, **kw))


def test_initial_load_then_incremental_cdc_and_up_to_date(spark, raw_root, database):
    z = zone(raw_root)
    z.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}, {"id": 3, "v": "c"}])
    spec = spec_for(database)
    first = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (first.status, first.kind, first.files_applied, first.batches) == ("ok", "initial", 1, 1)
    assert data(spark, f"{database}.t") == [(1, "a"), (2, "b"), (3, "c")]

    z.cdc([{"Op": "U", "id": 1, "v": "a2"}, {"Op": "D", "id": 2, "v": "b"}, {"Op": "I", "id": 4, "v": "d"}])
    z.cdc([{"Op": "U", "id": 4, "v": "d2"}], date_folders=True)
    second = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (second.status, second.kind, second.files_applied) == ("ok", "incremental", 2)
    assert data(spark, f"{database}.t") == [(1, "a2"), (3, "c"), (4, "d2")]
    w = watermark(spark, f"{database}.t")
    assert (w.files_applied, w.last_file) == (3, w.last_file)
    assert w.last_file.endswith(".parquet") and w.last_file.count("/") == 3  # the date-folder file came last

    before = snapshots(spark, f"{database}.t")
    third = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (third.status, third.kind, third.files_applied) == ("ok", "up-to-date", 0)
    assert snapshots(spark, f"{database}.t") == before


def test_each_merge_commit_carries_its_watermark_in_the_snapshot_summary(spark, raw_root, database):
    """Proof of the mechanism: the watermark is written by the commit that applied the files, and only by it."""
    z = zone(raw_root)
    z.load([{"id": 1, "v": "a"}])
    for i in range(5):
        z.cdc([{"Op": "I", "id": 10 + i, "v": "x"}])
    result = curate(spark, spec_for(database), raw_root, max_files_per_batch=2)[f"{database}.t"]
    assert (result.batches, result.files_applied) == (3, 6)
    merges = [s for s in snapshots(spark, f"{database}.t") if s[1] != "append" or s[2] is not None]
    marks = [json.loads(s[2]) for s in merges if s[2] is not None]
    assert [m["filesApplied"] for m in marks] == [2, 4, 6]
    assert all(int(s[3].get("added-records", "0")) > 0 for s in merges if s[2] is not None)
    # the thread-local is cleared: a later write by the same thread carries no watermark
    spark.sql(f"INSERT INTO glue_catalog.{database}.t VALUES (99, 'manual', '2026-11-05 00:00:00.000000', '')")
    assert snapshots(spark, f"{database}.t")[-1][2] is None
    assert watermark(spark, f"{database}.t").files_applied == 6  # found on the ancestor


def test_redelivered_file_rewrites_nothing(spark, raw_root, database):
    z = zone(raw_root)
    z.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    updates = z.cdc([{"Op": "U", "id": 1, "v": "a2"}, {"Op": "D", "id": 2, "v": "b"}])
    spec = spec_for(database)
    curate(spark, spec, raw_root)
    expected = rows(spark, f"{database}.t")
    z.redeliver(updates)
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (result.status, result.kind, result.files_applied) == ("ok", "incremental", 1)
    assert rows(spark, f"{database}.t") == expected
    last = snapshots(spark, f"{database}.t")[-1][3]
    # merge-on-read: an applied-again change would add position deletes and records; nothing was rewritten
    assert int(last.get("added-position-deletes", "0")) == 0 and int(last.get("added-records", "0")) == 0


def test_ties_inside_a_file_and_across_files_resolve_to_the_later_row(spark, raw_root, database):
    z = zone(raw_root, seq=None)
    z.load([{"id": 1, "v": "a"}])
    same = "2026-11-01 13:00:00.000000"
    z.cdc([{"Op": "U", "id": 1, "v": "first", "_dms_commit_ts": same}, {"Op": "U", "id": 1, "v": "second", "_dms_commit_ts": same},
           {"Op": "I", "id": 2, "v": "x", "_dms_commit_ts": same}])
    z.cdc([{"Op": "U", "id": 2, "v": "y", "_dms_commit_ts": same}])
    spec = sb.job_spec(sb.table_spec(database, "t", seq=None), seq=None)
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert result.status == "ok", result.error
    assert data(spark, f"{database}.t") == [(1, "second"), (2, "y")]


def test_soft_deletes_keep_a_tombstone(spark, raw_root, database):
    z = zone(raw_root)
    z.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    z.cdc([{"Op": "D", "id": 1, "v": "a", "_dms_commit_ts": "2026-11-02 10:00:00.000000"},
           {"Op": "D", "id": 3, "v": "never-seen", "_dms_commit_ts": "2026-11-02 10:00:01.000000"}])
    result = curate(spark, spec_for(database, deletes="soft"), raw_root)[f"{database}.t"]
    assert result.status == "ok", result.error
    got = data(spark, f"{database}.t", "id, v, _is_deleted, CAST(_deleted_at AS STRING)")
    assert got == [(1, "a", True, "2026-11-02 10:00:00"), (2, "b", False, None), (3, "never-seen", True, "2026-11-02 10:00:01")]
    types = {f.name: f.dataType.simpleString() for f in spark.table(f"glue_catalog.{database}.t").schema.fields}
    assert types["_deleted_at"] == "timestamp_ntz" and types["_is_deleted"] == "boolean"


def test_append_only_replay_after_a_crash_adds_no_duplicate(spark, raw_root, database):
    z = zone(raw_root)
    z.cdc([{"Op": "I", "id": 1, "v": "a"}, {"Op": "I", "id": 2, "v": "b"}])
    spec = spec_for(database, mode="append-only", primary_key=())
    curate(spark, spec, raw_root)
    z.cdc([{"Op": "I", "id": 3, "v": "c"}, {"Op": "D", "id": 1, "v": "a"}])

    def crash(table, stage, batch):
        if stage == "merged":
            raise KeyboardInterrupt("simulated crash right after the Iceberg commit")

    with pytest.raises(KeyboardInterrupt):
        curate(spark, spec, raw_root, hook=crash)
    again = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (again.status, again.kind) == ("ok", "up-to-date")
    assert data(spark, f"{database}.t") == [(1, "a"), (2, "b"), (3, "c")]


def test_reload_rebuilds_from_the_new_load_and_skips_superseded_cdc(spark, raw_root, database):
    z = zone(raw_root)
    z.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    z.cdc([{"Op": "I", "id": 99, "v": "gone-by-reload"}])
    spec = spec_for(database)
    curate(spark, spec, raw_root)
    assert data(spark, f"{database}.t") == [(1, "a"), (2, "b"), (99, "gone-by-reload")]
    z.cdc([{"Op": "U", "id": 1, "v": "superseded"}])  # written before the reload: the new load holds its effect
    z.load([{"id": 1, "v": "a-reloaded"}, {"id": 2, "v": "b"}])  # LOAD00000001 rewritten: a reload
    z.cdc([{"Op": "U", "id": 2, "v": "b-after"}])
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (result.status, result.kind, result.files_applied) == ("ok", "reload", 2)
    assert data(spark, f"{database}.t") == [(1, "a-reloaded"), (2, "b-after")]
    w = watermark(spark, f"{database}.t")
    assert w.files_applied == 2
    ops = [s[1] for s in snapshots(spark, f"{database}.t")]
    assert "delete" in ops  # the truncate committed (watermark null) before the rebuild's merge


def test_schema_evolution_adds_a_column_mid_stream_and_widens_int_to_bigint(spark, raw_root, database):
    z = zone(raw_root, columns=[("id", pa.int64()), ("qty", pa.int32())])
    z.load([{"id": 1, "qty": 5}])
    spec = spec_for(database)
    curate(spark, spec, raw_root)
    z.cdc([{"Op": "U", "id": 1, "qty": 3_000_000_000, "note": "big"}],
          columns=[("id", pa.int64()), ("qty", pa.int64()), ("note", pa.string())])
    z.cdc([{"Op": "I", "id": 2, "qty": 7}])  # an older-shaped file after the change: note is NULL
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert result.status == "ok", result.error
    assert result.schema_changes == ["add note string", "widen qty int->bigint"] or sorted(result.schema_changes) == sorted(
        ["add note string", "widen qty int->bigint"])
    assert data(spark, f"{database}.t", "id, qty, note") == [(1, 3_000_000_000, "big"), (2, 7, None)]
    types = {f.name: f.dataType.simpleString() for f in spark.table(f"glue_catalog.{database}.t").schema.fields}
    assert (types["qty"], types["note"]) == ("bigint", "string")


def test_an_incompatible_type_change_is_refused_before_anything_is_written(spark, raw_root, database):
    z = zone(raw_root, columns=[("id", pa.int64()), ("amount", pa.decimal128(10, 2))])
    z.load([{"id": 1, "amount": 1}])
    spec = spec_for(database)
    curate(spark, spec, raw_root)
    before = snapshots(spark, f"{database}.t")
    z.cdc([{"Op": "I", "id": 2, "amount": 2}])  # fine on its own, but in the same run as the bad file
    bad = z.cdc([{"Op": "U", "id": 1, "amount": "x"}], columns=[("id", pa.int64()), ("amount", pa.string())])
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert result.status == "failed"
    assert f'table {database}.t: column "amount" changed type from decimal(10,2) to string in raw file {bad}' in result.error
    assert snapshots(spark, f"{database}.t") == before
    assert [f.name for f in spark.table(f"glue_catalog.{database}.t").schema.fields] == ["id", "amount", "_dms_commit_ts", "_dms_change_seq"]
    with pytest.raises(SchemaEvolutionError):
        raise SchemaEvolutionError(f"{database}.t", "amount", "decimal(10,2)", "string", bad)


def test_a_failing_table_does_not_stop_the_others(spark, raw_root, database):
    good = zone(raw_root, table="good")
    good.load([{"id": 1, "v": "a"}])
    bad = zone(raw_root, table="bad")
    bad.load([{"id": 1, "v": "a"}])
    with open(os.path.join(bad.dir, "part-00000.parquet"), "wb") as f:
        f.write(b"not dms")
    spec = sb.job_spec(sb.table_spec(database, "bad"), sb.table_spec(database, "good"))
    results = curate(spark, spec, raw_root)
    assert results[f"{database}.bad"].status == "failed"
    assert "part-00000.parquet: not a DMS file name" in results[f"{database}.bad"].error
    assert results[f"{database}.good"].status == "ok"
    assert data(spark, f"{database}.good") == [(1, "a")]
    assert failure_summary(list(results.values())).startswith(f"1 of 2 table(s) failed: table {database}.bad: ")


@pytest.mark.parametrize("stage", ["created", "evolved", "truncated", "merged"])
def test_a_run_interrupted_at_any_stage_reruns_to_the_same_table(spark, raw_root, database, stage):
    z = zone(raw_root)
    z.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    spec = spec_for(database)
    if stage == "truncated":  # a truncate happens on a reload of an existing table
        curate(spark, spec, raw_root)
        z.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b2"}])
    z.cdc([{"Op": "U", "id": 1, "v": "a2"}, {"Op": "I", "id": 3, "v": "c"}])

    def crash(table, at, batch):
        if at == stage:
            raise KeyboardInterrupt(f"simulated crash at {stage}")

    with pytest.raises(KeyboardInterrupt):
        curate(spark, spec, raw_root, hook=crash)
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert result.status == "ok", result.error
    expected = [(1, "a2"), (2, "b2" if stage == "truncated" else "b"), (3, "c")]
    assert data(spark, f"{database}.t") == expected
    w = watermark(spark, f"{database}.t")
    assert w.files_applied == 2
    assert curate(spark, spec, raw_root)[f"{database}.t"].kind == "up-to-date"


def test_maintenance_runs_and_the_watermark_survives_compaction_and_expiry(spark, raw_root, database):
    z = zone(raw_root)
    z.load([{"id": i, "v": "a"} for i in range(5)])
    spec = spec_for(database, maintenance=True)
    curate(spark, spec, raw_root)
    for i in range(3):
        z.cdc([{"Op": "U", "id": i, "v": f"u{i}"}])
        result = curate(spark, spec, raw_root)[f"{database}.t"]
        assert result.status == "ok", result.error
    snaps = snapshots(spark, f"{database}.t")
    assert snaps[-1][2] is not None, "the newest snapshot carries the watermark after maintenance"
    assert watermark(spark, f"{database}.t").files_applied == 4
    assert data(spark, f"{database}.t") == [(0, "u0"), (1, "u1"), (2, "u2"), (3, "a"), (4, "a")]
    assert curate(spark, spec, raw_root)[f"{database}.t"].kind == "up-to-date"


def test_the_real_dms_file_is_read_by_the_core(spark, raw_root, database, dms_fixture):
    target = os.path.join(raw_root, "public", "all_types")
    os.makedirs(target)
    shutil.copy(dms_fixture, os.path.join(target, "LOAD00000001.parquet"))
    spec = sb.job_spec(sb.table_spec(database, "all_types", ts="DMS_TIMESTAMP", seq=None), seq=None, ts="DMS_TIMESTAMP")
    result = curate(spark, spec, raw_root)[f"{database}.all_types"]
    assert result.status == "ok", result.error
    import pyarrow.parquet as pq

    source = sorted(pq.read_table(dms_fixture).to_pylist(), key=lambda r: r["id"])
    curated = [r.asDict() for r in spark.sql(f"SELECT * FROM glue_catalog.{database}.all_types ORDER BY id").collect()]
    assert len(curated) == len(source) == 10
    for want, got in zip(source, curated):
        for name, value in want.items():
            if name == "my_timestamp":
                assert got[name] == value.replace(tzinfo=None), name  # UTC wall clock, TIMESTAMP_NTZ
            elif name == "my_bytea":
                assert bytes(got[name]) == value
            else:
                assert got[name] == value, name
    types = {f.name: f.dataType.simpleString() for f in spark.table(f"glue_catalog.{database}.all_types").schema.fields}
    assert (types["my_timestamp"], types["my_smallint"], types["my_money"]) == ("timestamp_ntz", "int", "decimal(38,4)")


DECLARED = [{"name": "id", "type": "bigint"}, {"name": "v", "type": "string"}, {"name": "amount", "type": "decimal(12,2)"},
            {"name": "at", "type": "timestamp"}]


def test_declared_columns_and_no_raw_file_yet_create_the_table_empty(spark, raw_root, database):
    """As the TypeScript runner: the table exists (empty) from the first run, so a reader finds an empty table."""
    spec = spec_for(database, columns=DECLARED, deletes="soft")
    first = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (first.status, first.kind, first.files_applied, first.batches) == ("ok", "up-to-date", 0, 0)
    table = spark.table(f"glue_catalog.{database}.t")
    assert [(f.name, f.dataType.simpleString()) for f in table.schema.fields] == [
        ("id", "bigint"), ("v", "string"), ("amount", "decimal(12,2)"), ("at", "timestamp_ntz"), ("_dms_commit_ts", "string"),
        ("_dms_change_seq", "string"), ("_is_deleted", "boolean"), ("_deleted_at", "timestamp_ntz")]
    assert table.count() == 0
    created = snapshots(spark, f"{database}.t")
    assert [s[2] for s in created] == [None]  # the CTAS: no watermark, nothing applied

    again = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (again.status, again.kind, again.files_applied) == ("ok", "up-to-date", 0)
    assert snapshots(spark, f"{database}.t") == created

    # the first raw files arrive: an initial build of the existing, empty table
    z = zone(raw_root, columns=[("id", pa.int64()), ("v", pa.string()), ("amount", pa.decimal128(12, 2)), ("at", pa.timestamp("us"))])
    z.load([{"id": 1, "v": "a", "amount": decimal.Decimal("1.50"), "at": dt.datetime(2026, 11, 1, 8)}])
    z.cdc([{"Op": "I", "id": 2, "v": "b", "amount": decimal.Decimal("2.00"), "at": dt.datetime(2026, 11, 1, 9)}])
    built = curate(spark, spec, raw_root)[f"{database}.t"]
    assert (built.status, built.kind, built.files_applied, built.schema_changes) == ("ok", "initial", 2, []), built.error
    assert data(spark, f"{database}.t", "id, v, amount, at, _is_deleted") == [
        (1, "a", decimal.Decimal("1.50"), dt.datetime(2026, 11, 1, 8), False), (2, "b", decimal.Decimal("2.00"), dt.datetime(2026, 11, 1, 9), False)]
    assert watermark(spark, f"{database}.t").files_applied == 2


def test_no_declared_columns_and_no_raw_file_create_nothing(spark, raw_root, database):
    os.makedirs(os.path.join(raw_root, "public", "t"))  # the table's folder, still empty
    result = curate(spark, spec_for(database), raw_root)[f"{database}.t"]
    assert (result.status, result.kind, result.files_applied, result.batches) == ("ok", "up-to-date", 0, 0)
    assert not spark.catalog.tableExists(f"glue_catalog.{database}.t")
    assert database not in [r[0] for r in spark.sql("SHOW NAMESPACES IN glue_catalog").collect()]


@pytest.mark.parametrize("merge,cause", [
    # fails in an executor: PySpark raises Py4JJavaError ("An error occurred while calling o…") over a SparkException
    ("INSERT INTO {t} SELECT id, v, _dms_commit_ts, CAST(raise_error('boom: the merge failed in the JVM') AS STRING) FROM `__curation_changes`",
     "java.lang.RuntimeException: boom: the merge failed in the JVM"),
    # fails in analysis: PySpark raises its AnalysisException over the Java one
    ("INSERT INTO {t} SELECT id, v, no_such_column, '' FROM `__curation_changes`",
     "org.apache.spark.sql.catalyst.ExtendedAnalysisException: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column or function parameter "
     "with name `no_such_column` cannot be resolved."),
])
def test_a_statement_failing_in_the_jvm_is_reported_with_its_java_cause(spark, raw_root, database, merge, cause):
    zone(raw_root).load([{"id": 1, "v": "a"}])
    spec = spec_for(database)
    spec["tables"][0]["sql"]["merge"] = merge.format(t=f"glue_catalog.`{database}`.`t`")
    result = curate(spark, spec, raw_root)[f"{database}.t"]
    assert result.status == "failed"
    assert result.error.startswith(f"table {database}.t: {cause}"), result.error
    assert "\n" not in result.error and "An error occurred while calling" not in result.error


def test_a_raw_column_named_like_an_iceberg_metadata_column_is_refused_before_anything_is_written(spark, raw_root, database):
    path = zone(raw_root, columns=[("id", pa.int64()), ("_pos", pa.int64())]).load([{"id": 1, "_pos": 7}])
    result = curate(spark, spec_for(database), raw_root)[f"{database}.t"]
    assert result.status == "failed"
    assert f'{path}: column "_pos" is an Iceberg metadata column name' in result.error and "rename it in the DMS table mapping" in result.error
    assert not spark.catalog.tableExists(f"glue_catalog.{database}.t")
