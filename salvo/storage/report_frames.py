"""Reports as columns: the frame form in which readers hand reports to the bulk writer.

A reports frame has one row per report: its key (``dataset``, ``row_key``),
where it was read (``row_number``, ``raw`` as JSON text) and the Report fields
of salvo.storage.reports.REPORT_FIELDS, with ``munitions`` and ``evidence`` as
JSON text. Readers of large files build it with polars expressions; readers
that work row by row build it with :func:`from_values`.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from salvo.storage.reports import REPORT_FIELDS

REPORT_SCHEMA: dict[str, pl.DataType] = {
    "dataset": pl.String, "row_key": pl.String, "row_number": pl.Int64, "raw": pl.String,
    **{name: pl.String for name in REPORT_FIELDS},
    "published_at": pl.Date, "date": pl.Date, "in_scope": pl.Boolean, "latitude": pl.Float64,
    "longitude": pl.Float64, "killed": pl.Int64, "injured": pl.Int64,
}
JSON_FIELDS = ("munitions", "evidence")
_SEED = 0x5E9047


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def from_values(rows: list[tuple[str, str, int | None, dict | None, dict[str, Any]]]) -> pl.DataFrame:
    """A reports frame from (dataset, row key, row number, raw row, values) tuples."""
    records = []
    for dataset, row_key, row_number, raw, values in rows:
        unknown = set(values) - set(REPORT_FIELDS)
        if unknown:
            raise ValueError(f"not report fields: {', '.join(sorted(unknown))}")
        record = [dataset, row_key, row_number, _json(raw)]
        for name in REPORT_FIELDS:
            value = values.get(name)
            if name == "munitions":
                value = _json(value or [])
            elif name == "evidence":
                value = _json(value)
            elif name == "in_scope":
                value = True if value is None else bool(value)
            record.append(value)
        records.append(record)
    return pl.DataFrame(records, schema=REPORT_SCHEMA, orient="row")


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame with exactly REPORT_SCHEMA's columns, in order; absent fields are null."""
    return frame.select(
        pl.col(name).cast(dtype) if name in frame.columns else pl.lit(None, dtype).alias(name)
        for name, dtype in REPORT_SCHEMA.items()
    ).with_columns(pl.col("in_scope").fill_null(True), pl.col("munitions").fill_null("[]"))


def _text(name: str) -> pl.Expr:
    column = pl.col(name)
    if REPORT_SCHEMA[name] == pl.Float64:
        column = (column * 1e7).round().cast(pl.Int64)
    return column.cast(pl.String).fill_null("\x00")


def value_hashes(frame: pl.DataFrame) -> pl.Series:
    """A digest of each report's values (not of its raw row): equal digests mean an unchanged report.

    Polars' 64-bit hash, which may change between polars versions; the writer
    therefore compares values before calling a report with a differing digest
    updated.
    """
    canonical = pl.concat_str([_text(n) for n in REPORT_FIELDS], separator="\x1f")
    return frame.select(canonical.hash(seed=_SEED).cast(pl.String).alias("content_hash")).to_series()


def raw_hashes(frame: pl.DataFrame) -> pl.Series:
    """A digest of each report's raw row, to tell whether a provenance entry needs refreshing."""
    return frame.select(pl.col("raw").fill_null("").hash(seed=_SEED).cast(pl.String).alias("raw_hash")).to_series()


def with_hashes(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with its ``content_hash`` and ``raw_hash`` columns (computed by the reader, off the writer's path)."""
    return frame.with_columns(value_hashes(frame), raw_hashes(frame))
