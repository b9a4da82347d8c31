"""Munition types named in a dataset row's own text (mappings/munition_words.yaml)."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from salvo import codebook


@cache
def _patterns() -> list[tuple[str, re.Pattern]]:
    text = resources.files(__package__).joinpath("mappings/munition_words.yaml").read_text(encoding="utf-8")
    table = yaml.safe_load(text)
    order = codebook.vocabulary("munition_type")
    return [
        (code, re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b",
                          re.I))
        for code, words in sorted(table.items(), key=lambda item: order.order(item[0]))
    ]


def munitions_in(text: str | None) -> list[str]:
    """The munition types a text names, in codebook order; ``unknown`` only when no specific type is named."""
    if not text:
        return []
    found = [code for code, pattern in _patterns() if pattern.search(text)]
    specific = [code for code in found if code != "unknown"]
    if "anti_ship_missile" in specific:
        specific = [c for c in specific if c not in ("ballistic_missile", "cruise_missile")]
    return specific or found
