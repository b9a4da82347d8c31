"""Saving reports (one source's account of an event) with their provenance, and loading them back.

A report is keyed by its dataset and row key, so reading the same source again
updates it instead of adding a second one; every reading adds a provenance
entry (file, row, raw values, time). Reports come in and go out as
salvo.records.ReportRecord, the one shape readers, the extractor and the
linker share.

A report that several files hold (a dataset's raw and geocoded tables, an
export and an API response) has their readings merged by one rule,
:func:`merged_values`, so that reading the files in any order, and again, gives
the same report. What each file says where it differs from the merged values
is kept in the evidence (``by_file``), so that a newer release of one file is
merged again with the others' readings exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salvo import codebook
from salvo.model import Provenance, Report, utcnow
from salvo.records import REPORT_FIELDS, ReportRecord, munition_record

BY_FILE = "by_file"
"""The evidence entry of a report several files hold: release name -> the values that file gives otherwise."""
POSITION = ("location", "place_id", "latitude", "longitude", "location_precision")
"""The fields that place a report: merged together, from one file, so a point never gets another's precision."""
_DATES = ("date", "published_at")


def save_report(session: Session, record: ReportRecord, *, source_file: str) -> str:
    """Insert or update one report and record where it was read; returns "added", "updated" or "unchanged".

    The record's dataset and row key say which report it is; its
    `row_number` and `raw` go into the provenance entry of `source_file`.
    """
    report = session.scalars(select(Report).where(
        Report.dataset == record.dataset, Report.row_key == record.row_key)).one_or_none()
    outcome = "unchanged"
    values = record.values()
    if report is None:
        report = Report(dataset=record.dataset, row_key=record.row_key, created_at=utcnow())
        session.add(report)
        outcome = "added"
    else:
        others = {release_name(p.source_file) for p in report.provenance} - {release_name(source_file)}
        if others:
            stored = {name: getattr(report, name) for name in REPORT_FIELDS}
            values = merged_values({**readings(stored, others), release_name(source_file): values})
    for name, value in values.items():
        if getattr(report, name) != value:
            setattr(report, name, value)
            outcome = "updated" if outcome == "unchanged" else outcome
    if report.withdrawn:
        report.withdrawn = False
        outcome = "updated" if outcome == "unchanged" else outcome
    if outcome != "unchanged":
        report.updated_at = utcnow()
    row_number, raw = record.row_number, record.raw
    entry = next((p for p in report.provenance if release_name(p.source_file) == release_name(source_file)), None)
    if entry is None:
        report.provenance.append(Provenance(source_file=source_file, row_number=row_number, raw=raw))
    elif entry.raw != raw or entry.row_number != row_number:
        entry.source_file, entry.row_number, entry.raw, entry.imported_at = source_file, row_number, raw, utcnow()
    session.flush()
    return outcome


def load_report(session: Session, report_id: int) -> ReportRecord | None:
    """The stored report with this id as a record, or None when there is none."""
    row = session.get(Report, report_id)
    return to_report_record(row) if row is not None else None


def to_report_record(row: Report) -> ReportRecord:
    """A stored report as a record, with the store's id, incident and withdrawn flag.

    `row_number` and `raw` stay None: a stored report may have been read from
    several files, and its provenance entries say where.
    """
    values = {name: getattr(row, name) for name in REPORT_FIELDS}
    values["munitions"] = [munition_record(line) for line in row.munitions or []]
    return ReportRecord(dataset=row.dataset, row_key=row.row_key, id=row.id, incident_id=row.incident_id,
                        withdrawn=bool(row.withdrawn), **values)


@lru_cache(maxsize=1024)
def release_name(source_file: str) -> str:
    """What makes two files releases of one: the same file name, whatever folder each was read from."""
    return Path(source_file).name


def reports(session: Session, dataset: str | None = None) -> list[Report]:
    """Stored reports, optionally of one dataset, oldest first."""
    query = select(Report).order_by(Report.id)
    if dataset:
        query = query.where(Report.dataset == dataset)
    return list(session.scalars(query))



def merged_values(readings: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The values of a report that several files hold, from each file's reading, the same whatever the order read.

    `readings` maps each file's release name to its values (REPORT_FIELDS,
    munitions as dicts). The files are ranked: first the one that places the
    event best (coordinates, then the finer ``location_precision``), then the
    one that states more values (fields and evidence entries), then by name.
    The position (POSITION) comes whole from the first file; every other field
    from the first file that states it (a file that leaves it empty does not
    erase another's); each evidence entry from the first file that has it; and
    the report is in scope when any file reads it so. The evidence's
    ``by_file`` keeps, for each file whose reading differs, the values it gives
    otherwise (dates as ISO text).
    """
    ranked = [readings[name] for name in sorted(readings, key=lambda name: _rank(name, readings[name]))]
    first = ranked[0]
    merged: dict[str, Any] = {}
    for name in REPORT_FIELDS:
        if name in POSITION:
            merged[name] = first[name]
        elif name == "in_scope":
            merged[name] = any(reading[name] for reading in ranked)
        elif name == "evidence":
            evidence: dict[str, Any] = {}
            for reading in ranked:
                for key, value in (reading[name] or {}).items():
                    evidence.setdefault(key, value)
            merged[name] = evidence or None
        else:
            merged[name] = next((reading[name] for reading in ranked if _stated(reading[name])), first[name])
    merged["munitions"] = merged["munitions"] or []
    differing = {file: {name: _plain(reading[name]) for name in REPORT_FIELDS
                        if not _same(name, reading[name], merged[name])}
                 for file, reading in sorted(readings.items())}
    differing = {file: values for file, values in differing.items() if values}
    if differing:
        merged["evidence"] = {**(merged["evidence"] or {}), BY_FILE: differing}
    return merged


def readings(values: dict[str, Any], files: Iterable[str]) -> dict[str, dict[str, Any]]:
    """Each file's reading of a stored report (its merged `values`): the values, with what that file gives otherwise.

    The inverse of :func:`merged_values` for the files it merged; a report
    stored before readings were merged gives its values for every file.
    """
    evidence = dict(values["evidence"] or {})
    differing = evidence.pop(BY_FILE, {})
    plain = {**values, "evidence": evidence or None, "munitions": values["munitions"] or []}
    found = {}
    for file in files:
        own = {name: dt.date.fromisoformat(value) if name in _DATES and value else value
               for name, value in differing.get(file, {}).items()}
        found[file] = {**plain, **own}
    return found


def same_values(before: dict[str, Any], after: dict[str, Any]) -> bool:
    """Whether two sets of report values are the same (no munition lines and an empty list are)."""
    return all(_same(name, before[name], after[name]) for name in REPORT_FIELDS)


def _rank(file: str, values: dict[str, Any]) -> tuple:
    placed = values["latitude"] is not None and values["longitude"] is not None
    precision = _precisions().get(values["location_precision"], len(_precisions()))
    stated = sum(_stated(values[name]) for name in REPORT_FIELDS if name != "evidence")
    return (not placed, precision, -(stated + len(values["evidence"] or {})), file)


@cache
def _precisions() -> dict[str, int]:
    """Location precision -> its rank, finest first (the codebook's order: exact, site, city, ...)."""
    return {code: rank for rank, code in enumerate(codebook.vocabulary("location_precision").codes)}


def _stated(value: Any) -> bool:
    return value is not None and value != [] and value != {}


def _same(name: str, before: Any, after: Any) -> bool:
    if name in ("munitions", "evidence"):
        return (before or None) == (after or None)
    return before == after


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value
