"""Per-table freshness: the CloudWatch metric both curation engines publish after each table's curation.

One definition (mirrors ``FRESHNESS_*`` of ``@cdc-lakehouse/curation-aws``; keep the two in step):
namespace ``CdcLakehouse/Curation``, metric ``FreshnessSeconds``, dimensions ``Source`` (the source name) and
``Table`` (the curated table, ``db.table``), unit Seconds, value = now minus the newest source commit time
(``_dms_commit_ts``) applied to the table so far. The newest commit time is a high-water mark kept in the table's
watermark (``newestCommitTimestamp``), so a run that applied nothing publishes the previous one: freshness grows
while the source is idle. A table that was never curated (no watermark) publishes nothing; neither does one whose
watermark predates the high-water mark, until its next applied batch.

Publishing is a sink handed to :func:`lakehouse_curation.job.run_job`: the Glue entry passes
:class:`CloudWatchFreshnessSink` when the job argument ``--freshness_source`` is set (GlueCurationJob sets it);
the local CLI and the tests pass none, or a fake. A failed ``PutMetricData`` is one line on stderr, counted in
``failures``, and never fails the curation.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Callable, Dict, List, Optional, Protocol, TextIO

FRESHNESS_NAMESPACE = "CdcLakehouse/Curation"
FRESHNESS_METRIC = "FreshnessSeconds"
FRESHNESS_SOURCE_DIMENSION = "Source"
FRESHNESS_TABLE_DIMENSION = "Table"
FRESHNESS_UNIT = "Seconds"
# data points per PutMetricData call: 20 is within every quota CloudWatch has had (20 MetricDatum per request
# before 2023, 1,000 since) and keeps each call small
FRESHNESS_BATCH_SIZE = 20

# DMS's commit-timestamp column: 'yyyy-MM-dd HH:mm:ss[.ffffff]' in UTC (Spark's cast of a timestamp reads the same)
_COMMIT_TS = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00:?00)?$")


def parse_commit_timestamp(text: Optional[str]) -> Optional[dt.datetime]:
    """A commit timestamp as an aware UTC datetime; None when ``text`` is None or not a timestamp."""
    if text is None:
        return None
    match = _COMMIT_TS.match(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    micros = int((match.group(7) or "0")[:6].ljust(6, "0"))
    try:
        return dt.datetime(year, month, day, hour, minute, second, micros, tzinfo=dt.timezone.utc)
    except ValueError:
        return None


def newest_commit_timestamp(*values: Optional[str]) -> Optional[str]:
    """The newest of the timestamps given (by time, not by spelling); None when none parses."""
    best: Optional[str] = None
    best_time: Optional[dt.datetime] = None
    for value in values:
        parsed = parse_commit_timestamp(value)
        if parsed is not None and (best_time is None or parsed > best_time):
            best, best_time = value, parsed
    return best


class FreshnessSink(Protocol):
    """Where :func:`run_job` reports each curated table's newest applied commit time."""

    def record(self, table: str, newest_commit_timestamp: Optional[str]) -> None: ...

    def flush(self) -> None: ...


class CloudWatchFreshnessSink:
    """Publishes ``FreshnessSeconds`` with a boto3 CloudWatch client, ``FRESHNESS_BATCH_SIZE`` data points a call.

    ``record`` computes the value when the table is done (its own timestamp) and sends a batch once it is full;
    ``flush`` sends the rest (run_job calls it at the end, also after a failed table). A failed call is one line on
    ``err`` (default: stderr) and adds its data points to ``failures``; curation goes on.
    """

    def __init__(self, client, source: str, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc),
                 err: Optional[TextIO] = None, batch_size: int = FRESHNESS_BATCH_SIZE):
        self.client, self.source, self.now, self.err = client, source, now, err
        self.batch_size = max(1, batch_size)
        self.pending: List[Dict] = []
        self.published = 0
        self.failures = 0

    def record(self, table: str, newest_commit_timestamp: Optional[str]) -> None:
        newest = parse_commit_timestamp(newest_commit_timestamp)
        if newest is None:
            return  # never curated, or a watermark from before the high-water mark: nothing to measure
        at = self.now()
        self.pending.append({
            "MetricName": FRESHNESS_METRIC,
            "Dimensions": [{"Name": FRESHNESS_SOURCE_DIMENSION, "Value": self.source},
                           {"Name": FRESHNESS_TABLE_DIMENSION, "Value": table}],
            "Timestamp": at,
            "Value": max(0.0, (at - newest).total_seconds()),
            "Unit": FRESHNESS_UNIT,
        })
        if len(self.pending) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        if not batch:
            return
        try:
            self.client.put_metric_data(Namespace=FRESHNESS_NAMESPACE, MetricData=batch)
            self.published += len(batch)
        except Exception as err:  # reported and counted; the tables are curated whether or not the metric is sent
            self.failures += len(batch)
            message = " ".join(str(err).split()) or type(err).__name__
            err_out = self.err or sys.stderr  # looked up now: a test or a wrapper may have replaced sys.stderr
            err_out.write(f"lakehouse_curation: freshness metrics not published ({len(batch)} data point(s), "
                           f"{', '.join(d['Dimensions'][1]['Value'] for d in batch)}): {message}\n")
            err_out.flush()
