"""A table's DMS raw files: listing, classification and apply plan.

A port of ``packages/curation/src/dms/raw-zone-layout.ts`` and ``raw-zone-reader.ts``; the two must give the
same answers (tests check this against ``packages/curation/test/golden/apply-plan-vectors.json``):

- LOAD files (``LOAD00000001.parquet``, hex counter) are ordered by counter, then path; CDC files
  (``20221023-013830913.parquet``) by the time in their name, then path. Files may sit in any sub-folder.
- CDC files last-modified before the load's earliest LOAD file are superseded by that load and never applied.
- The watermark records the load's fingerprint (path, size, last-modified of each LOAD file); when it changes,
  the table is rebuilt from the new load plus the CDC files after it.
- LOAD files gone without a new load, or a file appearing behind the watermark, stop the run.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Iterable, List, Optional, Protocol, Sequence, Tuple

from .spec import RawFormat
from .watermark import Watermark


class RawZoneError(RuntimeError):
    """A raw file the reader cannot classify, or a raw zone that contradicts the watermark.

    ``code`` is the TypeScript ``RawZoneErrorCode``: UNCLASSIFIED_FILE, LOAD_FILES_GONE, LATE_FILE, RAW_FILE_COLUMNS.
    """

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class RawObject:
    """One object below a table folder, as a lister sees it."""

    relative_path: str  # '/'-separated, below the table folder
    uri: str  # what Spark reads: an absolute local path or s3://bucket/key
    size_bytes: int
    modified_ms: int  # integer milliseconds since the epoch


@dataclass(frozen=True)
class ChangeFile:
    kind: str  # 'load' or 'cdc'
    uri: str
    relative_path: str
    name: str
    order_key: str
    size_bytes: int
    modified_ms: int


@dataclass(frozen=True)
class RawTableFiles:
    load: Tuple[ChangeFile, ...]
    changes: Tuple[ChangeFile, ...]
    superseded: Tuple[ChangeFile, ...]
    load_fingerprint: str
    load_started_ms: Optional[int]


@dataclass(frozen=True)
class ApplyPlan:
    kind: str  # 'initial' | 'reload' | 'incremental' | 'up-to-date'
    load: Tuple[ChangeFile, ...]
    changes: Tuple[ChangeFile, ...]
    files: RawTableFiles

    @property
    def rebuild(self) -> bool:
        return self.kind in ("initial", "reload")


class FileLister(Protocol):
    """Lists every object below a table folder (recursively)."""

    def list_table(self, table_folder: str) -> Iterable[RawObject]:
        """``table_folder`` is ``<schema>/<table>`` below the raw root; a missing folder lists nothing."""
        ...  # pragma: no cover

    def describe(self, table_folder: str) -> str:
        """The folder's full location, for messages."""
        ...  # pragma: no cover


class LocalDirectoryLister:
    """Lists a raw zone in a local directory (the local rehearsal; tests)."""

    def __init__(self, root: str):
        self.root = os.path.abspath(root)

    def describe(self, table_folder: str) -> str:
        return os.path.join(self.root, *table_folder.split("/"))

    def list_table(self, table_folder: str) -> Iterable[RawObject]:
        base = self.describe(table_folder)
        if not os.path.isdir(base):
            return []
        found: List[RawObject] = []
        for directory, subdirs, names in os.walk(base):
            subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))  # dot-folders are skipped, as in TS
            for name in names:
                path = os.path.join(directory, name)
                try:
                    stat = os.stat(path)
                except FileNotFoundError:
                    continue  # removed while listing (a reload replacing its LOAD files)
                relative = os.path.relpath(path, base).replace(os.sep, "/")
                found.append(RawObject(relative, path, stat.st_size, stat.st_mtime_ns // 1_000_000))
        return found


class S3Lister:
    """Lists a raw zone on S3 with paginated ListObjectsV2 (``client`` is a boto3 S3 client)."""

    def __init__(self, client, root_uri: str):
        if not root_uri.startswith("s3://"):
            raise ValueError(f"--raw_root must be an s3:// URI, got {root_uri!r}")
        bucket, _, prefix = root_uri[5:].partition("/")
        if not bucket:
            raise ValueError(f"--raw_root {root_uri!r} has no bucket")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")

    def _folder_prefix(self, table_folder: str) -> str:
        return "/".join(p for p in (self.prefix, table_folder.strip("/")) if p) + "/"

    def describe(self, table_folder: str) -> str:
        return f"s3://{self.bucket}/{self._folder_prefix(table_folder)}"

    def list_table(self, table_folder: str) -> Iterable[RawObject]:
        prefix = self._folder_prefix(table_folder)
        found: List[RawObject] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if key.endswith("/"):
                    continue  # folder marker
                modified = obj["LastModified"]
                found.append(RawObject(key[len(prefix):], f"s3://{self.bucket}/{key}", int(obj["Size"]),
                                       int(modified.timestamp() * 1000)))
        return found


def classify_raw_file_name(relative_path: str, raw_format: RawFormat = RawFormat()) -> Optional[Tuple[str, str]]:
    """``(kind, order_key)`` of a raw file; None for a name that is neither a LOAD nor a CDC name."""
    name = relative_path[relative_path.rfind("/") + 1:]
    load = re.search(raw_format.load_file_name, name)
    if load:
        # counter first, so a parallel-load sub-folder does not reorder the counters
        return "load", f"{load.group(1).upper()}|{relative_path}"
    cdc = re.search(raw_format.cdc_file_name, name)
    if cdc:
        return "cdc", f"{cdc.group(1)}{cdc.group(2)}|{relative_path}"
    return None


def _ignored(relative_path: str) -> bool:
    parts = relative_path.split("/")
    return any(p.startswith(".") for p in parts) or not parts[-1].endswith(".parquet")


def classify(objects: Iterable[RawObject], where: str, raw_format: RawFormat = RawFormat()) -> List[ChangeFile]:
    """Keeps the ``.parquet`` objects (dot-files and dot-folders ignored) and classifies them; refuses unknown names."""
    files: List[ChangeFile] = []
    for obj in objects:
        if _ignored(obj.relative_path):
            continue
        classified = classify_raw_file_name(obj.relative_path, raw_format)
        if classified is None:
            raise RawZoneError("UNCLASSIFIED_FILE", f"{where.rstrip('/')}/{obj.relative_path}: not a DMS file name (expected LOAD00000001.parquet "
                               "or 20221023-013830913.parquet); if DMS really writes such names, fix rawFormat.loadFileName / "
                               "cdcFileName (DMS_FACTS_TO_VERIFY); otherwise move the file out of the raw zone")
        kind, order_key = classified
        files.append(ChangeFile(kind, obj.uri, obj.relative_path, obj.relative_path.rsplit("/", 1)[-1], order_key,
                                int(obj.size_bytes), int(obj.modified_ms)))
    return files


def _js_sort_key(text: str) -> Tuple[int, ...]:
    # JavaScript compares strings by UTF-16 code units; so does this key
    data = text.encode("utf-16-be")
    return tuple(int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data), 2))


def fingerprint(load: Sequence[ChangeFile]) -> str:
    """sha256 hex of ``relativePath\\tsizeBytes\\tmodifiedMs`` lines of the LOAD files; '' without LOAD files."""
    if not load:
        return ""
    identity = "\n".join(f"{f.relative_path}\t{f.size_bytes}\t{f.modified_ms}" for f in load)
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def table_files(files: Iterable[ChangeFile]) -> RawTableFiles:
    """Splits classified files into the load, the CDC files after it, and the superseded ones."""
    all_files = list(files)
    load = sorted((f for f in all_files if f.kind == "load"), key=lambda f: _js_sort_key(f.order_key))
    cdc = sorted((f for f in all_files if f.kind == "cdc"), key=lambda f: _js_sort_key(f.order_key))
    started = min((f.modified_ms for f in load), default=None)
    after = [f for f in cdc if started is None or f.modified_ms >= started]
    before = [f for f in cdc if not (started is None or f.modified_ms >= started)]
    return RawTableFiles(tuple(load), tuple(after), tuple(before), fingerprint(load), started)


def list_table_files(lister: FileLister, table_folder: str, raw_format: RawFormat = RawFormat()) -> RawTableFiles:
    return table_files(classify(lister.list_table(table_folder), lister.describe(table_folder), raw_format))


def plan_apply(files: RawTableFiles, watermark: Optional[Watermark], where: str = "the raw table folder") -> ApplyPlan:
    """What to apply next; the same decisions as TypeScript ``planApply``."""
    if watermark is None:
        kind = "up-to-date" if len(files.load) + len(files.changes) == 0 else "initial"
        return ApplyPlan(kind, files.load, files.changes, files)
    if watermark.load_fingerprint != files.load_fingerprint:
        if not files.load:
            raise RawZoneError("LOAD_FILES_GONE", f"{where}: the LOAD files the curated table was built from are gone and no new load is present; "
                               "if the source table was truncated or reloaded, wait for the new LOAD files, or reset the curated "
                               "table to rebuild from the files present")
        return ApplyPlan("reload", files.load, files.changes, files)
    last = watermark.last_cdc_order_key
    last_key = None if last is None else _js_sort_key(last)
    changes = files.changes if last is None else tuple(f for f in files.changes if _js_sort_key(f.order_key) > last_key)
    older = len(files.load) + len(files.changes) - len(changes)
    if older > watermark.files_applied:
        raise RawZoneError("LATE_FILE", f"{where}: {older - watermark.files_applied} raw file(s) sort before the last applied file "
                           f"{watermark.last_file} but were not applied ({older} files up to it now, {watermark.files_applied} "
                           "applied): a late or restored file; reset the curated table to rebuild it from all files, or move "
                           "the file out of the raw zone")
    return ApplyPlan("up-to-date" if not changes else "incremental", (), tuple(changes), files)
