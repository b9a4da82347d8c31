"""Writing many incidents at once: the import path.

Rows go in through SQLAlchemy Core in batches (no ORM objects), compared by
content hash against what is stored so that a re-import of the same data
changes nothing. It writes inside the caller's transaction, so an import that
fails part-way leaves the store as it was.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from salvo.model import AuditEntry, Incident, IncidentSource, MunitionLine, PlaceRow, utcnow
from salvo.records import INCIDENT_SCALARS, IncidentRecord
from salvo.storage.incidents import audit_changes, to_record
from salvo.storage.store import bump_revision

BATCH_SIZE = 5000

_incidents = Incident.__table__
_lines = MunitionLine.__table__
_sources = IncidentSource.__table__
_audit = AuditEntry.__table__
_places = PlaceRow.__table__


@dataclass
class WriteCounts:
    """How many incidents a bulk write added, updated or found unchanged."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0


def batched(items: Iterable, size: int) -> Iterator[list]:
    """Consecutive lists of at most `size` items."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_incidents(
    session: Session, records: Iterable[IncidentRecord], *, user: str, reason: str | None = None,
    batch_size: int = BATCH_SIZE,
) -> WriteCounts:
    """Insert new incidents and update changed ones, with one audit entry per change.

    A created incident's audit entry records who imported it and why; an
    update's records every changed value, old and new.
    """
    counts = WriteCounts()
    conn = session.connection()
    known_places: set[str] = set(session.scalars(select(PlaceRow.id)))
    for batch in batched(records, batch_size):
        hashes = {record.id: record.content_hash() for record in batch}
        stored = dict(conn.execute(
            select(_incidents.c.id, _incidents.c.content_hash).where(_incidents.c.id.in_(list(hashes)))
        ).all())
        new = [r for r in batch if r.id not in stored]
        changed = [r for r in batch if r.id in stored and stored[r.id] != hashes[r.id]]
        counts.unchanged += len(batch) - len(new) - len(changed)
        _ensure_places(conn, batch, known_places)
        now = utcnow()
        if new:
            conn.execute(insert(_incidents), [_incident_row(r, hashes[r.id], now, 1) for r in new])
            _insert_children(conn, new)
            conn.execute(insert(_audit), [
                {"at": now, "user": user, "entity": "incident", "entity_id": r.id, "action": "create",
                 "changes": None, "reason": reason}
                for r in new
            ])
            counts.added += len(new)
        if changed:
            _update(session, conn, changed, hashes, now, user, reason)
            counts.updated += len(changed)
    if counts.added or counts.updated:
        bump_revision(session)
    return counts


def _incident_row(record: IncidentRecord, digest: str, now, version: int) -> dict:
    row = {name: getattr(record, name) for name in INCIDENT_SCALARS}
    row.update(content_hash=digest, version=version, created_at=now, updated_at=now)
    return row


def _insert_children(conn, records: list[IncidentRecord]) -> None:
    lines = [
        {"incident_id": r.id, "position": i, **dataclasses.asdict(m)}
        for r in records for i, m in enumerate(r.munitions)
    ]
    if lines:
        conn.execute(insert(_lines), lines)
    sources = [{"incident_id": r.id, "position": i, "url": url} for r in records for i, url in enumerate(r.sources)]
    if sources:
        conn.execute(insert(_sources), sources)


def _update(session, conn, records, hashes, now, user, reason) -> None:
    ids = [r.id for r in records]
    old_rows = {row.id: to_record(row) for row in session.scalars(select(Incident).where(Incident.id.in_(ids)))}
    versions = dict(conn.execute(select(_incidents.c.id, _incidents.c.version).where(_incidents.c.id.in_(ids))).all())
    conn.execute(delete(_lines).where(_lines.c.incident_id.in_(ids)))
    conn.execute(delete(_sources).where(_sources.c.incident_id.in_(ids)))
    for record in records:
        values = {name: getattr(record, name) for name in INCIDENT_SCALARS if name != "id"}
        values.update(content_hash=hashes[record.id], version=versions[record.id] + 1, updated_at=now)
        conn.execute(update(_incidents).where(_incidents.c.id == record.id).values(**values))
    _insert_children(conn, records)
    conn.execute(insert(_audit), [
        {"at": now, "user": user, "entity": "incident", "entity_id": r.id, "action": "update",
         "changes": audit_changes(old_rows.get(r.id), r), "reason": reason}
        for r in records
    ])
    session.expire_all()


def _ensure_places(conn, records: list[IncidentRecord], known: set[str]) -> None:
    """Add the gazetteer towns these records refer to, so place_id always points at a row."""
    missing = {r.place_id for r in records if r.place_id and r.place_id not in known}
    if not missing:
        return
    from salvo import gazetteer

    rows = []
    for place_id in missing:
        place = gazetteer.place_by_id(place_id)
        if place is None:
            raise ValueError(f"unknown place id {place_id!r}")
        rows.append({"id": place.id, "name": place.name, "kind": place.kind, "country": place.country,
                     "latitude": place.lat, "longitude": place.lon, "precision": place.precision,
                     "source": place.source})
    conn.execute(insert(_places), rows)
    known.update(missing)
