"""Salvo's own interchange format: CSV or XLSX with one row per incident and munition
type, or JSON with one object per incident. See docs/format.md.

Rows of one incident share an ``incident_id``, are adjacent, and repeat the
incident's values. The reader validates every cell and yields each incident
with its rows and errors, so that the importer can report all errors at once.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from salvo import codebook, gazetteer
from salvo.readers import fields as f
from salvo.readers.errors import FieldError, FileError, RowError
from salvo.records import IncidentRecord, MunitionRecord

COLUMNS: tuple[str, ...] = (
    "incident_id", "date", "date_precision", "country", "location", "place_id", "latitude", "longitude",
    "location_precision", "target", "target_category", "actor", "actor_id", "attribution", "munition_type",
    "count", "count_estimate", "intercepted", "impacted", "failed", "killed", "killed_low",
    "killed_high", "injured", "injured_low", "injured_high", "status", "source_url", "notes",
)
REQUIRED: tuple[str, ...] = ("incident_id", "date", "munition_type", "count")
MUNITION_COLUMNS = ("munition_type", "count", "count_estimate", "intercepted", "impacted", "failed")

_PARSERS = {
    "location": f.text, "target": f.text, "notes": f.text,
    "latitude": f.coordinate(-90, 90), "longitude": f.coordinate(-180, 180),
    "location_precision": f.code("location_precision"),
    "target_category": f.code("target_category"),
    "attribution": f.code("attribution"),
    "status": f.code("review_status"),
    "country": f.country,
    "munition_type": f.code("munition_type"),
    "count_estimate": f.boolean,
    "count": f.count, "intercepted": f.count, "impacted": f.count, "failed": f.count,
    "killed": f.count, "killed_low": f.count, "killed_high": f.count,
    "injured": f.count, "injured_low": f.count, "injured_high": f.count,
    "source_url": f.urls,
}


@dataclass
class ParsedIncident:
    """One incident read from a file: its record (None when invalid), its raw rows and its errors."""

    record: IncidentRecord | None
    rows: list[tuple[int, dict[str, str]]]
    errors: list[RowError] = field(default_factory=list)
    actor_unresolved: str | None = None


def read(path: Path, *, default_status: str = "reviewed") -> Iterator[ParsedIncident]:
    """Every incident of a Salvo CSV, XLSX or JSON file, validated."""
    return parse_rows(raw_rows(path), str(path), default_status=default_status)


def raw_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, {column: text}) for each data row; raises FileError for an unreadable file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls", ".ods"):
        return _xlsx_rows(path)
    if suffix in (".json", ".jsonl"):
        return _json_rows(path)
    return _csv_rows(path)


def _check_header(header: Iterable[str], file: str) -> None:
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FileError(RowError(file, 1, ", ".join(missing), None,
                                 f"missing required column(s); the header must name {', '.join(REQUIRED)}"))


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    file = str(path)
    row_number = 1
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle, strict=True)
            header = [name.strip() for name in next(reader, [])]
            if not header:
                raise FileError(RowError(file, None, None, None, "the file is empty"))
            _check_header(header, file)
            width = len(header)
            for cells in reader:
                row_number += 1
                if not any(cells):
                    continue
                if len(cells) != width:
                    raise FileError(RowError(file, row_number, None, None,
                                             f"has {len(cells)} cells where the header has {width} "
                                             "(a truncated file, or an unquoted comma)"))
                yield row_number, dict(zip(header, cells))
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, row_number + 1, None, None,
                                 f"is not UTF-8 text ({exc.reason} at byte {exc.start}); save the file as UTF-8")) from None
    except csv.Error as exc:
        raise FileError(RowError(file, row_number + 1, None, None, f"is not valid CSV: {exc}")) from None


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


def _xlsx_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    from python_calamine import CalamineWorkbook

    file = str(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        rows = iter(sheet.iter_rows())
    except Exception as exc:  # calamine raises its own error types for corrupt files
        raise FileError(RowError(file, None, None, None, f"is not a readable spreadsheet: {exc}")) from None
    header = [_cell_text(v).strip() for v in next(rows, [])]
    _check_header(header, file)
    for number, cells in enumerate(rows, start=2):
        texts = [_cell_text(v) for v in cells]
        if any(texts):
            yield number, dict(zip(header, texts))


def _json_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Incidents as JSON objects (a list, or one per line), flattened to one row per munition line."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        items = (json.loads(text) if path.suffix.lower() == ".json"
                 else [json.loads(line) for line in text.splitlines() if line.strip()])
    except UnicodeDecodeError as exc:
        raise FileError(RowError(file, None, None, None, f"is not UTF-8 text ({exc.reason})")) from None
    except json.JSONDecodeError as exc:
        raise FileError(RowError(file, exc.lineno, None, None, f"is not valid JSON: {exc.msg}")) from None
    if isinstance(items, dict):
        items = items.get("incidents", [items])
    for number, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise FileError(RowError(file, number, None, None, "each incident must be a JSON object"))
        base = {k: _json_text(v) for k, v in item.items() if k not in ("munitions", "sources")}
        base["incident_id"] = base.pop("id", base.get("incident_id", ""))
        if "sources" in item:
            base["source_url"] = " ".join(item.get("sources") or [])
        for line in item.get("munitions") or [{"munition_type": ""}]:
            yield number, {**base, **{k: _json_text(v) for k, v in line.items()}}


def _json_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_rows(
    rows: Iterable[tuple[int, dict[str, str]]], file: str, *, default_status: str = "reviewed"
) -> Iterator[ParsedIncident]:
    """Group adjacent rows by incident_id and validate them into incidents."""
    seen: set[str] = set()
    current: list[tuple[int, dict[str, str]]] = []
    current_id: str | None = None
    for number, row in rows:
        incident_id = (row.get("incident_id") or "").strip()
        if current and (not incident_id or incident_id != current_id):
            yield _incident(current, file, seen, default_status)
            current = []
        current_id = incident_id
        current.append((number, row))
    if current:
        yield _incident(current, file, seen, default_status)


def _incident(rows, file, seen, default_status) -> ParsedIncident:
    errors: list[RowError] = []
    first_number, first = rows[0]
    values = _incident_values(first_number, first, file, errors)
    for number, row in rows[1:]:
        for name in COLUMNS:
            if name in MUNITION_COLUMNS or name == "incident_id":
                continue
            if (row.get(name) or "").strip() != (first.get(name) or "").strip():
                errors.append(RowError(file, number, name, row.get(name),
                                       f"differs from row {first_number} of the same incident"))
    munitions: list[MunitionRecord] = []
    for number, row in rows:
        line = _munition(number, row, file, errors)
        if line is None:
            continue
        if any(m.munition_type == line.munition_type for m in munitions):
            errors.append(RowError(file, number, "munition_type", line.munition_type,
                                   "appears twice for this incident; use one row per munition type"))
        munitions.append(line)
    incident_id = (first.get("incident_id") or "").strip()
    parsed = ParsedIncident(None, rows, errors)
    if not incident_id:
        incident_id = None
    elif incident_id in seen:
        errors.append(RowError(file, first_number, "incident_id", incident_id,
                               "appears again after other incidents; keep the rows of one incident together"))
    if errors:
        return parsed
    record = IncidentRecord(id="", munitions=munitions, **values)
    record.status = record.status or default_status
    record.id = incident_id or f"h-{record.content_hash()[:16]}"
    seen.add(record.id)
    parsed.record = record
    if record.actor_name and record.actor_id is None:
        parsed.actor_unresolved = record.actor_name
    return parsed


def _cell(name: str, number: int, row: dict[str, str], file: str, errors: list[RowError]):
    raw = row.get(name)
    if raw is None:
        return None
    try:
        return _PARSERS[name](raw)
    except FieldError as exc:
        errors.append(RowError(file, number, name, raw, str(exc)))
        return None


def _incident_values(number: int, row: dict[str, str], file: str, errors: list[RowError]) -> dict:
    values = {name: _cell(name, number, row, file, errors) for name in (
        "country", "location", "latitude", "longitude", "location_precision", "target", "target_category",
        "attribution", "killed", "killed_low", "killed_high", "injured", "injured_low", "injured_high",
        "status", "notes")}
    precision = _cell_code("date_precision", number, row, file, errors)
    try:
        values["date"], values["date_precision"] = f.date_with_precision(row.get("date") or "", precision)
    except FieldError as exc:
        errors.append(RowError(file, number, "date", row.get("date"), str(exc)))
    values["sources"] = _cell("source_url", number, row, file, errors) or []
    if (values["latitude"] is None) != (values["longitude"] is None):
        errors.append(RowError(file, number, "latitude", row.get("latitude"),
                               "latitude and longitude must both be given or both be empty"))
    for kind in ("killed", "injured"):
        low, best, high = values[f"{kind}_low"], values[kind], values[f"{kind}_high"]
        known = [v for v in (low, best, high) if v is not None]
        if known != sorted(known):
            errors.append(RowError(file, number, kind, row.get(kind),
                                   f"{kind}_low <= {kind} <= {kind}_high does not hold"))
    actor_name = f.text(row.get("actor") or "")
    if "actor_id" in row:
        values["actor_id"] = _known(row["actor_id"], "actor_id", _actor_exists, number, file, errors)
    else:
        values["actor_id"] = _actor(actor_name)
    values["actor_name"] = actor_name
    if "place_id" in row:
        values["place_id"] = _known(row["place_id"], "place_id", gazetteer.place_by_id, number, file, errors)
    else:
        values["place_id"] = None
        if values["location"]:
            place = _place(values["location"], values["country"])
            if place is not None:
                values["place_id"] = place.id
                if values["latitude"] is None and place.lat is not None:
                    values["latitude"], values["longitude"] = place.lat, place.lon
                    values["location_precision"] = values["location_precision"] or place.precision
    return values


def _known(value: str, name: str, exists, number: int, file: str, errors: list[RowError]) -> str | None:
    """An explicit id column: empty means none, anything else must name a known record."""
    value = value.strip()
    if not value:
        return None
    if not exists(value):
        errors.append(RowError(file, number, name, value, f"is not a known {name.removesuffix('_id')} id"))
        return None
    return value


def _actor_exists(actor_id: str) -> bool:
    try:
        codebook.actors().get(actor_id)
    except KeyError:
        return False
    return True


def _cell_code(name, number, row, file, errors):
    try:
        return f.code(name)(row.get(name) or "")
    except FieldError as exc:
        errors.append(RowError(file, number, name, row.get(name), str(exc)))
        return None


def _munition(number: int, row: dict[str, str], file: str, errors: list[RowError]) -> MunitionRecord | None:
    before = len(errors)
    kind = _cell("munition_type", number, row, file, errors)
    values = {name: _cell(name, number, row, file, errors)
              for name in ("count", "intercepted", "impacted", "failed")}
    estimate = _cell("count_estimate", number, row, file, errors) or False
    if len(errors) > before:
        return None
    launched = values["count"]
    outcomes = sum(v for k, v in values.items() if k != "count" and v is not None)
    if launched is not None and outcomes > launched:
        errors.append(RowError(file, number, "count", row.get("count"),
                               f"is less than intercepted + impacted + failed ({outcomes})"))
        return None
    return MunitionRecord(munition_type=kind or "unknown", count=launched, count_estimate=estimate,
                          intercepted=values["intercepted"], impacted=values["impacted"], failed=values["failed"])


@lru_cache(maxsize=4096)
def _actor(name: str | None) -> str | None:
    actor = codebook.actors().resolve(name)
    return actor.id if actor else None


@lru_cache(maxsize=16384)
def _place(location: str, country: str | None):
    place = gazetteer.lookup(location, country)
    if place is None and "," in location:
        place = gazetteer.lookup(location.split(",")[0], country)
    return place
