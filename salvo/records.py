"""Plain records passed between Salvo's stages: an incident with its munition lines and sources,
and a report (one source's account of an event).

Readers and the extractor produce them, the store saves and loads them, the
linker and exports read them. They hold codes, not labels, and None for
anything unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any


@dataclass
class MunitionRecord:
    """One munition line: a type, how many were launched, and the reported outcomes."""

    munition_type: str
    count: int | None = None
    count_estimate: bool = False
    intercepted: int | None = None
    impacted: int | None = None
    failed: int | None = None


@dataclass
class IncidentRecord:
    """An incident as plain values, independent of the database."""

    id: str
    date: dt.date | None = None
    date_precision: str | None = None
    country: str | None = None
    location: str | None = None
    place_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str | None = None
    target: str | None = None
    target_category: str | None = None
    actor_id: str | None = None
    actor_name: str | None = None
    attribution: str | None = None
    killed: int | None = None
    killed_low: int | None = None
    killed_high: int | None = None
    injured: int | None = None
    injured_low: int | None = None
    injured_high: int | None = None
    status: str = "reviewed"
    notes: str | None = None
    munitions: list[MunitionRecord] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def scalar_fields(self) -> dict[str, object]:
        """The incident-level values (everything but munition lines and sources)."""
        return dict(zip(INCIDENT_SCALARS, scalar_values(self)))

    def content_hash(self) -> str:
        """A digest of every value, so a re-import can tell unchanged incidents at once."""
        from salvo.storage.frames import content_hash

        return content_hash(self)


@dataclass
class ReportRecord:
    """One source's account of an event, as that source gives it: a dataset row, a news candidate, an analyst entry.

    `dataset` and `row_key` identify it (the dataset's own event id, an
    article and the candidate's position, an incident id for an analyst's
    entry), so reading the same source again updates it. `row_number` and
    `raw` say where it was read (provenance). `id`, `incident_id` and
    `withdrawn` are the store's: None/False until it is saved and linked.
    """

    dataset: str
    row_key: str
    url: str | None = None
    outlet: str | None = None
    published_at: dt.date | None = None
    in_scope: bool = True
    date: dt.date | None = None
    date_precision: str | None = None
    country: str | None = None
    location: str | None = None
    place_id: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    location_precision: str | None = None
    target: str | None = None
    target_category: str | None = None
    actor_id: str | None = None
    actor_name: str | None = None
    attribution: str | None = None
    killed: int | None = None
    injured: int | None = None
    confidence: str | None = None
    munitions: list[MunitionRecord] = field(default_factory=list)
    evidence: dict[str, Any] | None = None
    text: str | None = None
    row_number: int | None = None
    raw: dict[str, Any] | None = None
    id: int | None = None
    incident_id: str | None = None
    withdrawn: bool = False

    def values(self) -> dict[str, Any]:
        """The report's stored values (REPORT_FIELDS), munition lines as plain dicts."""
        values = {name: getattr(self, name) for name in REPORT_FIELDS}
        values["munitions"] = [munition_dict(m) for m in self.munitions]
        return values


def munition_dict(line: MunitionRecord) -> dict[str, Any]:
    """A munition line as the JSON object reports store: its type and only the figures it states."""
    data: dict[str, Any] = {"munition_type": line.munition_type, "count": line.count}
    if line.count_estimate:
        data["count_estimate"] = True
    for name in ("intercepted", "impacted", "failed"):
        if getattr(line, name) is not None:
            data[name] = getattr(line, name)
    return data


def munition_record(data: dict[str, Any]) -> MunitionRecord:
    """A munition line from a report's stored JSON object."""
    return MunitionRecord(**{name: data[name] for name in MUNITION_FIELDS if name in data and data[name] is not None})


REPORT_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(ReportRecord)
    if f.name not in ("dataset", "row_key", "row_number", "raw", "id", "incident_id", "withdrawn")
)
"""The values a report stores, in the order the store's frames and hashes use."""

INCIDENT_SCALARS: tuple[str, ...] = tuple(
    f.name for f in fields(IncidentRecord) if f.name not in ("munitions", "sources")
)
MUNITION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(MunitionRecord))
scalar_values = attrgetter(*INCIDENT_SCALARS)
"""The incident-level values of a record as a tuple, in INCIDENT_SCALARS order."""
munition_values = attrgetter(*MUNITION_FIELDS)
"""The values of a munition line as a tuple, in MUNITION_FIELDS order."""
