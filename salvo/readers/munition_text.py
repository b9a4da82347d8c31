"""Munition types, projectile counts and interceptions in a dataset row's own text.

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

Asked for (``intercepted=True``), each line also says how many of its type the
text says were intercepted, in the text's own words: a count after
"intercepted" or "shot down" ("the iron dome intercepted 18 rockets", "shot
down 11 drones, 2 cruise missiles and 1 anti-ship missile"), or before
"was/were intercepted" ("Three rockets were intercepted", "about four of the
rockets were intercepted"); "the rocket was intercepted" is one. Hedges go as
for counts and the first figure stated for a type is taken. A text that gives
no figure ("most of the rockets were intercepted", "the rockets were likely
intercepted or fell in open areas") gives none: intercepted is unknown, not
the count fired.

The same rules run two ways, with the same patterns: :func:`munition_lines`
on one text, for readers that work row by row, and :func:`munition_lines_column`
over a column of texts, for readers of large files.
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
_VAGUE = "|".join(sorted((re.escape(word) for word in numbers.VAGUE), key=len, reverse=True))
_SHOT_DOWN = r"(?:intercepted|shot\s+down|downed)"
_SHOOT_DOWN = r"(?:intercept(?:s|ed|ing)?|shoot(?:s|ing)?\s+down|shot\s+down|downed)"
_THE = "the "  # how the one interception statement without a number begins ("the rocket was intercepted")


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
    return (rf"(?i)(?:(?:^|[^\w-]){numbers.HEDGE}(?P<num>{numbers.NUMBER}|{_VAGUE})(?:\s+of(?:\s+the)?)?\s+"
            rf"(?P<mods>(?:[\w'/.-]+\s+){{0,3}}?))?\b(?P<term>{_term()})\b(?P<after>\s+{_ATTACK}\b)?")


@cache
def _interception() -> str:
    """A statement of how many were intercepted, as a whole span; the counted terms in it are read by _mention.

    "intercepted 18 rockets" (with a list after the verb: "shot down 11 drones,
    2 cruise missiles and 1 anti-ship missile"), "Three rockets were
    intercepted", "the rocket was intercepted". It has no groups, so that
    polars can return the spans (salvo's two regular-expression engines agree
    on it).
    """
    item = (rf"\b{numbers.HEDGE}(?:{numbers.NUMBER}|{_VAGUE})(?:\s+of(?:\s+the)?)?\s+"
            rf"(?:[\w'/.-]+\s+){{0,3}}?(?:{_term()})\b")
    adverb = r"(?:\w+ly\s+)?"
    return (rf"(?i)\b{_SHOOT_DOWN}\s+{item}(?:(?:\s*,\s*|\s+)(?:and\s+)?{item})*"
            rf"|{item}\s+(?:was|were)\s+{adverb}{_SHOT_DOWN}\b"
            rf"|\b{_THE}(?:[\w'/.-]+\s+){{0,3}}?(?:{_term()})\s+was\s+{adverb}{_SHOT_DOWN}\b")


def _lines(found: dict[str, int | None]) -> list[dict[str, int | str | None]]:
    """Lines in codebook order; ``unknown`` only when no specific type is named."""
    order = codebook.vocabulary("munition_type")
    if any(code != "unknown" for code in found):
        found.pop("unknown", None)
    return [{"munition_type": code, "count": found[code]} for code in sorted(found, key=order.order)]


def munition_lines(text: str | None, *, intercepted: bool = False) -> list[dict[str, int | str | None]]:
    """The munition types a text names, each with the first count stated before it (None when none is).

    With `intercepted`, each line also has the number the text says were
    intercepted (None when it gives none): see the module's docs.
    """
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
    lines = _lines(found)
    if intercepted:
        figures = _intercepted(text)
        for line in lines:
            line["intercepted"] = figures.get(line["munition_type"])
    return lines


def _intercepted(text: str) -> dict[str, int | None]:
    """Munition type -> the first number a text says were intercepted (None for a vague one: "several")."""
    forms = _forms()
    figures: dict[str, int | None] = {}
    for span in re.finditer(_interception(), text):
        one = span[0].lower().startswith(_THE)
        for match in re.finditer(_mention(), span[0]):
            code = forms[match["term"].lower()]
            counted = match["num"] is not None and not re.search(_STOP, match["mods"])
            if code not in figures and (one or counted):
                figures[code] = 1 if one else numbers.value(match["num"])
    return figures


def munition_lines_column(text: pl.Series, *, intercepted: bool = False) -> pl.Series:
    """:func:`munition_lines` over a column of texts: a list of {munition_type, count} structs per text.

    With `intercepted`, the structs have an ``intercepted`` field too. One
    regular-expression pass over the whole column (one more, over the texts
    that mention an interception, with `intercepted`), then frame operations on
    the matches only, so a million rows take seconds.
    """
    forms, order = _forms(), codebook.vocabulary("munition_type")
    rank = {code: order.order(code) for code in set(forms.values())}
    rows = pl.DataFrame({"text": text}).with_row_index("row")
    one_attack = pl.col("num").is_in(_ONE) & pl.col("after").is_not_null()
    mentions = (
        _mentions(rows.select("row", match=pl.col("text").str.extract_all(_mention())))
        .with_columns(count=pl.when(one_attack).then(None).otherwise("value"))
        .group_by("row", "code", maintain_order=True)
        .agg(pl.col("count").filter("counted").first())
    )
    fields = {"munition_type": "code", "count": "count"}
    if intercepted:
        mentions = mentions.join(_figures(rows), on=["row", "code"], how="left", maintain_order="left")
        fields["intercepted"] = "intercepted"
    lines = (
        mentions.with_columns(specific=(pl.col("code") != "unknown").any().over("row"))
        .filter((pl.col("code") != "unknown") | pl.col("specific").not_())
        .sort("row", pl.col("code").replace_strict(rank, return_dtype=pl.Int64))
        .group_by("row", maintain_order=True)
        .agg(lines=pl.struct(**fields))
    )
    return (rows.select("row").join(lines, on="row", how="left", maintain_order="left")
            .select(pl.col("lines").fill_null(pl.lit([], dtype=lines.schema["lines"])))
            .to_series().alias(text.name))


def _mentions(matches: pl.DataFrame) -> pl.DataFrame:
    """The matches of :func:`_mention` (a ``match`` list per row) one per row: code, num, after, counted, value.

    `counted` says a count stands before the term (no stop word between) and
    `value` is the number it states (null for a vague one); each distinct
    count phrase is valued once, by salvo.extract.numbers.
    """
    parts = pl.col("match").str.extract_groups(_mention())
    found = (
        matches.explode("match").drop_nulls("match")
        .select(pl.exclude("match"), code=parts.struct.field("term").str.to_lowercase().replace_strict(_forms()),
                num=parts.struct.field("num").str.to_lowercase(), after=parts.struct.field("after"),
                counted=(parts.struct.field("num").is_not_null()
                         & parts.struct.field("mods").str.contains(_STOP).not_()).fill_null(False))
    )
    values = {num: numbers.value(num) for num in found["num"].drop_nulls().unique().to_list()}
    return found.with_columns(value=pl.col("num").replace_strict(values, default=None, return_dtype=pl.Int64))


def _figures(rows: pl.DataFrame) -> pl.DataFrame:
    """Row, code and the first number intercepted each text states for that type (:func:`_intercepted`)."""
    said = rows.filter(pl.col("text").str.contains(rf"(?i){_SHOOT_DOWN}").fill_null(False))
    spans = said.select("row", span=pl.col("text").str.extract_all(_interception())).explode("span").drop_nulls("span")
    found = _mentions(spans.select("row", one=pl.col("span").str.to_lowercase().str.starts_with(_THE),
                                   match=pl.col("span").str.extract_all(_mention())))
    return (found.filter(pl.col("one") | pl.col("counted"))
            .group_by("row", "code", maintain_order=True)
            .agg(intercepted=pl.when(pl.col("one")).then(pl.lit(1, pl.Int64)).otherwise("value").first()))
