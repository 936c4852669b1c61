"""The watermark: how far a curated table has got, kept in the Iceberg snapshot summary of the commit that applied the files.

Key ``lakehouse.watermark`` in the snapshot summary; value JSON with the fields of the TypeScript ``Watermark``
(``loadFingerprint``, ``lastFile``, ``lastCdcOrderKey``, ``filesApplied``; plus ``newestCommitTimestamp``, the newest
``_dms_commit_ts`` applied so far, for the freshness metric (:mod:`freshness`), absent when unknown), or ``null`` for "emptied, nothing
applied" (the truncate that starts a rebuild). The value is written by the very commit that changes the data
(see :func:`run_with_commit_properties`), so table and watermark cannot disagree: a run killed after the commit
finds the new watermark, a run killed before it finds the old one and the old data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

from .errors import describe_error

WATERMARK_KEY = "lakehouse.watermark"


@dataclass(frozen=True)
class Watermark:
    load_fingerprint: str
    last_file: str
    last_cdc_order_key: Optional[str]
    files_applied: int
    # the newest source commit time applied so far (the commit-timestamp column's high-water mark); None when unknown
    newest_commit_timestamp: Optional[str] = None

    def to_json(self) -> str:
        value = {"loadFingerprint": self.load_fingerprint, "lastFile": self.last_file,
                 "lastCdcOrderKey": self.last_cdc_order_key, "filesApplied": self.files_applied}
        if self.newest_commit_timestamp is not None:
            value["newestCommitTimestamp"] = self.newest_commit_timestamp
        return json.dumps(value, separators=(",", ":"))

    @staticmethod
    def from_dict(raw: Dict) -> "Watermark":
        return Watermark(str(raw["loadFingerprint"]), str(raw["lastFile"]),
                         None if raw.get("lastCdcOrderKey") is None else str(raw["lastCdcOrderKey"]),
                         int(raw["filesApplied"]),
                         None if raw.get("newestCommitTimestamp") is None else str(raw["newestCommitTimestamp"]))


class WatermarkError(RuntimeError):
    """A watermark that cannot be read or was not recorded."""


def parse_watermark(text: str, where: str) -> Optional[Watermark]:
    """The watermark stored as ``text``; None for ``null`` (table emptied for a rebuild)."""
    try:
        raw = json.loads(text)
        return None if raw is None else Watermark.from_dict(raw)
    except (ValueError, KeyError, TypeError) as err:
        raise WatermarkError(f"{where}: snapshot summary {WATERMARK_KEY}={text!r} is not a watermark ({err}); "
                             "reset the table (drop it) to rebuild it from the raw files") from err


def snapshot_chain(spark, qualified_table: str) -> List[Tuple[int, str, Dict[str, str]]]:
    """``(snapshot id, operation, summary)`` of the current snapshot and its ancestors, newest first (Iceberg's Java API)."""
    jvm = spark._jvm
    table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, qualified_table)
    table.refresh()
    chain = []
    snapshot = table.currentSnapshot()
    while snapshot is not None:
        chain.append((int(snapshot.snapshotId()), str(snapshot.operation()), dict(snapshot.summary())))
        parent = snapshot.parentId()
        snapshot = None if parent is None else table.snapshot(parent)
    return chain


def read_watermark(spark, qualified_table: str) -> Optional[Watermark]:
    """The watermark of the newest snapshot in the current snapshot's ancestry that carries one.

    Usually the current snapshot carries it (one lookup, however long the history); maintenance commits carry none,
    so older ancestors are searched. None when no snapshot carries one.
    """
    jvm = spark._jvm
    table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, qualified_table)
    table.refresh()
    snapshot = table.currentSnapshot()
    while snapshot is not None:
        value = snapshot.summary().get(WATERMARK_KEY)
        if value is not None:
            return parse_watermark(value, qualified_table)
        parent = snapshot.parentId()
        snapshot = None if parent is None else table.snapshot(parent)
    return None


def current_snapshot_watermark(spark, qualified_table: str) -> Optional[str]:
    """The raw ``lakehouse.watermark`` summary value of the current snapshot (None if absent or no snapshot)."""
    jvm = spark._jvm
    table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, qualified_table)
    table.refresh()
    snapshot = table.currentSnapshot()
    return None if snapshot is None else snapshot.summary().get(WATERMARK_KEY)


def stamp_watermark(spark, qualified_table: str, watermark: "Watermark") -> None:
    """Commits an empty snapshot carrying ``watermark`` (after maintenance, whose commits carry none)."""
    jvm = spark._jvm
    table = jvm.org.apache.iceberg.spark.Spark3Util.loadIcebergTable(spark._jsparkSession, qualified_table)
    table.refresh()
    table.newAppend().set(WATERMARK_KEY, watermark.to_json()).commit()


class CommitProperties:
    """Sets Iceberg's per-thread commit properties (``org.apache.iceberg.spark.CommitMetadata``) from PySpark.

    Iceberg's Spark writes (INSERT, MERGE / UPDATE / DELETE in copy-on-write and merge-on-read, metadata-only
    DELETE) copy ``CommitMetadata.commitProperties()`` into the snapshot summary of their commit. The public entry,
    ``CommitMetadata.withCommitProperties(map, Callable, Class)``, needs a JVM callable; instead this sets the same
    thread-local the callable would see, through reflection. PySpark's pinned-thread mode (the default since 3.2)
    runs every call of one Python thread on one JVM thread, so the ``spark.sql`` call that follows runs (and
    commits) on the thread that holds the properties.
    """

    def __init__(self, spark):
        jvm = spark._jvm
        loader = jvm.java.lang.Thread.currentThread().getContextClassLoader()
        try:
            cls = jvm.java.lang.Class.forName("org.apache.iceberg.spark.CommitMetadata", True, loader)
            field = cls.getDeclaredField("COMMIT_PROPERTIES")
            field.setAccessible(True)
        except Exception as err:  # py4j wraps the Java exception; describe_error names it
            raise WatermarkError(f"cannot reach org.apache.iceberg.spark.CommitMetadata.COMMIT_PROPERTIES ({describe_error(err)}); "
                                 "the Iceberg Spark runtime must be 1.7.x on the driver class path") from err
        self._thread_local = field.get(None)
        self._jvm = jvm

    def run(self, spark, statement: str, properties: Dict[str, str]):
        """Runs one SQL statement whose Iceberg commit carries ``properties`` in its snapshot summary."""
        java_map = self._jvm.java.util.HashMap()
        for key, value in properties.items():
            java_map.put(key, value)
        self._thread_local.set(java_map)
        try:
            return spark.sql(statement)
        finally:
            self._thread_local.remove()
