"""Comparisons: small, named pieces that put a pair of reports into one level each.

A comparison is built from its settings entry (kind, levels in order, and
options). Its :meth:`~Comparison.level` is a polars expression over a frame
of pairs, whose columns are the link frame's with ``_l`` and ``_r``
suffixes; it gives the index of the first level that holds, or null when
either report lacks what the comparison needs (null contributes no weight).

Level names carry their parameters where one is needed, so a settings file
reads as what it does: ``within_3_days``, ``within_25_km``.
"""

from __future__ import annotations

import re
from typing import ClassVar

import polars as pl

from salvo.link.blocking import haversine_km
from salvo.link.settings import ComparisonSpec

_WITHIN = re.compile(r"^within_(\d+(?:\.\d+)?)_(days?|km)$")


def left(name: str) -> pl.Expr:
    return pl.col(f"{name}_l")


def right(name: str) -> pl.Expr:
    return pl.col(f"{name}_r")


class Comparison:
    """Base of every comparison kind: levels from the spec, conditions from the level names."""

    kind: ClassVar[str]
    fixed: ClassVar[tuple[str, ...]] = ()
    unit: ClassVar[str | None] = None

    def __init__(self, spec: ComparisonSpec):
        self.spec = spec
        self.name = spec.name
        self.levels = spec.levels
        # Option ``term_frequency: COLUMN``: the first level's u is the frequency of the shared value.
        self.tf_column = f"tf_{spec.options['term_frequency']}" if spec.options.get("term_frequency") else None

    @classmethod
    def from_spec(cls, spec: ComparisonSpec) -> Comparison:
        """The comparison a settings entry describes; raises ValueError for a level it does not know."""
        comparison = cls(spec)
        for level in spec.levels:
            comparison.condition(level.name, level.params)
        return comparison

    def condition(self, name: str, params: dict) -> pl.Expr:
        """The condition of one level, from its name."""
        if name in self.fixed:
            options = {k: v for k, v in params.items() if k != "at_least" or name == "similar_name"}
            try:
                return getattr(self, name)(**options)
            except TypeError:
                raise ValueError(f"level {name!r} takes no {', '.join(options)}") from None
        match = _WITHIN.match(name)
        if match and self.unit and match.group(2).rstrip("s") == self.unit:
            return self.within(float(match.group(1)))
        allowed = [*self.fixed, f"within_N_{self.unit}" if self.unit else None]
        raise ValueError(f"level {name!r} is not known to {self.kind} comparisons; use "
                         + ", ".join(a for a in allowed if a))

    def available(self) -> pl.Expr:
        """Whether both reports have what this comparison compares."""
        raise NotImplementedError

    def within(self, amount: float) -> pl.Expr:
        raise ValueError(f"{self.kind} comparisons have no within_ levels")

    def level(self) -> pl.Expr:
        """The index of the first level that holds, or null where the comparison cannot be made."""
        expr = pl.when(~self.available()).then(pl.lit(None, pl.Int8))
        for index, level in enumerate(self.levels):
            expr = expr.when(self.condition(level.name, level.params)).then(pl.lit(index, pl.Int8))
        return expr.otherwise(pl.lit(len(self.levels) - 1, pl.Int8)).alias(self.name)


class DateWindow(Comparison):
    """Dates compared through their windows: the same day, windows that meet, or the gap in days.

    A level ``open_window`` (listed first) holds when either report has no
    window at all (no date, no publication date): without it such pairs are
    not compared. With it, the lack of any date is evidence in itself, since
    such reports are paired with every report of their place.
    A ``within_precision`` level may say ``width_at_most: DAYS``: it then holds
    only when both windows are at most that wide (a month, not a year).
    """

    kind = "date_window"
    fixed = ("open_window", "same_day", "within_precision", "further")
    unit = "day"

    def available(self) -> pl.Expr:
        if any(level.name == "open_window" for level in self.levels):
            return pl.lit(True)
        return left("lo").is_not_null() & right("lo").is_not_null()

    def open_window(self) -> pl.Expr:
        return left("lo").is_null() | right("lo").is_null()

    def gap(self) -> pl.Expr:
        return pl.max_horizontal(left("lo"), right("lo")) - pl.min_horizontal(left("hi"), right("hi"))

    def same_day(self) -> pl.Expr:
        return left("dated") & right("dated") & (left("lo") == right("lo"))

    def within_precision(self, width_at_most: int | None = None) -> pl.Expr:
        holds = self.gap() <= 0
        if width_at_most is not None:
            widest = pl.max_horizontal(left("hi") - left("lo"), right("hi") - right("lo"))
            holds = holds & (widest < width_at_most)
        return holds

    def within(self, amount: float) -> pl.Expr:
        return self.gap() <= amount

    def further(self) -> pl.Expr:
        return pl.lit(True)


class Place(Comparison):
    """Places compared by gazetteer id, by distance where both are precise, by name, then by area.

    A ``similar_name`` level (``at_least``: a Jaro–Winkler similarity of the
    normalised place names) catches a misspelt place that the gazetteer could
    not resolve; names that are the same words are left to the place-words
    comparison, so the evidence is not counted twice.
    """

    kind = "place"
    fixed = ("same_place", "similar_name", "imprecise_same_area", "further")
    unit = "km"

    def similar_name(self, at_least: float = 0.9) -> pl.Expr:
        """Names alike but not equal, where at least one was not resolved: a misspelling, not the same words."""
        unresolved = left("place_id").is_null() | right("place_id").is_null()
        alike = (name_similarity("place_name_l", "place_name_r") >= at_least) & (left("place_name") != right("place_name"))
        return (unresolved & alike).fill_null(False)

    def available(self) -> pl.Expr:
        has = lambda side: (side("place_id").is_not_null() | side("latitude").is_not_null()  # noqa: E731
                            | side("country").is_not_null() | side("at_sea").is_not_null())
        return has(left) & has(right)

    def distance(self) -> pl.Expr:
        """The distance between the two points less what their precisions allow (option ``radius_km``).

        A point at "city" precision stands for the nearest town of the place
        meant, which may lie tens of km from it: two reports whose points are
        30 km apart but one of them only town-precise may well name one site.
        """
        radius = {"exact": 0.0, "site": 1.0, "city": 15.0, **self.spec.options.get("radius_km", {})}
        slack = (pl.col("location_precision_l").replace_strict(radius, default=0.0, return_dtype=pl.Float64)
                 + pl.col("location_precision_r").replace_strict(radius, default=0.0, return_dtype=pl.Float64))
        raw = haversine_km("latitude_l", "longitude_l", "latitude_r", "longitude_r")
        return (raw - slack).clip(lower_bound=0.0)

    def same_place(self) -> pl.Expr:
        return (left("place_id") == right("place_id")).fill_null(False)

    def within(self, amount: float) -> pl.Expr:
        return (left("precise") & right("precise") & (self.distance() <= amount)).fill_null(False)

    def imprecise_same_area(self) -> pl.Expr:
        """One place is only an area (a province, a sea, a country) and the other lies in it or near it."""
        imprecise = ~(left("precise") & right("precise"))
        same_country = (left("country") == right("country")).fill_null(False)
        both_at_sea = left("at_sea").is_not_null() & right("at_sea").is_not_null()
        return imprecise & (same_country | both_at_sea)

    def further(self) -> pl.Expr:
        return pl.lit(True)


class MunitionTypes(Comparison):
    """Munition types compared as sets (bit masks); ``unknown`` is no type of its own."""

    kind = "munition_types"
    fixed = ("same_types", "overlapping", "one_side_unknown", "disjoint")

    def available(self) -> pl.Expr:
        return (left("type_bits") != 0) & (right("type_bits") != 0)

    def same_types(self) -> pl.Expr:
        return (left("known_bits") != 0) & (left("known_bits") == right("known_bits"))

    def overlapping(self) -> pl.Expr:
        return (left("known_bits") & right("known_bits")) != 0

    def one_side_unknown(self) -> pl.Expr:
        return (left("known_bits") == 0) | (right("known_bits") == 0)

    def disjoint(self) -> pl.Expr:
        return pl.lit(True)


class TargetCategory(Comparison):
    """Target categories: the same or not; vague categories (option ``vague``) count as missing."""

    kind = "target_category"
    fixed = ("same", "different")

    def vague(self) -> list[str]:
        return list(self.spec.options.get("vague", []))

    def available(self) -> pl.Expr:
        known = lambda side: side("target_category").is_not_null() & ~side("target_category").is_in(self.vague())  # noqa: E731
        return known(left) & known(right)

    def same(self) -> pl.Expr:
        return left("target_category") == right("target_category")

    def different(self) -> pl.Expr:
        return pl.lit(True)


class Actor(Comparison):
    """Actors by resolved id: the same, related (one group and its parent or a sibling), or different.

    Actors of the kinds listed in option ``vague`` ("unidentified armed
    group") say nobody knows who fired: such a pair is not compared.
    """

    kind = "actor"
    fixed = ("same_actor", "related", "different")

    def available(self) -> pl.Expr:
        vague = list(self.spec.options.get("vague", []))
        known = lambda side: side("actor_id").is_not_null() & ~side("actor_kind").is_in(vague).fill_null(False)  # noqa: E731
        return known(left) & known(right)

    def same_actor(self) -> pl.Expr:
        return left("actor_id") == right("actor_id")

    def related(self) -> pl.Expr:
        return left("actor_root") == right("actor_root")

    def different(self) -> pl.Expr:
        return pl.lit(True)


class Count(Comparison):
    """Total projectiles where both state every count: equal, close (within a quarter, or one), different."""

    kind = "count"
    fixed = ("equal", "close", "different")
    column = "total"

    def value(self, side) -> pl.Expr:
        return side(self.spec.options.get("field", self.column))

    def available(self) -> pl.Expr:
        return self.value(left).is_not_null() & self.value(right).is_not_null()

    def equal(self) -> pl.Expr:
        return self.value(left) == self.value(right)

    def close(self) -> pl.Expr:
        a, b = self.value(left), self.value(right)
        gap = (a - b).abs()
        return (gap <= 1) | (gap <= 0.25 * pl.max_horizontal(a, b))

    def different(self) -> pl.Expr:
        return pl.lit(True)


class Casualties(Count):
    """A casualty figure (option ``field``: killed or injured), compared like counts."""

    kind = "casualties"
    column = "killed"


class TokenSimilarity(Comparison):
    """The Jaccard similarity of two reports' word sets (option ``fields``), at the levels' ``at_least``.

    Estimated from each text's 256-bit word signature (salvo.link.frame.with_signatures): shared bits over
    bits set in either, which equals the Jaccard similarity but for words that share a bit.
    """

    kind = "token_similarity"

    def prefix(self) -> str:
        fields = tuple(self.spec.options.get("fields", ()))
        if fields in (("location", "target"), ("target", "location")):
            return "place_sig"
        if fields == ("text",):
            return "text_sig"
        raise ValueError("fields must be [location, target] or [text]")

    def condition(self, name: str, params: dict) -> pl.Expr:
        if "at_least" not in params or not isinstance(params["at_least"], int | float):
            raise ValueError(f"level {name!r} needs at_least: a similarity between 0 and 1")
        return self.jaccard() >= float(params["at_least"])

    def _count(self, side, op=None) -> pl.Expr:
        prefix = self.prefix()
        parts = []
        for n in range(4):
            value = side(f"{prefix}{n}") if op is None else op(left(f"{prefix}{n}"), right(f"{prefix}{n}"))
            parts.append(value.bitwise_count_ones().cast(pl.UInt32))
        return pl.sum_horizontal(parts)

    def available(self) -> pl.Expr:
        return (self._count(left) > 0) & (self._count(right) > 0)

    def jaccard(self) -> pl.Expr:
        shared = self._count(None, lambda a, b: a & b)
        either = self._count(None, lambda a, b: a | b)
        return shared / either


def name_similarity(first: str, second: str) -> pl.Expr:
    """The Jaro–Winkler similarity (0 to 1) of two columns of names, pair by pair; null where either is missing."""
    from rapidfuzz import process
    from rapidfuzz.distance import JaroWinkler

    def similarity(pairs: pl.Series) -> pl.Series:
        a = pairs.struct.field(first).fill_null("").to_list()
        b = pairs.struct.field(second).fill_null("").to_list()
        scores = process.cpdist(a, b, scorer=JaroWinkler.normalized_similarity, workers=-1) if a else []
        return pl.Series(scores, dtype=pl.Float64)

    both = pl.col(first).is_not_null() & pl.col(second).is_not_null()
    return pl.when(both).then(pl.struct(first, second).map_batches(similarity, return_dtype=pl.Float64))


KINDS: dict[str, type[Comparison]] = {
    cls.kind: cls for cls in (DateWindow, Place, MunitionTypes, TargetCategory, Actor, Count, Casualties,
                              TokenSimilarity)
}


def build(specs) -> list[Comparison]:
    """The comparison objects of a settings file's specs, in order."""
    return [KINDS[spec.kind].from_spec(spec) for spec in specs]
