"""Places in text: curated sites and their aliases, towns, countries and sea areas.

Sites are found with a spaCy PhraseMatcher over every name and alias in the
gazetteer (case-insensitive), so "Ain al-Asad", "Al Asad" and "Ayn al-Asad air
base" all resolve to one site. Towns are looked up in the gazetteer only for
capitalised words after a locative preposition ("in Erbil", "near Kirkuk"),
and only in the theatre's countries, so ordinary capitalised words do not
become places. A place introduced by "from" is a launch origin, not a target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from salvo import gazetteer
from salvo.extract.nlp import pipeline
from salvo.extract.vocab import patterns


@dataclass
class PlaceMention:
    """A place named in the text and what it resolves to."""

    start: int
    end: int
    text: str
    place: gazetteer.Place | None
    country: str | None
    origin: bool = False

    @property
    def is_sea(self) -> bool:
        return self.place is not None and self.place.kind in ("sea_area", "waterway")


@cache
def _site_matcher():
    from spacy.matcher import PhraseMatcher

    nlp = pipeline()
    matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
    for site in gazetteer.sites():
        names = {site.name, *site.aliases}
        docs = [nlp.make_doc(n) for n in names if n and n.isascii() and len(n) > 2]
        variants = [nlp.make_doc(re.sub(r"\b(?:Al|al)-", "al ", n)) for n in names if n.isascii() and "-" in n]
        matcher.add(site.id, docs + variants)
    return matcher


@cache
def _theatre() -> frozenset[str]:
    from salvo.gazetteer.places import theatre_countries

    return theatre_countries()


_COUNTRY_WORDS = {
    "Iraq": "Iraq", "Syria": "Syria", "Israel": "Israel", "Yemen": "Yemen", "Saudi Arabia": "Saudi Arabia",
    "Lebanon": "Lebanon", "Jordan": "Jordan", "Iran": "Iran", "United Arab Emirates": "United Arab Emirates",
    "UAE": "United Arab Emirates", "Kuwait": "Kuwait", "Bahrain": "Bahrain", "Qatar": "Qatar", "Oman": "Oman",
    "Turkey": "Turkey", "Egypt": "Egypt", "Pakistan": "Pakistan",
}
_COUNTRY_RE = re.compile(r"\b(?:in|of|at|near|across|into|toward|towards|over|northern|southern|eastern|western|central|northeast(?:ern)?|northwest(?:ern)?|southeast(?:ern)?|southwest(?:ern)?)\s+(?:(?:the\s+)?(?:north|south|east|west|northeast|northwest|southeast|southwest)(?:ern)?\s+(?:of\s+)?)?(?P<c>" + "|".join(_COUNTRY_WORDS) + r")\b(?! -)")
_TOWN_RE = re.compile(r"\b(?P<prep>in|at|near|on|over|toward|towards|into|outside|of|from|hit|struck|targeted|targeting)\s+(?:the\s+)?(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})")
_STOP = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February",
         "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
         "The", "Israeli", "Iraqi", "Syrian", "American", "US", "U.S.", "Iranian", "Houthi", "Hezbollah"}


def country_name(code: str | None) -> str | None:
    """The English country name for an alpha-2 code, as the gold records write it."""
    if not code:
        return None
    found = gazetteer.country(code)
    return found.name if found else None


def site_country(place: gazetteer.Place | None) -> str | None:
    """The country an attack on `place` is coded to (None at sea), with the annotation conventions."""
    if place is None:
        return None
    override = patterns().get("country_overrides", {}).get(place.id)
    if override:
        return override
    if place.kind in ("sea_area", "waterway"):
        return None
    return country_name(place.country)


def find_places(doc, text: str) -> list[PlaceMention]:
    """Sites, towns and countries named in the document, in text order."""
    found: list[PlaceMention] = []
    spans = []
    for match_id, start, end in _site_matcher()(doc):
        spans.append((doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), doc.vocab.strings[match_id]))
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    last_end = -1
    for s, e, site_id in spans:
        if s < last_end:
            continue
        last_end = e
        place = gazetteer.site(site_id)
        found.append(PlaceMention(s, e, text[s:e], place, site_country(place), _is_origin(text, s)))
    taken = [(p.start, p.end) for p in found]
    for m in _TOWN_RE.finditer(text):
        name = m["name"]
        words = name.split()
        while words and words[-1] in _STOP:
            words.pop()
        while words:
            candidate = " ".join(words)
            s = m.start("name")
            e = s + len(candidate)
            if candidate in _STOP or candidate in _COUNTRY_WORDS or any(s < te and ts < e for ts, te in taken):
                break
            if re.match(r"\s+(?:province|governorate|region|district|countryside)", text[e:e + 15]):
                break
            towns = [p for p in gazetteer.places_named(candidate) if p.country in _theatre()]
            if towns:
                place = towns[0]
                found.append(PlaceMention(s, e, candidate, place, site_country(place), m["prep"] == "from"))
                taken.append((s, e))
                break
            words.pop()
    for m in _COUNTRY_RE.finditer(text):
        s, e = m.start("c"), m.end("c")
        if any(s < te and ts < e for ts, te in taken):
            continue
        found.append(PlaceMention(s, e, m["c"], None, _COUNTRY_WORDS[m["c"]], _is_origin(text, s)))
    found.sort(key=lambda p: p.start)
    return found


def _is_origin(text: str, start: int) -> bool:
    return bool(re.search(r"\b(?:from|of)\s+(?:the\s+)?(?:[\w-]+\s+){0,3}$", text[max(0, start - 40): start])) and \
        bool(re.search(r"\bfrom\b", text[max(0, start - 40): start]))
