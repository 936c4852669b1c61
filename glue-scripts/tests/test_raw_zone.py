"""The raw-zone port against the TypeScript rules (no Spark)."""

import datetime as dt
import json
import os

import pytest

from conftest import GOLDEN_DIR
from lakehouse_curation.raw_zone import (ChangeFile, LocalDirectoryLister, RawObject, RawZoneError, S3Lister, classify,
                                         classify_raw_file_name, fingerprint, list_table_files, plan_apply, table_files)
from lakehouse_curation.watermark import Watermark

VECTORS = os.path.join(GOLDEN_DIR, "apply-plan-vectors.json")


def obj(path, size=100, modified=1000):
    return RawObject(path, "/raw/public/t/" + path, size, modified)


def files(*objects):
    return table_files(classify(objects, "/raw/public/t"))


def test_names_classify_like_the_typescript_reader():
    assert classify_raw_file_name("LOAD0000000a.parquet") == ("load", "0000000A|LOAD0000000a.parquet")
    assert classify_raw_file_name("p1/LOAD00000002.parquet") == ("load", "00000002|p1/LOAD00000002.parquet")
    assert classify_raw_file_name("2022/10/23/20221023-013830913.parquet") == ("cdc", "20221023013830913|2022/10/23/20221023-013830913.parquet")
    assert classify_raw_file_name("LOAD1.parquet") is None
    assert classify_raw_file_name("20221023-0138309.parquet") is None


def test_load_files_sort_by_counter_across_folders_and_cdc_by_time_then_path():
    listing = files(obj("b/LOAD00000002.parquet"), obj("a/LOAD00000003.parquet"), obj("z/LOAD00000001.parquet"),
                    obj("20221023-013830913.parquet", modified=2000), obj("2022/20221023-013830913.parquet", modified=2000),
                    obj("20221022-000000000.parquet", modified=2000))
    assert [f.relative_path for f in listing.load] == ["z/LOAD00000001.parquet", "b/LOAD00000002.parquet", "a/LOAD00000003.parquet"]
    assert [f.relative_path for f in listing.changes] == ["20221022-000000000.parquet", "2022/20221023-013830913.parquet",
                                                          "20221023-013830913.parquet"]


def test_cdc_files_older_than_the_load_are_superseded():
    listing = files(obj("LOAD00000001.parquet", modified=5000), obj("20221023-000000001.parquet", modified=4999),
                    obj("20221023-000000002.parquet", modified=5000))
    assert [f.name for f in listing.superseded] == ["20221023-000000001.parquet"]
    assert [f.name for f in listing.changes] == ["20221023-000000002.parquet"]
    assert listing.load_started_ms == 5000


def test_fingerprint_is_sha256_of_path_size_mtime_lines():
    import hashlib

    listing = files(obj("LOAD00000001.parquet", 10, 1), obj("LOAD00000002.parquet", 20, 2))
    expected = hashlib.sha256(b"LOAD00000001.parquet\t10\t1\nLOAD00000002.parquet\t20\t2").hexdigest()
    assert listing.load_fingerprint == expected == fingerprint(listing.load)
    assert files(obj("20221023-000000001.parquet")).load_fingerprint == ""


def test_unknown_parquet_names_are_refused_and_other_files_ignored():
    assert files(obj(".LOAD00000001.parquet.tmp"), obj("notes.txt"), obj(".staging/x.parquet")).load == ()
    with pytest.raises(RawZoneError, match="part-0001.parquet: not a DMS file name"):
        files(obj("part-0001.parquet"))


def test_plan_kinds_initial_incremental_up_to_date_reload():
    listing = files(obj("LOAD00000001.parquet", modified=1), obj("20221023-000000001.parquet", modified=2),
                    obj("20221023-000000002.parquet", modified=3))
    initial = plan_apply(listing, None)
    assert (initial.kind, len(initial.load), len(initial.changes)) == ("initial", 1, 2)
    mid = Watermark(listing.load_fingerprint, "20221023-000000001.parquet", listing.changes[0].order_key, 2)
    incremental = plan_apply(listing, mid)
    assert (incremental.kind, [f.name for f in incremental.changes]) == ("incremental", ["20221023-000000002.parquet"])
    done = Watermark(listing.load_fingerprint, "20221023-000000002.parquet", listing.changes[1].order_key, 3)
    assert plan_apply(listing, done).kind == "up-to-date"
    reloaded = files(obj("LOAD00000001.parquet", modified=10), obj("20221023-000000001.parquet", modified=2),
                     obj("20221023-000000003.parquet", modified=11))
    reload = plan_apply(reloaded, done)
    assert (reload.kind, [f.name for f in reload.changes]) == ("reload", ["20221023-000000003.parquet"])
    assert plan_apply(files(), None).kind == "up-to-date"


def test_refused_states_name_the_cause():
    listing = files(obj("LOAD00000001.parquet", modified=1), obj("20221023-000000002.parquet", modified=3))
    done = Watermark(listing.load_fingerprint, "20221023-000000002.parquet", listing.changes[0].order_key, 2)
    with pytest.raises(RawZoneError, match="LOAD files the curated table was built from are gone"):
        plan_apply(files(obj("20221023-000000002.parquet", modified=3)), done, "/raw/public/t")
    late = files(obj("LOAD00000001.parquet", modified=1), obj("20221023-000000001.parquet", modified=5),
                 obj("20221023-000000002.parquet", modified=3))
    with pytest.raises(RawZoneError, match="1 raw file\\(s\\) sort before the last applied file 20221023-000000002.parquet"):
        plan_apply(late, done)


def test_local_lister_walks_sub_folders_with_integer_mtimes(tmp_path):
    table = tmp_path / "public" / "t" / "2022" / "10"
    table.mkdir(parents=True)
    (table / "20221023-013830913.parquet").write_bytes(b"x" * 7)
    os.utime(table / "20221023-013830913.parquet", ns=(1_700_000_000_123_456_789, 1_700_000_000_123_456_789))
    (tmp_path / "public" / "t" / ".hidden").mkdir()
    (tmp_path / "public" / "t" / ".hidden" / "LOAD00000001.parquet").write_bytes(b"")
    listing = list_table_files(LocalDirectoryLister(str(tmp_path)), "public/t")
    assert [(f.relative_path, f.size_bytes, f.modified_ms) for f in listing.changes] == [("2022/10/20221023-013830913.parquet", 7, 1_700_000_000_123)]
    assert listing.load == ()
    assert list(LocalDirectoryLister(str(tmp_path)).list_table("public/missing")) == []


class FakePaginator:
    def __init__(self, pages):
        self.pages, self.calls = pages, []

    def paginate(self, **kwargs):
        self.calls.append(kwargs)
        return iter(self.pages)


class FakeS3:
    def __init__(self, pages):
        self.paginator = FakePaginator(pages)

    def get_paginator(self, name):
        assert name == "list_objects_v2"
        return self.paginator


def test_s3_lister_pages_through_list_objects_v2():
    t = dt.datetime(2026, 11, 1, 12, 0, 0, tzinfo=dt.timezone.utc)
    client = FakeS3([
        {"Contents": [{"Key": "dms/src/public/orders/LOAD00000001.parquet", "Size": 10, "LastModified": t},
                      {"Key": "dms/src/public/orders/2026/11/01/", "Size": 0, "LastModified": t}]},
        {"Contents": [{"Key": "dms/src/public/orders/2026/11/01/20261101-120100000.parquet", "Size": 5,
                       "LastModified": t + dt.timedelta(minutes=1)}]},
        {},
    ])
    lister = S3Lister(client, "s3://bucket/dms/src/")
    listing = list_table_files(lister, "public/orders")
    assert client.paginator.calls == [{"Bucket": "bucket", "Prefix": "dms/src/public/orders/"}]
    assert [(f.uri, f.modified_ms) for f in listing.load] == [("s3://bucket/dms/src/public/orders/LOAD00000001.parquet", int(t.timestamp() * 1000))]
    assert [f.relative_path for f in listing.changes] == ["2026/11/01/20261101-120100000.parquet"]
    assert lister.describe("public/orders") == "s3://bucket/dms/src/public/orders/"
    with pytest.raises(ValueError, match="--raw_root must be an s3:// URI"):
        S3Lister(client, "/local/dir")


def _vector_files(listing):
    return [RawObject(e["relativePath"], "/raw/" + e["relativePath"], int(e["sizeBytes"]), int(e["modifiedMs"])) for e in listing]


def _load_vectors():
    if not os.path.exists(VECTORS):
        return []
    with open(VECTORS, encoding="utf-8") as f:
        data = json.load(f)
    return data["vectors"] if isinstance(data, dict) else data


@pytest.mark.skipif(not os.path.exists(VECTORS), reason=f"{VECTORS} not generated yet (helper A's golden apply-plan vectors)")
@pytest.mark.parametrize("vector", _load_vectors(), ids=lambda v: str(v.get("name", "vector")) if isinstance(v, dict) else "none")
def test_apply_plan_vectors_from_the_typescript_reader(vector):
    """Each vector: a listing and a watermark in, the TypeScript planApply's answer out (plan or error code)."""
    from lakehouse_curation.job import Batch, batch_watermark

    raw_watermark = vector.get("watermark")
    watermark = None if raw_watermark is None else Watermark.from_dict(raw_watermark)
    expected = vector["expected"]
    try:
        listing = table_files(classify(_vector_files(vector["listing"]), "/raw"))
        plan = plan_apply(listing, watermark)
    except RawZoneError as err:
        assert err.code == expected.get("error"), f"Python refused with {err.code} ({err}); TypeScript answered {expected}"
        return
    assert "error" not in expected, f"TypeScript refused ({expected['error']}), Python planned {plan.kind}"
    assert plan.kind == expected["kind"]
    assert [f.relative_path for f in plan.load] == expected["load"]
    assert [f.relative_path for f in plan.changes] == expected["changes"]
    assert [f.relative_path for f in listing.superseded] == expected["superseded"]
    assert listing.load_fingerprint == expected["loadFingerprint"]
    assert listing.load_started_ms == expected["loadStartedMs"]
    keys = {f.relative_path: f.order_key for f in list(plan.load) + list(plan.changes)}
    assert {p: keys.get(p) for p in expected["orderKeys"]} == expected["orderKeys"]
    files = tuple(plan.load) + tuple(plan.changes)
    after = batch_watermark(Batch(files, plan.rebuild), plan, watermark) if files else watermark
    want = expected["watermarkAfter"]
    assert (None if after is None else json.loads(after.to_json())) == want
