"""The tracker's scope (scope.yaml): which reports it counts."""

from __future__ import annotations

from functools import cache
from importlib import resources

import yaml

from salvo import codebook


@cache
def scope() -> dict[str, frozenset[str]]:
    """The scope rules, loaded once."""
    data = yaml.safe_load(resources.files(__package__).joinpath("scope.yaml").read_text(encoding="utf-8"))
    return {name: frozenset(values) for name, values in data.items()}


def in_scope(*, munitions: list[str], actor_id: str | None, target_category: str | None,
             country: str | None) -> bool:
    """Whether a report falls within the tracker's scope."""
    rules = scope()
    if not any(m in rules["munitions"] for m in munitions):
        return False
    affiliation = codebook.actors().get(actor_id).affiliation if actor_id else None
    if affiliation not in rules["affiliations"] and target_category not in rules["target_categories"]:
        return False
    return country is None or country in rules["countries"]


def in_scope_column(frame: "pl.DataFrame") -> "pl.Series":
    """:func:`in_scope` over a reports frame whose ``munitions`` are lists of {munition_type, count} structs."""
    import polars as pl

    rules = scope()
    iran_linked = [a.id for a in codebook.actors() if a.affiliation in rules["affiliations"]]
    types = pl.col("munitions").list.eval(pl.element().struct.field("munition_type"))
    projectile = types.list.set_intersection(pl.lit(sorted(rules["munitions"]))).list.len() > 0
    who = (pl.col("actor_id").is_in(iran_linked).fill_null(False)
           | pl.col("target_category").is_in(list(rules["target_categories"])).fill_null(False))
    where = pl.col("country").is_null() | pl.col("country").is_in(list(rules["countries"]))
    return frame.select((projectile.fill_null(False) & who & where).alias("in_scope")).to_series()
