"""Date expressions in a sentence, resolved against the publication date.

Follows the gold annotation rules: an explicit date is used as stated; a
weekday is the latest such day on or before publication; a day or month
without a year takes the publication year (or the year before, when that
would put it after publication); "last week"-style vagueness is kept as an
unresolved mention, and a month it still pins gets month precision. With no
publication date, relative expressions stay unresolved (value None) but keep
a `key` so two mentions of "Monday" are known to agree.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
          "sep": 9, "oct": 10, "nov": 11, "dec": 12}
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]

_M = r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>(?:19|20)\d\d))?"
_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("iso", re.compile(r"\b(?P<year>(?:19|20)\d\d)-(?P<mnum>\d\d)-(?P<day>\d\d)\b")),
    ("monthday", re.compile(rf"\b{_M}\s+{_DAY}\b(?!:){_YEAR}")),
    ("daymonth", re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_M}{_YEAR}\b")),
    ("monthyear", re.compile(rf"\b(?:in |since |during |of |early |late |mid-?)?{_M},?\s+(?P<year>(?:19|20)\d\d)\b")),
    ("month", re.compile(rf"\b(?P<lead>(?i:in|since|during|early|late|mid-?|this past|last|this|earlier this|early this)) (?:(?:early|late|mid-?) )?{_M}(?![\w-])")),
    ("weekday", re.compile(r"\b(?:(?P<last>last|this|past|on|early|late|since) )?(?:(?:early|late) (?:on )?)?(?P<weekday>monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?:'s)?\b", re.IGNORECASE)),
    ("yesterday", re.compile(r"\b(?:yesterday|last night)\b", re.IGNORECASE)),
    ("today", re.compile(r"\b(?:today|this morning|tonight|this afternoon|this evening)\b", re.IGNORECASE)),
    ("offset", re.compile(r"\b(?P<n>a|one|two|three|four|five|six|seven|\d) days? (?P<dir>later|after|earlier|before)\b", re.IGNORECASE)),
    ("lastmonth", re.compile(r"\blast month\b", re.IGNORECASE)),
    ("vague", re.compile(r"\b(?:last week|earlier this (?:week|month)|this week|last year|recent (?:days|weeks)|(?:a|\w+) weeks? (?:after|before|earlier|later)|weeks? ago|days? ago|hours? (?:after|before|earlier|later))\b", re.IGNORECASE)),
]
_NUMS = {"a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}


@dataclass
class DateMention:
    """One date expression: its span, resolved value (or None) and precision."""

    start: int
    end: int
    kind: str
    value: str | None
    precision: str | None
    key: str
    offset: int = 0
    weekday: int | None = None

    @property
    def recent(self) -> bool:
        """Whether the expression points at the days just before publication."""
        return self.kind in ("weekday", "yesterday", "today")


def find_dates(text: str, published: dt.date | None, base: int = 0) -> list[DateMention]:
    """Every date expression in `text`, in order, with spans offset by `base`."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mention = _resolve(kind, m, published)
            if mention is None:
                continue
            mention.start += base
            mention.end += base
            taken.append((m.start(), m.end()))
            found.append(mention)
    found.sort(key=lambda d: d.start)
    return found


def _resolve(kind: str, m: re.Match, published: dt.date | None) -> DateMention | None:
    span = (m.start(), m.end())
    text = m.group(0).lower()
    if kind == "iso":
        day = _day(int(m["year"]), int(m["mnum"]), int(m["day"]))
        return day and DateMention(*span, kind, day.isoformat(), "day", day.isoformat())
    if kind in ("monthday", "daymonth"):
        month, day_n = MONTHS[m["month"][:3].lower()], int(m["day"])
        if not 1 <= day_n <= 31:
            return None
        year = int(m["year"]) if m["year"] else _year_for(month, day_n, published)
        key = f"{m['year'] or '?'}-{month:02d}-{day_n:02d}"
        day = _day(year, month, day_n) if year else None
        return DateMention(*span, kind, day and day.isoformat(), day and "day", key)
    if kind == "monthyear":
        month = MONTHS[m["month"][:3].lower()]
        value = f"{m['year']}-{month:02d}"
        return DateMention(*span, "month", value, "month", value)
    if kind == "month":
        if m["lead"].lower() == "since":
            return None
        month = MONTHS[m["month"][:3].lower()]
        year = _year_for(month, 1, published) if published else None
        value = f"{year}-{month:02d}" if year else None
        return DateMention(*span, "month", value, value and "month", f"?-{month:02d}")
    if kind == "weekday":
        weekday = WEEKDAYS.index(m["weekday"].lower())
        day = _weekday_before(weekday, published) if published else None
        return DateMention(*span, "weekday", day and day.isoformat(), day and "day",
                           day.isoformat() if day else f"wd{weekday}", weekday=weekday)
    if kind in ("yesterday", "today"):
        back = 1 if kind == "yesterday" else 0
        day = published - dt.timedelta(days=back) if published else None
        return DateMention(*span, kind, day and day.isoformat(), day and "day",
                           day.isoformat() if day else kind)
    if kind == "offset":
        n = int(m["n"]) if m["n"].isdigit() else _NUMS[m["n"].lower()]
        sign = 1 if m["dir"].lower() == "later" else -1
        if m["dir"].lower() == "after":
            sign = -1
        elif m["dir"].lower() == "before":
            sign = 1
        return DateMention(*span, "offset", None, None, f"offset{sign * n}", offset=sign * n)
    if kind == "lastmonth":
        if not published:
            return DateMention(*span, "month", None, None, "lastmonth")
        first = published.replace(day=1) - dt.timedelta(days=1)
        value = f"{first.year}-{first.month:02d}"
        return DateMention(*span, "month", value, "month", value)
    return DateMention(*span, "vague", None, None, text)


def shift(mention: DateMention, anchor: str | None) -> tuple[str | None, str | None]:
    """Resolve an offset mention ("two days after") against an anchor day."""
    if anchor is None or len(anchor) != 10:
        return None, None
    day = dt.date.fromisoformat(anchor) + dt.timedelta(days=mention.offset)
    return day.isoformat(), "day"


def _weekday_before(weekday: int, published: dt.date) -> dt.date:
    return published - dt.timedelta(days=(published.weekday() - weekday) % 7)


def _year_for(month: int, day: int, published: dt.date | None) -> int | None:
    if published is None:
        return None
    return published.year - 1 if (month, day) > (published.month, published.day) else published.year


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
