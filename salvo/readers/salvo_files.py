"""Reading a Salvo-format file (CSV, XLSX or JSON) into frames of text, a block at a time.

CSV is read in blocks of bytes cut at record boundaries, so memory stays flat
whatever the file size; XLSX and JSON files are read whole. Cells stay text:
validating them is salvo_format's job. What a JSON object lacks, or holds in
the wrong shape, is noted in PROBLEM columns, which salvo_format reports like
any invalid cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from salvo.readers.errors import FileError, RowError
from salvo.safe_text import QUOTED_CELL

CHUNK_BYTES = 4 << 20
ROW = "_row"
PROBLEM = "_problem:"
"""Prefix of the columns (``_problem:date``) that say what is wrong with a field of a JSON incident."""

COLUMNS: tuple[str, ...] = (
    "incident_id", "date", "date_precision", "country", "location", "place_id", "latitude", "longitude",
    "location_precision", "target", "target_category", "actor", "actor_id", "attribution", "munition_type",
    "count", "count_estimate", "intercepted", "impacted", "failed", "killed", "killed_low",
    "killed_high", "injured", "injured_low", "injured_high", "status", "source_url", "notes",
)
REQUIRED: tuple[str, ...] = ("incident_id", "date", "munition_type", "count")
MUNITION_COLUMNS = ("munition_type", "count", "count_estimate", "intercepted", "impacted", "failed")
_ONE_VALUE = "must be one value (text, a number, true, false or null), not a list or an object"


def frames(path: Path, batch_rows: int, consumed: list[int], required: tuple[str, ...]
           ) -> tuple[Iterator[pl.DataFrame], list[str]]:
    """The file's rows as frames of text (with their row number in ROW), and its header.

    `consumed[0]` follows the bytes read; `required` are the columns the header must name.
    """
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".json", ".jsonl"):
        header, rows = _xlsx_rows(path, required) if suffix not in (".json", ".jsonl") else _json_rows(path, required)
        consumed[0] = path.stat().st_size
        return iter([_frame(rows, header)]), header
    header = _csv_header(path, required)
    return _csv_frames(path, header, batch_rows, consumed), header


def _check_header(header: list[str], file: str, required: tuple[str, ...]) -> None:
    missing = [name for name in required if name not in header]
    if missing:
        from salvo.readers import formats

        datasets = ", ".join(name for name in formats.formats() if name not in (formats.SALVO, "mapped"))
        raise FileError(RowError(file, 1, ", ".join(missing), None,
                                 f"missing required column(s); the header must name {', '.join(required)}. "
                                 f"Not a Salvo file? Salvo also reads these datasets: {datasets} (--format NAME, "
                                 "docs/readers.md), and any other table through --format mapped --mapping FILE"))


def _csv_header(path: Path, required: tuple[str, ...]) -> list[str]:
    try:
        with path.open("rb") as handle:
            first = handle.readline().decode("utf-8-sig")
        header = [name.strip() for name in next(csv.reader([first]), [])]
    except UnicodeDecodeError as exc:
        raise FileError(RowError(str(path), 1, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    if not header:
        raise FileError(RowError(str(path), None, None, None, "the file is empty"))
    _check_header(header, str(path), required)
    return header


def _csv_frames(path: Path, header: list[str], batch_rows: int, consumed: list[int]) -> Iterator[pl.DataFrame]:
    """Batches of rows, read a block of bytes at a time so memory stays flat whatever the file size."""
    row = 2
    with path.open("rb") as handle:
        handle.readline()
        carry = b""
        while True:
            block = handle.read(CHUNK_BYTES)
            data = carry + block
            cut = _record_boundary(data) if block else len(data)
            if block and cut <= 0:
                carry = data
                continue
            chunk, carry = data[:cut], data[cut:]
            consumed[0] = handle.tell() - len(carry)
            if chunk.strip():
                frame = _parse_chunk(chunk, path, header, row)
                _check_last_record(chunk, path, len(header), row + frame.height - 1)
                row += frame.height
                for start in range(0, frame.height, batch_rows):
                    yield frame.slice(start, batch_rows)
            if not block:
                return


def _parse_chunk(chunk: bytes, path: Path, header: list[str], row: int) -> pl.DataFrame:
    try:
        frame = pl.read_csv(chunk, has_header=False, new_columns=header, infer_schema=False,
                            empty_string_is_null=False, raise_if_empty=False)
    except pl.exceptions.PolarsError as exc:
        raise FileError(_locate_csv_problem(path, len(header), str(exc))) from None
    return frame.with_row_index(ROW, offset=row).with_columns(
        pl.col(ROW).cast(pl.Int64),
        # A cell an export quoted so that spreadsheets take it for text (salvo.safe_text) reads back as written.
        pl.exclude(ROW).fill_null("").str.strip_chars().str.replace(QUOTED_CELL, "${1}"))


def _record_boundary(data: bytes, end: int | None = None) -> int:
    """Index just after the last newline in data[:end] that lies outside quotes, or -1."""
    end = len(data) if end is None else end
    quotes = data.count(b'"', 0, end)
    position = data.rfind(b"\n", 0, end)
    while position >= 0:
        if (quotes - data.count(b'"', position, end)) % 2 == 0:
            return position + 1
        position = data.rfind(b"\n", 0, position)
    return -1


def _check_last_record(chunk: bytes, path: Path, width: int, row: int) -> None:
    """A block's last record must have every cell: this is where a truncated file shows."""
    body = chunk.rstrip(b"\r\n")
    start = max(_record_boundary(body), 0)
    try:
        cells = next(csv.reader([body[start:].decode("utf-8")]), [])
    except (UnicodeDecodeError, csv.Error):
        return  # the parser has already accepted it; its cells are checked one by one
    if len(cells) < width:
        raise FileError(RowError(str(path), row, None, None,
                                 f"has {len(cells)} cells where the header has {width} "
                                 "(a truncated file, or an unquoted comma)"))


def _locate_csv_problem(path: Path, width: int, message: str) -> RowError:
    """Find the row a CSV parse failed on, reading it again slowly (only on the error path)."""
    row = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row, cells in enumerate(csv.reader(handle), start=1):
                if row > 1 and cells and len(cells) != width:
                    return RowError(str(path), row, None, None,
                                    f"has {len(cells)} cells where the header has {width} "
                                    "(a truncated file, or an unquoted comma)")
    except UnicodeDecodeError as exc:
        return RowError(str(path), row + 1, None, None,
                        f"is not UTF-8 text ({exc.reason}); save the file as UTF-8")
    except csv.Error as exc:
        return RowError(str(path), row + 1, None, None, f"is not valid CSV: {exc}")
    return RowError(str(path), None, None, None, f"cannot be read as CSV: {message.splitlines()[0]}")


def _frame(rows: list[dict[str, str]], header: list[str]) -> pl.DataFrame:
    schema = {ROW: pl.Int64, **{name: pl.String for name in header}}
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame.with_columns(pl.exclude(ROW).fill_null("").str.strip_chars())


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[dict]]:
    from python_calamine import CalamineWorkbook

    file = str(path)
    try:
        rows = iter(CalamineWorkbook.from_path(file).get_sheet_by_index(0).iter_rows())
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise FileError(RowError(file, None, None, None, f"is not a readable spreadsheet: {exc}")) from None
    header = [_cell_text(v).strip() for v in next(rows, [])]
    _check_header(header, file, required)
    records = []
    for number, cells in enumerate(rows, start=2):
        texts = [_cell_text(v) for v in cells]
        if any(texts):
            records.append({ROW: number, **dict(zip(header, texts))})
    return header, records


def _json_rows(path: Path, required: tuple[str, ...]) -> tuple[list[str], list[dict]]:
    """Incidents as JSON objects (a list, or one per line), flattened to one row per munition line.

    An incident's row number is its position in the list, or its line in a ``.jsonl`` file.
    The header ends with the PROBLEM columns the file needs.
    """
    rows, header, problems = [], dict.fromkeys(required), {}
    try:
        for number, item in _json_items(path):
            if not isinstance(item, dict):
                raise FileError(RowError(str(path), number, None, None, "each incident must be a JSON object"))
            for row in _json_incident(item, required):
                for key in row:
                    (problems if key.startswith(PROBLEM) else header)[key] = None
                rows.append({ROW: number, **row})
    except RecursionError:
        raise FileError(RowError(str(path), None, None, None, "nests lists or objects too deeply")) from None
    return [*header, *problems], rows


def _json_items(path: Path) -> list[tuple[int, object]]:
    """The file's items with their row numbers. Numbers stay as written (``1e9`` is not read as 1000000000)."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    if path.suffix.lower() == ".jsonl":  # split on newlines only: a string may hold U+2028
        return [(number, _decode(line, file, number)) for number, line in enumerate(text.split("\n"), start=1)
                if line.strip()]
    items = _decode(text, file, None)
    if isinstance(items, dict):
        items = items.get("incidents", [items])
    if not isinstance(items, list):
        raise FileError(RowError(file, None, None, None,
                                 "must hold a list of incident objects (or, as .jsonl, one object per line)"))
    return list(enumerate(items, start=1))


def _decode(text: str, file: str, row: int | None) -> object:
    """One JSON document, numbers kept as their text; a FileError saying where it is broken."""
    try:
        return json.loads(text, parse_int=str, parse_float=str, parse_constant=str)
    except json.JSONDecodeError as exc:
        where = f" (line {exc.lineno}, column {exc.colno})" if row is None else f" (column {exc.colno})"
        raise FileError(RowError(file, row, None, None, f"is not valid JSON: {exc.msg}{where}")) from None


def _json_incident(item: dict, required: tuple[str, ...]) -> list[dict[str, str]]:
    """One incident object as rows of text cells, one per munition line, with the problems found in it.

    The keys `required` names must be present (null is fine: it means unknown): ``id``, the
    incident's own, and ``munitions``, whose every object holds the required munition columns.
    """
    line_needed = [name for name in required if name in MUNITION_COLUMNS]
    needed = [*("id" if name == "incident_id" else name for name in required if name not in line_needed), "munitions"]
    problems = {key: f"missing: every incident object needs the keys {', '.join(needed)} (null where unknown)"
                for key in needed if key not in item and not (key == "id" and "incident_id" in item)}
    base = _json_cells(item, problems, skip=("munitions", "sources", "id", "incident_id"))
    identifier = item.get("id", item.get("incident_id"))
    base["incident_id"] = _json_text(identifier)
    if not _is_one_value(identifier):
        problems["id"] = _ONE_VALUE
    sources = item.get("sources")
    if sources is not None and not (isinstance(sources, list) and all(isinstance(url, str) for url in sources)):
        problems["sources"] = "must be a list of URLs (strings)"
    elif "sources" in item:
        base["source_url"] = " ".join(sources or [])
    lines = [] if item.get("munitions") is None else item["munitions"]
    if not isinstance(lines, list) or not all(isinstance(line, dict) for line in lines):
        problems["munitions"] = "must be a list of objects, one per munition type"
        lines = []
    rows = []
    for position, line in enumerate(lines, start=1):
        found: dict[str, str] = {}
        row = {**base, **_json_cells(line, found)}
        for key in line_needed:
            if key not in line:
                found[key] = (f"missing from munition object {position}: every munition object needs the keys "
                              f"{', '.join(line_needed)} (null where unknown)")
        rows.append({**row, **{PROBLEM + key: reason for key, reason in found.items()}})
    rows = rows or [{**base, "munition_type": ""}]
    rows[0].update({PROBLEM + key: reason for key, reason in problems.items()})
    return rows


def _json_cells(item: dict, problems: dict[str, str], skip: tuple[str, ...] = ()) -> dict[str, str]:
    """An object's values as text cells; a known field holding a list or an object is a problem."""
    cells = {}
    for key, value in item.items():
        if key in skip:
            continue
        cells[key] = _json_text(value)
        if key in COLUMNS and not _is_one_value(value):
            problems[key] = _ONE_VALUE
    return cells


def _is_one_value(value: object) -> bool:
    return not isinstance(value, (list, dict))


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def whole_incidents(frames: Iterator[pl.DataFrame]) -> Iterator[pl.DataFrame]:
    """Re-cut batches so that the rows of one incident never straddle two batches."""
    pending: pl.DataFrame | None = None
    for frame in frames:
        if pending is not None:
            frame = pl.concat([pending, frame])
        if frame.is_empty():
            continue
        last = frame["incident_id"][-1]
        if not last:
            pending = None
            yield frame
            continue
        ids = frame["incident_id"]
        tail = frame.height
        while tail > 0 and ids[tail - 1] == last:
            tail -= 1
        pending = frame.slice(tail)
        if tail:
            yield frame.slice(0, tail)
    if pending is not None and pending.height:
        yield pending
