"""Incidents as columns: the frame form used for bulk imports, and its content hash.

An incidents frame has one row per incident (the columns of INCIDENT_SCALARS
plus ``sources``, a list of URLs); a lines frame has one row per munition line
(``incident_id``, ``position`` and MUNITION_FIELDS). Readers produce these,
bulk writes consume them, and the content hash is computed here for both the
bulk and the single-incident path, so that both agree.
"""

from __future__ import annotations

import polars as pl

from salvo.records import INCIDENT_SCALARS, MUNITION_FIELDS, IncidentRecord, MunitionRecord

INCIDENT_SCHEMA: dict[str, pl.DataType] = {
    **{name: pl.String for name in INCIDENT_SCALARS},
    "date": pl.Date, "latitude": pl.Float64, "longitude": pl.Float64,
    **{name: pl.Int64 for name in ("killed", "killed_low", "killed_high", "injured", "injured_low", "injured_high")},
    "sources": pl.List(pl.String),
}
LINE_SCHEMA: dict[str, pl.DataType] = {
    "incident_id": pl.String, "position": pl.Int64, "munition_type": pl.String, "count": pl.Int64,
    "count_estimate": pl.Boolean, "intercepted": pl.Int64, "impacted": pl.Int64, "failed": pl.Int64,
}
_NULL, _FIELD, _ITEM = "\x00", "\x1f", "\x1e"
_SEED = 0x5A170B0E


def to_frames(records: list[IncidentRecord]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Records as an incidents frame and a lines frame."""
    incidents = pl.DataFrame(
        [(*(getattr(r, n) for n in INCIDENT_SCALARS), list(r.sources)) for r in records],
        schema=INCIDENT_SCHEMA, orient="row",
    )
    lines = pl.DataFrame(
        [(r.id, i, *(getattr(m, n) for n in MUNITION_FIELDS)) for r in records for i, m in enumerate(r.munitions)],
        schema=LINE_SCHEMA, orient="row",
    )
    return incidents, lines


def to_records(incidents: pl.DataFrame, lines: pl.DataFrame) -> list[IncidentRecord]:
    """Frames back to records (for the single-incident paths and for tests)."""
    by_incident: dict[str, list[MunitionRecord]] = {}
    for row in lines.sort("incident_id", "position").select("incident_id", *MUNITION_FIELDS).iter_rows():
        by_incident.setdefault(row[0], []).append(MunitionRecord(*row[1:]))
    width = len(INCIDENT_SCALARS)
    return [
        IncidentRecord(*row[:width], munitions=by_incident.get(row[0], []), sources=list(row[width] or []))
        for row in incidents.select(*INCIDENT_SCALARS, "sources").iter_rows()
    ]


def _text(name: str, dtype: pl.DataType) -> pl.Expr:
    column = pl.col(name)
    if dtype == pl.Float64:
        column = (column * 1e7).round().cast(pl.Int64)
    elif dtype == pl.List(pl.String):
        column = column.list.join(_ITEM)
    return column.cast(pl.String).fill_null(_NULL)


def content_hashes(incidents: pl.DataFrame, lines: pl.DataFrame) -> pl.Series:
    """A digest of every value of each incident, in the incidents' order.

    Re-importing an unchanged incident gives the same digest, so it can be
    skipped without reading it back. The digest is polars' own 64-bit hash,
    which may change between polars versions: a differing digest therefore
    only marks an incident for a value-by-value comparison, never by itself
    for an update.
    """
    line_text = (
        lines.sort("incident_id", "position")
        .select("incident_id", pl.concat_str([_text(n, LINE_SCHEMA[n]) for n in MUNITION_FIELDS],
                                             separator=_FIELD).alias("line"))
        .group_by("incident_id", maintain_order=True).agg(pl.col("line").str.join(_ITEM))
    )
    canonical = (
        incidents.select(
            "id", pl.concat_str([_text(n, INCIDENT_SCHEMA[n]) for n in (*INCIDENT_SCALARS, "sources")],
                                separator=_FIELD).alias("scalars"))
        .join(line_text, left_on="id", right_on="incident_id", how="left", maintain_order="left")
        .select(pl.concat_str("scalars", pl.col("line").fill_null(""), separator="\x1d"))
        .to_series()
    )
    return pl.select(pl.lit(canonical).hash(seed=_SEED).cast(pl.String).alias("content_hash")).to_series()


def content_hash(record: IncidentRecord) -> str:
    """The content hash of one record (the same as the bulk path computes)."""
    return content_hashes(*to_frames([record]))[0]
