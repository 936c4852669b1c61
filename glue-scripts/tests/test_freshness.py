"""The freshness metric: the CloudWatch sink with a fake client, the job argument, and the high-water mark the job keeps."""

import datetime as dt
import io
import json

import pyarrow as pa
import pytest

import spec_builder as sb
from curate_table import freshness_sink, parse_job_args
from dms_files import RawZone
from lakehouse_curation.freshness import (FRESHNESS_METRIC, FRESHNESS_NAMESPACE, CloudWatchFreshnessSink, newest_commit_timestamp,
                                          parse_commit_timestamp)
from lakehouse_curation.watermark import Watermark
from spark_helpers import curate, watermark

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 2, 12, 0, 0, tzinfo=UTC)
ARGS = ["--job_spec_uri", "s3://b/k", "--raw_root", "s3://r/", "--warehouse", "s3://w/"]


class FakeCloudWatch:
    def __init__(self, fail_with=None):
        self.calls = []
        self.fail_with = fail_with

    def put_metric_data(self, **kwargs):
        self.calls.append(kwargs)
        if self.fail_with is not None:
            raise self.fail_with


class RecordingSink:
    def __init__(self):
        self.records, self.flushes = [], 0

    def record(self, table, newest):
        self.records.append((table, newest))

    def flush(self):
        self.flushes += 1


def test_commit_timestamps_parse_as_utc_and_compare_by_time():
    assert parse_commit_timestamp("2026-11-01 12:01:00.123456") == dt.datetime(2026, 11, 1, 12, 1, 0, 123456, tzinfo=UTC)
    assert parse_commit_timestamp("2026-11-01T12:01:00Z") == dt.datetime(2026, 11, 1, 12, 1, tzinfo=UTC)
    assert parse_commit_timestamp("2026-11-01 12:01:00.1234567") == dt.datetime(2026, 11, 1, 12, 1, 0, 123456, tzinfo=UTC)
    assert [parse_commit_timestamp(v) for v in (None, "", "yesterday", "2026-13-01 00:00:00")] == [None] * 4
    assert newest_commit_timestamp("2026-11-01 12:00:00.5", None, "2026-11-01 12:00:00.123456", "junk") == "2026-11-01 12:00:00.5"
    assert newest_commit_timestamp(None, "junk") is None


def test_the_sink_publishes_one_metric_per_table_in_batches():
    client = FakeCloudWatch()
    sink = CloudWatchFreshnessSink(client, "orders", now=lambda: NOW, batch_size=2)
    sink.record("sales.a", "2026-11-02 11:59:00.000000")
    assert client.calls == []  # batched: nothing sent for the first table
    sink.record("sales.b", "2026-11-02 11:00:00.000000")
    sink.record("sales.c", "2026-11-02 11:59:59.500000")
    sink.record("sales.never", None)  # never curated: nothing to publish
    sink.flush()
    sink.flush()  # nothing pending: no call
    assert [len(c["MetricData"]) for c in client.calls] == [2, 1]
    assert {c["Namespace"] for c in client.calls} == {FRESHNESS_NAMESPACE}
    data = [d for c in client.calls for d in c["MetricData"]]
    assert data[0] == {"MetricName": FRESHNESS_METRIC, "Dimensions": [{"Name": "Source", "Value": "orders"}, {"Name": "Table", "Value": "sales.a"}],
                       "Timestamp": NOW, "Value": 60.0, "Unit": "Seconds"}
    assert [(d["Dimensions"][1]["Value"], d["Value"]) for d in data] == [("sales.a", 60.0), ("sales.b", 3600.0), ("sales.c", 0.5)]
    assert (sink.published, sink.failures) == (3, 0)


def test_a_commit_time_ahead_of_the_clock_is_fresh_not_negative():
    client = FakeCloudWatch()
    sink = CloudWatchFreshnessSink(client, "orders", now=lambda: NOW)
    sink.record("sales.a", "2026-11-02 12:00:05.000000")
    sink.flush()
    assert client.calls[0]["MetricData"][0]["Value"] == 0.0


def test_a_failed_publish_is_one_line_on_stderr_counted_and_not_raised():
    err = io.StringIO()
    sink = CloudWatchFreshnessSink(FakeCloudWatch(fail_with=RuntimeError("AccessDenied: not authorized\nto PutMetricData")), "orders",
                                   now=lambda: NOW, err=err)
    sink.record("sales.a", "2026-11-02 11:59:00")
    sink.record("sales.b", "2026-11-02 11:58:00")
    sink.flush()
    assert err.getvalue().count("\n") == 1
    assert err.getvalue() == ("lakehouse_curation: freshness metrics not published (2 data point(s), sales.a, sales.b): "
                              "AccessDenied: not authorized to PutMetricData\n")
    assert (sink.published, sink.failures) == (0, 2)


def test_the_job_argument_turns_publishing_on():
    made = []

    def client():
        made.append(1)
        return FakeCloudWatch()

    assert freshness_sink(parse_job_args(ARGS), client) is None
    assert made == []  # no client, no AWS call, without the argument
    sink = freshness_sink(parse_job_args(ARGS + ["--freshness_source", "orders"]), client)
    assert isinstance(sink, CloudWatchFreshnessSink) and sink.source == "orders" and made == [1]


def test_the_watermark_json_carries_the_high_water_mark_only_when_known():
    plain = Watermark("fp", "LOAD00000001.parquet", None, 1)
    assert "newestCommitTimestamp" not in json.loads(plain.to_json())  # as the TypeScript engines write it
    marked = Watermark("fp", "LOAD00000001.parquet", None, 1, "2026-11-01 12:01:00.000000")
    assert json.loads(marked.to_json())["newestCommitTimestamp"] == "2026-11-01 12:01:00.000000"
    assert Watermark.from_dict(json.loads(marked.to_json())) == marked


def test_the_job_records_the_newest_applied_commit_time_after_each_table_also_when_nothing_is_new(spark, raw_root, database):
    z = RawZone(raw_root, "public", "t", [("id", pa.int64()), ("v", pa.string())])
    z.load([{"id": 1, "v": "a", "_dms_commit_ts": "2026-11-01 11:00:00.000000"},
            {"id": 2, "v": "b", "_dms_commit_ts": "2026-11-01 11:30:00.250000"}])
    spec = sb.job_spec(sb.table_spec(database, "t"), sb.table_spec(database, "missing", source_table="missing"))
    sink = RecordingSink()
    curate(spark, spec, raw_root, freshness=sink)
    # the missing table was never curated (no raw file, no watermark): nothing recorded for it
    assert sink.records == [(f"{database}.t", "2026-11-01 11:30:00.250000")] and sink.flushes == 1
    assert watermark(spark, f"{database}.t").newest_commit_timestamp == "2026-11-01 11:30:00.250000"

    # a delete counts: it is a change applied; the max is by time, over every row of the batch
    z.cdc([{"Op": "U", "id": 1, "v": "a2", "_dms_commit_ts": "2026-11-01 12:05:00.000000"},
           {"Op": "D", "id": 2, "v": "b", "_dms_commit_ts": "2026-11-01 12:06:00.000000"}])
    sink = RecordingSink()
    curate(spark, spec, raw_root, freshness=sink, tables=[f"{database}.t"])
    assert sink.records == [(f"{database}.t", "2026-11-01 12:06:00.000000")]

    # up to date: the previous high-water mark again (freshness grows while the source is idle)
    sink = RecordingSink()
    result = curate(spark, spec, raw_root, freshness=sink, tables=[f"{database}.t"])[f"{database}.t"]
    assert result.kind == "up-to-date"
    assert sink.records == [(f"{database}.t", "2026-11-01 12:06:00.000000")]


def test_a_failed_table_still_reports_what_was_committed_before(spark, raw_root, database):
    z = RawZone(raw_root, "public", "t", [("id", pa.int64()), ("v", pa.string())])
    z.load([{"id": 1, "v": "a", "_dms_commit_ts": "2026-11-01 11:00:00.000000"}])
    spec = sb.job_spec(sb.table_spec(database, "t"))
    curate(spark, spec, raw_root)
    z.cdc([{"Op": "U", "id": 1, "v": 5}], columns=[("id", pa.int64()), ("v", pa.int64())])  # string to bigint: refused
    sink = RecordingSink()
    result = curate(spark, spec, raw_root, freshness=sink)[f"{database}.t"]
    assert result.status == "failed"
    assert sink.records == [(f"{database}.t", "2026-11-01 11:00:00.000000")] and sink.flushes == 1


def test_a_failing_publish_does_not_fail_curation(spark, raw_root, database, capsys):
    z = RawZone(raw_root, "public", "t", [("id", pa.int64()), ("v", pa.string())])
    z.load([{"id": 1, "v": "a", "_dms_commit_ts": "2026-11-01 11:00:00.000000"}])
    sink = CloudWatchFreshnessSink(FakeCloudWatch(fail_with=ConnectionError("endpoint unreachable")), "orders", now=lambda: NOW)
    result = curate(spark, sb.job_spec(sb.table_spec(database, "t")), raw_root, freshness=sink)[f"{database}.t"]
    assert (result.status, result.files_applied) == ("ok", 1)
    assert sink.failures == 1
    assert "lakehouse_curation: freshness metrics not published (1 data point(s)" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["", " "])
def test_an_empty_freshness_source_is_refused(value):
    from curate_table import JobArgumentError

    with pytest.raises(JobArgumentError, match="--freshness_source must be the source's name"):
        parse_job_args(ARGS + ["--freshness_source", value])
