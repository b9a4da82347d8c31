"""Counting what a store holds: reports, those not yet in incidents, and incidents by status and scope.

An answer that counts nothing should say why (nothing imported, reports not
yet linked, only candidates); these counts are what it says it from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from salvo.model import Incident, Report


@dataclass(frozen=True)
class StoreCounts:
    """How many reports and incidents a store holds.

    Withdrawn reports and incidents merged into others are left out: neither
    can be linked or counted.
    """

    reports: int = 0
    unlinked_reports: int = 0
    incidents: dict[str, int] = field(default_factory=dict)
    out_of_scope_incidents: int = 0

    @property
    def in_scope_incidents(self) -> int:
        """Incidents in the tracker's scope, of any status."""
        return sum(self.incidents.values())


def store_counts(session: Session) -> StoreCounts:
    """The store's reports (and how many are in no incident yet) and its incidents by status and scope."""
    reports, unlinked = session.execute(
        select(func.count(), func.coalesce(func.sum(case((Report.incident_id.is_(None), 1), else_=0)), 0))
        .where(Report.withdrawn.is_(False))
    ).one()
    by_status: dict[str, int] = {}
    out_of_scope = 0
    rows = session.execute(select(Incident.status, Incident.in_scope, func.count())
                           .where(Incident.merged_into.is_(None)).group_by(Incident.status, Incident.in_scope))
    for status, in_scope, count in rows:
        if in_scope:
            by_status[status] = by_status.get(status, 0) + count
        else:
            out_of_scope += count
    return StoreCounts(reports=int(reports), unlinked_reports=int(unlinked), incidents=by_status,
                       out_of_scope_incidents=out_of_scope)
