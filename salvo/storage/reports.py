"""Saving reports (one source's account of an event) with their provenance.

A report is keyed by its dataset and row key, so reading the same source again
updates it instead of adding a second one; every reading adds a provenance
entry (file, row, raw values, time).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from salvo.model import Provenance, Report, utcnow
from salvo.records import REPORT_FIELDS


def save_report(
    session: Session, *, dataset: str, row_key: str, values: dict[str, Any], source_file: str,
    row_number: int | None = None, raw: dict[str, Any] | None = None,
) -> str:
    """Insert or update one report and record where it was read; returns "added", "updated" or "unchanged"."""
    unknown = set(values) - set(REPORT_FIELDS)
    if unknown:
        raise ValueError(f"not report fields: {', '.join(sorted(unknown))}")
    report = session.scalars(select(Report).where(Report.dataset == dataset, Report.row_key == row_key)).one_or_none()
    outcome = "unchanged"
    if report is None:
        report = Report(dataset=dataset, row_key=row_key, created_at=utcnow())
        session.add(report)
        outcome = "added"
    for name, value in values.items():
        if getattr(report, name) != value:
            setattr(report, name, value)
            outcome = "updated" if outcome == "unchanged" else outcome
    if report.withdrawn:
        report.withdrawn = False
        outcome = "updated" if outcome == "unchanged" else outcome
    if outcome != "unchanged":
        report.updated_at = utcnow()
    entry = next((p for p in report.provenance if release_name(p.source_file) == release_name(source_file)), None)
    if entry is None:
        report.provenance.append(Provenance(source_file=source_file, row_number=row_number, raw=raw))
    elif entry.raw != raw or entry.row_number != row_number:
        entry.source_file, entry.row_number, entry.raw, entry.imported_at = source_file, row_number, raw, utcnow()
    session.flush()
    return outcome


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

