"""The local CLI (what `lakehouse local curate --engine spark` runs), including SIGKILL right after the Iceberg commit."""

import io
import json
import os
import signal
import subprocess
import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import spec_builder as sb
from conftest import GLUE_SCRIPTS
from dms_files import RawZone
from spark_helpers import curate, data, snapshots, watermark

SRC = os.path.join(GLUE_SCRIPTS, "src")


def cli(*args, env=None, check=None, cwd=None):
    environ = dict(os.environ, PYTHONPATH=SRC, **(env or {}))
    environ.pop("LAKEHOUSE_CURATION_KILL_AT", None) if not env or "LAKEHOUSE_CURATION_KILL_AT" not in env else None
    proc = subprocess.run([sys.executable, "-m", "lakehouse_curation", *args], capture_output=True, text=True, env=environ, timeout=300,
                          cwd=cwd)
    if check is not None:
        assert proc.returncode == check, f"exit {proc.returncode}\nstdout: {proc.stdout}\nstderr: {proc.stderr[-3000:]}"
    return proc


def processes_with_env(marker):
    """Live processes whose environment holds ``marker`` (the CLI's Python and the JVM it launched inherit it)."""
    found = set()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                if marker.encode() in f.read():
                    with open(f"/proc/{pid}/stat") as stat:
                        if stat.read().split(") ")[-1].startswith("Z"):
                            continue  # a zombie has exited already
                    found.add(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("argv,message", [
    (["curate", "--raw", "/tmp", "--warehouse", "/tmp/w"], "the following arguments are required: --spec"),
    (["curate", "--spec", "/nope.json", "--raw", "/tmp", "--warehouse", "/tmp/w"], "--spec /nope.json: no such file"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["export", "--warehouse", "/tmp/w", "--out", "/tmp/o"], "one of the arguments --table --tables is required"),
    (["export", "--warehouse", "/tmp/w", "--table", "db.t", "--tables", "db.t", "--out", "/tmp/o"], "not allowed with argument"),
    (["export", "--warehouse", "/tmp/w", "--tables", "db.t,nodot", "--out", "/tmp/o"], "--tables: 'nodot' is not db.table"),
    (["export", "--warehouse", "/tmp/w", "--table", "a.b.c", "--out", "/tmp/o"], "--table: 'a.b.c' is not db.table"),
    (["export", "--warehouse", "/tmp/w", "--tables", " , ", "--out", "/tmp/o"], "expected db.table[,db.table...]"),
])
def test_usage_errors_exit_2_with_one_line(argv, message):
    proc = cli(*argv, check=2)
    assert proc.stderr.count("\n") == 1 and message in proc.stderr and proc.stderr.startswith("lakehouse_curation: ")


def test_unknown_tables_and_bad_specs_are_usage_errors(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(sb.dumps(sb.job_spec(sb.table_spec("db", "t"))))
    proc = cli("curate", "--spec", str(spec), "--raw", str(tmp_path), "--warehouse", str(tmp_path / "w"), "--tables", "db.x", check=2)
    assert "--tables names db.x, not in the job spec (tables: db.t)" in proc.stderr
    spec.write_text(json.dumps({"version": 1}))
    proc = cli("curate", "--spec", str(spec), "--raw", str(tmp_path), "--warehouse", str(tmp_path / "w"), check=2)
    assert "job spec version 1 is not supported; expected 3" in proc.stderr


def test_sigkill_right_after_the_iceberg_commit_then_rerun_changes_nothing(spark, warehouse, tmp_path, database):
    raw_root = str(tmp_path / "raw")
    zone = RawZone(raw_root, "public", "t", [("id", pa.int64()), ("v", pa.string())])
    zone.load([{"id": 1, "v": "a"}, {"id": 2, "v": "b"}])
    zone.cdc([{"Op": "U", "id": 1, "v": "a2"}, {"Op": "I", "id": 3, "v": "c"}])
    spec = tmp_path / "spec.json"
    spec.write_text(sb.dumps(sb.job_spec(sb.table_spec(database, "t", mode="append-only", primary_key=()),
                                         sb.table_spec(database, "m", source_table="t"))))
    args = ["curate", "--spec", str(spec), "--raw", raw_root, "--warehouse", warehouse]
    marker = f"LAKEHOUSE_TEST_MARKER={database}"
    killed = cli(*args, env={"LAKEHOUSE_CURATION_KILL_AT": f"{database}.t:merged:0", "LAKEHOUSE_TEST_MARKER": database})
    assert killed.returncode == -signal.SIGKILL, killed.stderr[-2000:]
    deadline = time.time() + 30
    while processes_with_env(marker) and time.time() < deadline:
        time.sleep(0.5)  # the JVM exits when its Python parent's pipe closes
    assert not processes_with_env(marker), "the JVM of the killed CLI outlived it"
    committed = snapshots(spark, f"{database}.t")
    assert json.loads(committed[-1][2])["filesApplied"] == 2  # the commit landed, with its watermark, before the kill
    assert not spark.catalog.tableExists(f"glue_catalog.{database}.m")  # the run died before the next table

    rerun = cli(*args, check=0)
    lines = [json.loads(line) for line in rerun.stdout.splitlines()]
    assert [(r["table"], r["status"], r["kind"], r["filesApplied"]) for r in lines] == [
        (f"{database}.t", "ok", "up-to-date", 0), (f"{database}.m", "ok", "initial", 2)]
    assert snapshots(spark, f"{database}.t") == committed  # the table is unchanged: no duplicate, no rewrite
    assert data(spark, f"{database}.t", order="id, v") == [(1, "a"), (1, "a2"), (2, "b"), (3, "c")]
    assert data(spark, f"{database}.m") == [(1, "a2"), (2, "b"), (3, "c")]
    assert watermark(spark, f"{database}.t") == watermark(spark, f"{database}.m")



def test_cli_in_process_failing_table_query_and_export(spark, warehouse, tmp_path, database, capsys):
    """The same main() in this process (the session fixture's JVM): exit 1 naming a failed table, query, export."""
    from lakehouse_curation.__main__ import main

    raw = tmp_path / "raw"
    RawZone(str(raw), "public", "ok", [("id", pa.int64()), ("v", pa.string())]).load([{"id": 1, "v": "a"}, {"id": 2, "v": None}])
    (raw / "public" / "bad").mkdir(parents=True)
    (raw / "public" / "bad" / "part-0.parquet").write_bytes(b"x")
    spec = tmp_path / "spec.json"
    spec.write_text(sb.dumps(sb.job_spec(sb.table_spec(database, "bad"), sb.table_spec(database, "ok"))))
    assert main(["curate", "--spec", str(spec), "--raw", str(raw), "--warehouse", warehouse]) == 1
    captured = capsys.readouterr()
    bad, ok = [json.loads(line) for line in captured.out.splitlines()]
    assert (bad["table"], bad["status"], ok["status"], ok["filesApplied"]) == (f"{database}.bad", "failed", "ok", 1)
    assert "part-0.parquet: not a DMS file name" in bad["error"]
    assert f"lakehouse_curation: table {database}.bad: " in captured.err

    assert main(["query", "--warehouse", warehouse, f"SELECT id, v FROM {database}.ok ORDER BY id"]) == 0
    assert [json.loads(line) for line in capsys.readouterr().out.splitlines()] == [{"id": 1, "v": "a"}, {"id": 2, "v": None}]
    assert main(["query", "--warehouse", warehouse, "SELECT * FROM nowhere.none"]) == 1
    assert "query failed: org.apache.spark.sql.catalyst.ExtendedAnalysisException: [TABLE_OR_VIEW_NOT_FOUND]" in capsys.readouterr().err

    out = tmp_path / "export"
    assert main(["export", "--warehouse", warehouse, "--table", f"{database}.ok", "--out", str(out)]) == 0
    exported = pq.read_table(str(out)).to_pylist()
    assert sorted((r["id"], r["v"] or "") for r in exported) == [(1, "a"), (2, "")]
    assert set(exported[0]) == {"id", "v", "_dms_commit_ts", "_dms_change_seq"}
    assert main(["export", "--warehouse", warehouse, "--table", f"{database}.missing", "--out", str(out)]) == 1


def test_query_output_formats(spark):
    from lakehouse_curation.__main__ import _print_rows

    df = spark.sql("SELECT 1 AS id, 'a,b' AS v, CAST(1.50 AS DECIMAL(4,2)) AS d, CAST(NULL AS STRING) AS n")
    outputs = {}
    for fmt in ("json", "csv", "table"):
        buffer = io.StringIO()
        _print_rows(df, fmt, buffer)
        outputs[fmt] = buffer.getvalue()
    assert outputs["json"] == '{"id": 1, "v": "a,b", "d": "1.50", "n": null}\n'
    assert outputs["csv"].splitlines() == ["id,v,d,n", '1,"a,b",1.50,']
    assert outputs["table"].splitlines() == ["id | v   | d    | n", "---+-----+------+-----", "1  | a,b | 1.50 | NULL"]


def test_query_rows_format_names_the_spark_types_first(spark):
    """The format the local CLI streams: the columns with their Spark types, then one JSON array per row (names may repeat)."""
    from lakehouse_curation.__main__ import _print_rows

    df = spark.sql("SELECT 9007199254740993 AS id, CAST(1.50 AS DECIMAL(4,2)) AS d, true AS b, DATE'2026-12-01' AS day, "
                   "array(1, 2) AS xs, 'x' AS id")
    buffer = io.StringIO()
    _print_rows(df, "rows", buffer)
    lines = buffer.getvalue().splitlines()
    assert json.loads(lines[0]) == {"columns": [
        {"name": "id", "type": "bigint"}, {"name": "d", "type": "decimal(4,2)"}, {"name": "b", "type": "boolean"},
        {"name": "day", "type": "date"}, {"name": "xs", "type": "array<int>"}, {"name": "id", "type": "string"},
    ]}
    assert lines[1:] == ['[9007199254740993, "1.50", true, "2026-12-01", [1, 2], "x"]']


def test_export_of_several_tables_writes_one_folder_per_table(spark, warehouse, tmp_path, database):
    """`export --tables` in one process: <out>/<db>.<t>/ per table (an empty table too), a missing table reported; and
    no spark-warehouse/ in the caller's working directory."""
    raw = tmp_path / "raw"
    RawZone(str(raw), "public", "a", [("id", pa.int64()), ("v", pa.string())]).load([{"id": 1, "v": "x"}, {"id": 2, "v": "y"}])
    declared = [{"name": "id", "type": "bigint"}, {"name": "v", "type": "string"}]
    spec = sb.job_spec(sb.table_spec(database, "a"), sb.table_spec(database, "b", columns=declared))
    results = curate(spark, spec, str(raw))
    assert [(r.status, r.kind) for r in results.values()] == [("ok", "initial"), ("ok", "up-to-date")]
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("not the exporter's")
    cwd = tmp_path / "cwd"
    cwd.mkdir()

    a, b, missing = f"{database}.a", f"{database}.b", f"{database}.missing"
    proc = cli("export", "--warehouse", warehouse, "--tables", f"{a},{b},{missing},{a}", "--out", str(out), cwd=str(cwd), check=1)
    assert [json.loads(line) for line in proc.stdout.splitlines()] == [
        {"table": a, "status": "ok", "out": str(out / a)}, {"table": b, "status": "ok", "out": str(out / b)},
        {"table": missing, "status": "failed", "error": f"table {missing} does not exist in {warehouse}"}]
    assert f"lakehouse_curation: table {missing} does not exist in {warehouse}" in proc.stderr
    assert sorted(os.listdir(out)) == sorted([a, b, "keep.txt"])
    exported_a = pq.read_table(str(out / a))
    assert sorted((r["id"], r["v"]) for r in exported_a.to_pylist()) == [(1, "x"), (2, "y")]
    exported_b = pq.read_table(str(out / b))  # the empty table: a Parquet file with its columns and no row
    assert (exported_b.num_rows, exported_b.column_names) == (0, ["id", "v", "_dms_commit_ts", "_dms_change_seq"])
    assert any(name.endswith(".parquet") for name in os.listdir(out / b))
    assert os.listdir(cwd) == []  # no spark-warehouse/ (nor anything else) where the CLI ran

    ok = cli("export", "--warehouse", warehouse, "--tables", b, "--out", str(out), cwd=str(cwd), check=0)
    assert [json.loads(line)["status"] for line in ok.stdout.splitlines()] == ["ok"]
    assert sorted(os.listdir(out)) == sorted([a, b, "keep.txt"])  # only b's folder was replaced
