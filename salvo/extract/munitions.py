"""Munition mentions: the projectile term, its codebook type and the count before it.

A term counts only as an attacking projectile: defence systems, launchers and
counter-strikes ("air defense missile", "rocket launcher", "U.S. drone
strike") are skipped by the patterns.yaml guards. A term followed by
"attack"/"strike" names the attack, not a number of projectiles, so its
article ("a drone attack") gives no count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from salvo.extract import numbers
from salvo.extract.vocab import patterns, regex

SPECIFIC = ("uav", "rocket", "mortar", "ballistic_missile", "cruise_missile", "anti_ship_missile", "ied",
            "small_arms")


@dataclass
class Munition:
    """One projectile term in the text."""

    start: int
    end: int
    code: str
    count: int | None
    vague: bool
    attack_noun: bool
    count_start: int
    partitive: bool = False
    aggregate: bool = False


@cache
def _terms() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), code) for pattern, code in patterns()["munitions"]]


# The count word and up to three modifiers before the term. A modifier is not a
# function word, a time unit ("two days after drones attacked") or another
# number (so "some of the approximately 65 launches" takes the nearer 65).
_TIME_UNITS = r"(?:seconds?|minutes?|hours?|days?|nights?|weeks?|months?|years?|decades?)"
_COUNT_BEFORE = re.compile(
    rf"(?:^|[\s(\"“])(?P<count>{numbers.COUNT})(?:\s+of(?:\s+the)?)?\s+(?P<mods>(?:(?!(?:and|or|of|the|by|from|with|at|in|on|to|{_TIME_UNITS}|\d[\d,]*)\b)[\w'’/.-]+\s+){{0,3}})$",
    re.IGNORECASE)
_ATTACK_AFTER = re.compile(r"^\s*(?:attacks?|strikes?|assaults?|barrages?|fire|salvos?|raids?)\b", re.IGNORECASE)
_PLURAL_ATTACKS = re.compile(r"^\s*(?:and (?:\[?\w+\]? )?)?(?:attacks|strikes|assaults|raids)\b", re.IGNORECASE)


def find_munitions(text: str, base: int = 0) -> list[Munition]:
    """Projectile terms in `text`, in order, spans offset by `base`."""
    taken: list[tuple[int, int]] = []
    found: list[Munition] = []
    before, after = regex("munition_not_before"), regex("munition_not_after")
    for pattern, code in _terms():
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            if before.search(text[max(0, m.start() - 25): m.start()]) or after.search(text[m.end(): m.end() + 20]):
                continue
            if code == "unknown" and m.group(0).lower() == "rounds" and not re.search(r"\d|rocket|fire", text[max(0, m.start() - 30): m.start()], re.I):
                continue
            aggregate = bool(_PLURAL_ATTACKS.match(text[m.end(): m.end() + 25]))
            attack_noun = bool(_ATTACK_AFTER.match(text[m.end(): m.end() + 15]))
            count, vague, count_start, partitive = None, False, m.start(), False
            if cm := _COUNT_BEFORE.search(text[max(0, m.start() - 70): m.start()]):
                word = cm["num"]
                if not (attack_noun and word.lower() in ("a", "an")):
                    count, vague = numbers.value(word), numbers.is_vague(word)
                    partitive = bool(re.search(r"\bof\b", cm.group(0)[cm.end("count") - cm.start():], re.I))
                    count_start = m.start() - (len(text[max(0, m.start() - 70): m.start()]) - cm.start("count"))
            if not count and not vague and m.group(0).lower().endswith("s") and not attack_noun:
                vague = True
            found.append(Munition(m.start() + base, m.end() + base, code, count, vague, attack_noun,
                                 count_start + base, partitive and not vague, aggregate))
    found.sort(key=lambda x: x.start)
    named = [m for m in found if m.attack_noun and re.search(r"\bthe (?:[A-Z][\w-]+ ){1,3}$", text[max(0, m.start - base - 40): m.start - base])]
    if named and len(named) < len(found):
        found = [m for m in found if m not in named]
    return found


def types_of(mentions: list[Munition]) -> list[str]:
    """The incident's munition codes: the specific ones, or ["unknown"] when none is specific."""
    specific = sorted({m.code for m in mentions if m.code in SPECIFIC})
    return specific or (["unknown"] if mentions else [])
