"""Writes Parquet files the way DMS lays them out: <root>/<schema>/<table>/LOAD00000001.parquet and CDC files named
by write time (optionally under date folders), the op column first, the commit timestamp as a string, the change
sequence last. Last-modified times are set explicitly (the reload rule compares them)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Dict, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.parquet as pq

EPOCH = dt.datetime(2026, 11, 1, 12, 0, 0)


class RawZone:
    def __init__(self, root: str, schema: str = "public", table: str = "t", columns: Sequence[Tuple[str, pa.DataType]] = (),
                 seq: Optional[str] = "_dms_change_seq", ts: str = "_dms_commit_ts"):
        self.root, self.schema, self.table = root, schema, table
        self.columns = list(columns)
        self.seq, self.ts = seq, ts
        self.clock = EPOCH
        self.seq_counter = 0
        os.makedirs(self.dir, exist_ok=True)

    @property
    def dir(self) -> str:
        return os.path.join(self.root, self.schema, self.table)

    def tick(self, seconds: int = 60) -> dt.datetime:
        self.clock += dt.timedelta(seconds=seconds)
        return self.clock

    def next_seq(self) -> str:
        self.seq_counter += 1
        return f"{self.seq_counter:035d}"

    def _table(self, rows: List[Dict], with_op: bool, columns) -> pa.Table:
        arrays, fields = [], []
        if with_op:
            fields.append(pa.field("Op", pa.string()))
            arrays.append(pa.array([r.get("Op", "I") for r in rows], pa.string()))
        fields.append(pa.field(self.ts, pa.string()))
        arrays.append(pa.array([r.get(self.ts, self.clock.strftime("%Y-%m-%d %H:%M:%S.%f")) for r in rows], pa.string()))
        for name, typ in columns:
            fields.append(pa.field(name, typ))
            arrays.append(pa.array([r.get(name) for r in rows], typ))
        if self.seq:
            fields.append(pa.field(self.seq, pa.string()))
            arrays.append(pa.array([r.get(self.seq) for r in rows], pa.string()))
        return pa.Table.from_arrays(arrays, schema=pa.schema(fields))

    def _write(self, relative: str, table: pa.Table, modified: dt.datetime) -> str:
        path = os.path.join(self.dir, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".tmp")
        pq.write_table(table, tmp, compression=os.environ.get("DMS_FILES_COMPRESSION", "snappy"))
        stamp = modified.replace(tzinfo=dt.timezone.utc).timestamp()
        os.utime(tmp, (stamp, stamp))
        os.rename(tmp, path)
        return path

    def load(self, rows: List[Dict], counter: int = 1, with_op: bool = True, columns=None, folder: str = "") -> str:
        """A LOAD file; rows get an empty change sequence, as DMS full-load rows may."""
        at = self.tick()
        for r in rows:
            r.setdefault(self.ts, at.strftime("%Y-%m-%d %H:%M:%S.%f"))
            r.setdefault(self.seq or "", "")
        name = f"LOAD{counter:08X}.parquet"
        return self._write(f"{folder}/{name}" if folder else name, self._table(rows, with_op, columns or self.columns), at)

    def cdc(self, changes: List[Dict], columns=None, date_folders: bool = False, at: Optional[dt.datetime] = None,
            modified: Optional[dt.datetime] = None) -> str:
        """A CDC file named by its write time; each change gets the next change sequence unless it has one."""
        at = at or self.tick()
        for c in changes:
            c.setdefault(self.ts, at.strftime("%Y-%m-%d %H:%M:%S.%f"))
            if self.seq and self.seq not in c:
                c[self.seq] = self.next_seq()
        name = at.strftime("%Y%m%d-%H%M%S") + f"{at.microsecond // 1000:03d}.parquet"
        relative = f"{at:%Y/%m/%d}/{name}" if date_folders else name
        return self._write(relative, self._table(changes, True, columns or self.columns), modified or at)

    def redeliver(self, path: str) -> str:
        """Delivers a CDC file again under a new name (DMS is at-least-once)."""
        at = self.tick()
        table = pq.read_table(path)
        name = at.strftime("%Y%m%d-%H%M%S") + f"{at.microsecond // 1000:03d}.parquet"
        return self._write(name, table, at)
