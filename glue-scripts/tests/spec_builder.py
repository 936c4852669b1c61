"""Contract-shaped job specs for tests whose table shapes the golden specs do not cover.

The golden specs written by the TypeScript generator (packages/curation/test/golden/spark-job-spec.*.json) are
what the job runs in production and what test_golden_specs.py runs. This builder makes specs of the same shape
(version 3, SQL reading ``__curation_changes`` / ``__curation_schema``) for the scenario tests, so they can pick
their own table names, keys and modes.
"""

from __future__ import annotations

import json
from typing import Dict, List, Optional, Sequence


def q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def table_spec(database: str, table: str, *, source_schema: str = "public", source_table: Optional[str] = None,
               primary_key: Sequence[str] = ("id",), mode: str = "merge", deletes: str = "hard",
               partition_by: Sequence[Dict] = (), columns: Optional[List[Dict]] = None, seq: Optional[str] = "_dms_change_seq",
               ts: str = "_dms_commit_ts", op: str = "Op", catalog: str = "glue_catalog", maintenance: bool = False,
               deleted: str = "_is_deleted", deleted_at: str = "_deleted_at") -> Dict:
    name = f"{catalog}.{q(database)}.{q(table)}"
    order = ([f"c.{q(seq)} DESC"] if seq else []) + [f"c.{q(ts)} DESC NULLS LAST", f"c.{q('_file_order')} DESC", f"c.{q('_row_in_file')} DESC"]
    newer = (f"(s.{q(seq)} > t.{q(seq)} OR (s.{q(seq)} = t.{q(seq)} AND s.{q(ts)} > t.{q(ts)}))" if seq
             else f"s.{q(ts)} > t.{q(ts)}")
    soft = deletes == "soft"
    extra = (f", s.{q(op)} = 'D' AS {q(deleted)}, CASE WHEN s.{q(op)} = 'D' THEN CAST(s.{q(ts)} AS TIMESTAMP_NTZ) END AS {q(deleted_at)}"
             if soft else "")
    if mode == "append-only":
        merge = (f"MERGE INTO {name} AS t USING (SELECT * FROM {q('__curation_changes')} WHERE {q(op)} <> 'D') AS s "
                 "ON false WHEN NOT MATCHED THEN INSERT *")
    else:
        on = " AND ".join(f"t.{q(k)} = s.{q(k)}" for k in primary_key)
        latest = (f"SELECT * FROM (SELECT c.*, row_number() OVER (PARTITION BY {', '.join('c.' + q(k) for k in primary_key)} "
                  f"ORDER BY {', '.join(order)}) AS {q('_change_rank')} FROM {q('__curation_changes')} AS c) WHERE {q('_change_rank')} = 1")
        source = f"(SELECT s.*{extra} FROM ({latest}) AS s)"
        delete = "UPDATE SET *" if soft else "DELETE"
        merge = (f"MERGE INTO {name} AS t USING {source} AS s ON {on} "
                 f"WHEN MATCHED AND s.{q(op)} = 'D' AND {newer} THEN {delete} "
                 f"WHEN MATCHED AND {newer} THEN UPDATE SET * "
                 f"WHEN NOT MATCHED{'' if soft else f' AND s.{q(op)} <> ' + repr('D')} THEN INSERT *")
    transforms = {"day": "days", "month": "months", "year": "years", "hour": "hours"}
    partitions = ", ".join(f"{transforms[p['transform']]}({q(p['column'])})" if p["transform"] in transforms else q(p["column"])
                           for p in partition_by)
    create = (f"CREATE TABLE IF NOT EXISTS {name} USING iceberg "
              + (f"PARTITIONED BY ({partitions}) " if partitions else "")
              + "TBLPROPERTIES ('format-version' = '2', 'write.merge.mode' = 'merge-on-read', 'write.update.mode' = 'merge-on-read', "
              "'write.delete.mode' = 'merge-on-read') AS SELECT * FROM `__curation_schema`")
    spec = {
        "name": f"{database}.{table}", "database": database, "table": table,
        "source": {"schema": source_schema, "table": source_table or table},
        "mode": mode, "deletes": deletes, "primaryKey": list(primary_key), "nullableKey": False,
        "partitionBy": list(partition_by),
        "sql": {
            "createDatabase": f"CREATE NAMESPACE IF NOT EXISTS {catalog}.{q(database)}",
            "createTable": create,
            "addColumn": f"ALTER TABLE {name} ADD COLUMNS ({{column}} {{type}})",
            "widenColumn": f"ALTER TABLE {name} ALTER COLUMN {{column}} TYPE {{type}}",
            "truncate": f"DELETE FROM {name}",
            "merge": merge,
            "maintenance": ([f"CALL {catalog}.system.rewrite_data_files(table => '{database}.{table}')",
                             f"CALL {catalog}.system.expire_snapshots(table => '{database}.{table}', retain_last => 1)"]
                            if maintenance else []),
        },
    }
    if columns is not None:
        spec["columns"] = columns
    if soft:
        spec["softDeleteColumns"] = {"deleted": deleted, "deletedAt": deleted_at}
    return spec


def job_spec(*tables: Dict, seq: Optional[str] = "_dms_change_seq", ts: str = "_dms_commit_ts") -> Dict:
    return {
        "version": 3, "catalog": "glue_catalog",
        "rawFormat": {"opColumn": "Op", "commitTimestampColumn": ts, "changeSequenceColumn": seq,
                      "opValues": {"insert": "I", "update": "U", "delete": "D"},
                      "loadFileName": "^LOAD([0-9A-Fa-f]{8})\\.parquet$", "cdcFileName": "^(\\d{8})-(\\d{9})\\.parquet$"},
        "tables": list(tables),
    }


def dumps(spec: Dict) -> str:
    return json.dumps(spec, indent=2)
