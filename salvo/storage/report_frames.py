"""Reports as columns: the frame form in which readers hand reports to the bulk writer.

A reports frame has one row per report: its key (``dataset``, ``row_key``),
where it was read (``row_number``, ``raw`` as JSON text) and the stored values
of salvo.records.REPORT_FIELDS, with ``munitions`` and ``evidence`` as JSON
text. Readers of large files build it with polars expressions; readers that
work row by row yield ReportRecords, which :func:`from_records` turns into one.
"""

from __future__ import annotations

import datetime as dt
import json
from operator import attrgetter
from typing import Any

import polars as pl

from salvo.records import REPORT_FIELDS, ReportRecord, munition_dict

REPORT_SCHEMA: dict[str, pl.DataType] = {
    "dataset": pl.String, "row_key": pl.String, "row_number": pl.Int64, "raw": pl.String,
    **{name: pl.String for name in REPORT_FIELDS},
    "published_at": pl.Date, "date": pl.Date, "in_scope": pl.Boolean, "latitude": pl.Float64,
    "longitude": pl.Float64, "killed": pl.Int64, "injured": pl.Int64,
}
JSON_FIELDS = ("munitions", "evidence")
_SEED = 0x5E9047
_stored_values = attrgetter(*REPORT_FIELDS)
_MUNITIONS, _EVIDENCE, _IN_SCOPE = (list(REPORT_SCHEMA).index(name) for name in ("munitions", "evidence", "in_scope"))


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def from_records(records: list[ReportRecord]) -> pl.DataFrame:
    """A reports frame from records: their key, where they were read, and their stored values."""
    rows = []
    for record in records:
        row = [record.dataset, record.row_key, record.row_number, _json(record.raw), *_stored_values(record)]
        row[_MUNITIONS] = _json([munition_dict(line) for line in record.munitions])
        row[_EVIDENCE] = _json(record.evidence)
        row[_IN_SCOPE] = bool(row[_IN_SCOPE])
        rows.append(row)
    return pl.DataFrame(rows, schema=REPORT_SCHEMA, orient="row")


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
