"""The news gold set as reports, with the true event clusters: the ground truth for scoring the linker.

Every gold incident (``<article id>#<index>``) becomes one
:class:`~salvo.records.ReportRecord` of dataset ``news`` carrying only what
the annotator coded: no article text is read, so a linker scored here is
scored on linkage alone, not on extraction. The place is resolved from the
coded location through the gazetteer, as a reader would do.

The truth is the union of the ``clusters.json`` files: a cluster key present
in several files is one event whose members are the union; an incident named
by no cluster is an event of its own. ``same_incident_as`` is never copied
into a report (it is the answer).

Usage: ``records, truth = gold_reports([news / "gold.jsonl", more / "gold.jsonl"])``
(each file's ``clusters.json`` beside it is taken by default), then score a
linker's labels with :mod:`salvo.link.metrics` or :mod:`salvo.link.evaluate`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from salvo import codebook, gazetteer
from salvo.records import MunitionRecord, ReportRecord

DATASET = "news"

_PRECISION_BY_LENGTH = {4: "year", 7: "month", 10: "day"}
_PARTS = re.compile(r"\s*(?:[,;/()]|\band\b)\s*")
_FILLER = re.compile(
    r"\b(?:near|the|area|areas|towards?|over|outside|inside|around|off|central|complex|town|city of|regions?|"
    r"(?:north|south|east|west|north-?east|north-?west|south-?east|south-?west)(?:ern)?)\b",
    re.IGNORECASE,
)
_KIND = re.compile(r"\b(?:base|air ?base|gas ?field|oil ?field)\b", re.IGNORECASE)
_ACTOR_PREFIX = re.compile(
    r"^(?:(?:the|an?|\w+['’]s|iran(?:ian)?[- ](?:backed|aligned)|pro[- ]iranian|yemeni|rebel|rogue|terrorist)\s+)+",
    re.IGNORECASE,
)
_ACTOR_SUFFIX = re.compile(r"(?:\s+(?:rebels?|militias?|militants|group|movement|forces|fighters|cells))+$",
                           re.IGNORECASE)
_EDGE = re.compile(r"^(?:(?:a|an|of|at|in)\s+)+|(?:\s+(?:of|at|in))+$", re.IGNORECASE)


def gold_reports(gold_files: list[Path], cluster_files: list[Path] | None = None) -> tuple[list[ReportRecord], list[str]]:
    """Every gold incident of `gold_files` as a report, and its true cluster label, in the same order.

    `cluster_files` default to the ``clusters.json`` beside each gold file
    (those that exist). A label is the cluster key of the event, or the
    report's own row key (``n001#1``) when it belongs to no cluster.
    """
    if cluster_files is None:
        cluster_files = [p for p in (Path(g).with_name("clusters.json") for g in gold_files) if p.exists()]
    records = [record for path in gold_files for record in _file_reports(Path(path))]
    membership = true_clusters(cluster_files)
    return records, [membership.get(r.row_key, r.row_key) for r in records]


def true_clusters(cluster_files: Iterable[Path]) -> dict[str, str]:
    """The event each clustered incident belongs to (row key -> cluster key), over the union of the files.

    A key in several files is one event. Should an incident be listed under
    two keys, the two events are one (joined, labelled by the smaller key):
    the clusters of one truth cannot overlap.
    """
    members: dict[str, set[str]] = {}
    for path in cluster_files:
        for key, rows in json.loads(Path(path).read_text(encoding="utf-8")).items():
            members.setdefault(key, set()).update(rows)
    parent = {key: key for key in members}

    def root(key: str) -> str:
        while parent[key] != key:
            parent[key] = key = parent[parent[key]]
        return key

    owner: dict[str, str] = {}
    for key in sorted(members):
        for row in members[key]:
            if row in owner:
                a, b = sorted((root(owner[row]), root(key)))
                parent[b] = a
            else:
                owner[row] = key
    return {row: root(key) for row, key in owner.items()}


def _file_reports(path: Path) -> Iterator[ReportRecord]:
    for line_number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip():
            article = json.loads(line)
            for index, incident in enumerate(article.get("incidents") or ()):
                yield incident_report(article, index, incident, row_number=line_number)


def incident_report(article: dict[str, Any], index: int, incident: dict[str, Any],
                    row_number: int | None = None) -> ReportRecord:
    """One gold incident of one article as a report (see the module docstring for what is kept)."""
    published, published_precision = parse_date(article.get("publication_date"))
    date, shape_precision = parse_date(incident.get("date"))
    found = gazetteer.country(incident.get("country"))
    country = found.code if found else None
    place = resolve_place(incident.get("location"), country)
    actor = resolve_actor(incident.get("perpetrator"))
    evidence: dict[str, Any] = {"article": article["id"], "mention": incident.get("mention")}
    if published_precision:
        evidence["published_precision"] = published_precision
    url = article.get("url")
    return ReportRecord(
        dataset=DATASET, row_key=f"{article['id']}#{index}", url=url, outlet=_outlet(url),
        published_at=published, date=date,
        date_precision=(incident.get("date_precision") or shape_precision) if date else None,
        country=country, location=incident.get("location"),
        place_id=place.id if place else None,
        latitude=place.lat if place else None, longitude=place.lon if place else None,
        location_precision=location_precision(incident.get("location"), country, place),
        target=incident.get("target"), target_category=incident.get("target_category"),
        actor_id=actor.id if actor else None, actor_name=incident.get("perpetrator"),
        attribution=incident.get("attribution"),
        killed=incident.get("casualties_killed"), injured=incident.get("casualties_injured"),
        munitions=munition_lines(incident), evidence=evidence,
        text=None,  # the gold has no free text of its own: location and target are compared as places
        row_number=row_number,
    )


def parse_date(text: str | None) -> tuple[dt.date | None, str | None]:
    """A gold date (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``) as the first day it covers, and its precision.

    >>> parse_date("2021-05"), parse_date("2020")[1], parse_date(None)
    ((datetime.date(2021, 5, 1), 'month'), 'year', (None, None))
    """
    if not text:
        return None, None
    text = text.strip()
    precision = _PRECISION_BY_LENGTH.get(len(text))
    if precision is None:
        raise ValueError(f"not a gold date: {text!r}")
    year, month, day = (int(part) for part in (text + "-01-01")[:10].split("-"))
    return dt.date(year, month, day), precision


def munition_lines(incident: dict[str, Any]) -> list[MunitionRecord]:
    """One line per coded munition type; the counts go on the line only when a single type is coded.

    With several types the gold's counts are totals that cannot be split.
    """
    types = list(dict.fromkeys(incident.get("munition_types") or ()))
    if len(types) == 1:
        return [MunitionRecord(types[0], count=incident.get("projectile_count"),
                               intercepted=incident.get("intercepted_count"))]
    return [MunitionRecord(kind) for kind in types]


def resolve_place(location: str | None, country: str | None = None) -> gazetteer.Place | None:
    """The gazetteer place a coded location names, or None.

    The names of :func:`location_names` are tried in order, first within
    `country` (alpha-2; country-less sites such as sea areas always qualify),
    then, failing that, as curated sites of any country: the gold follows
    the texts ("the Golan Heights is coded Israel") where the gazetteer may
    code a site to another country, and a curated site name is unambiguous.
    A town is never taken from another country.
    """
    names = location_names(location)
    for name in names:
        if (place := gazetteer.lookup(name, country)) is not None:
            return place
    if country:
        for name in names:
            sites = [p for p in gazetteer.places_named(name) if p.kind != "town"]
            if sites:
                return sites[0]
    return None


def resolve_actor(name: str | None) -> codebook.Actor | None:
    """The codebook actor a gold perpetrator names, or None.

    The gold keeps the text's wording ("Yemen's Houthi rebels",
    "Kataib Hezbollah militia"), so after the exact name fail, its first
    comma-separated part is tried, then each without descriptive words in
    front (a possessive, "Iran-backed", "the") and then also without a
    generic noun behind ("rebels", "militia", "group"). Still exact lookups
    after normalisation: "Iran-backed forces" names no actor.

    >>> resolve_actor("Yemen’s Iran-aligned Houthis").id, resolve_actor("Iran-backed forces")
    ('ansar_allah', None)
    """
    if not name:
        return None
    tried = []
    for candidate in dict.fromkeys((name.strip(), name.split(",")[0].strip())):
        bare = _ACTOR_PREFIX.sub("", candidate)
        tried += [candidate, bare, _ACTOR_SUFFIX.sub("", bare)]
    for candidate in dict.fromkeys(tried):
        if candidate and (actor := codebook.actors().resolve(candidate)) is not None:
            return actor
    return None


def location_precision(location: str | None, country: str | None, place: gazetteer.Place | None) -> str | None:
    """The place's own precision (a site's, ``city`` for a town); ``country`` when the text names only the country."""
    if place is not None:
        return place.precision
    named = gazetteer.country(location.strip()) if location else None
    return "country" if named is not None and named.code == country else None


def location_names(location: str | None) -> list[str]:
    """The names tried for a location text, in order (see :func:`resolve_place`).

    The whole text, then its comma-, slash-, semicolon-, bracket- or
    "and"-separated parts in order (the first part is usually the most
    specific: "Green Zone, Baghdad"), each as written, then with filler words
    stripped ("near", "the", "area", "towards", compass words), then also
    without a facility word ("base", "gasfield", "oil field").

    >>> location_names("near the Green Zone, Baghdad")
    ['near the Green Zone, Baghdad', 'Green Zone, Baghdad', 'near the Green Zone', 'Green Zone', 'Baghdad']
    >>> location_names("near the base at Al-Tanf")[-1]
    'Al-Tanf'
    """
    if not location or not location.strip():
        return []
    whole = location.strip()
    names = []
    for part in (whole, *_PARTS.split(whole)):
        plain = _clean(_FILLER.sub(" ", part))
        names += [part, plain, _clean(_KIND.sub(" ", plain))]
    return [name for name in dict.fromkeys(names) if name]


def _clean(name: str) -> str:
    name = re.sub(r"\s+", " ", name).strip(" '\"‘’")
    return _EDGE.sub("", name).strip()


def _outlet(url: str | None) -> str | None:
    host = urlparse(url).hostname if url else None
    return host.removeprefix("www.") if host else None
