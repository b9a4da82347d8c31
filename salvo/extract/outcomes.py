"""Outcomes stated in a sentence: projectiles intercepted, people killed and injured.

Counts follow the annotation rules: a stated number of interceptions ("two of
the drones were shot down", "intercepted four rockets"); zero only when the
text says the defence failed against all of them; casualties as stated, with
"no casualties"/"no injuries" meaning zero killed and zero injured.
"""

from __future__ import annotations

import re
from functools import cache

from salvo.extract import numbers
from salvo.extract.vocab import patterns, regex

_N = rf"(?P<n>{numbers.NUMBER})"
_DOWN = r"(?:intercepted|shot down|downed|destroyed|taken down|engaged|neutrali[sz]ed)"
_THING = r"(?:[\w-]+\s+){0,3}?(?:drones?|UAVs?|UAS|rockets?|missiles?|projectiles?|rounds|shells?|aircraft|targets?|others)"
_INTERCEPT = [
    re.compile(rf"\b{_N}\s+(?:of\s+(?:the|them|which)\s+)?(?:{_THING}\s+)?(?:were|was|had been|have been)\s+(?:successfully\s+)?(?:\w+\s+)?{_DOWN}", re.I),
    re.compile(rf"\b(?:intercepted|shot down|downed|destroyed|took down|take down|engaged)(?:\s+and\s+(?:shot down|destroyed|downed))?\s+{_N}\b(?:,)?\s+{_THING}", re.I),
    re.compile(r"\b(?:intercept(?:ed)?|shoot down|shot down|took down)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,3}(?:drone|UAV|rocket|missile|projectile)\b", re.I),
    re.compile(rf"\b(?:the|a|one)\s+(?:[\w-]+\s+){{0,3}}(?:drone|UAV|rocket|missile|projectile)\s+(?:was|had been)\s+(?:successfully\s+)?(?:\w+\s+)?{_DOWN}", re.I),
]
_FAILED = re.compile(r"\b(?:failed to (?:intercept|divert|stop|down) the (?:\w+\s+){0,2}(?P<obj>rockets|drones|missiles|projectiles)|no effort to (?:shoot|intercept))\b", re.I)


def intercepted(sentence: str) -> tuple[int | None, tuple[int, int] | None]:
    """The number of projectiles the sentence says were intercepted, and its span."""
    for number, pattern in enumerate(_INTERCEPT):
        if m := pattern.search(sentence):
            if number >= 2:
                return 1, m.span()
            value = numbers.value(m["n"])
            if value is not None:
                return value, m.span()
    if m := _FAILED.search(sentence):
        return 0, m.span()
    return None, None


_PROJECTILE = re.compile(r"(?:rockets?|drones?|missiles?|shells?)\b", re.I)


@cache
def _casualty_patterns() -> list[tuple[str, list[re.Pattern]]]:
    out = []
    for kind in ("killed", "injured"):
        words = patterns()[f"{kind}_words"]
        sources = [
            rf"\b{_N}\s+(?:(?!and\b|or\b)[\w-]+\s+){{0,4}}?(?:were |was |have been |had been |are |being )?(?:reportedly )?(?:{words})\b",
            rf"\b(?:{words})\s+(?:at least |about |some |around )?{_N}\b(?!\s*(?:rockets|drones|missiles))",
        ]
        if kind == "injured":
            sources.append(rf"\b{_N}\s+(?:[\w-]+\s+){{0,3}}?(?:sustained|suffered)\s+(?:minor |serious |slight )?(?:injuries|wounds)")
        out.append((kind, [re.compile(source, re.I) for source in sources]))
    return out


def casualties(sentence: str) -> tuple[int | None, int | None, list[tuple[int, int]]]:
    """Killed and injured counts stated in a sentence (None where not stated), with spans."""
    killed = injured = None
    spans: list[tuple[int, int]] = []
    if m := regex("zero_casualty_cues").search(sentence):
        spans.append(m.span())
        killed, injured = 0, 0
        if re.search(r"no (?:u\.?s\.? or coalition )?(?:troops|personnel|injuries)", m.group(0), re.I) and "killed" not in m.group(0):
            killed = None if "injur" in m.group(0) else killed
    for kind, compiled in _casualty_patterns():
        found = None
        for pattern in compiled:
            for m in pattern.finditer(sentence):
                value = numbers.value(m["n"])
                if value is not None and not _PROJECTILE.search(m.group(0)):
                    found = max(found or 0, value)
                    spans.append(m.span())
        if found is not None:
            if kind == "killed":
                killed = found
            else:
                injured = found
    return killed, injured, spans
