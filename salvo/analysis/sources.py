"""The cross-source view (`salvo sources`): which datasets report which incidents, and where they disagree.

For the incidents a filter selects, it reads each incident's reports (not
withdrawn) and says, per dataset, how many incidents it reports, how many
only it reports, and how many it shares with each other dataset; then, for
every incident reported by two or more datasets, whether their launched
counts of the same munition type agree.

Rules, stated with the result:

* An incident counts for a dataset when at least one of its reports comes
  from that dataset; "only" means every report of the incident does.
* A dataset's figure for a munition type in an incident is the launched count
  its reports state; when several of its reports in one incident state
  different counts (retellings, or GTD rows joined by ``related``), the
  largest is taken. Reports that state no count for a type take no part.
* A comparison is one incident and one munition type with figures from two or
  more datasets: it agrees when all figures are equal and differs otherwise.
  Per pair of datasets, each such (incident, munition type) counts once.
* By default only the incidents statistics count are looked at (in scope,
  not merged, reviewed or published unless the filters include candidates);
  ``out_of_scope=True`` looks at the out-of-scope ones too, since datasets
  such as UCDP mostly hold events outside the tracker's scope.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import combinations

import polars as pl
from sqlalchemy import select

from salvo.analysis.facts import SCHEMA, analytic
from salvo.analysis.filters import Filters
from salvo.analysis.stats import incident_ids
from salvo.model import ActorRow, Incident, MunitionLine, Report
from salvo.storage import Store

CHUNK = 1000  # incident ids per query, well under every backend's limit on bound parameters


@dataclass
class DatasetCoverage:
    """What one dataset reports among the selected incidents."""

    dataset: str
    incidents: int = 0
    only: int = 0
    reports: int = 0


@dataclass
class PairComparison:
    """Two datasets: the incidents both report, and how their launched counts compare on them."""

    first: str
    second: str
    shared: int = 0
    compared: int = 0
    agree: int = 0
    differ: int = 0


@dataclass
class CountDisagreement:
    """One incident and munition type on which the datasets' launched counts differ."""

    incident_id: str
    date: dt.date | None
    munition: str
    figures: dict[str, int]


@dataclass
class SourcesResult:
    """The cross-source view of the selected incidents (see the module docstring for the rules)."""

    incidents: int = 0
    without_reports: int = 0
    datasets: list[DatasetCoverage] = field(default_factory=list)
    shared: dict[str, dict[str, int]] = field(default_factory=dict)
    pairs: list[PairComparison] = field(default_factory=list)
    compared: int = 0
    agree: int = 0
    differ: int = 0
    disagreements: list[CountDisagreement] = field(default_factory=list)
    out_of_scope: bool = False

    def to_json(self) -> dict:
        """The result as one JSON-ready object (dates as ISO text)."""
        data = asdict(self)
        for item in data["disagreements"]:
            item["date"] = item["date"].isoformat() if item["date"] else None
        return data


def source_overlap(store: Store, filters: Filters | None = None, *, out_of_scope: bool = False) -> SourcesResult:
    """Per dataset, the selected incidents it reports, alone or with others, and the count disagreements."""
    filters = filters or Filters()
    ids = _selected(store, filters, out_of_scope)
    reports = _reports(store, ids)
    result = SourcesResult(incidents=len(ids), out_of_scope=out_of_scope)
    by_incident: dict[str, list[dict]] = defaultdict(list)
    for row in reports:
        by_incident[row["incident_id"]].append(row)
    result.without_reports = len(ids) - len(by_incident)
    result.datasets = coverage(by_incident)
    names = [d.dataset for d in result.datasets]
    result.shared = shared_matrix(by_incident, names)
    result.pairs, comparisons = compare_counts(by_incident, names, result.shared)
    result.compared = len(comparisons)
    differing = {key: figures for key, figures in comparisons.items() if len(set(figures.values())) > 1}
    dates = _dates(store, sorted({incident for incident, _ in differing}))
    result.disagreements = sorted(
        (CountDisagreement(incident, dates.get(incident), munition, figures)
         for (incident, munition), figures in differing.items()),
        key=lambda d: (d.date is None, d.date or dt.date.min, d.incident_id, d.munition))
    result.differ = len(result.disagreements)
    result.agree = result.compared - result.differ
    return result


def coverage(by_incident: dict[str, list[dict]]) -> list[DatasetCoverage]:
    """Incidents, only-this-dataset incidents and reports per dataset; the most reporting dataset first."""
    found: dict[str, DatasetCoverage] = {}
    for rows in by_incident.values():
        datasets = Counter(r["dataset"] for r in rows)
        for name, reports in datasets.items():
            entry = found.setdefault(name, DatasetCoverage(name))
            entry.incidents += 1
            entry.reports += reports
            entry.only += len(datasets) == 1
    return sorted(found.values(), key=lambda d: (-d.incidents, d.dataset))


def shared_matrix(by_incident: dict[str, list[dict]], names: list[str]) -> dict[str, dict[str, int]]:
    """Dataset × dataset: how many incidents both report (every pair present, the diagonal left out)."""
    matrix = {a: {b: 0 for b in names if b != a} for a in names}
    for rows in by_incident.values():
        for a, b in combinations(sorted({r["dataset"] for r in rows}), 2):
            matrix[a][b] += 1
            matrix[b][a] += 1
    return matrix


def compare_counts(by_incident: dict[str, list[dict]], names: list[str], shared: dict[str, dict[str, int]],
                   ) -> tuple[list[PairComparison], dict[tuple[str, str], dict[str, int]]]:
    """Per pair of datasets, their agreements on launched counts; and every (incident, munition) compared.

    Returns the pairs sharing at least one incident (most shared first) and a
    mapping from (incident id, munition type) to each dataset's figure, for
    those with figures from two or more datasets.
    """
    order = {name: n for n, name in enumerate(names)}
    pairs = {(a, b): PairComparison(a, b, shared=shared[a][b])
             for a, b in combinations(names, 2) if shared[a][b]}
    comparisons = {}
    for incident, rows in by_incident.items():
        for munition, figures in stated_counts(rows).items():
            if len(figures) < 2:
                continue
            figures = dict(sorted(figures.items(), key=lambda item: order[item[0]]))
            comparisons[(incident, munition)] = figures
            for a, b in combinations(figures, 2):
                pair = pairs[(a, b)]
                pair.compared += 1
                if figures[a] == figures[b]:
                    pair.agree += 1
                else:
                    pair.differ += 1
    ranked = sorted(pairs.values(), key=lambda p: (-p.shared, order[p.first], order[p.second]))
    return ranked, comparisons


def stated_counts(rows: Iterable[dict]) -> dict[str, dict[str, int]]:
    """Munition type -> dataset -> the launched count its reports state (the largest, when they differ)."""
    figures: dict[str, dict[str, int]] = defaultdict(dict)
    for row in rows:
        for line in row["munitions"] or []:
            count = line.get("count")
            if count is None:
                continue
            kind = line.get("munition_type") or "unknown"
            known = figures[kind].get(row["dataset"])
            figures[kind][row["dataset"]] = count if known is None else max(known, count)
    return figures


def _selected(store: Store, filters: Filters, out_of_scope: bool) -> list[str]:
    """The ids of the live incidents the filters keep; with `out_of_scope`, those out of the tracker's scope too."""
    if not out_of_scope:
        return incident_ids(store, filters)
    frame = _every_incident(store).lazy().filter(filters.expression())
    return frame.select("incident_id").unique().collect()["incident_id"].sort().to_list()


def _every_incident(store: Store) -> pl.DataFrame:
    """Fact-table rows (the columns filters read) of every live incident, in scope or not.

    The fact table behind statistics leaves out-of-scope incidents out; this
    reads the same columns for all of them, to select by the same filters.
    """
    incidents = (select(Incident.id, Incident.date, Incident.date_precision, Incident.status, Incident.country,
                        Incident.actor_id, Incident.actor_name, Incident.target_category, Incident.attribution)
                 .where(Incident.merged_into.is_(None)))
    lines = select(MunitionLine.incident_id, MunitionLine.munition_type, MunitionLine.count,
                   MunitionLine.intercepted, MunitionLine.impacted, MunitionLine.failed)
    with store.session() as session:
        head = pl.DataFrame([tuple(r) for r in session.execute(incidents)], orient="row", schema={
            "incident_id": pl.String, "date": pl.Date, "date_precision": pl.String, "status": pl.String,
            "country": pl.String, "actor_id": pl.String, "actor_name": pl.String,
            "target_category": pl.String, "attribution": pl.String})
        munitions = pl.DataFrame([tuple(r) for r in session.execute(lines)], orient="row", schema={
            "incident_id": pl.String, "munition": pl.String, "count": pl.Int64, "intercepted": pl.Int64,
            "impacted": pl.Int64, "failed": pl.Int64})
        actors = pl.DataFrame([tuple(r) for r in session.execute(select(ActorRow.id, ActorRow.affiliation))],
                              orient="row", schema={"actor_id": pl.String, "affiliation": pl.String})
    frame = (munitions.join(head, on="incident_id", how="right")
             .join(actors, on="actor_id", how="left")
             .with_columns(actor=pl.coalesce("actor_id", "actor_name"),
                           munition=pl.col("munition").fill_null("unknown")))
    return analytic(frame.select(list(SCHEMA)))


def _chunks(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _reports(store: Store, ids: list[str]) -> list[dict]:
    """The live (not withdrawn) reports of these incidents: incident id, dataset and munition lines."""
    rows = []
    with store.session() as session:
        for chunk in _chunks(ids):
            query = (select(Report.incident_id, Report.dataset, Report.munitions)
                     .where(Report.incident_id.in_(chunk), ~Report.withdrawn))
            rows.extend(row._asdict() for row in session.execute(query))
    return rows


def _dates(store: Store, ids: list[str]) -> dict[str, dt.date | None]:
    """These incidents' dates, to order the disagreements."""
    dates = {}
    with store.session() as session:
        for chunk in _chunks(ids):
            query = select(Incident.id, Incident.date).where(Incident.id.in_(chunk))
            dates.update((incident, day) for incident, day in session.execute(query))
    return dates
