"""What linkage reads from and writes to the store: decisions, overrides, runs, and the linked incidents.

The linker (salvo.link) decides; these functions only read and write, in
bulk (executemany) so that a million reports link in one transaction.
Incidents written here point to their reports (``reports.incident_id``); an
incident merged into another stays as a tombstone (``merged_into``) so that
its id still resolves.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from salvo.model import (
    AuditEntry, ClaimEntry, Incident, IncidentOverride, LinkDecision, LinkPair, LinkRun, MunitionLine, OutcomeEntry,
    Report, utcnow,
)
from salvo.records import INCIDENT_SCALARS, munition_values, scalar_values
from salvo.storage.bulk import BATCH_SIZE, LINE_COLUMNS, Writer, ensure_places
from salvo.storage.store import bump_revision

_incidents = Incident.__table__
INCIDENT_COLUMNS = (*INCIDENT_SCALARS, "sources", "content_hash", "in_scope", "conflicts", "derivation")


@dataclass
class LinkState:
    """What the store remembers between link runs: the last run, and the analysts' decisions in force."""

    last_run_started: object | None
    last_calibration: dict | None = None
    accepted: list[tuple[int, int]] = field(default_factory=list)
    rejected: list[tuple[int, int]] = field(default_factory=list)
    decided_since_last_run: set[int] = field(default_factory=set)
    overrides: dict[str, dict[str, object]] = field(default_factory=dict)
    moves: dict[int, str] = field(default_factory=dict)


def link_state(session: Session) -> LinkState:
    """The last link run's start and every decision and override not revoked."""
    last = session.scalars(select(LinkRun).where(LinkRun.finished_at.is_not(None))
                           .order_by(LinkRun.started_at.desc()).limit(1)).first()
    state = LinkState(last.started_at if last else None,
                      (last.summary or {}).get("calibration") if last is not None else None)
    for decision in session.scalars(select(LinkDecision).order_by(LinkDecision.id)):
        if last is None or decision.at >= last.started_at or (decision.revoked_at and
                                                               decision.revoked_at >= last.started_at):
            state.decided_since_last_run.update(x for x in (decision.report_a, decision.report_b) if x is not None)
        if decision.revoked_at is not None:
            continue
        pair = (min(decision.report_a, decision.report_b or 0), max(decision.report_a, decision.report_b or 0))
        if decision.kind == "accept":
            state.accepted.append(pair)
        elif decision.kind == "reject":
            state.rejected.append(pair)
        elif decision.kind == "move" and decision.incident_id:
            state.moves[decision.report_a] = decision.incident_id
    for entry in session.scalars(select(IncidentOverride).where(IncidentOverride.revoked_at.is_(None))
                                 .order_by(IncidentOverride.id)):
        state.overrides.setdefault(entry.incident_id, {})[entry.field] = entry.value
    return state


def changed_report_ids(session: Session, since) -> set[int]:
    """Reports added or changed since a moment (all reports when `since` is None), withdrawn ones included."""
    query = select(Report.id)
    if since is not None:
        query = query.where(Report.updated_at >= since)
    return set(session.scalars(query))


def withdrawn_linked(session: Session) -> list[tuple[int, str]]:
    """Withdrawn reports still linked to an incident: (report id, incident id)."""
    return list(session.execute(select(Report.id, Report.incident_id)
                                .where(Report.withdrawn.is_(True), Report.incident_id.is_not(None))).all())


def existing_incidents(session: Session, ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """id -> (version, content hash) of the stored incidents among `ids` (tombstones included)."""
    ids = list(ids)
    found: dict[str, tuple[int, str]] = {}
    for start in range(0, len(ids), BATCH_SIZE):
        rows = session.execute(select(_incidents.c.id, _incidents.c.version, _incidents.c.content_hash)
                               .where(_incidents.c.id.in_(ids[start:start + BATCH_SIZE])))
        found.update((i, (v, h)) for i, v, h in rows)
    return found


def taken_ids(session: Session, ids: Iterable[str]) -> set[str]:
    """Those of `ids` that an incident (live or tombstone) already has."""
    return set(existing_incidents(session, ids))


def write_incidents(session: Session, reconciled: list, *, user: str, run_id: str) -> tuple[int, int]:
    """Insert or update linked incidents with their lines and ledgers; returns (added, updated).

    An incident whose derived values are unchanged is left alone. Every
    created or changed incident gets an audit entry naming the link run.
    """
    if not reconciled:
        return 0, 0
    writer = Writer(session)
    stored = existing_incidents(session, [r.record.id for r in reconciled])
    now = utcnow()
    ensure_places(writer, [r.record.place_id for r in reconciled if r.record.place_id],
                   set(session.scalars(select(Incident.place_id).where(Incident.place_id.is_not(None)).distinct()))
                   | _known_places(session))
    rows_new, rows_changed, changed = [], [], []
    for item in reconciled:
        record = item.record
        digest = _digest(item)
        values = (*scalar_values(record), json.dumps(record.sources), digest, item.in_scope,
                  json.dumps(item.conflicts, default=str) if item.conflicts else None,
                  json.dumps(item.derivation, default=str))
        if record.id not in stored:
            rows_new.append(values)
        elif stored[record.id][1] != digest:
            rows_changed.append((*values[1:], stored[record.id][0] + 1, now, record.id))
            changed.append(item)
        else:
            continue
    ids_written = [v[0] for v in rows_new] + [r[-1] for r in rows_changed]
    if rows_changed:
        ids = [r[-1] for r in rows_changed]
        for start in range(0, len(ids), BATCH_SIZE):
            part = ids[start:start + BATCH_SIZE]
            session.execute(delete(MunitionLine.__table__).where(MunitionLine.__table__.c.incident_id.in_(part)))
        writer.update("incidents", (*INCIDENT_COLUMNS[1:], "version", "updated_at"), "id", rows_changed)
    if rows_new:
        writer.insert("incidents", INCIDENT_COLUMNS, rows_new,
                      constants={"version": 1, "created_at": now, "updated_at": now})
    written = set(ids_written)
    items = [r for r in reconciled if r.record.id in written]
    writer.insert("munition_lines", LINE_COLUMNS, [(r.record.id, i, *munition_values(m)) for r in items
                                                   for i, m in enumerate(r.record.munitions)])
    replace_ledgers(session, items)
    reason = f"link run {run_id}"
    writer.insert("audit_log", ("at", "user", "entity", "entity_id", "action", "changes", "reason"),
                  [(now, user, "incident", v[0], "create", None, reason) for v in rows_new]
                  + [(now, user, "incident", r.record.id, "relink", None, reason) for r in changed])
    if written:
        bump_revision(session)
    return len(rows_new), len(rows_changed)


def _known_places(session: Session) -> set[str]:
    from salvo.model import PlaceRow

    return set(session.scalars(select(PlaceRow.id)))


def _digest(item) -> str:
    """A digest of everything linkage derived for an incident, to leave unchanged ones alone."""
    record = item.record
    values = [scalar_values(record), [munition_values(m) for m in record.munitions], record.sources,
              item.in_scope, item.conflicts, item.derivation, item.claims, item.outcomes]
    return hashlib.blake2b(json.dumps(values, sort_keys=True, default=str).encode(), digest_size=16).hexdigest()


def replace_ledgers(session: Session, items: list) -> None:
    """Rebuild the claims and outcome ledgers of these incidents from what reconciliation found."""
    ids = [r.record.id for r in items]
    for start in range(0, len(ids), BATCH_SIZE):
        part = ids[start:start + BATCH_SIZE]
        session.execute(delete(ClaimEntry.__table__).where(ClaimEntry.__table__.c.incident_id.in_(part)))
        session.execute(delete(OutcomeEntry.__table__).where(OutcomeEntry.__table__.c.incident_id.in_(part)))
    writer = Writer(session)
    writer.insert("claims", ("incident_id", "report_id", "kind", "actor_id", "actor_name", "made_by", "stated_on"),
                  [(r.record.id, c["report_id"], c["kind"], c["actor_id"], c["actor_name"], c["made_by"],
                    c["stated_on"]) for r in items for c in r.claims])
    writer.insert("outcomes", ("incident_id", "report_id", "munition_type", "launched", "intercepted", "impacted",
                               "failed"),
                  [(r.record.id, o["report_id"], o["munition_type"], o["launched"], o["intercepted"],
                    o["impacted"], o["failed"]) for r in items for o in r.outcomes])


def assign_reports(session: Session, assignments: dict[int, str | None]) -> None:
    """Point reports at their incidents (None: no incident, for withdrawn reports)."""
    if assignments:
        Writer(session).update("reports", ("incident_id",), "id",
                               [(incident, report) for report, incident in assignments.items()])


def tombstone(session: Session, merged: dict[str, str | None], *, user: str, run_id: str) -> None:
    """Mark incidents merged into others (or, with None, left without reports) and audit each."""
    if not merged:
        return
    now = utcnow()
    writer = Writer(session)
    into = [(target, now, old) for old, target in merged.items() if target]
    emptied = [("rejected", now, old) for old, target in merged.items() if not target]
    if into:
        writer.update("incidents", ("merged_into", "updated_at"), "id", into)
    if emptied:
        writer.update("incidents", ("status", "updated_at"), "id", emptied)
    writer.insert("audit_log", ("at", "user", "entity", "entity_id", "action", "changes", "reason"),
                  [(now, user, "incident", old, "merge" if target else "empty",
                    json.dumps({"merged_into": [None, target]}) if target else None,
                    f"link run {run_id}" + ("" if target else ": no report left")) for old, target in merged.items()])
    bump_revision(session)


def replace_queue(session: Session, pairs: list[dict], touching: set[int] | None, run_id: str) -> None:
    """Replace the pending review pairs (all of them, or those touching `touching`) with `pairs`."""
    table = LinkPair.__table__
    pending = select(table.c.id, table.c.report_a, table.c.report_b).where(table.c.status == "pending")
    stale = [pid for pid, a, b in session.execute(pending) if touching is None or a in touching or b in touching]
    for start in range(0, len(stale), BATCH_SIZE):
        session.execute(delete(table).where(table.c.id.in_(stale[start:start + BATCH_SIZE])))
    if not pairs:
        return
    existing = {(a, b) for a, b in session.execute(select(table.c.report_a, table.c.report_b))}
    now = utcnow()
    rows = [(p["a"], p["b"], p["probability"], p["weight"], json.dumps(p["reasons"]), "pending", run_id, now)
            for p in pairs if (p["a"], p["b"]) not in existing]
    Writer(session).insert("link_pairs", ("report_a", "report_b", "probability", "weight", "reasons", "status",
                                          "run_id", "created_at"), rows)


def record_decision(session: Session, *, kind: str, report_a: int, report_b: int | None, user: str,
                    reason: str | None, pair_id: int | None = None, incident_id: str | None = None) -> LinkDecision:
    """Store an analyst's link decision (and mark its queue pair decided)."""
    decision = LinkDecision(kind=kind, report_a=report_a, report_b=report_b, user=user, reason=reason,
                            pair_id=pair_id, incident_id=incident_id, at=utcnow())
    session.add(decision)
    if pair_id is not None:
        session.execute(update(LinkPair).where(LinkPair.id == pair_id).values(
            status="accepted" if kind == "accept" else "rejected"))
    session.add(AuditEntry(user=user, entity="link_decision", entity_id=f"{report_a}-{report_b}", action=kind,
                           changes={"pair": pair_id, "incident": incident_id}, reason=reason))
    session.flush()
    return decision


def revoke_decision(session: Session, decision_id: int, *, user: str, reason: str | None) -> LinkDecision | None:
    """Undo a decision: it stays on record, marked revoked; its queue pair is pending again."""
    decision = session.get(LinkDecision, decision_id)
    if decision is None or decision.revoked_at is not None:
        return None
    decision.revoked_at, decision.revoked_by = utcnow(), user
    if decision.pair_id is not None:
        session.execute(update(LinkPair).where(LinkPair.id == decision.pair_id).values(status="pending"))
    session.add(AuditEntry(user=user, entity="link_decision", entity_id=str(decision_id), action="revoke",
                           changes=None, reason=reason))
    session.flush()
    return decision


def resolve_incident(session: Session, incident_id: str) -> str | None:
    """The live incident an id stands for: itself, or the incident it was merged into (followed to the end)."""
    seen = set()
    current = incident_id
    while current and current not in seen:
        seen.add(current)
        row = session.get(Incident, current)
        if row is None:
            return None
        if row.merged_into is None:
            return current
        current = row.merged_into
    return None



def incident_detail(session: Session, incident_id: str) -> dict | None:
    """Everything behind one incident: its values and their origin, conflicts, ledgers, reports with raw rows, decisions.

    An id that was merged away resolves to the incident it went into (``resolved_from`` says so).
    """
    from salvo.model import Provenance
    from salvo.storage.incidents import history, to_record

    live = resolve_incident(session, incident_id)
    if live is None:
        return None
    row = session.get(Incident, live)
    record = to_record(row)
    reports = list(session.scalars(select(Report).where(Report.incident_id == live).order_by(Report.id)))
    report_ids = [r.id for r in reports]
    provenance: dict[int, list] = {}
    if report_ids:
        for entry in session.scalars(select(Provenance).where(Provenance.report_id.in_(report_ids))
                                     .order_by(Provenance.id)):
            provenance.setdefault(entry.report_id, []).append(
                {"file": entry.source_file, "row": entry.row_number, "raw": entry.raw,
                 "imported_at": entry.imported_at.isoformat(sep=" ", timespec="seconds")})
    decisions = []
    if report_ids:
        query = select(LinkDecision).where(LinkDecision.report_a.in_(report_ids) | LinkDecision.report_b.in_(report_ids))
        decisions = [{"id": d.id, "kind": d.kind, "reports": [d.report_a, d.report_b], "user": d.user,
                      "at": d.at.isoformat(sep=" ", timespec="seconds"), "reason": d.reason,
                      "revoked_at": d.revoked_at.isoformat(sep=" ", timespec="seconds") if d.revoked_at else None}
                     for d in session.scalars(query.order_by(LinkDecision.id))]
    return {
        "incident": record, "resolved_from": incident_id if live != incident_id else None,
        "status": row.status, "in_scope": row.in_scope, "version": row.version,
        "conflicts": row.conflicts or [], "derivation": row.derivation or {},
        "claims": [{"kind": c.kind, "actor_id": c.actor_id, "actor_name": c.actor_name, "made_by": c.made_by,
                    "stated_on": c.stated_on.isoformat() if c.stated_on else None, "report_id": c.report_id}
                   for c in session.scalars(select(ClaimEntry).where(ClaimEntry.incident_id == live)
                                            .order_by(ClaimEntry.id))],
        "outcomes": [{"munition_type": o.munition_type, "launched": o.launched, "intercepted": o.intercepted,
                      "impacted": o.impacted, "failed": o.failed, "report_id": o.report_id}
                     for o in session.scalars(select(OutcomeEntry).where(OutcomeEntry.incident_id == live)
                                              .order_by(OutcomeEntry.id))],
        "reports": [{"id": r.id, "dataset": r.dataset, "row_key": r.row_key, "values": _report_values(r),
                     "provenance": provenance.get(r.id, [])} for r in reports],
        "decisions": decisions,
        "history": [{"at": h.at.isoformat(sep=" ", timespec="seconds"), "user": h.user, "action": h.action,
                     "reason": h.reason, "changes": h.changes} for h in history(session, live)],
    }


def _report_values(report: Report) -> dict:
    from salvo.records import REPORT_FIELDS

    values = {name: getattr(report, name) for name in REPORT_FIELDS if name not in ("text",)}
    for name in ("date", "published_at"):
        if values.get(name) is not None:
            values[name] = values[name].isoformat()
    return values


def incidents_with_conflicts(session: Session) -> set[str]:
    """Ids of live incidents whose reports disagree beyond their precision."""
    return set(session.scalars(select(Incident.id).where(Incident.conflicts.is_not(None),
                                                         Incident.merged_into.is_(None))))


def add_override(session: Session, incident_id: str, field: str, value, *, user: str, reason: str | None) -> None:
    """Record an analyst's value for one field of an incident (it wins over reconciliation, across re-links)."""
    session.add(IncidentOverride(incident_id=incident_id, field=field, value=value, user=user, reason=reason,
                                 at=utcnow()))
    session.add(AuditEntry(user=user, entity="incident", entity_id=incident_id, action="override",
                           changes={field: [None, value]}, reason=reason))
    session.flush()


def reports_of(session: Session, incident_id: str) -> list[int]:
    """The ids of the reports linked to an incident."""
    return list(session.scalars(select(Report.id).where(Report.incident_id == incident_id).order_by(Report.id)))
