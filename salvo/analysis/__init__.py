"""Analysis: counts of incidents and projectiles, shares and year-to-date comparisons.

>>> from salvo.analysis import Filters, stats
>>> result = stats(store, by=["year", "munition"], share="munition")   # doctest: +SKIP
"""

from salvo.analysis.facts import facts
from salvo.analysis.filters import DIMENSIONS, Filters
from salvo.analysis.stats import StatsResult, incident_ids, stats

__all__ = ["DIMENSIONS", "Filters", "StatsResult", "facts", "incident_ids", "stats"]
