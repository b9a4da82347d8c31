"""Any CSV or XLSX file, read through a mapping file of its columns onto Salvo's report fields.

For the tables no built-in reader knows: an analyst's spreadsheet, a cleaned
extract of a public dataset with renamed columns. The mapping file
(salvo.readers.mapping_file, documented in docs/readers.md) names the dataset,
the key and, per report field, the column, value map, date format and default.
The format is never detected: ``salvo import FILE --format mapped --mapping
MAP.yaml``.

The file is streamed: a CSV row by row with the csv module, an XLSX sheet
with openpyxl in read-only mode. Each non-empty row becomes a report of the
mapping's dataset, or a RowError naming the row and the column (a date not in
the mapping's format, a number that is none, a value its value map lacks).
Besides the mapped fields, the reader resolves the actor (through the
codebook's actors) and the place (the location, in its country, through the
gazetteer) and applies the scope rules.

The row key is the mapping's ``key`` columns, joined with ``|``. Without a
key it is a hash of the mapped columns' values: stable while the row is, but
editing a mapped cell of a row gives a new report (and the old one is
withdrawn). Rows that are identical in every mapped column get ``-2``, ``-3``,
... in file order.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from salvo import codebook, gazetteer
from salvo.readers import words
from salvo.readers.errors import FileError, RowError
from salvo.readers.mapping_file import DATES, CellError, Cell, Mapping, load, whole_number
from salvo.readers.scope import in_scope
from salvo.records import MunitionRecord, ReportRecord, munition_record

FORMAT = "mapped"
WORKBOOKS = (".xlsx", ".xlsm")


def detect(header: list[str]) -> bool:
    """Never: a mapped file is read only when the user names the format and the mapping."""
    return False


def read(path: Path, *, mapping: Path | None = None) -> Iterator[ReportRecord | RowError]:
    """Each row of `path` as a report through `mapping`, or a RowError for a row that cannot be read.

    Raises FileError (before any row) when there is no mapping, when the
    mapping is invalid or when a column it names is not in the file.
    """
    path, file = Path(path), str(path)
    if mapping is None:
        raise FileError(RowError(file, None, None, None,
                                 "the mapped format needs a mapping file (--mapping MAP.yaml)"))
    spec = load(mapping)
    rows = _workbook_rows(path, spec) if path.suffix.lower() in WORKBOOKS else _csv_rows(path, spec)
    names, start = next(rows, ([], 1))
    _check_header(file, start, names, spec)
    seen: dict[str, int] = {}
    for cells, number in rows:
        if any(_text(cell).strip() for cell in cells):
            row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(names) if name}
            yield _report(file, number, row, spec, seen)


def _check_header(file: str, start: int, names: list[str], spec: Mapping) -> None:
    if not any(names):
        raise FileError(RowError(file, None, None, None, "is empty: no header row"))
    missing = [column for column in spec.columns() if column not in names]
    if missing:
        raise FileError(RowError(file, start, ", ".join(missing), None,
                                 f"missing column(s) named in the mapping {Path(spec.file).name}"))
    twice = [column for column in spec.columns() if names.count(column) > 1]
    if twice:
        raise FileError(RowError(file, start, ", ".join(twice), None, "column(s) named twice in the header"))


# --- one row ----------------------------------------------------------------


def _report(file: str, number: int, row: dict[str, Cell], spec: Mapping, seen: dict[str, int]
            ) -> ReportRecord | RowError:
    try:
        values = _values(spec, row)
        key = _key(spec, row, values)
    except CellError as exc:
        return RowError(file, number, exc.column, exc.value, exc.reason)
    if spec.key:  # seen: key -> the row that had it
        if key in seen:
            return RowError(file, number, ", ".join(spec.key), key, f"the same key as row {seen[key]}")
        seen[key] = number
    else:  # seen: hash -> how many rows had it; identical rows are each kept, numbered in file order
        seen[key] = seen.get(key, 0) + 1
        key += f"-{seen[key]}" if seen[key] > 1 else ""
    raw = {name: _text(cell) for name, cell in row.items()}
    return ReportRecord(spec.dataset, key, row_number=number, raw=raw, **values)


def _values(spec: Mapping, row: dict[str, Cell]) -> dict[str, Any]:
    """The report fields of a row: the mapped ones read; actor id, place id and scope derived."""
    values: dict[str, Any] = {name: spec.value(name, row) for name in spec.fields if name != "munitions"}
    values["munitions"] = _munitions(spec, row) if "munitions" in spec.fields else []
    _coarsen_date(values)
    actor = codebook.actors().resolve(values.get("actor_name"))
    values["actor_id"] = actor.id if actor else None
    place = gazetteer.lookup(values.get("location"), values.get("country"))
    values["place_id"] = place.id if place else None
    values["in_scope"] = in_scope(munitions=[line.munition_type for line in values["munitions"]],
                                  actor_id=values["actor_id"], target_category=values.get("target_category"),
                                  country=values.get("country"))
    return values


def _munitions(spec: Mapping, row: dict[str, Cell]) -> list[MunitionRecord]:
    """The munition lines of a row, from its column (type, and count column) and its text column.

    The one the mapping prefers (``prefer``, the column unless it says text)
    decides when it gives any munition; the other fills in when it gives none.
    The column is always read, so a value missing from its map is reported
    whichever decides.
    """
    field = spec.fields["munitions"]
    code = spec.value("munitions", row)
    count = None
    if field.count and code is not None:
        text = _text(row.get(field.count, "")).strip()
        try:
            count = whole_number(text) if text else None
        except ValueError as exc:
            raise CellError(field.count, text, str(exc)) from None
    from_column = [MunitionRecord(code, count)] if code is not None else []
    from_text = _lines_in(_text(row.get(field.text, ""))) if field.text else []
    first, second = (from_text, from_column) if field.prefer == "text" else (from_column, from_text)
    return first or second


def _lines_in(text: str) -> list[MunitionRecord]:
    """Munition types (and counts, where the words module can read them) named in free text."""
    if hasattr(words, "munition_lines"):
        return [munition_record(line) for line in words.munition_lines(text)]
    return [MunitionRecord(code) for code in words.munitions_in(text)]


def _coarsen_date(values: dict[str, Any]) -> None:
    """A month- or year-precise date is stored as the first day of its period (the codebook's rule)."""
    date, precision = values.get("date"), values.get("date_precision")
    if date and precision == "month":
        values["date"] = date.replace(day=1)
    elif date and precision == "year":
        values["date"] = date.replace(month=1, day=1)


def _key(spec: Mapping, row: dict[str, Cell], values: dict[str, Any]) -> str:
    """The mapping's key columns joined with '|', or a hash of every mapped column's value."""
    if spec.key:
        parts = [_canonical(row[column]) for column in spec.key]
        for column, part in zip(spec.key, parts):
            if not part:
                raise CellError(column, "", "an empty key (every row needs the mapping's key columns)")
        return "|".join(parts)
    canonical = {column: _canonical(row[column]) for column in spec.columns()}
    for name in DATES:  # the date as read, so that '05/01/2021' in a CSV and a workbook's date cell agree
        field = spec.fields.get(name)
        if field and field.column and values[name]:
            canonical[field.column] = values[name].isoformat()
    text = json.dumps(sorted(canonical.items()), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _canonical(cell: Cell) -> str:
    """A cell's value as text that a CSV and a workbook agree on: '11.0' and 11 are both '11'."""
    text = _text(cell).strip()
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return str(int(number)) if number.is_integer() else repr(number)


def _text(cell: Cell) -> str:
    return cell.isoformat() if isinstance(cell, dt.date) else cell


# --- reading the file -------------------------------------------------------


def _csv_rows(path: Path, spec: Mapping) -> Iterator[tuple[list[Cell], int]]:
    """(header, 1), then (values, row number) for each record, as a spreadsheet numbers rows."""
    file = str(path)
    try:
        with path.open(encoding=spec.encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=spec.delimiter)
            yield [name.strip() for name in next(reader, [])], 1
            for number, values in enumerate(reader, start=2):
                yield values, number
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not {spec.encoding} text ({exc.reason}); "
                                 f"set `encoding:` in the mapping {Path(spec.file).name}")) from None
    except csv.Error as exc:
        raise FileError(RowError(file, None, None, None, f"is not a readable CSV file ({exc})")) from None


def _workbook_rows(path: Path, spec: Mapping) -> Iterator[tuple[list[Cell], int]]:
    """The same from a workbook's sheet (the mapping's `sheet`, else the first), streamed."""
    from openpyxl import load_workbook

    file = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, XML and openpyxl errors alike
        raise FileError(RowError(file, None, None, None, f"is not a readable workbook ({exc})")) from None
    try:
        if spec.sheet is not None and spec.sheet not in book.sheetnames:
            raise FileError(RowError(file, None, None, spec.sheet,
                                     f"no such sheet (sheets: {', '.join(book.sheetnames)})"))
        sheet = book[spec.sheet] if spec.sheet is not None else book.worksheets[0]
        sheet.reset_dimensions()  # some writers record a wrong size; read every row there is
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell(value) for value in values]
            yield ([_text(cell).strip() for cell in cells] if number == 1 else cells), number
    finally:
        book.close()


def _cell(value: Any) -> Cell:
    """A workbook cell as a CSV would give it: 11.0 -> '11', None -> ''; a date cell stays a date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    return str(value)
