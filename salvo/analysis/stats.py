"""Counting incidents and projectiles by any dimensions, with shares and year-to-date cuts.

Counting rules are explicit and returned with every result:

* ``unit="projectiles"`` sums the launched counts of the munition lines; a line
  whose count is unknown contributes ``unknown_count`` projectiles (default 1).
* ``unit="incidents"`` counts distinct incidents; an incident with two munition
  types counts once under each type, so by-munition rows do not add up.
* Only reviewed and published incidents are counted unless candidates are asked for.
* ``ytd=True`` cuts every year at one calendar day (month and day), so each year
  is compared over the same part of the year: the last day of the date range
  (``until``) when there is one, as "to date" is to the day the analyst names;
  else the day of the latest incident in range, or today when that is later.
  Incidents dated only to a month or a year count only when their whole period
  lies before the cut; the result says how many were left out.
* A result that counts nothing says why (nothing imported, reports not yet
  linked, only candidates, or the filters) and what to do.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from salvo import codebook
from salvo.analysis.facts import facts
from salvo.analysis.filters import COUNTED_STATUSES, DIMENSIONS, Filters, FilterError
from salvo.storage import Store
from salvo.storage.counts import store_counts

UNITS = ("projectiles", "incidents")
_ORDER = {"munition": "munition_type", "target_category": "target_category",
          "attribution": "attribution", "affiliation": "affiliation"}


@dataclass
class StatsResult:
    """Rows of counts (one dict per group: each dimension, ``count``, and ``share`` when asked) and the rules used."""

    by: list[str]
    unit: str
    rows: list[dict]
    share: str | None = None
    ytd_cut: dt.date | None = None
    ytd_basis: str | None = None
    ytd_excluded: int = 0
    unknown_count: int = 1
    incidents: int = 0
    projectiles: int = 0
    unknown_count_incidents: int = 0
    unknown_count_lines: int = 0
    undated_incidents: int = 0
    empty_reason: str | None = None
    notes: list[str] = field(default_factory=list)


def stats(
    store: Store, *, by: Sequence[str] = ("year",), unit: str = "projectiles", filters: Filters | None = None,
    ytd: bool = False, share: str | None = None, unknown_count: int = 1,
) -> StatsResult:
    """Count incidents or projectiles in `store`, grouped by the dimensions in `by`.

    `share` names a dimension (e.g. ``"munition"``); each row then also gets
    its share of the total over that dimension within the other dimensions
    (the drone share per year with ``by=["year"], share="munition"``).
    """
    by = list(dict.fromkeys(by))
    for name in [*by, share] if share else by:
        if name not in DIMENSIONS:
            raise FilterError(f"cannot count by {name!r}; choose from {', '.join(DIMENSIONS)}")
    if unit not in UNITS:
        raise FilterError(f"{unit!r} is not a unit; choose one of {', '.join(UNITS)}")
    if unknown_count < 0:
        raise FilterError(f"an unknown count must count as 0 or more projectiles, not {unknown_count}")
    if share and share not in by:
        by.append(share)
    filters = filters or Filters()
    frame = selected(store, filters)
    result = StatsResult(by=by, unit=unit, rows=[], share=share, unknown_count=unknown_count)
    left_out = None
    if ytd:
        result.ytd_cut, result.ytd_basis = ytd_cut(frame, until=filters.until)
        frame, left_out = year_to_date(frame, result.ytd_cut)
    value = (pl.col("count").fill_null(unknown_count).sum() if unit == "projectiles"
             else pl.col("incident_key").n_unique())
    columns = [DIMENSIONS[name] for name in by]
    grouped = frame.group_by(columns).agg(value.alias("count")) if columns else frame.select(value.alias("count"))
    if share:
        others = [DIMENSIONS[name] for name in by if name != share]
        total = pl.col("count").sum().over(others) if others else pl.col("count").sum()
        grouped = grouped.with_columns(share=pl.when(total > 0).then(pl.col("count") / total))
    grouped = grouped.with_columns(pl.col(pl.Categorical).cast(pl.String))
    queries = [_description(frame, unknown_count), grouped] + ([left_out] if left_out is not None else [])
    described, grouped, *rest = pl.collect_all(queries)
    _describe(described.row(0, named=True), result)
    if rest:
        result.ytd_excluded = rest[0].item()
    if not result.incidents:
        result.empty_reason = why_empty(store, filters)
    result.notes = counting_notes(result)
    result.rows = _sorted(grouped.rename({DIMENSIONS[n]: n for n in by if DIMENSIONS[n] != n}).to_dicts(), by)
    return result


def selected(store: Store, filters: Filters) -> pl.LazyFrame:
    """The fact rows the filters keep, as a lazy query."""
    return facts(store).lazy().filter(filters.expression())


def ytd_cut(frame: pl.LazyFrame, *, until: dt.date | None = None, today: dt.date | None = None
            ) -> tuple[dt.date | None, str | None]:
    """The day every year is cut at for "year to date", and what that day is.

    "To date" is to the day the analyst names: `until` when given (basis
    ``"until"``). Otherwise the day of the latest incident dated to a day or
    week (or to anything, when none is), basis ``"latest incident"``; or
    `today` (default: the calendar's) when incidents are dated later, basis
    ``"today"``. (None, None) when nothing is dated.
    """
    if until is not None:
        return until, "until"
    dated = frame.filter(pl.col("date").is_not_null())
    latest_day, latest_any = dated.select(
        pl.col("date").filter(pl.col("date_precision").is_in(["day", "week"])).max(),
        pl.col("date").max().alias("any"),
    ).collect().row(0)
    latest = latest_day or latest_any
    if latest is None:
        return None, None
    today = today or dt.date.today()
    return (latest, "latest incident") if latest <= today else (today, "today")


def year_to_date(frame: pl.LazyFrame, cut: dt.date | None) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """Cut each year at the month and day of `cut` (see :func:`ytd_cut`).

    Returns the dated rows kept, and a query counting the incidents left out
    because they are dated only to a month or year after the cut.
    """
    dated = frame.filter(pl.col("date").is_not_null())
    if cut is None:
        return dated, dated.select(pl.lit(0))
    cut_month, cut_day = cut.month, cut.day
    end_of_month = cut_day == calendar.monthrange(cut.year, cut_month)[1] or (cut_month == 2 and cut_day >= 28)
    month, day, precision = pl.col("date").dt.month(), pl.col("date").dt.day(), pl.col("date_precision")
    day_kept = (month < cut_month) | ((month == cut_month) & (day <= cut_day))
    month_kept = (month < cut_month) | ((month == cut_month) & pl.lit(end_of_month))
    year_kept = pl.lit(cut_month == 12 and cut_day == 31)
    keep = (pl.when(precision == "month").then(month_kept)
            .when(precision == "year").then(year_kept)
            .otherwise(day_kept))
    left_out = dated.filter(~keep & precision.is_in(["month", "year"])).select(pl.col("incident_key").n_unique())
    return dated.filter(keep), left_out


def _description(frame: pl.LazyFrame, unknown_count: int) -> pl.LazyFrame:
    """The totals a result's counting notes report, in one pass."""
    unknown = pl.col("count").is_null()
    return frame.select(
        incidents=pl.col("incident_key").n_unique(),
        projectiles=pl.col("count").fill_null(unknown_count).sum(),
        unknown_count_lines=unknown.sum(),
        unknown_count_incidents=pl.col("incident_key").filter(unknown).n_unique(),
        undated_incidents=pl.col("incident_key").filter(pl.col("date").is_null()).n_unique(),
    )


def _describe(totals: dict, result: StatsResult) -> None:
    for name, value in totals.items():
        setattr(result, name, int(value or 0))


_YTD_BASIS = {"until": "the end of the date range", "latest incident": "the day of the latest incident",
              "today": "today, as the latest incidents are dated later"}


def counting_notes(result: StatsResult) -> list[str]:
    """The counting rules behind a result, in words, to print under its table; why it is empty, when it is."""
    if not result.incidents and result.empty_reason:
        return [result.empty_reason]
    notes = []
    if result.unit == "projectiles":
        notes.append(
            f"Projectiles: launched counts summed; a munition line with no reported count counts as "
            f"{result.unknown_count}. {result.unknown_count_incidents} of {result.incidents} incidents "
            f"({result.unknown_count_lines} lines) had an unknown count."
        )
    else:
        notes.append("Incidents: each incident counted once per group; an incident with several munition "
                     "types counts under each type.")
    if result.ytd_cut:
        basis = _YTD_BASIS.get(result.ytd_basis or "", "")
        notes.append(
            f"Year to date: every year cut at {result.ytd_cut:%d %B} ({basis}, {result.ytd_cut}); "
            f"{result.ytd_excluded} incidents dated only to a month or year after the cut were left out."
        )
    elif result.undated_incidents and any(n in ("year", "quarter", "month") for n in result.by):
        notes.append(f"{result.undated_incidents} incidents have no date and appear as (unknown).")
    if result.share:
        notes.append(f"Share: each row's part of the total over {result.share} within the other groups.")
    return notes


def _sorted(rows: list[dict], by: list[str]) -> list[dict]:
    def key(row):
        parts = []
        for name in by:
            value = row.get(name)
            if name in _ORDER:
                vocab = codebook.vocabulary(_ORDER[name])
                parts.append((value is None, vocab.order(value) if value else 0, str(value)))
            else:
                parts.append((value is None, 0, str(value) if value is not None else ""))
        return parts

    return sorted(rows, key=key)


def incident_ids(store: Store, filters: Filters, *, ytd: bool = False) -> list[str]:
    """The ids of the incidents behind a statistic with these filters, ordered by date then id."""
    frame = selected(store, filters)
    if ytd:
        frame = year_to_date(frame, ytd_cut(frame, until=filters.until)[0])[0]
    return (frame.select("incident_id", "date").unique("incident_id")
            .sort(["date", "incident_id"], nulls_last=True).collect()["incident_id"].to_list())


def why_empty(store: Store, filters: Filters) -> str:
    """Why these filters count no incident, in words, with what to do about it.

    An empty table alone cannot tell "nothing happened" from "nothing imported",
    "reports not yet linked" or "only candidates"; this says which.
    """
    with store.session() as session:
        held = store_counts(session)
    waiting = (f"{held.unlinked_reports:,} report(s) are not yet in incidents: run `salvo link` to group them "
               "into incidents." if held.unlinked_reports else "")
    incidents = held.in_scope_incidents + held.out_of_scope_incidents
    if not held.reports and not incidents:
        return "The store is empty: import incidents or a dataset's reports first (`salvo import FILE`)."
    if not incidents:
        return f"No incidents yet; {waiting}" if waiting else "No incidents yet, and no report waiting to be linked."
    counted = (held.in_scope_incidents if filters.include_candidates
               else sum(held.incidents.get(status, 0) for status in COUNTED_STATUSES))
    if counted:
        because = f"No incident matches the filters; without them, {counted:,} would be counted."
    else:
        parts = []
        if held.in_scope_incidents:
            parts.append(f"{held.in_scope_incidents:,} are candidates (counted once reviewed, or with "
                         "--include-candidates)")
        if held.out_of_scope_incidents:
            parts.append(f"{held.out_of_scope_incidents:,} are out of the tracker's scope (kept, not counted)")
        because = f"None of the {incidents:,} incident(s) is counted: {'; '.join(parts)}."
    return f"{because} {waiting}".strip()
