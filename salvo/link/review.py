"""The review queue: pairs between the thresholds, shown side by side, and the analysts' decisions.

A decision (accept or reject a pair) is a record with who, when and why; it
never edits a report. After each decision the linker runs again over the
reports it touches, so the incidents are rebuilt from their reports; undoing
a decision marks it revoked and rebuilds them again. Re-links obey every
decision in force.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from salvo.link.baselines import distance_km
from salvo.model import Incident, LinkPair, Report
from salvo.storage import Store
from salvo.storage import linked as store_links
from salvo.errors import InputError

COUNTED = ("reviewed", "published")


class ReviewError(InputError, ValueError):
    """A review command that names no pending pair, no report or no decision."""


@dataclass
class ReviewItem:
    """One pending pair: its score, the reasons, and both reports side by side."""

    pair_id: int
    probability: float
    weight: float
    reasons: list[dict[str, Any]]
    reports: list[dict[str, Any]] = field(default_factory=list)
    distance_km: float | None = None
    consequential: bool = False


def pending(store: Store, limit: int | None = 50) -> list[ReviewItem]:
    """The pending pairs, those that could change a counted figure first, then the most uncertain."""
    with store.session() as session:
        pairs = list(session.scalars(select(LinkPair).where(LinkPair.status == "pending")))
        ids = {i for p in pairs for i in (p.report_a, p.report_b)}
        reports = {r.id: r for r in session.scalars(select(Report).where(Report.id.in_(ids)))} if ids else {}
        incident_ids = {r.incident_id for r in reports.values() if r.incident_id}
        counted = set(session.scalars(select(Incident.id).where(
            Incident.id.in_(incident_ids), Incident.status.in_(COUNTED), Incident.in_scope.is_(True)))) \
            if incident_ids else set()
        items = []
        for pair in pairs:
            a, b = reports[pair.report_a], reports[pair.report_b]
            item = ReviewItem(pair.id, pair.probability, pair.weight, pair.reasons or [],
                              [side(a), side(b)], _km(a, b),
                              consequential=bool({a.incident_id, b.incident_id} & counted))
            items.append(item)
    items.sort(key=lambda i: (not i.consequential, abs(i.probability - 0.5), i.pair_id))
    return items[:limit] if limit else items


def side(report: Report) -> dict[str, Any]:
    """What a reviewer needs of one report of a pair."""
    text = report.text or ""
    return {
        "report_id": report.id, "dataset": report.dataset, "row_key": report.row_key,
        "incident_id": report.incident_id, "date": report.date.isoformat() if report.date else None,
        "date_precision": report.date_precision, "country": report.country, "location": report.location,
        "munitions": report.munitions, "actor": report.actor_id or report.actor_name,
        "target": report.target, "target_category": report.target_category,
        "source": report.url or report.outlet or report.dataset,
        "excerpt": text[:200] + ("…" if len(text) > 200 else ""),
    }


def _km(a: Report, b: Report) -> float | None:
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return None
    return round(distance_km(a.latitude, a.longitude, b.latitude, b.longitude), 1)


def decide(store: Store, *, accept: bool, user: str, reason: str | None = None, pair_id: int | None = None,
           reports: tuple[int, int] | None = None, settings=None, relink: bool = True):
    """Accept or reject a pair (a queue pair by id, or any two reports), then rebuild the incidents it touches.

    Returns the decision's id and the link run's summary (None without `relink`).
    """
    from salvo.link.linker import link

    with store.session() as session:
        if pair_id is not None:
            pair = session.get(LinkPair, pair_id)
            if pair is None:
                raise ReviewError(f"no review pair {pair_id}; `salvo review` lists them")
            a, b = pair.report_a, pair.report_b
        elif reports is not None:
            a, b = sorted(reports)
            found = set(session.scalars(select(Report.id).where(Report.id.in_([a, b]))))
            missing = [str(x) for x in (a, b) if x not in found]
            if missing:
                raise ReviewError(f"no report {', '.join(missing)}")
        else:
            raise ReviewError("name a pair or two reports")
        decision = store_links.record_decision(session, kind="accept" if accept else "reject", report_a=a,
                                               report_b=b, user=user, reason=reason, pair_id=pair_id)
        decision_id = decision.id
    summary = link(store, settings, user=user) if relink else None
    return decision_id, summary


def undo(store: Store, decision_id: int, *, user: str, reason: str | None = None, settings=None):
    """Revoke a decision and rebuild the incidents it touched; returns the link run's summary."""
    from salvo.link.linker import link

    with store.session() as session:
        if store_links.revoke_decision(session, decision_id, user=user, reason=reason) is None:
            raise ReviewError(f"no decision {decision_id} in force")
    return link(store, settings, user=user)
