"""Limits on imported values (the largest count, the range of dates), from limits.yaml."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

INT32_MAX = 2**31 - 1
_AHEAD = dt.timezone(dt.timedelta(hours=14))


@dataclass(frozen=True)
class Limits:
    """The bounds an import holds every value to.

    ``max_count`` bounds each whole number (counts, outcomes, casualties). The loader keeps it
    within a 32-bit integer, so the PostgreSQL columns hold it and a sum of up to 2**32 values,
    a billion times more than the largest file Salvo is built for, fits a 64-bit integer:
    totals never overflow.
    """

    max_count: int
    earliest_date: dt.date
    latest: dt.date | None = None
    """A fixed latest date, or None for today."""

    def latest_date(self) -> dt.date:
        """The latest date an attack may have: the fixed one, or today on the clock furthest ahead (UTC+14)."""
        return self.latest or dt.datetime.now(_AHEAD).date()


@cache
def limits() -> Limits:
    """The codebook's limits, loaded once and checked."""
    text = resources.files(__package__).joinpath("limits.yaml").read_text(encoding="utf-8")
    return parse(yaml.safe_load(text))


def parse(data: dict) -> Limits:
    """Limits from their YAML mapping; ValueError naming the key when one is out of shape."""
    max_count, earliest, latest = data.get("max_count"), data.get("earliest_date"), data.get("latest_date")
    if isinstance(max_count, bool) or not isinstance(max_count, int) or not 0 < max_count <= INT32_MAX:
        raise ValueError(f"limits.max_count must be a whole number from 1 to {INT32_MAX}, not {max_count!r}")
    if not isinstance(earliest, dt.date):
        raise ValueError(f"limits.earliest_date must be a date (YYYY-MM-DD), not {earliest!r}")
    if latest != "today" and not isinstance(latest, dt.date):
        raise ValueError(f"limits.latest_date must be 'today' or a date (YYYY-MM-DD), not {latest!r}")
    fixed = None if latest == "today" else latest
    if fixed is not None and fixed < earliest:
        raise ValueError("limits.latest_date is before limits.earliest_date")
    return Limits(max_count=max_count, earliest_date=earliest, latest=fixed)
