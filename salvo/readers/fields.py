"""Small, named parsers for cell values: each takes the text of one cell and returns
a clean value or raises FieldError with the reason. Readers compose them.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from salvo import codebook, gazetteer
from salvo.names import normalise
from salvo.readers.errors import FieldError

Parser = Callable[[str], object]

_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}
_DATE_FORMS = {
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "year": re.compile(r"^(\d{4})$"),
}


def text(value: str) -> str | None:
    """Free text, stripped; empty means unknown."""
    value = value.strip()
    return value or None


def count(value: str) -> int | None:
    """A whole number of 0 or more; empty means unknown."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value) if "." in value or "e" in value.lower() else int(value)
    except ValueError:
        raise FieldError("not a whole number") from None
    if number != int(number):
        raise FieldError("not a whole number")
    if number < 0:
        raise FieldError("must be 0 or more")
    return int(number)


def boolean(value: str) -> bool:
    """true/false (also yes/no, 1/0); empty means false."""
    key = value.strip().lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise FieldError("expected true or false")


def coordinate(low: float, high: float) -> Parser:
    """A decimal degree between `low` and `high`; empty means unknown."""

    def parse(value: str) -> float | None:
        value = value.strip()
        if not value:
            return None
        try:
            number = float(value)
        except ValueError:
            raise FieldError("not a number") from None
        if not low <= number <= high:
            raise FieldError(f"must be between {low:g} and {high:g}")
        return number

    return parse


def code(vocabulary_name: str) -> Parser:
    """A code of one codebook vocabulary (its label is accepted too); empty means unknown."""
    vocab = codebook.vocabulary(vocabulary_name)
    accepted = {term.code: term.code for term in vocab.terms}
    accepted.update({normalise(term.code.replace("_", " ")): term.code for term in vocab.terms})
    accepted.update({normalise(term.label): term.code for term in vocab.terms})

    def parse(value: str) -> str | None:
        value = value.strip()
        if not value:
            return None
        found = accepted.get(value) or accepted.get(normalise(value.replace("_", " ")))
        if found is None:
            raise FieldError(f"not a {vocabulary_name}; expected one of {', '.join(vocab.codes)}")
        return found

    return parse


def date_with_precision(value: str, precision: str | None) -> tuple[dt.date | None, str | None]:
    """An ISO date (YYYY-MM-DD, YYYY-MM or YYYY) and its precision, stored as the first day of its period.

    When `precision` is None it is read from the form of the date.
    """
    value = value.strip()
    if not value:
        return None, None
    for form, pattern in _DATE_FORMS.items():
        match = pattern.match(value)
        if match:
            break
    else:
        raise FieldError("not a date: write YYYY-MM-DD, YYYY-MM or YYYY")
    parts = [int(p) for p in match.groups()] + [1] * (3 - len(match.groups()))
    try:
        date = dt.date(*parts)
    except ValueError as exc:
        raise FieldError(f"not a calendar date ({exc})") from None
    precision = precision or form
    if precision == "month":
        date = date.replace(day=1)
    elif precision == "year":
        date = date.replace(month=1, day=1)
    elif precision == "week":
        date = date - dt.timedelta(days=date.weekday())
    if _coarser(form, precision) is False:
        raise FieldError(f"date precision {precision!r} needs a full date, got {value!r}")
    return date, precision


def _coarser(form: str, precision: str) -> bool:
    order = {"day": 0, "week": 1, "month": 2, "year": 3}
    return order[form] <= order[precision]


def country(value: str) -> str | None:
    """A country as ISO alpha-2, alpha-3 or name; stored as alpha-2."""
    value = value.strip()
    if not value:
        return None
    found = gazetteer.country(value)
    if found is None:
        raise FieldError("not a known country (use an ISO 3166 code or an English name)")
    return found.code


def urls(value: str) -> list[str]:
    """One or more http(s) URLs separated by spaces."""
    found = value.split()
    for url in found:
        if not url.lower().startswith(("http://", "https://")):
            raise FieldError(f"{url!r} is not an http(s) URL (separate several URLs with spaces)")
    return found
