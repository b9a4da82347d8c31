"""Saving reports (one source's account of an event) with their provenance, and loading them back.

A report is keyed by its dataset and row key, so reading the same source again
updates it instead of adding a second one; every reading adds a provenance
entry (file, row, raw values, time). Reports come in and go out as
salvo.records.ReportRecord, the one shape readers, the extractor and the
linker share.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from salvo.model import Provenance, Report, utcnow
from salvo.records import REPORT_FIELDS, ReportRecord, munition_record


def save_report(session: Session, record: ReportRecord, *, source_file: str) -> str:
    """Insert or update one report and record where it was read; returns "added", "updated" or "unchanged".

    The record's dataset and row key say which report it is; its
    `row_number` and `raw` go into the provenance entry of `source_file`.
    """
    report = session.scalars(select(Report).where(
        Report.dataset == record.dataset, Report.row_key == record.row_key)).one_or_none()
    outcome = "unchanged"
    if report is None:
        report = Report(dataset=record.dataset, row_key=record.row_key, created_at=utcnow())
        session.add(report)
        outcome = "added"
    for name, value in record.values().items():
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

