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

from salvo.storage import Store

SCHEMA = {
    "incident_id": pl.String, "date": pl.Date, "date_precision": pl.String, "status": pl.String,
    "country": pl.String, "actor": pl.String, "affiliation": pl.String, "target_category": pl.String,
    "attribution": pl.String, "munition": pl.String, "count": pl.Int64, "intercepted": pl.Int64,
    "impacted": pl.Int64, "failed": pl.Int64,
}

# Tombstones (incidents merged into others) and incidents out of the tracker's scope are never counted;
# their munition lines fall away in the join.
_INCIDENTS = ("SELECT id, date, date_precision, status, country, COALESCE(actor_id, actor_name), actor_id, "
              "target_category, attribution FROM incidents WHERE merged_into IS NULL AND in_scope")
_LINES = "SELECT incident_id, munition_type, count, intercepted, impacted, failed FROM munition_lines"
_ACTORS = "SELECT id, affiliation FROM actors"

LAYOUT = 4  # bump when the fact table's columns change, so old cached copies are rebuilt
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
        frame = _analytic(_read_store(store))
        _write_parquet(store, store_id, revision, frame)
    _memory[key] = (store_id, revision, frame)
    return frame


def _read_store(store: Store) -> pl.DataFrame:
    """The fact rows, read as three plain scans (incidents, lines, actors) and joined in memory."""
    # SQLite hands dates back as ISO text; PostgreSQL as dates.
    date_type = pl.String if store.is_sqlite else pl.Date
    with store.engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        incidents = _scan(cursor, _INCIDENTS, {
            "incident_id": pl.String, "date": date_type, "date_precision": pl.String, "status": pl.String,
            "country": pl.String, "actor": pl.String, "actor_id": pl.String, "target_category": pl.String,
            "attribution": pl.String})
        lines = _scan(cursor, _LINES, {
            "incident_id": pl.String, "munition": pl.String, "count": pl.Int64, "intercepted": pl.Int64,
            "impacted": pl.Int64, "failed": pl.Int64})
        actors = _scan(cursor, _ACTORS, {"actor_id": pl.String, "affiliation": pl.String})
        cursor.close()
    if store.is_sqlite:
        incidents = incidents.with_columns(pl.col("date").str.to_date("%Y-%m-%d"))
    frame = (lines.join(incidents, on="incident_id", how="right")
             .join(actors, on="actor_id", how="left")
             .with_columns(pl.col("munition").fill_null("unknown")))
    return frame.select(list(SCHEMA))


def _scan(cursor, query: str, schema: dict) -> pl.DataFrame:
    cursor.execute(query)
    batches = []
    while rows := cursor.fetchmany(250_000):
        batches.append(pl.DataFrame(rows, schema=schema, orient="row"))
    return pl.concat(batches) if batches else pl.DataFrame(schema=schema)


CATEGORICAL = ("date_precision", "status", "country", "actor", "affiliation", "target_category", "attribution",
               "munition", "quarter", "month")


def _analytic(frame: pl.DataFrame) -> pl.DataFrame:
    """Shape the rows for fast grouping: calendar columns, codes as categoricals, incidents as integers.

    Year, quarter and month are null where the date is too coarse to say;
    ``incident_key`` numbers the incidents so that counting distinct
    incidents does not hash a million strings.
    """
    precision = pl.col("date_precision")
    fine = precision.is_in(["day", "week", "month"])
    return frame.with_columns(
        year=pl.col("date").dt.year(),
        quarter=pl.when(fine).then(pl.format("{}-Q{}", pl.col("date").dt.year(), pl.col("date").dt.quarter())),
        month=pl.when(fine).then(pl.col("date").dt.strftime("%Y-%m")),
        incident_key=pl.col("incident_id").rank("dense").cast(pl.UInt32),
    ).with_columns(pl.col(CATEGORICAL).cast(pl.Categorical))


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
        if stamp != {"store_id": store_id, "revision": revision, "layout": LAYOUT}:
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
        path.with_suffix(".json").write_text(json.dumps({"store_id": store_id, "revision": revision, "layout": LAYOUT}))
    except OSError:
        pass
