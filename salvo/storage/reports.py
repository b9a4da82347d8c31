"""Saving reports (one source's account of an event) with their provenance.

A report is keyed by its dataset and row key, so reading the same source again
updates it instead of adding a second one; every reading adds a provenance
entry (file, row, raw values, time).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salvo.model import Provenance, Report, utcnow

REPORT_FIELDS = (
    "url", "outlet", "published_at", "in_scope", "date", "date_precision", "country", "location", "latitude",
    "longitude", "target", "target_category", "actor_id", "actor_name", "attribution", "killed", "injured",
    "munitions", "evidence", "text",
)


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
    report.provenance.append(Provenance(source_file=source_file, row_number=row_number, raw=raw))
    session.flush()
    return outcome


def reports(session: Session, dataset: str | None = None) -> list[Report]:
    """Stored reports, optionally of one dataset, oldest first."""
    query = select(Report).order_by(Report.id)
    if dataset:
        query = query.where(Report.dataset == dataset)
    return list(session.scalars(query))



def withdraw_missing(session: Session, dataset: str, source_file: str, keys: set[str]) -> int:
    """Mark withdrawn the reports of a file that a newer release of it no longer has.

    A release is a file of the same name (``conflict_data_irq.csv`` read again
    after the publisher updated it). Returns how many were withdrawn. A
    withdrawn report stays, with its provenance; reading its row again brings
    it back.
    """
    name = Path(source_file).name
    withdrawn = 0
    rows = session.scalars(select(Report).where(Report.dataset == dataset, Report.withdrawn.is_(False))
                           .options(selectinload(Report.provenance)))
    for report in rows:
        files = {Path(p.source_file).name for p in report.provenance}
        if name in files and report.row_key not in keys:
            report.withdrawn = True
            withdrawn += 1
    session.flush()
    return withdrawn
