"""Two naive linkers, the yardsticks Salvo's linker is scored against.

Each takes reports and returns a cluster label per report (in order): the
connected components of the pairs its rule accepts. Neither knows that two
incidents coded from one article are distinct events: they are baselines,
naive on purpose.

- :func:`meltt` follows MELTT (Donnay, Dunford, McGrath, Backer and
  Cunningham 2018, "Integrating conflict event data", Journal of Conflict
  Resolution 63(5)): two events match when they fall within a spatial window
  of K km and a temporal window of D days and agree on a taxonomy.
- :func:`one_per_day` is the rule of thumb of trackers that count "one
  attack per actor, munition and place per day".

The pairwise rules (:func:`meltt_match`, :func:`same_day_match`) say what
matches; :func:`components` applies one to every pair, for a handful of
reports. The linkers themselves run on a frame of reports
(:func:`meltt_frame`, :func:`one_per_day_frame`: the stored values of a
reports frame or a base link frame) with polars joins and sorts instead of
comparing all pairs, so a million reports take seconds; the record versions
build that frame. Both give the labels :func:`components` would give with
the pairwise rule: the frame versions find a spanning forest of the same
graph.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Iterable, Sequence

import polars as pl

from salvo.link.frame import records_frame
from salvo.records import ReportRecord

MELTT_KM = 3.0
"""MELTT's spatial window. The package has no default (the user sets `spatwindow`); 3 km is the
value of its documented examples (`meltt(..., twindow = 1, spatwindow = 3)`)."""
MELTT_DAYS = 1
"""MELTT's temporal window in days (`twindow`), likewise the value of its documented examples."""
UNKNOWN = "unknown"
EARTH_RADIUS_KM = 6371.0088

Rule = Callable[[ReportRecord, ReportRecord], bool]


def meltt(records: Sequence[ReportRecord], km: float = MELTT_KM, days: int = MELTT_DAYS,
          undated_matches: bool = False) -> list[str]:
    """Cluster labels by a MELTT-style rule: near in space, near in time, a shared munition type.

    A pair matches when all three hold (see :func:`meltt_match`). The
    windows default to MELTT's documented example values (3 km, 1 day).
    Runs :func:`meltt_frame` on the records' frame.
    """
    return meltt_frame(records_frame(list(records)), km=km, days=days, undated_matches=undated_matches)


def meltt_match(a: ReportRecord, b: ReportRecord, km: float = MELTT_KM, days: int = MELTT_DAYS,
                undated_matches: bool = False) -> bool:
    """Whether two reports match under the MELTT-style rule.

    - *Space* (:func:`near`): the same known country, or within `km` where
      both have coordinates (at sea, across a border).
    - *Time* (:func:`close_in_time`): their date windows are at most `days`
      apart. A report with neither an event date nor a publication date
      matches nothing, as MELTT cannot place an event without a date in its
      temporal window; `undated_matches` makes it match any date instead.
      With components, that lenient reading chains every undated report of
      a place to all its dates: on the news gold it drops pairwise F1 from
      about 0.35 to under 0.1.
    - *Taxonomy* (:func:`munitions_overlap`): they share a munition type.
    """
    return (near(a, b, km) and close_in_time(a, b, days, undated_matches=undated_matches)
            and munitions_overlap(a, b))


def one_per_day(records: Sequence[ReportRecord]) -> list[str]:
    """Cluster labels by "one attack per actor, munition type and place per day" (see :func:`same_day_match`).

    Runs :func:`one_per_day_frame` on the records' frame.
    """
    return one_per_day_frame(records_frame(list(records)))


def same_day_match(a: ReportRecord, b: ReportRecord) -> bool:
    """Same actor, a shared munition type, the same place and the same day, every one of them known.

    Known means: an actor id, a munition type other than ``unknown``, a
    gazetteer place id and a day-precision date. A report lacking any of
    them is linked to nothing.
    """
    if not (_day(a) and _day(b) and a.date == b.date):
        return False
    if a.actor_id is None or a.actor_id != b.actor_id or a.place_id is None or a.place_id != b.place_id:
        return False
    return bool(_types(a) & _types(b) - {UNKNOWN})


def near(a: ReportRecord, b: ReportRecord, km: float) -> bool:
    """In the same known country, or within `km` of each other where both have coordinates."""
    if a.country is not None and a.country == b.country:
        return True
    if None in (a.latitude, a.longitude, b.latitude, b.longitude):
        return False
    return distance_km(a.latitude, a.longitude, b.latitude, b.longitude) <= km


def close_in_time(a: ReportRecord, b: ReportRecord, days: int, undated_matches: bool = False) -> bool:
    """Whether the two date windows are at most `days` apart; without a window, `undated_matches` decides."""
    gap = date_gap(report_window(a), report_window(b))
    return undated_matches if gap is None else gap <= days


def munitions_overlap(a: ReportRecord, b: ReportRecord) -> bool:
    """Whether the two share a munition type (``unknown`` is a type like the others: it matches ``unknown``)."""
    return bool(_types(a) & _types(b))


def report_window(report: ReportRecord) -> tuple[dt.date, dt.date] | None:
    """The days a report's event may fall on: its date's window, else its publication date's, else None.

    A month-precision date stands for the whole month. An undated report is
    placed by its publication date (at that date's precision, kept in
    ``evidence["published_precision"]``); with neither it has no window.
    """
    if report.date is not None:
        return date_window(report.date, report.date_precision)
    if report.published_at is not None:
        return date_window(report.published_at, (report.evidence or {}).get("published_precision"))
    return None


def date_window(day: dt.date, precision: str | None) -> tuple[dt.date, dt.date]:
    """The first and last day a date of this precision may stand for (a month date covers its month)."""
    if precision == "year":
        return day.replace(month=1, day=1), day.replace(month=12, day=31)
    if precision == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    return day, day


def date_gap(first: tuple[dt.date, dt.date] | None, second: tuple[dt.date, dt.date] | None) -> int | None:
    """Days between two windows (0 when they overlap), or None when either is missing.

    >>> date_gap((dt.date(2021, 5, 1), dt.date(2021, 5, 31)), (dt.date(2021, 6, 2), dt.date(2021, 6, 2)))
    2
    """
    if first is None or second is None:
        return None
    return max(0, (second[0] - first[1]).days, (first[0] - second[1]).days)


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in km.

    >>> round(distance_km(0, 0, 0, 1))
    111
    """
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def components(records: Sequence[ReportRecord], accept: Rule) -> list[str]:
    """Labels of the connected components of the pairs `accept` holds for, compared all against all.

    The reference the frame versions are tested against: quadratic, for a
    few thousand reports at most.

    A component is labelled by the position of its first report ("0", "3",
    ...): labels only say who is together.
    """
    parent = list(range(len(records)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = i = parent[parent[i]]
        return i

    for i in range(len(records)):
        for j in range(i + 1, len(records)):
            if root(i) != root(j) and accept(records[i], records[j]):
                a, b = sorted((root(i), root(j)))
                parent[b] = a
    return [str(root(i)) for i in range(len(records))]


def meltt_frame(frame: pl.DataFrame, km: float = MELTT_KM, days: int = MELTT_DAYS,
                undated_matches: bool = False) -> list[str]:
    """:func:`meltt` on a frame of reports: the same labels, row by row, without comparing all pairs.

    `frame` holds the stored values of reports (a reports frame or a base
    link frame; the columns used are ``date``, ``date_precision``,
    ``published_at``, ``evidence``, ``country``, ``latitude``, ``longitude``
    and ``munitions``). Windows are :func:`report_window`'s, not the link
    frame's ``lo``/``hi``, and coordinates are the frame's: a prepared frame
    has those of gazetteer places added, records do not. A label is the
    position of the component's first row.
    The matching pairs are found in two parts, each a spanning forest of its
    share of the graph:

    - *Same country*: within one country and munition type the rule is the
      time window alone, and reports whose windows widened by `days` overlap
      form an interval graph; one sort by window start and a running maximum
      of window ends give its components.
    - *Within `km`*, for the pairs not in one country: reports are put in
      cells of a 3-D grid over the unit sphere (a cell as wide as the chord
      of `km`, so a pair within `km` lies in neighbouring cells); a report
      takes part only when it has no country or a report of another country
      (or of none) lies in a neighbouring cell. Those are joined on cell,
      munition type and a bucket of days, then filtered by the exact rule.

    An undated report (no date, no publication date) matches nothing, or,
    with `undated_matches`, every report of its country or within `km` that
    shares a munition type: it joins their groups whole.
    """
    rows = _meltt_rows(frame, undated_matches)
    span = math.floor(days)
    edges = [*_country_edges(rows, span), *_distance_edges(rows, km, span)]
    return _labels(frame.height, edges)


def one_per_day_frame(frame: pl.DataFrame) -> list[str]:
    """:func:`one_per_day` on a frame of reports (the columns of :func:`meltt_frame`, ``actor_id``, ``place_id``).

    Reports sharing a day-precision date, an actor, a place and a munition
    type other than ``unknown`` all match each other: each such group is
    joined to its first row.
    """
    day = pl.col("date_precision").fill_null("day") == "day"
    rows = (frame.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("row"), "date", "actor_id", "place_id",
                         _types_expr().alias("type"),
                         keep=pl.col("date").is_not_null() & day & pl.col("actor_id").is_not_null()
                         & pl.col("place_id").is_not_null())
            .filter(pl.col("keep")).explode("type")
            .filter(pl.col("type").is_not_null() & (pl.col("type") != UNKNOWN)))
    group = ("date", "actor_id", "place_id", "type")
    edges = rows.select(a="row", b=pl.col("row").min().over(group))
    return _labels(frame.height, [edges])


_NO_TYPE = "\x00none"
"""A munition line without a type: it matches another without one, as None matches None in a set."""
_NO_COUNTRY = "\x00none"
_NEIGHBOURS = pl.DataFrame([(x, y, z) for x in (-1, 0, 1) for y in (-1, 0, 1) for z in (-1, 0, 1)],
                          schema={"dx": pl.Int64, "dy": pl.Int64, "dz": pl.Int64}, orient="row")
_CELL = ("cx", "cy", "cz")
_SURE_KM = 1e-6
"""Distances computed by polars within this many km of the window are checked again with :func:`distance_km`."""


def _types_expr() -> pl.Expr:
    """Each report's distinct munition types (a line without a type as `_NO_TYPE`)."""
    lines = pl.col("munitions").fill_null("[]").str.json_decode(pl.List(pl.Struct({"munition_type": pl.String})))
    return lines.list.eval(pl.element().struct.field("munition_type").fill_null(_NO_TYPE)).list.unique()


def _window(day: pl.Expr, precision: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """:func:`date_window` as expressions: first and last day, in days since 1970."""
    first = (pl.when(precision == "year").then(pl.date(day.dt.year(), 1, 1))
             .when(precision == "month").then(day.dt.month_start()).otherwise(day))
    last = (pl.when(precision == "year").then(pl.date(day.dt.year(), 12, 31))
            .when(precision == "month").then(day.dt.month_end()).otherwise(day))
    return first.cast(pl.Int64), last.cast(pl.Int64)


def _meltt_rows(frame: pl.DataFrame, undated_matches: bool) -> pl.DataFrame:
    """The reports that can match anything: row, country, coordinates, types, window (lo/hi; null: undated)."""
    dated_lo, dated_hi = _window(pl.col("date"), pl.col("date_precision"))
    published = pl.col("evidence").str.json_path_match("$.published_precision")
    published_lo, published_hi = _window(pl.col("published_at"), published)
    dated = pl.col("date").is_not_null()
    rows = frame.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("row"), "country",
        pl.col("latitude").cast(pl.Float64), pl.col("longitude").cast(pl.Float64),
        _types_expr().alias("types"),
        lo=pl.when(dated).then(dated_lo).otherwise(published_lo),
        hi=pl.when(dated).then(dated_hi).otherwise(published_hi),
    ).filter(pl.col("types").list.len() > 0)
    return rows if undated_matches else rows.filter(pl.col("lo").is_not_null())


def _country_edges(rows: pl.DataFrame, days: int) -> Iterable[pl.DataFrame]:
    """Pairs of one country: the components of each (country, type) interval graph, and the undated reports' groups."""
    by_type = rows.filter(pl.col("country").is_not_null()).explode("types").rename({"types": "type"})
    group = ("country", "type")
    if days >= 0:
        dated = by_type.filter(pl.col("lo").is_not_null()).sort(*group, "lo")
        reach = pl.col("hi") + days
        dated = dated.with_columns(before=reach.cum_max().shift(1).over(group))
        dated = dated.with_columns(part=(pl.col("before").is_null() | (pl.col("lo") > pl.col("before"))).cum_sum())
        yield dated.select(a="row", b=pl.col("row").min().over("part"))
    yield _undated_groups(by_type, group)


def _undated_groups(by_type: pl.DataFrame, group: Sequence[str]) -> pl.DataFrame:
    """Every report of a group that holds an undated one (they all match it), joined to the group's first."""
    return (by_type.filter(pl.col("lo").is_null().any().over(group))
            .select(a="row", b=pl.col("row").min().over(group)))


def _distance_edges(rows: pl.DataFrame, km: float, days: int) -> Iterable[pl.DataFrame]:
    """Pairs within `km` of each other that are not in one country (see :func:`meltt_frame`)."""
    if not km >= 0:
        return
    points = rows.filter(pl.col("latitude").is_not_null() & pl.col("longitude").is_not_null())
    if points.is_empty():
        return
    points = points.with_columns(**_cells(km), key=pl.col("country").fill_null(_NO_COUNTRY))
    nearby = (points.select(*_CELL, "key").unique().join(_NEIGHBOURS, how="cross")
              .group_by(*(pl.col(c) + pl.col("d" + c[1]) for c in _CELL)).agg(keys=pl.col("key").n_unique()))
    points = (points.join(nearby, on=_CELL, how="left")
              .filter(pl.col("country").is_null() | (pl.col("keys") > 1)).drop("keys", "key"))
    by_type = points.explode("types").rename({"types": "type"})
    if days >= 0:
        yield _near_in_time(by_type.filter(pl.col("lo").is_not_null()), km, days)
    undated = by_type.filter(pl.col("lo").is_null())
    if not undated.is_empty():
        yield from _near_undated(undated, by_type, km)


def _cells(km: float) -> dict[str, pl.Expr]:
    """The grid cell of each point: unit vectors divided by the chord of `km` (a little widened), floored."""
    size = max(km / EARTH_RADIUS_KM * (1 + 1e-9), 1e-12)
    lat, lon = pl.col("latitude").radians(), pl.col("longitude").radians()
    unit = {"cx": lat.cos() * lon.cos(), "cy": lat.cos() * lon.sin(), "cz": lat.sin()}
    return {name: (value / size).floor().cast(pl.Int64) for name, value in unit.items()}


def _neighbourhood(points: pl.DataFrame) -> pl.DataFrame:
    """Each point once for every cell next to its own (its own included)."""
    return (points.join(_NEIGHBOURS, how="cross")
            .with_columns(pl.col(c) + pl.col("d" + c[1]) for c in _CELL).drop("dx", "dy", "dz"))


def _near_in_time(dated: pl.DataFrame, km: float, days: int) -> pl.DataFrame:
    """Pairs of dated points in neighbouring cells, of one type, in time, not of one country and within `km`."""
    width = days + 1
    dated = dated.with_columns(bucket=pl.int_ranges(pl.col("lo") // width, (pl.col("hi") + days) // width + 1)
                               ).explode("bucket")
    key = [*_CELL, "type", "bucket"]
    pairs = (_neighbourhood(dated).join(dated, on=key, suffix="_b")
             .filter(pl.col("row") < pl.col("row_b"))
             .filter(pl.col("country").is_null() | pl.col("country_b").is_null()
                     | (pl.col("country") != pl.col("country_b")))
             .filter((pl.col("lo") <= pl.col("hi_b") + days) & (pl.col("lo_b") <= pl.col("hi") + days))
             .select("row", "row_b", "latitude", "longitude", "latitude_b", "longitude_b").unique(("row", "row_b")))
    return _within(pairs, km).select(a="row", b="row_b")


def _near_undated(undated: pl.DataFrame, by_type: pl.DataFrame, km: float) -> Iterable[pl.DataFrame]:
    """Undated points match every point within `km` sharing a type: each undated one joins those places' groups."""
    place = ["latitude", "longitude", "type"]
    groups = by_type.with_columns(first=pl.col("row").min().over(place))
    ends = groups.select(*place, *_CELL, "first").unique(place)
    near = (_neighbourhood(undated.select(*place, *_CELL).unique()).join(ends, on=[*_CELL, "type"], suffix="_b")
            .select("type", "latitude", "longitude", "latitude_b", "longitude_b", "first"))
    near = _within(near, km)
    yield undated.join(near, on=place).select(a="row", b="first")
    reached = near.select(latitude="latitude_b", longitude="longitude_b", type="type").unique()
    yield groups.join(reached, on=place).select(a="row", b="first")


def _within(pairs: pl.DataFrame, km: float) -> pl.DataFrame:
    """The pairs (columns ``latitude``, ``longitude``, the same with ``_b``) within `km`, as distance_km says."""
    p1, p2 = pl.col("latitude").radians(), pl.col("latitude_b").radians()
    h = (((p2 - p1) / 2).sin() ** 2
         + p1.cos() * p2.cos() * ((pl.col("longitude_b") - pl.col("longitude")).radians() / 2).sin() ** 2)
    distance = 2 * EARTH_RADIUS_KM * pl.min_horizontal(pl.lit(1.0), h.sqrt()).arcsin()
    pairs = pairs.with_columns(_km=distance).filter(pl.col("_km") <= km + _SURE_KM)
    unsure = pl.col("_km") > km - _SURE_KM
    doubtful = pairs.filter(unsure)
    if doubtful.is_empty():
        return pairs.drop("_km")
    coordinates = doubtful.select("latitude", "longitude", "latitude_b", "longitude_b").iter_rows()
    keep = pl.Series([distance_km(*point) <= km for point in coordinates], dtype=pl.Boolean)
    return pl.concat([pairs.filter(~unsure), doubtful.filter(keep)]).drop("_km")


def _labels(n: int, edges: Iterable[pl.DataFrame]) -> list[str]:
    """Connected components of `n` rows joined by the edges (columns ``a``, ``b``), labelled by their first row."""
    parent = list(range(n))
    for frame in edges:
        frame = frame.filter(pl.col("a") != pl.col("b")).unique()
        for a, b in zip(frame["a"].to_list(), frame["b"].to_list()):
            while parent[a] != a:
                parent[a] = a = parent[parent[a]]
            while parent[b] != b:
                parent[b] = b = parent[parent[b]]
            if a < b:
                parent[b] = a
            elif b < a:
                parent[a] = b
    labels = []
    for i in range(n):
        root = i
        while parent[root] != root:
            root = parent[root]
        parent[i] = root
        labels.append(str(root))
    return labels


def _types(report: ReportRecord) -> set[str]:
    return {line.munition_type for line in report.munitions}


def _day(report: ReportRecord) -> bool:
    return report.date is not None and (report.date_precision or "day") == "day"
