"""A bounded cache of fact tables, each kept under the stamp of the store state it was read from.

Two levels. In memory, an LRU bounded by a number of tables and a number of
bytes, for the repeated questions of one process (a web worker, a notebook).
On disk, one Parquet file per database in a folder every process of the user
shares, for the next command: its stamp is written into the file's own
metadata, so the data and the stamp cannot disagree, and it is written under a
temporary name of its own and moved into place with ``os.replace``, so that
processes writing at the same time never mix their bytes and a reader finds
one whole file or another. A stamp is whatever the caller says a table must
match to be used (salvo.analysis.facts: the store's state token and the fact
table's layout); the cache only compares them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import polars as pl

STAMP_KEY = "salvo.stamp"
STALE_TEMPORARY_SECONDS = 3600


@dataclass(frozen=True)
class _Kept:
    """A table kept in memory, the stamp it must match and its estimated size in bytes."""

    stamp: str
    frame: pl.DataFrame
    size: int


class FactCache:
    """Fact tables by key (a store's URL), each usable only under the stamp it was put with.

    ``folder`` holds the Parquet copies (None: memory only). At most
    ``max_entries`` tables and ``max_bytes`` of them are kept in memory, the
    least recently used going first (a table larger than ``max_bytes`` is not
    kept in memory at all); at most ``max_files`` copies are kept in the
    folder, the least recently written going first. Safe to share between
    threads.
    """

    def __init__(self, folder: Path | None = None, *, max_entries: int = 8, max_bytes: int = 1 << 30,
                 max_files: int = 32):
        self.folder = folder
        self.max_entries, self.max_bytes, self.max_files = max_entries, max_bytes, max_files
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, stamp: str, *, on_disk: bool = True) -> pl.DataFrame | None:
        """The table kept for `key` under `stamp`, from memory or else (`on_disk`) from its Parquet copy; else None.

        A table kept in memory under another stamp is dropped: the store has moved on from it.
        """
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and kept.stamp == stamp:
                self._kept.move_to_end(key)
                return kept.frame
            if kept is not None:
                del self._kept[key]
        frame = self._read(key, stamp) if on_disk else None
        if frame is not None:
            self._remember(key, stamp, frame)
        return frame

    def put(self, key: str, stamp: str, frame: pl.DataFrame, *, on_disk: bool = True) -> None:
        """Keep `frame` for `key` under `stamp`, in memory and (`on_disk`) as its Parquet copy."""
        self._remember(key, stamp, frame)
        if on_disk:
            self._write(key, stamp, frame)

    def clear(self) -> None:
        """Forget the tables kept in memory (the Parquet copies stay)."""
        with self._lock:
            self._kept.clear()

    def path(self, key: str) -> Path | None:
        """Where the Parquet copy for `key` is kept; None without a folder."""
        if self.folder is None:
            return None
        return self.folder / f"facts-{hashlib.sha1(key.encode()).hexdigest()[:16]}.parquet"

    def _remember(self, key: str, stamp: str, frame: pl.DataFrame) -> None:
        """Keep the table in memory, making room by dropping the least recently used."""
        size = frame.estimated_size()
        with self._lock:
            self._kept.pop(key, None)
            if size > self.max_bytes or self.max_entries < 1:
                return
            self._kept[key] = _Kept(stamp, frame, size)
            while len(self._kept) > self.max_entries or sum(k.size for k in self._kept.values()) > self.max_bytes:
                self._kept.popitem(last=False)

    def _read(self, key: str, stamp: str) -> pl.DataFrame | None:
        """The Parquet copy, if there is one and its own stamp is `stamp`.

        Stamp and data are read from one open file, so a copy moved into place
        by another process meanwhile cannot pair one's stamp with the other's data.
        """
        path = self.path(key)
        if path is None:
            return None
        try:
            with open(path, "rb") as file:
                if pl.read_parquet_metadata(file).get(STAMP_KEY) != stamp:
                    return None
                file.seek(0)
                return pl.read_parquet(file)
        except (OSError, ValueError, pl.exceptions.PolarsError):
            return None

    def _write(self, key: str, stamp: str, frame: pl.DataFrame) -> None:
        """Write the Parquet copy under a temporary name of this writer's own, then move it into place.

        A cache that cannot be written (a full disk, a read-only folder) is
        not an error: the next process reads the store instead.
        """
        path = self.path(key)
        if path is None:
            return
        temporary = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
            with os.fdopen(descriptor, "wb") as file:
                frame.write_parquet(file, metadata={STAMP_KEY: stamp})
            os.replace(temporary, path)
            temporary = None
            self._prune(path.parent)
        except (OSError, pl.exceptions.PolarsError):
            pass
        finally:
            if temporary is not None:
                Path(temporary).unlink(missing_ok=True)

    def _prune(self, folder: Path) -> None:
        """Keep the folder bounded: the newest `max_files` copies, and no temporary file older than an hour.

        A temporary file that old was left by a writer that died; a copy in
        use by another process may be deleted, as its open file stays readable.
        """
        copies = sorted(folder.glob("facts-*.parquet"), key=_mtime, reverse=True)
        for old in copies[self.max_files:]:
            old.unlink(missing_ok=True)
        for temporary in folder.glob(".facts-*.tmp"):
            if time.time() - _mtime(temporary) > STALE_TEMPORARY_SECONDS:
                temporary.unlink(missing_ok=True)


def _mtime(path: Path) -> float:
    """When the file was last written; 0 if it has gone meanwhile (another process pruned it)."""
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
