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

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from salvo.model import Incident
from salvo.readers.salvo_format import COLUMNS
from salvo.records import IncidentRecord
from salvo.storage import Store
from salvo.storage.incidents import to_record

FORMATS = ("csv", "json", "geojson", "xlsx")


def iter_incidents(store: Store, ids: list[str] | None = None, chunk: int = 2000) -> Iterator[IncidentRecord]:
    """Every incident (or those with the given ids) as records, ordered by id, read in chunks."""
    last = ""
    while True:
        with store.session() as session:
            query = (select(Incident).options(selectinload(Incident.munitions))
                     .where(Incident.id > last).order_by(Incident.id).limit(chunk))
            if ids is not None:
                query = query.where(Incident.id.in_(ids))
            rows = list(session.scalars(query))
            records = [to_record(row) for row in rows]
        if not records:
            return
        yield from records
        last = records[-1].id


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
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_rows(record: IncidentRecord) -> Iterator[dict[str, str]]:
    """The interchange rows of one incident: one per munition line."""
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
        yield {name: _cell(row.get(name)) for name in COLUMNS}


def write_csv(records, handle: IO[str]) -> int:
    """Write records as interchange CSV; returns the number of incidents."""
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
    """Write records as an interchange XLSX workbook (one sheet, same columns as CSV)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("incidents")
    sheet.append(list(COLUMNS))
    n = 0
    for n, record in enumerate(records, start=1):
        for row in csv_rows(record):
            sheet.append([row[c] for c in COLUMNS])
    workbook.save(path)
    return n


def export(store: Store, fmt: str, destination: Path | None, ids: list[str] | None = None, stream=None) -> int:
    """Export the store's incidents in `fmt` to `destination` (or `stream`); returns how many."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
    records = iter_incidents(store, ids)
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
