"""Resolving the actor names a dataset writes to Salvo's actors.

Each dataset spells actors its own way: ACLED adds a period ("Military Forces
of Iran (1989-)"), GTD an acronym in parentheses ("Popular Mobilization Forces
(Iraq)"), UCDP abbreviates ("IS"). A name is tried as written, then without
such additions, through the codebook's aliases; before that, the dataset's own
table (the ``actors`` section of its mapping file) names the actor outright,
for spellings too short or too ambiguous to be safe as codebook aliases in
free text (UCDP's "IS").
"""

from __future__ import annotations

import re
from functools import lru_cache

from salvo import codebook

_PERIOD = re.compile(r"\s*\(\d{4}-(?:\d{4})?\)")
_PARENTHESES = re.compile(r"^(?P<name>.+?)\s*\((?P<inside>[^()]+)\)\s*$")
_ACRONYM = re.compile(r"^[A-Z][A-Za-z]{1,5}$")


def resolve(name: str | None, table: dict[str, str] | None = None) -> str | None:
    """The Salvo actor id a dataset's actor name refers to, or None (the name is then kept verbatim)."""
    if not name:
        return None
    if table and name in table:
        return table[name]
    return _resolve(name)


@lru_cache(maxsize=4096)
def _resolve(name: str) -> str | None:
    actors = codebook.actors()
    candidates = [name, _PERIOD.sub("", name).strip()]
    if match := _PARENTHESES.match(candidates[-1]):
        candidates.append(match["name"])
        if _ACRONYM.match(match["inside"]) and match["inside"].isupper():
            candidates.append(match["inside"])  # "(YPG)", never "(Iran)": "Protesters (Iran)" are not Iran
    if ":" in candidates[1]:
        candidates.append(candidates[1].split(":")[0])
    for candidate in candidates:
        if actor := actors.resolve(candidate):
            return actor.id
    return None
