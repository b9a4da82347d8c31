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
