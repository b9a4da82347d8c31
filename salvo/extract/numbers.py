"""Counts written in digits or words, with hedges dropped and vague amounts as None.

Per the annotation rules: explicit numerals are taken as stated whatever the
hedge ("at least", "more than", "about"); "a dozen" is 12; indefinite amounts
("dozens", "several", "a barrage", "multiple") are known to be plural but have
no count.
"""

from __future__ import annotations

import re

_UNITS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "a single": 1, "two": 2, "three": 3, "four": 4, "five": 5,
    "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90, "a dozen": 12, "dozen": 12, "a pair of": 2, "a couple of": 2,
    "both": 2, "a hundred": 100, "one hundred": 100, "hundred": 100, "half a dozen": 6,
}
VAGUE = ("several", "multiple", "dozens of", "a number of", "a barrage of", "barrages of", "a salvo of",
         "salvos of", "a volley of", "volleys of", "numerous", "a series of", "scores of", "hundreds of",
         "a wave of", "waves of", "a swarm of", "swarms of", "some", "a heavy barrage of", "a few", "few",
         "many", "more", "other", "others", "a string of", "dozens")
HEDGE = r"(?:(?:at least|more than|over|about|around|approximately|roughly|nearly|almost|up to|as many as|some|an estimated|a total of|another|only)\s+)?"
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORD = "|".join(sorted((re.escape(w) for w in _UNITS), key=len, reverse=True))
_VAGUE = "|".join(sorted((re.escape(w) for w in VAGUE), key=len, reverse=True))
NUMBER = rf"(?:\d{{1,4}}|(?:{_TENS})[- ](?:one|two|three|four|five|six|seven|eight|nine)|{_WORD})"
COUNT = rf"{HEDGE}(?P<num>{NUMBER}|{_VAGUE})"


def value(word: str | None) -> int | None:
    """The integer a count phrase states, or None for a vague or missing one.

    >>> value("three"), value("more than a dozen"), value("dozens of"), value("14")
    (3, 12, None, 14)
    """
    if not word:
        return None
    word = re.sub(rf"^{HEDGE}", "", word.strip().lower()).strip()
    if word.isdigit():
        return int(word)
    if word in _UNITS:
        return _UNITS[word]
    if m := re.fullmatch(rf"({_TENS})[- ](\w+)", word):
        return _UNITS[m[1]] + _UNITS.get(m[2], 0)
    return None


def is_vague(word: str | None) -> bool:
    """Whether a count phrase is an indefinite plural amount ("several", "a barrage of")."""
    return bool(word) and re.sub(rf"^{HEDGE}", "", word.strip().lower()).strip() in VAGUE
