"""UKMTO (UK Maritime Trade Operations) advisories, as scraped from ukmto.org "Recent incidents".

Where to get it: UKMTO publishes each warning or advisory on https://www.ukmto.org/;
the CSV read here is a scrape of them (``title, date, details, location,
incident_id, event_type``), or the scraper's geocoded variant (``address``,
``latitude``, ``longitude`` and no ``location``). Crown-copyright public notices:
cite UKMTO. Each row becomes a report keyed by UKMTO's ``incident_id``:

* ``date`` as the date (day precision);
* ``details`` as the text; munition types from its words (mappings/munition_words.yaml
  and the extra words of mappings/ukmto.yaml), with a count only when the text
  states one ("two unknown projectiles");
* the vessel attacked as the target category (a merchant ship ->
  ``commercial_shipping``, a warship -> ``naval``); an actor only when the text
  names one (IRGC), attribution ``unknown`` otherwise;
* the position: UKMTO writes it in words ("40NM southeast of Umm Qasr, Iraq").
  :func:`position` reads the distance, the compass bearing and the reference
  place (resolved through the gazetteer) and computes the point on a sphere,
  with location precision ``region`` and a stated uncertainty; explicit
  coordinates ("12°34'N 043°21'E") are ``exact``; a place named alone keeps the
  gazetteer's precision (``site``, ``city``, ``region`` for a sea area); a bare
  country gives the country and no point. The gazetteer place the position rests
  on (the reference place, the sea area, the place named) is the report's place
  id. The source's own position text, and the scraper's coordinates in the
  geocoded file, are kept in the evidence.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from salvo import codebook, gazetteer
from salvo.readers.errors import RowError
from salvo.readers.report_rows import csv_dicts, munition_records
from salvo.readers.scope import in_scope
from salvo.readers.words import munitions_in
from salvo.records import ReportRecord

FORMAT = "ukmto"
REQUIRED = ("incident_id", "date", "details")
EARTH_RADIUS_KM = 6371.0088
KM_PER_NM = 1.852
KM_PER_UNIT = {"nm": KM_PER_NM, "km": 1.0}
# The 16 points of the compass, by their letters.
POINTS = ("n", "nne", "ne", "ene", "e", "ese", "se", "sse", "s", "ssw", "sw", "wsw", "w", "wnw", "nw", "nnw")

_UNIT = r"(?P<unit>NM|nm|n\.m\.|nautical\s+miles?|km|kms|kilomet(?:re|er)s?)"
_BEARING = (r"(?P<bearing>(?:north|south|east|west)(?:[\s-]*(?:north|south|east|west)){0,2}"
            r"|[NSEW]{1,3})")
# A place phrase runs to the end of its clause (a comma before a country stays in it).
_PHRASE = (r"[^.;:()]+?(?=\s*[.;:()]|,\s*(?:that|which|who|where|when|and|but|while|whilst|resulting)\b"
           r"|\s+(?:transiting|while|whilst|when|where|that|which|has|have|had|is|was|were|reported)\b|\s*$)")
_RELATIVE = re.compile(
    rf"(?:(?P<hedge>approximately|approx\.?|about|around|some|circa|c\.)\s+)?"
    rf"(?P<distance>\d+(?:\.\d+)?)\s*{_UNIT}\s+(?:to\s+the\s+)?{_BEARING}\s+of\s+(?P<place>{_PHRASE})",
    re.I)
_NAMED = re.compile(
    r"\b(?:incidents?|activity)\s+(?:(?:with)?in|at|off|near|in\s+the\s+vicinity\s+of|close\s+to)\s+"
    rf"(?P<place>{_PHRASE})|\bin\s+the\s+vicinity\s+of\s+(?P<vicinity>{_PHRASE})", re.I)
# Where a place phrase stops: a clause that is not part of the name.
_PLACE_END = re.compile(r"\s+(?:in|within|transiting|while|whilst|when|where|and|that|which|who|with|on|at|"
                        r"has|have|had|is|was|were)\b.*$", re.I)
_DMS = re.compile(
    r"(?P<lat>\d{1,2})\s*°\s*(?:(?P<latm>\d{1,2}(?:\.\d+)?)\s*['′’]?\s*)?(?:(?P<lats>\d{1,2}(?:\.\d+)?)\s*[\"″”]\s*)?"
    r"(?P<ns>[NS])[\s,/]*"
    r"(?P<lon>\d{1,3})\s*°\s*(?:(?P<lonm>\d{1,2}(?:\.\d+)?)\s*['′’]?\s*)?(?:(?P<lons>\d{1,2}(?:\.\d+)?)\s*[\"″”]\s*)?"
    r"(?P<ew>[EW])\b")
_PACKED = re.compile(r"\b(?P<lat>\d{2})\s?(?P<latm>\d{2}(?:\.\d+)?)\s?(?P<ns>[NS])[\s,/]*"
                     r"(?P<lon>\d{3})\s?(?P<lonm>\d{2}(?:\.\d+)?)\s?(?P<ew>[EW])\b")
_DECIMAL = re.compile(r"(?P<lat>-?\d{1,2}\.\d+)\s*°?\s*(?P<ns>[NS])?\s*[,/\s]\s*(?P<lon>-?\d{1,3}\.\d+)\s*°?\s*"
                      r"(?P<ew>[EW])?\b")


@dataclass
class Position:
    """A position read from UKMTO's words: a point (or none) and what it rests on.

    `place` is the gazetteer place it rests on (the reference place of a
    bearing and distance, the sea area, or the place named); `evidence` says
    how it was read (distance, bearing, uncertainty).
    """

    latitude: float | None = None
    longitude: float | None = None
    precision: str = "unknown"
    text: str | None = None
    country: str | None = None
    place: gazetteer.Place | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def detect(header: list[str]) -> bool:
    """Whether a CSV header is a UKMTO incident table (raw, or the geocoded variant)."""
    names = {name.strip() for name in header}
    return {"incident_id", "date", "details", "event_type"} <= names and bool({"location", "address"} & names)


def read(path: Path) -> Iterator[ReportRecord | RowError]:
    """Each advisory of a UKMTO file as a report, or a RowError for a row that cannot be read."""
    for number, row in csv_dicts(Path(path), REQUIRED, "UKMTO"):
        yield _report(str(path), number, row)


def _report(file: str, number: int, row: dict[str, str]) -> ReportRecord | RowError:
    key = (row.get("incident_id") or "").strip()
    key = key[:-2] if key.endswith(".0") else key
    if not key:
        return RowError(file, number, "incident_id", row.get("incident_id"), "no UKMTO incident number")
    try:
        date = dt.date.fromisoformat((row.get("date") or "")[:10])
    except ValueError:
        return RowError(file, number, "date", row.get("date"), "not a date (YYYY-MM-DD)")
    details = (row.get("details") or "").strip()
    where = position(row.get("location") or "") if (row.get("location") or "").strip() else Position()
    if where.text is None:  # no location column, or one we cannot read: the advisory's own words
        where = position(details)
    evidence: dict[str, Any] = {"position_text": where.text, **where.evidence}
    source = _source_position(file, number, row)
    if isinstance(source, RowError):
        return source
    if source:
        evidence["source_position"] = source
    stated = coordinates(details) if where.precision != "exact" else None
    if stated is not None:  # kept, not used: UKMTO gives them for a later position ("last known position")
        evidence["coordinates_in_text"] = {"latitude": round(stated[0], 5), "longitude": round(stated[1], 5),
                                           "text": stated[2]}
    kinds, count = munitions(details)
    target_category = target(details)
    actor_name = _actor(details)
    actor = codebook.actors().resolve(actor_name)
    actor_id = actor.id if actor else None
    return ReportRecord(
        FORMAT, key, row_number=number, raw=dict(row),
        date=date, date_precision="day", country=where.country,
        location=(row.get("location") or "").strip() or where.text,
        place_id=where.place.id if where.place else None,
        latitude=where.latitude, longitude=where.longitude, location_precision=where.precision,
        target_category=target_category, actor_name=actor_name, actor_id=actor_id,
        attribution="suspected" if actor_name else "unknown", outlet="UKMTO",
        munitions=munition_records(kinds, count), evidence=evidence, text=details or None,
        in_scope=in_scope(munitions=kinds, actor_id=actor_id, target_category=target_category,
                          country=where.country),
    )


def _source_position(file: str, number: int, row: dict[str, str]) -> dict[str, Any] | RowError | None:
    """The geocoded file's own coordinates (the scraper's), kept beside ours."""
    if not (row.get("latitude") or row.get("longitude")):
        return None
    coordinates = {}
    for column in ("latitude", "longitude"):
        try:
            coordinates[column] = float(row[column]) if row.get(column) else None
        except ValueError:
            return RowError(file, number, column, row[column], "not a number")
    return {**coordinates, "address": row.get("address") or None}


# --- positions ---------------------------------------------------------------


def position(text: str) -> Position:
    """The position a UKMTO text gives: explicit coordinates, a bearing and distance from a place, or a place.

    >>> p = position("40NM southeast of Umm Qasr, Iraq")
    >>> p.precision, p.country, round(p.latitude, 2), round(p.longitude, 2)
    ('region', 'IQ', 29.56, 48.46)
    """
    text = " ".join((text or "").split())
    if not text:
        return Position()
    explicit = coordinates(text)
    if explicit is not None:
        latitude, longitude, matched = explicit
        return Position(latitude, longitude, "exact", matched, None, None, {})
    match = _RELATIVE.search(text)
    if match:
        return _relative(match)
    named = _NAMED.search(text)
    if named:
        phrase = named.group("place") or named.group("vicinity")
        place, country = resolve_place(phrase)
        if place is not None:
            return Position(place.lat, place.lon, place.precision, named.group(0).strip(), place.country or country,
                            place, {})
        if country is not None:
            return Position(None, None, "country", named.group(0).strip(), country, None, {})
    return Position(text=None)


def _relative(match: re.Match) -> Position:
    table = _mapping()
    text = match.group(0).strip()
    distance = float(match.group("distance"))
    unit = "nm" if match.group("unit").lower().startswith(("n", "nautical")) else "km"
    distance_km = distance * KM_PER_UNIT[unit]
    degrees = bearing_degrees(match.group("bearing"))
    phrase = match.group("place")
    place, country = resolve_place(phrase)
    evidence: dict[str, Any] = {
        "distance": distance, "distance_unit": unit.upper() if unit == "nm" else "km",
        "bearing": match.group("bearing"), "bearing_degrees": degrees,
        "reference_name": _clean_place(phrase)[0],
    }
    if match.group("hedge"):
        evidence["hedged"] = match.group("hedge")
    if place is None or place.lat is None or degrees is None:
        # A bare country ("8NM west of Iran"), an unknown place, or an unread bearing: no point of our own.
        # A sea area named after it ("... of Oman in the Straits of Hormuz") still places the report in it.
        sea = _sea_area_after(phrase)
        if sea is not None:
            return Position(sea.lat, sea.lon, sea.precision, text, country or sea.country, sea, evidence)
        return Position(None, None, "country" if country else "unknown", text, country, place, evidence)
    latitude, longitude = destination(place.lat, place.lon, degrees, distance_km)
    extent = _extent(phrase, place)
    uncertainty = table["distance_uncertainty"] * distance_km + extent
    evidence.update({
        "uncertainty_km": round(uncertainty, 1),
        "uncertainty": f"±{table['distance_uncertainty']:.0%} of the distance ({distance_km:.0f} km) plus "
                       f"{extent:g} km for the reference place ({place.name})",
    })
    return Position(round(latitude, 5), round(longitude, 5), "region", text, place.country or country, place,
                    evidence)


def coordinates(text: str) -> tuple[float, float, str] | None:
    """Explicit coordinates in a text (12°34'N 043°21'E, 1234N 04321E, 12.57N 43.35E), or None."""
    for pattern in (_DMS, _PACKED):
        match = pattern.search(text)
        if match:
            latitude = _dms(match.group("lat"), match.group("latm"), match.groupdict().get("lats"))
            longitude = _dms(match.group("lon"), match.group("lonm"), match.groupdict().get("lons"))
            latitude *= -1 if match.group("ns").upper() == "S" else 1
            longitude *= -1 if match.group("ew").upper() == "W" else 1
            if abs(latitude) <= 90 and abs(longitude) <= 180:
                return latitude, longitude, match.group(0)
    for match in _DECIMAL.finditer(text):
        if not (match.group("ns") or match.group("ew") or "," in match.group(0)):
            continue  # two bare decimals with nothing saying they are coordinates
        latitude, longitude = float(match.group("lat")), float(match.group("lon"))
        latitude *= -1 if (match.group("ns") or "N").upper() == "S" else 1
        longitude *= -1 if (match.group("ew") or "E").upper() == "W" else 1
        if abs(latitude) <= 90 and abs(longitude) <= 180:
            return latitude, longitude, match.group(0).strip()
    return None


def _dms(degrees: str, minutes: str | None, seconds: str | None) -> float:
    return float(degrees) + float(minutes or 0) / 60 + float(seconds or 0) / 3600


def bearing_degrees(word: str) -> float | None:
    """A compass bearing in degrees: north 0, NNE 22.5, south-east 135, west-north-west 292.5; None if unread."""
    letters = re.sub(r"[\s-]+", "", word.lower())
    for name, letter in (("north", "n"), ("south", "s"), ("east", "e"), ("west", "w")):
        letters = letters.replace(name, letter)
    return POINTS.index(letters) * 22.5 if letters in POINTS else None


def destination(latitude: float, longitude: float, bearing: float, distance_km: float) -> tuple[float, float]:
    """The point `distance_km` from (latitude, longitude) along the great circle at `bearing` degrees."""
    phi, lam, theta = math.radians(latitude), math.radians(longitude), math.radians(bearing)
    delta = distance_km / EARTH_RADIUS_KM
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    lam2 = lam + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi),
                            math.cos(delta) - math.sin(phi) * math.sin(phi2))
    return math.degrees(phi2), (math.degrees(lam2) + 540) % 360 - 180


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def resolve_place(phrase: str) -> tuple[gazetteer.Place | None, str | None]:
    """The gazetteer place a UKMTO place phrase names ("Umm Qasr, Iraq"), and the country it names.

    A phrase that is only a country ("OMAN") gives no place and that country.
    """
    name, country = _clean_place(phrase)
    if not name:
        return None, country
    if country is None and (named := gazetteer.country(name)) is not None:
        return None, named.code
    alias = _aliases().get(name.casefold())
    candidates = [(alias["name"], alias.get("country") or country)] if alias else []
    candidates += [(name, country)] + [(stripped, country) for stripped in _stripped(name)]
    for candidate, code in candidates:
        place = gazetteer.lookup(candidate, code)
        if place is not None:
            return place, country or place.country
    for candidate, _ in candidates[1:]:
        if (named := gazetteer.country(candidate)) is not None:  # "Port of Bahrain"
            return None, named.code
    return None, country


def _clean_place(phrase: str) -> tuple[str, str | None]:
    """A place phrase as (name, country code): "RAS TANURA Saudi Arabia" -> ("RAS TANURA", "SA")."""
    head, _, rest = phrase.partition(",")
    head = _PLACE_END.sub("", head).strip(" -")
    country = None
    if rest:
        words = re.sub(r"^\s*(?:in\s+)?(?:the\s+)?", "", rest, flags=re.I).split()
        for size in range(min(4, len(words)), 0, -1):
            found = gazetteer.country(" ".join(words[:size]))
            if found is not None:
                country = found.code
                break
    else:
        words = head.split()
        for size in range(min(3, len(words) - 1), 0, -1):
            found = gazetteer.country(" ".join(words[-size:]))
            if found is not None:
                country, head = found.code, " ".join(words[:-size])
                break
    return head, country


def _stripped(name: str) -> list[str]:
    table = _mapping()
    out = []
    for prefix in table["place_prefixes"]:
        if name.lower().startswith(prefix + " "):
            out.append(name[len(prefix) + 1:].strip())
    for suffix in table["place_suffixes"]:
        if name.lower().endswith(" " + suffix.lower()):
            out.append(name[: -len(suffix) - 1].strip())
    return out


def _sea_area_after(phrase: str) -> gazetteer.Place | None:
    """A sea area or waterway named in the rest of a place phrase ("Oman in the Straits of Hormuz")."""
    match = re.search(r"\b(?:in|within)\s+(?:the\s+)?(.+)$", phrase, re.I)
    if not match:
        return None
    place = gazetteer.lookup(match.group(1).strip())
    return place if place is not None and place.kind in ("sea_area", "waterway") else None


def _extent(phrase: str, place: gazetteer.Place) -> float:
    alias = _aliases().get(_clean_place(phrase)[0].casefold())
    if alias and "extent_km" in alias:
        return float(alias["extent_km"])
    return float(_mapping()["reference_extent_km"].get(place.precision, 5))


# --- the words of the advisory ----------------------------------------------------


def munitions(text: str) -> tuple[list[str], int | None]:
    """The munition types a UKMTO text names, and the count it states for them (else None)."""
    kinds = munitions_in(text)
    if not kinds and any(p.search(text) for p in _patterns()["extra_unknown"]):
        kinds = ["unknown"]
    if len(kinds) != 1:
        return kinds, None
    found = set()
    for match in _patterns()["count"].finditer(text):
        if munitions_in(match.group(0)) == kinds or (kinds == ["unknown"] and not munitions_in(match.group(0))):
            word = match.group("number").lower()
            found.add(int(word) if word.isdigit() else _mapping()["numbers"][word])
    return kinds, found.pop() if len(found) == 1 else None


def target(text: str) -> str | None:
    """The target category of the first vessel a UKMTO text names: naval for a warship, else commercial shipping."""
    found = [(match.start(), category) for category, pattern in _patterns()["target"]
             if (match := pattern.search(text))]
    return min(found)[1] if found else None


def _actor(text: str) -> str | None:
    match = _patterns()["actor"].search(text)
    return match.group(0) if match else None


def _words(words: list[str]) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")\b", re.I)


@cache
def _mapping() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("mappings/ukmto.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


@cache
def _aliases() -> dict[str, dict[str, Any]]:
    return {name.casefold(): entry for name, entry in _mapping()["aliases"].items()}


@cache
def _patterns() -> dict[str, Any]:
    table = _mapping()
    numbers = "|".join(sorted(table["numbers"], key=len, reverse=True))
    extra = [w for words in table["munition_words"].values() for w in words]
    nouns = (r"drones?|uavs?|rockets?|missiles?|projectiles?|"
             + "|".join(re.escape(w) for w in sorted(extra, key=len, reverse=True)))
    return {
        "extra_unknown": [_words(table["munition_words"]["unknown"])],
        "count": re.compile(rf"(?<![\w-])(?P<number>{numbers}|\d+)\s+(?:[\w-]+\s+){{0,3}}?(?:{nouns})\b", re.I),
        "target": [(category, _words(words)) for category, words in table["target_words"].items()],
        "actor": _words(table["actor_words"]),
    }
