"""Filters and dimensions shared by statistics, incident lists, charts and exports."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from salvo import codebook, gazetteer
from salvo.names import normalise
from salvo.errors import InputError

# Dimension name -> column of the fact table.
DIMENSIONS: dict[str, str] = {
    "year": "year", "quarter": "quarter", "month": "month", "munition": "munition", "actor": "actor",
    "affiliation": "affiliation", "country": "country", "target_category": "target_category",
    "attribution": "attribution",
}
COUNTED_STATUSES = ("reviewed", "published")


class FilterError(InputError, ValueError):
    """A filter value that names nothing Salvo knows, or filters that cannot select anything."""


@dataclass
class Filters:
    """What to count. Each list keeps rows whose value is one of its items; empty means all."""

    year: list[int] = field(default_factory=list)
    quarter: list[str] = field(default_factory=list)
    month: list[str] = field(default_factory=list)
    munition: list[str] = field(default_factory=list)
    actor: list[str] = field(default_factory=list)
    affiliation: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    target_category: list[str] = field(default_factory=list)
    attribution: list[str] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None
    include_candidates: bool = False

    def normalised(self) -> Filters:
        """A copy with names turned into codes (country names to ISO, actor aliases to ids), checked."""
        return Filters(
            year=[int(y) for y in self.year],
            quarter=[_quarter(q) for q in self.quarter],
            month=[_month(m) for m in self.month],
            munition=[_code("munition_type", v) for v in self.munition],
            actor=[_actor(v) for v in self.actor],
            affiliation=[_code("affiliation", v) for v in self.affiliation],
            country=[_country(v) for v in self.country],
            target_category=[_code("target_category", v) for v in self.target_category],
            attribution=[_code("attribution", v) for v in self.attribution],
            since=self.since, until=_until(self.since, self.until), include_candidates=self.include_candidates,
        )

    def expression(self) -> pl.Expr:
        """A polars predicate over the fact table selecting what these filters keep."""
        normal = self.normalised()
        predicate = pl.lit(True)
        if not normal.include_candidates:
            predicate &= pl.col("status").is_in(list(COUNTED_STATUSES))
        for name, column in DIMENSIONS.items():
            values = getattr(normal, name)
            if values:
                predicate &= pl.col(column).is_in(values)
        if normal.since:
            predicate &= pl.col("date") >= normal.since
        if normal.until:
            predicate &= pl.col("date") <= normal.until
        return predicate


def _code(vocabulary: str, value: str) -> str:
    vocab = codebook.vocabulary(vocabulary)
    if value in vocab:
        return value
    article = "an" if vocabulary[0] in "aeiou" else "a"
    raise FilterError(f"{value!r} is not {article} {vocabulary}; expected one of {', '.join(vocab.codes)}")


def _actor(value: str) -> str:
    """The codebook id of an actor named by id, name or alias; an unknown name is an error naming the nearest."""
    actor = codebook.actors().resolve(value)
    if actor is None:
        raise FilterError(f"{value!r} is not a known actor; the nearest known actors: "
                          f"{', '.join(nearest_actors(value))}")
    return actor.id


def nearest_actors(name: str, limit: int = 3) -> list[str]:
    """The codebook actors whose name or an alias is closest to `name`, as "Name (id)", closest first."""
    from rapidfuzz import fuzz, process

    spellings = {}
    for actor in codebook.actors():
        for spelling in (actor.name, *actor.aliases):
            spellings.setdefault(spelling, actor)
    found: dict[str, str] = {}
    for spelling, _, _ in process.extract(name, list(spellings), scorer=fuzz.WRatio, processor=normalise,
                                          limit=None):
        actor = spellings[spelling]
        found.setdefault(actor.id, f"{actor.name} ({actor.id})")
        if len(found) == limit:
            break
    return list(found.values())


def _until(since: dt.date | None, until: dt.date | None) -> dt.date | None:
    """The last day counted, checked against the first: a range that ends before it starts selects nothing."""
    if since and until and since > until:
        raise FilterError(f"since {since} is after until {until}: the date range is empty")
    return until


def _country(value: str) -> str:
    found = gazetteer.country(value)
    if found is None:
        raise FilterError(f"{value!r} is not a known country")
    return found.code


def _quarter(value: str) -> str:
    text = value.upper().replace(" ", "").replace("-", "")
    if len(text) == 6 and text[:4].isdigit() and text[4] == "Q" and text[5] in "1234":
        return f"{text[:4]}-Q{text[5]}"
    raise FilterError(f"{value!r} is not a quarter; write 2021-Q1")


def _month(value: str) -> str:
    try:
        return dt.datetime.strptime(value.strip(), "%Y-%m").strftime("%Y-%m")
    except ValueError:
        raise FilterError(f"{value!r} is not a month; write 2021-03") from None
