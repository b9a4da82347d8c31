"""The fact table behind every statistic: one row per incident and munition line.

It is read from the store in one snapshot and kept (salvo.analysis.fact_cache:
in memory, and as a Parquet file in the user's cache) under the store's state
token and the table's layout. The token changes with every change to the data,
whoever made it (Salvo, a codebook sync, plain SQL, a database file restored
from a backup), so a kept table is used only while the store provably holds
what it was read from; otherwise the table is read again. Checking costs two
``stat`` calls on SQLite and one small query on PostgreSQL (see
docs/caching.md). This is Salvo's analytics read path: grouping a million
incidents in memory takes milliseconds, where SQL row scans take a second.
"""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl
from sqlalchemy.engine import Connection

from salvo.analysis.fact_cache import FactCache
from salvo.storage import Store

SCHEMA = {
    "incident_id": pl.String, "date": pl.Date, "date_precision": pl.String, "status": pl.String,
    "country": pl.String, "actor": pl.String, "affiliation": pl.String, "target_category": pl.String,
    "attribution": pl.String, "munition": pl.String, "count": pl.Int64, "intercepted": pl.Int64,
    "impacted": pl.Int64, "failed": pl.Int64,
}

# Tombstones (incidents merged into others) and incidents out of the tracker's scope are never counted;
# their munition lines fall away in the join. Every table read here must renew the state token when
# written (on PostgreSQL: a trigger of migration 0004; tests/analysis/test_fact_cache.py checks).
_INCIDENTS = ("SELECT id, date, date_precision, status, country, COALESCE(actor_id, actor_name), actor_id, "
              "target_category, attribution FROM incidents WHERE merged_into IS NULL AND in_scope")
_LINES = "SELECT incident_id, munition_type, count, intercepted, impacted, failed FROM munition_lines"
_ACTORS = "SELECT id, affiliation FROM actors"

LAYOUT = 4  # bump when the fact table's columns change, so old cached copies are rebuilt
_default: FactCache | None = None


def cache_dir() -> Path:
    """Where fact tables are cached: $SALVO_CACHE_DIR, else the user's cache folder."""
    base = os.environ.get("SALVO_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "salvo"
    return Path(base)


def default_cache() -> FactCache:
    """This process's cache, its Parquet copies in :func:`cache_dir` (a new cache when that folder changes)."""
    global _default
    folder = cache_dir()
    if _default is None or _default.folder != folder:
        _default = FactCache(folder)
    return _default


def facts(store: Store, cache: FactCache | None = None) -> pl.DataFrame:
    """The store's fact table, exactly as the store holds it now.

    Taken from `cache` (by default :func:`default_cache`) when the store shows
    the state token the kept table was read at; otherwise read in one snapshot
    and kept under that snapshot's token, when it has one (see
    :meth:`Store.snapshot`). An in-memory SQLite database, which no other
    process can open, is kept in memory only.
    """
    cache = default_cache() if cache is None else cache
    on_disk = not _in_memory(store)
    token = store.state_token()
    if token is not None:
        frame = cache.get(store.url, _stamp(token), on_disk=on_disk)
        if frame is not None:
            return frame
    with store.snapshot() as snapshot:
        frame = analytic(_read_store(snapshot.connection, store.is_sqlite))
    if snapshot.token is not None:
        cache.put(store.url, _stamp(snapshot.token), frame, on_disk=on_disk)
    return frame


def _stamp(token: str) -> str:
    """What a kept table must match: the state it was read from, and the layout of its columns."""
    return f"layout {LAYOUT} {token}"


def _in_memory(store: Store) -> bool:
    """Whether the store is an in-memory SQLite database, which no other process can open."""
    return store.is_sqlite and store.engine.url.database in (None, "", ":memory:")


def _read_store(conn: Connection, is_sqlite: bool) -> pl.DataFrame:
    """The fact rows, read on `conn` (one snapshot) as three plain scans and joined in memory."""
    # SQLite hands dates back as ISO text; PostgreSQL as dates.
    date_type = pl.String if is_sqlite else pl.Date
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
    if is_sqlite:
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


def analytic(frame: pl.DataFrame) -> pl.DataFrame:
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
