"""The fact table behind every statistic: one row per incident and munition line.

It is read from the store once and kept, in memory and as a Parquet file in
the user's cache, under the store's id and revision. Every committed change to
incidents bumps the revision, so a cached table is used only while it is
exact; otherwise it is rebuilt. This is Salvo's analytics read path: grouping
a million incidents in memory takes milliseconds, where SQL row scans take a
second.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import polars as pl
from sqlalchemy import text

from salvo.storage import Store

SCHEMA = {
    "incident_id": pl.String, "date": pl.Date, "date_precision": pl.String, "status": pl.String,
    "country": pl.String, "actor": pl.String, "affiliation": pl.String, "target_category": pl.String,
    "attribution": pl.String, "munition": pl.String, "count": pl.Int64, "intercepted": pl.Int64,
    "impacted": pl.Int64, "failed": pl.Int64,
}

_QUERY = """
SELECT i.id, i.date, i.date_precision, i.status, i.country,
       COALESCE(i.actor_id, i.actor_name), a.affiliation, i.target_category, i.attribution,
       COALESCE(m.munition_type, 'unknown'), m.count, m.intercepted, m.impacted, m.failed
FROM incidents i
LEFT JOIN munition_lines m ON m.incident_id = i.id
LEFT JOIN actors a ON a.id = i.actor_id
"""

_memory: dict[str, tuple[str, int, pl.DataFrame]] = {}


def cache_dir() -> Path:
    """Where fact tables are cached: $SALVO_CACHE_DIR, else the user's cache folder."""
    base = os.environ.get("SALVO_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "salvo"
    return Path(base)


def facts(store: Store) -> pl.DataFrame:
    """The store's fact table, exact for its current revision."""
    key = store.url
    store_id, revision = store.store_id(), store.revision()
    cached = _memory.get(key)
    if cached and cached[0] == store_id and cached[1] == revision:
        return cached[2]
    frame = _read_parquet(store, store_id, revision)
    if frame is None:
        frame = _with_calendar(_read_store(store))
        _write_parquet(store, store_id, revision, frame)
    _memory[key] = (store_id, revision, frame)
    return frame


def _read_store(store: Store) -> pl.DataFrame:
    # SQLite hands dates back as ISO text; PostgreSQL as dates.
    schema = {**SCHEMA, "date": pl.String} if store.is_sqlite else SCHEMA
    with store.engine.connect() as conn:
        cursor = conn.exec_driver_sql(_QUERY)
        batches = []
        while rows := cursor.fetchmany(200_000):
            batches.append(pl.DataFrame(rows, schema=schema, orient="row"))
    frame = pl.concat(batches) if batches else pl.DataFrame(schema=schema)
    if store.is_sqlite:
        frame = frame.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))
    return frame


def _with_calendar(frame: pl.DataFrame) -> pl.DataFrame:
    """Add year, quarter and month columns, null where the date is too coarse to say."""
    precision = pl.col("date_precision")
    fine = precision.is_in(["day", "week", "month"])
    return frame.with_columns(
        year=pl.col("date").dt.year(),
        quarter=pl.when(fine).then(pl.format("{}-Q{}", pl.col("date").dt.year(), pl.col("date").dt.quarter())),
        month=pl.when(fine).then(pl.col("date").dt.strftime("%Y-%m")),
    )


def _parquet_path(store: Store) -> Path | None:
    if store.is_sqlite and store.engine.url.database in (None, "", ":memory:"):
        return None
    digest = hashlib.sha1(store.url.encode()).hexdigest()[:16]
    return cache_dir() / f"facts-{digest}.parquet"


def _read_parquet(store: Store, store_id: str, revision: int) -> pl.DataFrame | None:
    path = _parquet_path(store)
    if path is None or not path.exists():
        return None
    try:
        stamp = json.loads(path.with_suffix(".json").read_text())
        if stamp != {"store_id": store_id, "revision": revision}:
            return None
        return pl.read_parquet(path)
    except (OSError, ValueError):
        return None


def _write_parquet(store: Store, store_id: str, revision: int, frame: pl.DataFrame) -> None:
    path = _parquet_path(store)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        frame.write_parquet(tmp)
        tmp.replace(path)
        path.with_suffix(".json").write_text(json.dumps({"store_id": store_id, "revision": revision}))
    except OSError:
        pass
