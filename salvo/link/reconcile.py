"""An incident's values derived from its reports by stated rules (docs/linking.md, "Reconciliation").

* date and place: the most precise report wins (ties: the better-ranked source,
  then the earliest report); reports whose dates or places disagree beyond
  their precision are listed as conflicts, never hidden;
* munition lines: per type, the launched count of the best-ranked report that
  states one (an exact figure before an estimate); intercepted, impacted and
  failed likewise; every report's own figures go to the outcome ledger;
* attribution: a claims ledger of each report's claim, official attribution,
  suspicion or denial; the level is the strongest entry's (a claim, then an
  official attribution, then a suspicion; a denial only when nothing else is
  stated); the actor is that entry's, else the best-ranked report's;
* casualties: low, best (the best-ranked report's) and high across reports;
* status: the trust policy — reviewed when any report is of a trusted kind,
  else candidate;
* scope: in scope when any report is;
* an analyst's entry (a report of a dataset of kind ``analyst``, such as the
  one behind every incident imported from Salvo's own format) states its
  status, notes, casualty ranges and sources, and these stand.

An analyst's override of a field replaces the rule's value. Each value's
origin (rule and report) is kept in ``derivation``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from salvo.link.baselines import distance_km
from salvo.link.settings import Settings
from salvo.records import IncidentRecord, MunitionRecord, munition_record

DATE_RANK = {"day": 0, "week": 1, "month": 2, "year": 3}
PLACE_RANK = {"exact": 0, "site": 1, "city": 2, "region": 3, "country": 4, "unknown": 5}
CLAIM_KINDS = {"claimed": "claim", "attributed_by_officials": "attribution", "suspected": "suspicion",
               "denied": "denial"}
STRENGTH = ("claim", "attribution", "suspicion", "denial")
LEVEL_OF = {"claim": "claimed", "attribution": "attributed_by_officials", "suspicion": "suspected",
            "denial": "denied"}
CONFLICT_KM = 50.0


@dataclass
class Reconciled:
    """An incident as derived from its reports: the record, its ledgers, conflicts and where each value came from."""

    record: IncidentRecord
    in_scope: bool
    claims: list[dict[str, Any]] = field(default_factory=list)
    outcomes: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    derivation: dict[str, Any] = field(default_factory=dict)


def reconcile(incident_id: str, reports: list[dict[str, Any]], settings: Settings,
              overrides: dict[str, Any] | None = None) -> Reconciled:
    """Derive one incident's values from its reports (rows of the link frame, with ``lines`` decoded)."""
    rank = {r["report_id"]: settings.dataset(r["dataset"]).rank for r in reports}
    ordered = sorted(reports, key=lambda r: (rank[r["report_id"]], r["report_id"]))
    record = IncidentRecord(id=incident_id)
    out = Reconciled(record, in_scope=any(r["in_scope"] for r in reports))
    _date(ordered, out)
    _place(ordered, out)
    _target(ordered, out)
    _munitions(ordered, out)
    _claims(ordered, out)
    _casualties(ordered, out)
    kinds = {settings.dataset(r["dataset"]).kind for r in reports}
    record.status = "reviewed" if kinds & settings.reviewed_kinds else "candidate"
    out.derivation["status"] = {"rule": "trust policy", "kinds": sorted(kinds)}
    record.sources = sorted({r["url"] for r in reports if r.get("url")})
    _analyst(ordered, settings, out)
    for name, value in (overrides or {}).items():
        if name == "date" and isinstance(value, str):
            value = dt.date.fromisoformat(value)  # overrides are stored as JSON
        setattr(record, name, value)
        out.derivation[name] = {"rule": "analyst override"}
    return out


ANALYST_VALUES = ("notes", "killed_low", "killed_high", "injured_low", "injured_high")


def _analyst(ordered: list[dict], settings: Settings, out: Reconciled) -> None:
    """An analyst's entry states what no report field holds (status, notes, casualty ranges, every source):
    the best-ranked such entry's statements stand, so an incident entered by hand is derived back unchanged."""
    entry = next((r for r in ordered if settings.dataset(r["dataset"]).kind == "analyst" and r.get("evidence")), None)
    if entry is None:
        return
    stated = json.loads(entry["evidence"]) if isinstance(entry["evidence"], str) else entry["evidence"]
    record = out.record
    if stated.get("status"):
        record.status = stated["status"]
        out.derivation["status"] = {"rule": "analyst's entry", "report": entry["report_id"]}
    for name in ANALYST_VALUES:
        if stated.get(name) is not None:
            setattr(record, name, stated[name])
    if stated.get("sources"):
        record.sources = sorted(set(record.sources) | set(stated["sources"]))


def _date(ordered: list[dict], out: Reconciled) -> None:
    dated = [r for r in ordered if r["date"] is not None]
    if not dated:
        return
    best = min(dated, key=lambda r: DATE_RANK.get(r["date_precision"], 9))
    out.record.date, out.record.date_precision = best["date"], best["date_precision"]
    out.derivation["date"] = {"rule": "most precise report", "report": best["report_id"]}
    apart = [r for r in dated if r["hi"] is not None and best["hi"] is not None
             and max(r["lo"], best["lo"]) - min(r["hi"], best["hi"]) > 0]
    if apart:
        out.conflicts.append({"field": "date", "reason": "dates disagree beyond their precision",
                              "values": [_value(r, _iso(r["date"]), r["date_precision"]) for r in [best, *apart]]})


def _place(ordered: list[dict], out: Reconciled) -> None:
    placed = [r for r in ordered if r["latitude"] is not None or r["place_id"] or r["location"] or r["country"]]
    if not placed:
        return
    best = min(placed, key=lambda r: (PLACE_RANK.get(r["location_precision"] or "unknown", 5)
                                      if r["latitude"] is not None or r["place_id"] else 6))
    record = out.record
    record.country = best["country"] or next((r["country"] for r in ordered if r["country"]), None)
    record.location, record.place_id = best["location"], best["place_id"]
    record.latitude, record.longitude = best["latitude"], best["longitude"]
    record.location_precision = best["location_precision"]
    out.derivation["place"] = {"rule": "most precise report", "report": best["report_id"]}
    countries = {r["country"] for r in ordered if r["country"]}
    far = [r for r in ordered if r is not best and r["precise"] and best["precise"]
           and _km(r, best) > CONFLICT_KM]
    if len(countries) > 1 or far:
        values = [_value(r, r["location"] or r["place_id"], r["country"]) for r in ordered
                  if r["country"] or r["location"]]
        out.conflicts.append({"field": "place", "reason": "reports place it in different countries"
                              if len(countries) > 1 else f"reports place it more than {CONFLICT_KM:g} km apart",
                              "values": values})


def _target(ordered: list[dict], out: Reconciled) -> None:
    for name in ("target", "target_category"):
        found = next((r for r in ordered if r[name] and r[name] != "other"), None) or \
            next((r for r in ordered if r[name]), None)
        if found:
            setattr(out.record, name, found[name])
            out.derivation[name] = {"rule": "best-ranked report stating it", "report": found["report_id"]}


def _munitions(ordered: list[dict], out: Reconciled) -> None:
    by_type: dict[str, list[tuple[dict, MunitionRecord]]] = {}
    for report in ordered:
        for data in report["lines"] or []:
            line = munition_record(data)
            by_type.setdefault(line.munition_type, []).append((report, line))
            if any(getattr(line, n) is not None for n in ("count", "intercepted", "impacted", "failed")):
                out.outcomes.append({"report_id": report["report_id"], "munition_type": line.munition_type,
                                     "launched": line.count, "intercepted": line.intercepted,
                                     "impacted": line.impacted, "failed": line.failed})
    if len(by_type) > 1:
        by_type.pop("unknown", None)  # another report names the type: "unknown" was the same projectiles
    lines = []
    for kind, stated in by_type.items():
        merged = MunitionRecord(kind)
        counted = sorted((p for p in stated if p[1].count is not None), key=lambda p: p[1].count_estimate)
        if counted:
            merged.count, merged.count_estimate = counted[0][1].count, counted[0][1].count_estimate
            out.derivation[f"count:{kind}"] = {"rule": "best-ranked report stating a count",
                                               "report": counted[0][0]["report_id"]}
        for name in ("intercepted", "impacted", "failed"):
            first = next((p for p in stated if getattr(p[1], name) is not None), None)
            if first:
                setattr(merged, name, getattr(first[1], name))
        lines.append(merged)
    out.record.munitions = lines


def _claims(ordered: list[dict], out: Reconciled) -> None:
    for report in ordered:
        kind = CLAIM_KINDS.get(report["attribution"] or "")
        if kind:
            out.claims.append({"report_id": report["report_id"], "kind": kind, "actor_id": report["actor_id"],
                               "actor_name": report["actor_name"],
                               "made_by": report.get("outlet") or report["dataset"],
                               "stated_on": report["published_at"] or report["date"]})
    # STRENGTH puts denials last: a denial decides only when nothing else is stated.
    strongest = min(out.claims, key=lambda c: STRENGTH.index(c["kind"]), default=None)
    record = out.record
    if strongest:
        record.attribution = LEVEL_OF[strongest["kind"]]
        record.actor_id, record.actor_name = strongest["actor_id"], strongest["actor_name"]
        out.derivation["attribution"] = {"rule": "strongest claims-ledger entry", "report": strongest["report_id"]}
    else:
        record.attribution = "unknown"
        out.derivation["attribution"] = {"rule": "no claim, attribution, suspicion or denial reported"}
    if record.actor_id is None and record.actor_name is None:
        named = next((r for r in ordered if r["actor_id"] or r["actor_name"]), None)
        if named:
            record.actor_id, record.actor_name = named["actor_id"], named["actor_name"]
            out.derivation["actor"] = {"rule": "best-ranked report naming an actor", "report": named["report_id"]}


def _casualties(ordered: list[dict], out: Reconciled) -> None:
    for name in ("killed", "injured"):
        stated = [r for r in ordered if r[name] is not None]
        if not stated:
            continue
        values = [r[name] for r in stated]
        setattr(out.record, name, stated[0][name])
        setattr(out.record, f"{name}_low", min(values))
        setattr(out.record, f"{name}_high", max(values))
        out.derivation[name] = {"rule": "best-ranked report; low and high across reports",
                                "report": stated[0]["report_id"]}


def _value(report: dict, value: Any, detail: Any) -> dict[str, Any]:
    return {"report_id": report["report_id"], "dataset": report["dataset"], "value": value, "detail": detail}


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, dt.date) else value


def _km(a: dict, b: dict) -> float:
    return distance_km(a["latitude"], a["longitude"], b["latitude"], b["longitude"])
