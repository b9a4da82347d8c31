"""Plain records passed between Salvo's stages: an incident with its munition lines and sources.

Readers produce them, the store saves and loads them, exports write them.
They hold codes, not labels, and None for anything unknown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from operator import attrgetter


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


INCIDENT_SCALARS: tuple[str, ...] = tuple(
    f.name for f in fields(IncidentRecord) if f.name not in ("munitions", "sources")
)
MUNITION_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(MunitionRecord))
scalar_values = attrgetter(*INCIDENT_SCALARS)
"""The incident-level values of a record as a tuple, in INCIDENT_SCALARS order."""
munition_values = attrgetter(*MUNITION_FIELDS)
"""The values of a munition line as a tuple, in MUNITION_FIELDS order."""
