"""What a dataset reader yields: one report per source row, with its provenance.

Readers that work row by row yield a salvo.records.ReportRecord (with its
``row_number`` and ``raw`` row set) or a RowError per row; readers of large
files that map whole columns at once yield ReportBatch frames. Either way a
report's `row_key` is the dataset's own stable id for the event (ACLED
``event_id_cnty``, GTD ``eventid``, UCDP ``id``), so that a newer release of
the dataset updates the report instead of adding another.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from salvo.readers.errors import FileError, RowError
from salvo.records import MunitionRecord


@dataclass
class ReportBatch:
    """Many dataset rows read as reports at once: a reports frame (salvo.storage.report_frames).

    `rows` is how many source rows the batch covers (rows with errors
    included), `position` how many bytes of the file have been read, for
    progress.
    """

    frame: pl.DataFrame
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    position: int | None = None


def csv_dicts(path: Path, required: tuple[str, ...], what: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each non-empty row of a UTF-8 CSV whose header names `required`.

    Raises FileError for a missing column or text that is not UTF-8; `what`
    names the format in the message ("UCDP GED").
    """
    file = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [name for name in required if name not in (reader.fieldnames or [])]
            if missing:
                raise FileError(RowError(file, 1, ", ".join(missing), None, f"missing {what} column(s)"))
            for number, row in enumerate(reader, start=2):
                if any((value or "").strip() for value in row.values()):
                    yield number, row
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None


def whole_number(text: str | None) -> int | None:
    """A cell's whole number ("3", "3.0"), or None when it is empty or not a number."""
    try:
        return int(float(text)) if text not in (None, "") else None
    except ValueError:
        return None


def munition_records(kinds: list[str], count: int | None = None) -> list[MunitionRecord]:
    """One munition line per type; `count` goes on the line only when there is one type (else it is no one's)."""
    return [MunitionRecord(kind, count if len(kinds) == 1 else None) for kind in kinds]
