"""What a dataset reader yields: one report per source row, with its provenance."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class ReportRow:
    """One dataset row read as a report.

    `row_key` is the dataset's own stable id for the event (ACLED
    ``event_id_cnty``, GTD ``eventid``, UCDP ``id``), so that a newer release
    of the dataset updates the report instead of adding another. `values` are
    the Report fields (see salvo.storage.reports.REPORT_FIELDS); `raw` is the
    row as read, kept for provenance.
    """

    dataset: str
    row_key: str
    row_number: int
    raw: dict[str, Any]
    values: dict[str, Any] = field(default_factory=dict)
