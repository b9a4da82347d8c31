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
from collections.abc import Iterable, Iterator
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

    Raises FileError for a missing column, text that is not UTF-8, or a file
    cut short (see :func:`complete_rows`); `what` names the format in the
    message ("UCDP GED").
    """
    file = str(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            header = next(csv.reader([handle.readline()]), [])
            missing = [name for name in required if name not in header]
            if missing:
                raise FileError(RowError(file, 1, ", ".join(missing), None, f"missing {what} column(s)"))
            for number, cells in complete_rows(file, handle, len(header), first=2, size=path.stat().st_size):
                if any(cell.strip() for cell in cells):
                    yield number, dict(zip(header, cells))
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    except csv.Error as exc:
        raise FileError(RowError(file, None, None, None, f"is not a readable CSV file ({exc})")) from None


def complete_rows(file: str, lines: Iterable[str], width: int, *, first: int, delimiter: str = ",",
                  quoting: int = csv.QUOTE_MINIMAL, size: int | None = None, expected: str = "the header has"
                  ) -> Iterator[tuple[int, list[str]]]:
    """(row number, cells) for each row of CSV text, numbered from `first`; blank lines are skipped.

    Every row must have `width` cells and the file must end with a line
    break: the datasets' publishers end every row with one, so a last row
    without it, a row short of cells or a quoted cell still open at the end
    is where a file was cut, and the file is refused (FileError naming the
    row, and the byte where it ends when `size` is given) rather than a
    partial row imported. A file cut exactly at the end of a row cannot be
    told from a shorter one. `expected` says where `width` comes from, for
    the message ("the header has", "GDELT 2.0 rows have").
    """
    source = _Lines(lines)
    at = f" at byte {size}" if size is not None else ""
    number, cells = first - 1, []
    for cells in csv.reader(source, delimiter=delimiter, quoting=quoting):
        number += 1
        if source.ended:
            raise FileError(RowError(file, number, None, None, f"is cut short{at}: a quoted cell of this row "
                                     "is never closed"))
        if len(cells) != width:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line
            if not source.line_ended:
                raise FileError(RowError(file, number, None, None, f"is cut short{at}: the row has "
                                         f"{len(cells)} of {width} cells and no line break after it"))
            raise FileError(RowError(file, number, None, None, f"has {len(cells)} cells where {expected} "
                                     f"{width}: a cell holds an unquoted separator, or the row was cut"))
        yield number, cells
    if not source.line_ended and any(cell.strip() for cell in cells):
        raise FileError(RowError(file, number, None, None, f"is cut short{at}: the last row has no line break "
                                 "after it (every row of the file ends with one), so its last cell may be cut"))


def require_final_line_break(path: Path) -> None:
    """Refuse (FileError) a non-empty CSV file whose last byte is not a line break: it was cut inside its last row.

    For readers that parse a CSV in blocks (salvo.readers.salvo_files), which
    check each block's last row for missing cells but cannot see a last cell
    cut short; :func:`complete_rows` checks this itself.
    """
    with path.open("rb") as handle:
        size = handle.seek(0, 2)
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) not in (b"\n", b"\r"):
            raise FileError(RowError(str(path), None, None, None, f"is cut short at byte {size}: its last row "
                                     "has no line break after it (every row of the file ends with one)"))


class _Lines:
    """The lines of a text, noting whether the last one read ends with a line break and whether they ran out.

    Python's csv reader asks for another line only to finish a quoted cell,
    so lines running out while it reads a row mean a quoted cell left open.
    """

    def __init__(self, lines: Iterable[str]):
        self.lines = iter(lines)
        self.line_ended = True
        self.ended = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = next(self.lines)
        except StopIteration:
            self.ended = True
            raise
        self.line_ended = line.endswith(("\n", "\r"))
        return line


def whole_number(text: str | None) -> int | None:
    """A cell's whole number ("3", "3.0"), or None when it is empty or not a number."""
    try:
        return int(float(text)) if text not in (None, "") else None
    except ValueError:
        return None


def munition_records(kinds: list[str], count: int | None = None) -> list[MunitionRecord]:
    """One munition line per type; `count` goes on the line only when there is one type (else it is no one's)."""
    return [MunitionRecord(kind, count if len(kinds) == 1 else None) for kind in kinds]
