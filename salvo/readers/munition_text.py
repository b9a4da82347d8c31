"""Munition types and projectile counts in a dataset row's own text.

Structured fields are often too coarse ("Shelling/artillery/missile attack"),
while the row's notes say what was fired: "fired 3 drones" (drone, 3),
"Eleven 107-mm rockets" (rocket, 11), "a barrage of Katyusha rockets" (rocket,
count unknown). The words for each munition type are data
(mappings/munition_words.yaml); the count is the number written just before
the term, with up to three modifiers between ("2 Iranian-made Shahed drones"),
and is taken as stated whatever the hedge ("at least 10 rockets" is 10). An
indefinite amount ("several", "a barrage of", "rockets") has no count, nor does
"a" before an attack noun ("a drone attack" is one attack, not one drone).
When a text states several counts of one type, the first is taken.

The same rules run two ways, with the same pattern: :func:`munition_lines`
on one text, for readers that work row by row, and :func:`munition_lines_expr`
as a polars expression over a column, for readers of large files.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import polars as pl
import yaml

from salvo import codebook
from salvo.extract import numbers

# Words that cannot stand between a count and its term: "two days after drones", "3 soldiers and rockets".
_STOP = (r"(?i)\b(?:and|or|of|the|by|from|with|at|in|on|to|toward|towards|into|which|that|was|were|had|has|have"
         r"|after|before|then)\b|(?:^|\s)\d[\d,.]*(?:\s|$)")
_ATTACK = r"(?:attacks?|strikes?|assaults?|barrages?|fire|salvos?|raids?)"
_ONE = ("a", "an", "one", "single", "a single")


@cache
def _forms() -> dict[str, str]:
    """Each word form (lower case, singular and plural) -> its munition type."""
    text = resources.files(__package__).joinpath("mappings/munition_words.yaml").read_text(encoding="utf-8")
    forms = {}
    for code, words in yaml.safe_load(text).items():
        for word in words:
            forms[word.lower()] = code
            forms.setdefault(word.lower() + "s", code)
    return forms


@cache
def _term() -> str:
    """Any munition word, longest first, so "anti-ship ballistic missiles" is one term, not three."""
    return "|".join(re.escape(form) for form in sorted(_forms(), key=len, reverse=True))


@cache
def _mention() -> str:
    """A term, with the count and up to three modifiers before it when there are, then perhaps an attack noun.

    One pattern finds every term, counted or not, so a text is scanned once.
    """
    return (rf"(?i)(?:(?:^|[^\w-]){numbers.HEDGE}(?P<num>{numbers.NUMBER}|{numbers._VAGUE})(?:\s+of(?:\s+the)?)?\s+"
            rf"(?P<mods>(?:[\w'/.-]+\s+){{0,3}}?))?\b(?P<term>{_term()})\b(?P<after>\s+{_ATTACK}\b)?")


@cache
def _units() -> dict[str, int]:
    return {word: value for word in numbers._UNITS if (value := numbers.value(word)) is not None}


def _lines(found: dict[str, int | None]) -> list[dict[str, int | str | None]]:
    """Lines in codebook order; ``unknown`` only when no specific type is named."""
    order = codebook.vocabulary("munition_type")
    if any(code != "unknown" for code in found):
        found.pop("unknown", None)
    return [{"munition_type": code, "count": found[code]} for code in sorted(found, key=order.order)]


def munition_lines(text: str | None) -> list[dict[str, int | str | None]]:
    """The munition types a text names, each with the first count stated before it (None when none is)."""
    if not text:
        return []
    forms = _forms()
    found: dict[str, int | None] = {}
    counted: set[str] = set()
    for match in re.finditer(_mention(), text):
        code = forms[match["term"].lower()]
        found.setdefault(code, None)
        if match["num"] is None or code in counted or re.search(_STOP, match["mods"]):
            continue
        counted.add(code)
        num = match["num"].lower()
        found[code] = None if match["after"] and num in _ONE else numbers.value(num)
    return _lines(found)


def munition_lines_column(text: pl.Series) -> pl.Series:
    """:func:`munition_lines` over a column of texts: a list of {munition_type, count} structs per text.

    One regular-expression pass over the whole column, then frame operations
    on the matches only, so a million rows take seconds.
    """
    forms, order = _forms(), codebook.vocabulary("munition_type")
    rank = {code: order.order(code) for code in set(forms.values())}
    rows = pl.DataFrame({"text": text}).with_row_index("row")
    parts = pl.col("match").str.extract_groups(_mention())
    num = parts.struct.field("num").str.to_lowercase()
    value = (pl.when(parts.struct.field("after").is_not_null() & num.is_in(_ONE)).then(None)
             .otherwise(num.replace_strict(_units(), default=num.cast(pl.Int64, strict=False), return_dtype=pl.Int64)))
    counted = num.is_not_null() & parts.struct.field("mods").str.contains(_STOP).not_()
    mentions = (
        rows.select("row", match=pl.col("text").str.extract_all(_mention())).explode("match").drop_nulls("match")
        .select("row", code=parts.struct.field("term").str.to_lowercase().replace_strict(forms),
                counted=counted.fill_null(False), count=value)
        .group_by("row", "code", maintain_order=True)
        .agg(pl.col("count").filter("counted").first())
    )
    lines = (
        mentions.with_columns(specific=(pl.col("code") != "unknown").any().over("row"))
        .filter((pl.col("code") != "unknown") | pl.col("specific").not_())
        .sort("row", pl.col("code").replace_strict(rank, return_dtype=pl.Int64))
        .group_by("row", maintain_order=True)
        .agg(lines=pl.struct(munition_type="code", count="count"))
    )
    return (rows.select("row").join(lines, on="row", how="left", maintain_order="left")
            .select(pl.col("lines").fill_null(pl.lit([], dtype=lines.schema["lines"])))
            .to_series().alias(text.name))
