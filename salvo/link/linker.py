"""`salvo link`: the store's reports become incidents, incrementally and with stable ids.

A run reads every report that is not withdrawn, and re-examines only the
*focus* (the prior and u fitted by the last run are reused until the store
has grown or shrunk by a tenth): reports never linked, reports changed since the last run, and
reports touched by a decision made since. Other reports keep their
incidents, which enter the clustering as fixed groups; focus reports are
scored against everything and join an existing incident, bridge two (which
merges them: the larger keeps its id, the other becomes a tombstone), or
found a new one. A run with nothing in focus changes nothing.

Incident ids: an incident keeps its id while any of its reports stay in it;
when its reports split, the part holding most of them keeps it. A new
incident is named after its founding report (``inc-`` and a digest of its
dataset and row key), so re-linking from nothing gives the same ids. The
whole run is one transaction.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field

import polars as pl

from salvo.link.comparisons import build
from salvo.link.frame import prepare, store_frame
from salvo.link.pipeline import run as run_pipeline
from salvo.link.reconcile import reconcile
from salvo.link.scoring import calibration_of, reasons, reuse_calibration
from salvo.link.settings import Settings, load_settings
from salvo.model import LinkRun, utcnow
from salvo.storage import Store
from salvo.storage import linked as store_links


@dataclass
class LinkSummary:
    """What a link run did."""

    run_id: str
    reports: int = 0
    focus: int = 0
    pairs_scored: int = 0
    linked_pairs: int = 0
    queued_pairs: int = 0
    refused_by_rules: int = 0
    incidents_added: int = 0
    incidents_updated: int = 0
    incidents_merged: int = 0
    incidents_emptied: int = 0
    splits: list[dict] = field(default_factory=list)
    undated: int = 0
    unplaced: int = 0
    out_of_scope_incidents: int = 0
    calibration: dict = field(default_factory=dict)

    def to_json(self) -> dict:
        """The summary as one JSON object (what ``salvo link --summary json`` prints)."""
        return asdict(self)


def link(store: Store, settings: Settings | None = None, *, user: str = "salvo", full: bool = False,
         also: set[int] | None = None, engine: str = "polars") -> LinkSummary:
    """Link the store's reports into incidents (see the module docstring).

    `full` re-examines every report; `also` adds these report ids to the focus
    (an incident whose override changed is re-derived); `engine` is where
    blocking and scoring run (``polars`` in this process, ``spark``: see
    salvo.link.spark), with the same outcome.
    """
    settings = settings or load_settings()
    run_id = uuid.uuid4().hex
    summary = LinkSummary(run_id)
    with store.session() as session:
        started = utcnow()
        state = store_links.link_state(session)
        base = store_frame(session)
        summary.reports = base.height
        detach = dict(store_links.withdrawn_linked(session))
        focus_ids = _focus(session, base, state, full) | (also or set())
        # An incident that lost a withdrawn report is re-derived from the reports it has left.
        focus_ids |= set(base.filter(pl.col("incident_id").is_in(sorted(set(detach.values()))))["report_id"])
        if not focus_ids and not detach:
            return summary
        frame = prepare(base, settings)
        summary.focus = len(focus_ids)
        summary.undated = frame.filter(pl.col("lo").is_null()).height
        summary.unplaced = frame.filter(pl.col("place_id").is_null() & pl.col("latitude").is_null()
                                        & pl.col("country").is_null() & pl.col("at_sea").is_null()).height
        fixed = frame.filter(pl.col("incident_id").is_not_null() & ~pl.col("report_id").is_in(sorted(focus_ids)))
        together = [*state.accepted, *_moved_pairs(fixed, state.moves)]
        focus = None if full else pl.Series(sorted(focus_ids), dtype=pl.Int64)
        kept = None if full else reuse_calibration(settings, state.last_calibration, frame.height)
        linkage = run_pipeline(frame, settings, focus=focus, together=together, apart=state.rejected,
                               fixed=dict(zip(fixed["report_id"].to_list(), fixed["incident_id"].to_list())),
                               calibrated=kept, engine=engine)
        summary.calibration = state.last_calibration if kept else calibration_of(linkage.settings, frame.height)
        summary.pairs_scored = linkage.pairs_scored
        summary.linked_pairs = linkage.scored.filter(pl.col("probability") >= settings.link_threshold).height
        summary.refused_by_rules = linkage.refused
        previous = dict(zip(frame["report_id"].to_list(), frame["incident_id"].to_list()))
        touched = {linkage.groups[r] for r in focus_ids if r in linkage.groups}
        names, merged, splits = _name_groups(session, frame, linkage.groups, previous, touched)
        summary.splits = splits
        assignments = {r: names[g] for r, g in linkage.groups.items() if g in touched and previous.get(r) != names[g]}
        assignments.update({r: None for r in detach})
        record = LinkRun(id=run_id, started_at=started, user=user, settings_digest=settings.digest,
                         engine=engine, full=full)
        session.add(record)
        session.flush()
        reconciled = _reconcile(frame, linkage.groups, touched, names, settings, state)
        summary.out_of_scope_incidents = sum(1 for r in reconciled if not r.in_scope)
        summary.incidents_added, summary.incidents_updated = store_links.write_incidents(
            session, reconciled, user=user, run_id=run_id)
        store_links.assign_reports(session, assignments)
        emptied = {old: None for old in _emptied(detach, names, linkage.groups, previous, touched, merged)}
        store_links.tombstone(session, {**merged, **emptied}, user=user, run_id=run_id)
        summary.incidents_merged, summary.incidents_emptied = len(merged), len(emptied)
        queue = _queue(linkage, linkage.settings, state)
        summary.queued_pairs = len(queue)
        store_links.replace_queue(session, queue, None if full else focus_ids, run_id)
        record.finished_at = utcnow()
        record.summary = summary.to_json()
    return summary


OVERRIDABLE = ("date", "date_precision", "country", "location", "place_id", "latitude", "longitude",
               "location_precision", "target", "target_category", "actor_id", "actor_name", "attribution", "killed",
               "injured", "status", "notes")


def override(store: Store, incident_id: str, field: str, value, *, user: str, reason: str | None = None,
             settings: Settings | None = None) -> LinkSummary:
    """Set an analyst's value for one field of an incident; it wins over the rule now and after every re-link."""
    if field not in OVERRIDABLE:
        raise ValueError(f"{field!r} cannot be overridden; choose one of {', '.join(OVERRIDABLE)}")
    with store.session() as session:
        live = store_links.resolve_incident(session, incident_id)
        if live is None:
            raise ValueError(f"no incident {incident_id!r}")
        store_links.add_override(session, live, field, value, user=user, reason=reason)
        touched = store_links.reports_of(session, live)
    return link(store, settings, user=user, also=set(touched))


def _focus(session, base: pl.DataFrame, state, full: bool) -> set[int]:
    """The reports this run re-examines."""
    ids = set(base["report_id"].to_list())
    if full:
        return ids
    unlinked = set(base.filter(pl.col("incident_id").is_null())["report_id"].to_list())
    changed = store_links.changed_report_ids(session, state.last_run_started) if state.last_run_started else ids
    return (unlinked | changed | state.decided_since_last_run | set(state.moves)) & ids


def _moved_pairs(fixed: pl.DataFrame, moves: dict[int, str]) -> list[tuple[int, int]]:
    """Pairs that put each moved report with a report of the incident it was moved to."""
    first = dict(fixed.group_by("incident_id").agg(pl.col("report_id").min()).iter_rows())
    return [(report, first[incident]) for report, incident in moves.items() if incident in first]


def _name_groups(session, frame: pl.DataFrame, groups: dict[int, int], previous: dict, touched: set[int]):
    """An incident id for each touched group, the ids merged away, and the splits (see the module docstring)."""
    members: dict[int, list[int]] = defaultdict(list)
    for report, group in groups.items():
        if group in touched:
            members[group].append(report)
    votes: dict[int, Counter] = {g: Counter(previous[r] for r in rs if previous.get(r)) for g, rs in members.items()}
    holders: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for group, counter in votes.items():
        for incident, count in counter.items():
            holders[incident].append((count, group))
    # The group holding most of an old incident's reports keeps its id; ties go to the group with the smallest report.
    keeper = {incident: min(shares, key=lambda share: (-share[0], min(members[share[1]])))[1]
              for incident, shares in holders.items()}
    names: dict[int, str] = {}
    claimed: set[str] = set()
    for group in sorted(members, key=lambda g: (-max(votes[g].values(), default=0), min(members[g]))):
        for incident, _ in sorted(votes[group].items(), key=lambda kv: (-kv[1], kv[0])):
            if incident not in claimed and keeper[incident] == group:
                names[group] = incident
                claimed.add(incident)
                break
    keys = dict(zip(frame["report_id"].to_list(), zip(frame["dataset"].to_list(), frame["row_key"].to_list())))
    fresh = {g: new_id(*keys[min(rs)]) for g, rs in members.items() if g not in names}
    taken = store_links.taken_ids(session, fresh.values()) | claimed
    for group, candidate in sorted(fresh.items(), key=lambda kv: min(members[kv[0]])):
        name, n = candidate, 1
        while name in taken:
            n += 1
            name = f"{candidate}-{n}"
        taken.add(name)
        names[group] = name
    merged: dict[str, str] = {}
    splits = []
    for incident, shares in holders.items():
        if incident in claimed:
            parts = [names[g] for _, g in shares if names[g] != incident]
            if parts:
                splits.append({"kept": incident, "split_off": sorted(parts)})
        else:
            merged[incident] = names[keeper[incident]]
    return names, merged, splits


def new_id(dataset: str, row_key: str) -> str:
    """The id of an incident founded by this report: stable, so re-linking from nothing gives it again."""
    return "inc-" + hashlib.blake2b(f"{dataset}\x1f{row_key}".encode(), digest_size=6).hexdigest()


def _emptied(detach: dict[int, str], names: dict[int, str], groups: dict[int, int], previous: dict,
             touched: set[int], merged: dict[str, str]) -> set[str]:
    """Incidents whose every report was withdrawn: no report points at them any more."""
    used = set(names.values()) | {incident for r, incident in previous.items()
                                  if incident and groups.get(r) not in touched}
    return {i for i in detach.values() if i} - used - set(merged)


def _reconcile(frame: pl.DataFrame, groups: dict[int, int], touched: set[int], names: dict[int, str],
               settings: Settings, state) -> list:
    """The derived values of every touched group's incident."""
    rows = frame.filter(pl.col("report_id").is_in(sorted(r for r, g in groups.items() if g in touched)))
    by_group: dict[int, list[dict]] = defaultdict(list)
    for row in rows.iter_rows(named=True):
        row["lines"] = json.loads(row["munitions"] or "[]")
        by_group[groups[row["report_id"]]].append(row)
    return [reconcile(names[g], reports, settings, state.overrides.get(names[g]))
            for g, reports in by_group.items()]


def _queue(linkage, settings: Settings, state) -> list[dict]:
    """The pairs between the thresholds whose reports ended in different incidents, with their reasons."""
    comparisons = build(settings.comparisons)
    decided = set(state.accepted) | set(state.rejected)
    middle = linkage.scored.filter((pl.col("probability") >= settings.review_threshold)
                                   & (pl.col("probability") < settings.link_threshold))
    queue = []
    for row in middle.iter_rows(named=True):
        pair = (row["a"], row["b"])
        if pair in decided or linkage.groups[row["a"]] == linkage.groups[row["b"]]:
            continue
        queue.append({"a": row["a"], "b": row["b"], "probability": row["probability"], "weight": row["weight"],
                      "reasons": [*reasons(row, comparisons), {"blocking_rule": row["rule"]}]})
    return queue
