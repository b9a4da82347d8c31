"""Writing incidents out: Salvo CSV, JSON, GeoJSON and XLSX.

CSV, JSON and XLSX are Salvo's interchange format (docs/format.md), so an
export imports back into an identical store. GeoJSON is for maps: one
feature per incident, with no geometry where the place is unknown.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from salvo.readers.salvo_format import COLUMNS
from salvo.records import IncidentRecord
from salvo.safe_text import spreadsheet_text, starts_like_formula
from salvo.storage import Store, queries

FORMATS = ("csv", "json", "geojson", "xlsx")


def iter_incidents(store: Store, ids: list[str] | None = None, chunk: int = 2000, *,
                   filters=None) -> Iterator[IncidentRecord]:
    """Every incident (or those with the given ids, or those `filters` keep) as records, ordered by id.

    A stream through salvo.storage.queries: `chunk` rows at a time, memory flat.
    """
    if ids is not None:
        return queries.incidents_by_id(store, ids, batch=chunk)
    return queries.iter_incidents(store, filters, order="id", batch=chunk)


def format_date(record: IncidentRecord) -> str:
    """The date as written in the interchange format, as precise as it is known."""
    if record.date is None:
        return ""
    if record.date_precision == "year":
        return f"{record.date.year:04d}"
    if record.date_precision == "month":
        return f"{record.date.year:04d}-{record.date.month:02d}"
    return record.date.isoformat()


def _cell(value) -> str:
    """A value as CSV text; text itself is quoted where a spreadsheet would run it (safe_text.spreadsheet_text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        return spreadsheet_text(value)
    return str(value)


def _row_values(record: IncidentRecord) -> Iterator[dict[str, object]]:
    """The interchange rows of one incident as typed values (text, numbers, booleans, None), one per munition line."""
    base = {
        "incident_id": record.id, "date": format_date(record), "date_precision": record.date_precision,
        "country": record.country, "location": record.location, "place_id": record.place_id, "latitude": record.latitude,
        "longitude": record.longitude, "location_precision": record.location_precision,
        "target": record.target, "target_category": record.target_category, "actor": record.actor_name,
        "actor_id": record.actor_id,
        "attribution": record.attribution, "killed": record.killed, "killed_low": record.killed_low,
        "killed_high": record.killed_high, "injured": record.injured, "injured_low": record.injured_low,
        "injured_high": record.injured_high, "status": record.status,
        "source_url": " ".join(record.sources), "notes": record.notes,
    }
    for line in record.munitions or [None]:
        row = dict(base)
        if line is not None:
            row.update(munition_type=line.munition_type, count=line.count, count_estimate=line.count_estimate,
                       intercepted=line.intercepted, impacted=line.impacted, failed=line.failed)
        yield {name: row.get(name) for name in COLUMNS}


def csv_rows(record: IncidentRecord) -> Iterator[dict[str, str]]:
    """The interchange rows of one incident as CSV cells: one per munition line."""
    for row in _row_values(record):
        yield {name: _cell(value) for name, value in row.items()}


def write_csv(records, handle: IO[str]) -> int:
    """Write records as interchange CSV; returns the number of incidents.

    Text that a spreadsheet would take for a formula gets a leading quote (docs/format.md,
    "Exports and spreadsheets"); numbers are written as they are, a negative longitude too.
    """
    writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    n = 0
    for n, record in enumerate(records, start=1):
        writer.writerows(csv_rows(record))
    return n


def incident_json(record: IncidentRecord) -> dict:
    """One incident as a JSON object (the interchange JSON form)."""
    data = {"id": record.id}
    for name, value in record.scalar_fields().items():
        if name in ("id", "place_id", "actor_id"):
            continue
        if name == "date":
            value = format_date(record) or None
        data["actor" if name == "actor_name" else name] = value
    data["actor_id"] = record.actor_id
    data["place_id"] = record.place_id
    data["munitions"] = [
        {"munition_type": m.munition_type, "count": m.count, "count_estimate": m.count_estimate,
         "intercepted": m.intercepted, "impacted": m.impacted, "failed": m.failed}
        for m in record.munitions
    ]
    data["sources"] = list(record.sources)
    return data


def write_json(records, handle: IO[str]) -> int:
    """Write records as a JSON list of incident objects, streaming; returns the count."""
    handle.write("[")
    n = 0
    for n, record in enumerate(records, start=1):
        handle.write(",\n" if n > 1 else "\n")
        handle.write(json.dumps(incident_json(record), ensure_ascii=False))
    handle.write("\n]\n")
    return n


def write_geojson(records, handle: IO[str]) -> int:
    """Write records as a GeoJSON FeatureCollection, one feature per incident."""
    handle.write('{"type": "FeatureCollection", "features": [')
    n = 0
    for n, record in enumerate(records, start=1):
        geometry = (None if record.latitude is None
                    else {"type": "Point", "coordinates": [record.longitude, record.latitude]})
        feature = {"type": "Feature", "id": record.id, "geometry": geometry, "properties": incident_json(record)}
        handle.write(",\n" if n > 1 else "\n")
        handle.write(json.dumps(feature, ensure_ascii=False))
    handle.write("\n]}\n")
    return n


def write_xlsx(records, path: Path) -> int:
    """Write records as an interchange XLSX workbook (one sheet, same columns as CSV).

    Every cell has its type: text is written as text, never as a formula, whatever it
    starts with, and numbers and booleans as themselves, so a spreadsheet sorts and sums them.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("incidents")
    sheet.append(list(COLUMNS))
    n = 0
    for n, record in enumerate(records, start=1):
        for row in _row_values(record):
            sheet.append([_xlsx_cell(sheet, value) for value in row.values()])
    workbook.save(path)
    return n


def _xlsx_cell(sheet, value):
    """One value as a typed XLSX cell: text as a string cell (never a formula), numbers and booleans as given.

    Text that starts like a formula also carries Excel's quote-prefix style, the mark Excel
    itself sets when a user types a leading ``'``: it shows as text and stays text when edited.
    The text itself is stored unchanged.
    """
    from openpyxl.cell import WriteOnlyCell

    if not isinstance(value, str):
        return value
    cell = WriteOnlyCell(sheet, value)
    cell.data_type = "s"
    if starts_like_formula(value):
        cell.quotePrefix = True
    return cell


def export(store: Store, fmt: str, destination: Path | None, ids: list[str] | None = None, stream=None, *,
           filters=None) -> int:
    """Export the store's incidents (or those with these ids, or those `filters` keep) in `fmt`; returns how many.

    Written to `destination`, or to `stream` when there is none; incidents are
    streamed from the store in id order, never all held at once.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    records = iter_incidents(store, ids, filters=filters)
    if fmt == "xlsx":
        if destination is None:
            raise ValueError("XLSX export needs an output file (--output FILE.xlsx)")
        return write_xlsx(records, destination)
    writer = {"csv": write_csv, "json": write_json, "geojson": write_geojson}[fmt]
    if destination is None:
        return writer(records, stream)
    with destination.open("w", encoding="utf-8", newline="") as handle:
        return writer(records, handle)


__all__ = ["FORMATS", "export", "iter_incidents", "write_csv", "write_geojson", "write_json", "write_xlsx"]
