"""Candidate pairs from blocking rules: joins on shared keys or nearby cells, never all pairs.

Each rule of the settings joins reports that share its keys (a munition
type counts as shared when both list it) or lie within a distance, and keeps
the pairs whose date windows meet: their gap is at most ``date_slack_days``.
Windows are cut into day buckets so the join is an equi-join: one side's
window, widened by the slack, against the other's plain window. A rule with
``dates: open`` instead pairs reports with no date window at all (no event
date and no publication date) with any report sharing its keys.

Pairs that a dataset rule makes impossible (two reports of one exclusive
key) or certain (one `together` group) are dropped here: they are never scored.
With ``focus`` (report ids), only pairs touching those reports are built:
the incremental path.
"""

from __future__ import annotations

import math

import polars as pl

from salvo.link.settings import BlockingRule, Settings

KM_PER_DEGREE = 111.2
# Longitude cells are widened so that a cell's east-west size stays above the rule's
# distance up to 45 degrees of latitude (the theatre lies between 10 and 42).
_LONGITUDE_WIDENING = 1 / math.cos(math.radians(45))
_HALF = 1 << 32  # report ids stay below it
PAIR_SCHEMA = {"a": pl.Int64, "b": pl.Int64, "rule": pl.Categorical}


def candidate_pairs(frame: pl.DataFrame, settings: Settings, focus: pl.Series | None = None) -> pl.DataFrame:
    """The distinct candidate pairs (a < b, report ids) of a prepared link frame, with the first rule that found each."""
    found = [rule_pairs(frame, rule, settings, focus) for rule in settings.rules]
    if not found:
        return pl.DataFrame(schema=PAIR_SCHEMA)
    # One integer per pair (a < b): de-duplicating 50 million of them is one cheap unique.
    keys = pl.concat([pairs.select(key=_pair_key(), rule=pl.lit(index, pl.UInt8)) for index, pairs in enumerate(found)])
    keys = keys.unique("key", keep="first", maintain_order=True)
    names = {index: rule.name for index, rule in enumerate(settings.rules)}
    pairs = keys.select(a=(pl.col("key") // _HALF).cast(pl.Int64), b=(pl.col("key") % _HALF).cast(pl.Int64),
                        rule=pl.col("rule").replace_strict(names, return_dtype=pl.String).cast(pl.Categorical))
    return _allowed(pairs, frame)


def _pair_key() -> pl.Expr:
    """A pair of report ids as one integer, the smaller id in the high half."""
    low, high = pl.min_horizontal("a", "b").cast(pl.UInt64), pl.max_horizontal("a", "b").cast(pl.UInt64)
    return low * _HALF + high


def rule_pairs(frame: pl.DataFrame, rule: BlockingRule, settings: Settings,
               focus: pl.Series | None = None) -> pl.DataFrame:
    """The pairs (a, b) one rule finds; a is on the rule's narrow side (the open or imprecise report)."""
    left, right = rule_sides(frame, rule)
    if focus is None:
        return _join(left, right, rule, settings)
    mine = pl.col("report_id").is_in(focus.implode())
    first = _join(left.filter(mine), right, rule, settings)
    if symmetric(rule):
        return first  # both sides are the same reports: the focus against all finds every pair it is in
    return pl.concat([first, _join(left, right.filter(mine), rule, settings)]).unique()


def rule_sides(frame: pl.DataFrame, rule: BlockingRule) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The two sides a rule joins: its narrow side (the open or imprecise reports it starts from) and
    every report it can pair them with."""
    right = _keyed(frame, rule)
    if rule.dates == "overlap":
        right = right.filter(pl.col("lo").is_not_null())
    left = right.filter(pl.col("lo").is_null()) if rule.dates == "open" else right
    if rule.one_side in ("imprecise", "imprecise_untyped"):
        left = left.filter(~pl.col("precise"))
    if rule.one_side == "imprecise_untyped":
        left = left.filter(pl.col("known_bits") == 0)
    return left, right


def symmetric(rule: BlockingRule) -> bool:
    """Whether a rule's two sides are the same reports (so one join of the focus against all finds its pairs)."""
    return rule.one_side is None and rule.dates == "overlap"


def cell_size_degrees(km: float) -> tuple[float, float]:
    """The latitude and longitude extent, in degrees, of the grid cells a rule within `km` joins on."""
    size = km / KM_PER_DEGREE
    return size, size * _LONGITUDE_WIDENING


def _join(left: pl.DataFrame, right: pl.DataFrame, rule: BlockingRule, settings: Settings) -> pl.DataFrame:
    """Join the two sides on the rule's keys, cells and date buckets, and keep the pairs that really meet."""
    on = list(rule.on)
    needed = list(dict.fromkeys(["report_id", *on, "lo", "hi", "latitude", "longitude"]))
    # Lazily, so that spreading, the join, its filters and the de-duplication run as one streaming query.
    left, right = left.lazy().select(needed), right.lazy().select(needed)
    if rule.within_km is not None:
        left, right, on = _cells(left, right, rule.within_km, on)
    if rule.dates == "overlap":
        slack = settings.date_slack_days
        size = settings.bucket_days
        left = left.with_columns(bucket=pl.int_ranges((pl.col("lo") - slack) // size,
                                                      (pl.col("hi") + slack) // size + 1)).explode("bucket")
        right = right.with_columns(bucket=pl.int_ranges(pl.col("lo") // size, pl.col("hi") // size + 1)) \
            .explode("bucket")
        on = [*on, "bucket"]
    keep = ["report_id", *on, *(["lo", "hi"] if rule.dates == "overlap" else []),
            *(["latitude", "longitude"] if rule.within_km is not None else [])]
    joined = left.select(keep).join(right.select(keep), on=on, suffix="_b")
    joined = joined.filter(pl.col("report_id") != pl.col("report_id_b"))
    if rule.dates == "overlap":
        gap = pl.max_horizontal("lo", "lo_b") - pl.min_horizontal("hi", "hi_b")
        joined = joined.filter(gap <= settings.date_slack_days)
    if rule.within_km is not None:
        joined = joined.filter(haversine_km("latitude", "longitude", "latitude_b", "longitude_b") <= rule.within_km)
    return joined.select(a="report_id", b="report_id_b").unique().collect(engine="streaming")


def _keyed(frame: pl.DataFrame, rule: BlockingRule) -> pl.DataFrame:
    """The reports a rule can pair: those with every key it joins on (munition types exploded)."""
    keyed = frame
    if "munition" in rule.on:
        keyed = keyed.with_columns(munition=pl.col("types")).explode("munition")
    for key in rule.on:
        keyed = keyed.filter(pl.col(key).is_not_null())
    if rule.within_km is not None:
        keyed = keyed.filter(pl.col("precise"))
    return keyed


def _cells(left: pl.LazyFrame, right: pl.LazyFrame, km: float, on: list[str]):
    """Grid cells no smaller than `km`: each left report joins the nine cells around its own."""
    height, width = cell_size_degrees(km)

    def cell(frame: pl.LazyFrame) -> pl.LazyFrame:
        return frame.with_columns(cy=(pl.col("latitude") / height).floor().cast(pl.Int32),
                                  cx=(pl.col("longitude") / width).floor().cast(pl.Int32))

    offsets = pl.LazyFrame({"dy": [-1, -1, -1, 0, 0, 0, 1, 1, 1], "dx": [-1, 0, 1] * 3},
                           schema={"dy": pl.Int32, "dx": pl.Int32})
    left = cell(left).join(offsets, how="cross").with_columns(cy=pl.col("cy") + pl.col("dy"),
                                                               cx=pl.col("cx") + pl.col("dx")).drop("dy", "dx")
    return left, cell(right), [*on, "cy", "cx"]


def haversine_km(lat1: str, lon1: str, lat2: str, lon2: str) -> pl.Expr:
    """Great-circle distance in km between two coordinate pairs of columns."""
    p1, p2 = pl.col(lat1).radians(), pl.col(lat2).radians()
    dlat = p2 - p1
    dlon = (pl.col(lon2) - pl.col(lon1)).radians()
    h = (dlat / 2).sin() ** 2 + p1.cos() * p2.cos() * (dlon / 2).sin() ** 2
    return 2 * 6371.0 * h.sqrt().arcsin()


def _allowed(pairs: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """Drop the pairs dataset rules decide without scoring: one exclusive key, or one `together` group."""
    keys = frame.select("report_id", "exclusive", "together")
    joined = (pairs.join(keys, left_on="a", right_on="report_id")
              .join(keys, left_on="b", right_on="report_id", suffix="_b"))
    same_exclusive = (pl.col("exclusive") == pl.col("exclusive_b")).fill_null(False)
    same_group = (pl.col("together") == pl.col("together_b")).fill_null(False)
    return joined.filter(~same_exclusive & ~same_group).select("a", "b", "rule")
