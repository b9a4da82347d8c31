"""Reading and writing single incidents through the ORM, with an audit entry per change.

This is the path for analyst edits (one incident at a time). Bulk imports use
:mod:`salvo.storage.bulk`, which writes the same rows faster.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from salvo.model import AuditEntry, ImportRun, Incident, MunitionLine, utcnow
from salvo.records import INCIDENT_SCALARS, MUNITION_FIELDS, IncidentRecord, MunitionRecord


def to_record(row: Incident) -> IncidentRecord:
    """The plain record of a stored incident."""
    record = IncidentRecord(**{name: getattr(row, name) for name in INCIDENT_SCALARS})
    record.munitions = [MunitionRecord(**{n: getattr(m, n) for n in MUNITION_FIELDS}) for m in row.munitions]
    record.sources = list(row.sources or [])
    return record


def load_incident(session: Session, incident_id: str) -> IncidentRecord | None:
    """The incident with this id as a record, or None."""
    row = session.get(Incident, incident_id, options=[selectinload(Incident.munitions)])
    return to_record(row) if row is not None else None


def audit_changes(old: IncidentRecord | None, new: IncidentRecord | None) -> dict[str, list[Any]]:
    """What differs between two versions of an incident, as {field: [old, new]} in JSON-safe values."""
    before = _flat(old) if old else {}
    after = _flat(new) if new else {}
    return {
        key: [before.get(key), after.get(key)]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def _flat(record: IncidentRecord) -> dict[str, Any]:
    values = {k: _json_safe(v) for k, v in record.scalar_fields().items()}
    values["munitions"] = [dataclasses.asdict(m) for m in record.munitions]
    values["sources"] = list(record.sources)
    return values


def _json_safe(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def save_incident(session: Session, record: IncidentRecord, *, user: str, reason: str | None = None) -> str:
    """Create or update one incident from a record; returns "added", "updated" or "unchanged".

    Every change writes an audit entry with the old and new values.
    """
    digest = record.content_hash()
    row = session.get(Incident, record.id)
    if row is not None and row.content_hash == digest:
        return "unchanged"
    old = to_record(row) if row is not None else None
    if old == record:
        row.content_hash = digest  # a digest from another version of the hash
        return "unchanged"
    if row is None:
        row = Incident(id=record.id, version=0, created_at=utcnow())
        session.add(row)
    for name in INCIDENT_SCALARS:
        setattr(row, name, getattr(record, name))
    if old is not None:
        # Delete the old lines first: the new ones may reuse their (incident, type) keys.
        row.munitions.clear()
        session.flush()
    row.munitions = [MunitionLine(position=i, **dataclasses.asdict(m)) for i, m in enumerate(record.munitions)]
    row.sources = list(record.sources)
    row.content_hash = digest
    row.version = (row.version or 0) + 1
    row.updated_at = utcnow()
    session.add(AuditEntry(
        user=user, entity="incident", entity_id=record.id, action="update" if old else "create",
        changes=audit_changes(old, record), reason=reason,
    ))
    session.flush()
    return "updated" if old else "added"


def delete_incident(session: Session, incident_id: str, *, user: str, reason: str | None = None) -> bool:
    """Delete an incident (its lines and sources go with it), keeping its last values in the audit log."""
    row = session.get(Incident, incident_id)
    if row is None:
        return False
    session.add(AuditEntry(
        user=user, entity="incident", entity_id=incident_id, action="delete",
        changes=audit_changes(to_record(row), None), reason=reason,
    ))
    session.delete(row)
    session.flush()
    return True


@dataclass(frozen=True)
class HistoryEntry:
    """One change in an incident's history."""

    at: dt.datetime
    user: str
    action: str
    changes: dict[str, Any] | None
    reason: str | None


def history(session: Session, incident_id: str) -> list[HistoryEntry]:
    """Every change to an incident, oldest first: its creation (by an import or an edit), then each edit."""
    entries = []
    incident = session.get(Incident, incident_id)
    if incident is not None and incident.import_id:
        run = session.get(ImportRun, incident.import_id)
        entries.append(HistoryEntry(run.started_at, run.user, "create", None,
                                    f"import of {run.file} (sha256 {run.sha256[:16]})"))
    entries.extend(
        HistoryEntry(entry.at, entry.user, entry.action, entry.changes, entry.reason)
        for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "incident", AuditEntry.entity_id == incident_id)
            .order_by(AuditEntry.id))
    )
    return entries
