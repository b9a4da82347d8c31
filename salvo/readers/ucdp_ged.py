"""UCDP Georeferenced Event Dataset (GED) CSV, as UCDP and the Humanitarian Data Exchange publish it.

Where to get it: https://ucdp.uu.se/downloads/ (GED, CSV) or a country file on
HDX. HDX files carry an HXL hashtag row under the header; it is recognised and
skipped. Each row becomes a report keyed by UCDP's event ``id``:

* ``date_start`` with UCDP's ``date_prec`` (1 exact day; 2-3 within a week;
  4 within a month; 5 within a year) as Salvo's date precision;
* ``latitude``/``longitude`` with ``where_prec`` (1 exact; 2 within 25 km, a
  town; 3-5 an administrative area or a line; 6 the country; 7 at sea) as the
  location precision;
* ``best`` fatalities as killed (``low``/``high`` kept in the raw row);
* the actor: the perpetrator of one-sided violence (``side_a``), else the
  non-government side of the dyad;
* munition types from the words of the source headlines (GED has no weapon
  field), with no count;
* each ``;``-separated source (office, date, headline) as a source of its own.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from salvo import gazetteer
from salvo.readers import actor_names
from salvo.readers.errors import RowError
from salvo.readers.report_rows import csv_dicts, munition_records, whole_number
from salvo.readers.scope import in_scope
from salvo.readers.words import munitions_in
from salvo.records import ReportRecord

FORMAT = "ucdp-ged"
REQUIRED = ("id", "date_start", "date_prec", "where_prec", "latitude", "longitude", "side_a", "side_b", "best")
DATE_PRECISION = {"1": "day", "2": "week", "3": "week", "4": "month", "5": "year"}
# Only a place located to the town (where_prec 1 exact, 2 within 25 km) is looked up by name.
PLACED = ("1", "2")
_KIND_SUFFIX = re.compile(r"\s+(?:town|city|village|district|province|governorate)$", re.I)
LOCATION_PRECISION = {"1": "exact", "2": "city", "3": "region", "4": "region", "5": "region", "6": "country",
                      "7": "region"}


def detect(header: list[str]) -> bool:
    """Whether a CSV header is UCDP GED's."""
    return {"date_prec", "where_prec", "side_a", "best"} <= set(header)


def read(path: Path) -> Iterator[ReportRecord | RowError]:
    """Each event of a GED file as a report, or a RowError for a row that cannot be read."""
    for number, row in csv_dicts(Path(path), REQUIRED, "UCDP GED"):
        if not _is_hxl(row):
            yield _report(str(path), number, row)


def _is_hxl(row: dict[str, str]) -> bool:
    return any((value or "").startswith("#") for value in row.values())


def _report(file: str, number: int, row: dict[str, str]) -> ReportRecord | RowError:
    try:
        date = dt.date.fromisoformat(row["date_start"][:10])
    except ValueError:
        return RowError(file, number, "date_start", row["date_start"], "not a date (YYYY-MM-DD)")
    try:
        latitude = float(row["latitude"]) if row["latitude"] else None
        longitude = float(row["longitude"]) if row["longitude"] else None
    except ValueError:
        return RowError(file, number, "latitude", row["latitude"], "not a number")
    precision = DATE_PRECISION.get(row["date_prec"])
    if precision is None:
        return RowError(file, number, "date_prec", row["date_prec"], "not a UCDP date precision (1-5)")
    if precision == "month":
        date = date.replace(day=1)
    elif precision == "year":
        date = date.replace(month=1, day=1)
    country = gazetteer.country(row.get("iso3") or row.get("country"))
    actor_name = _actor(row)
    actor_id = actor_names.resolve(actor_name, _actor_table())
    headlines = row.get("source_headline") or ""
    munitions = munitions_in(f"{headlines} {row.get('source_article') or ''}")
    sources = _sources(row)
    code = country.code if country else None
    return ReportRecord(
        FORMAT, row["id"], row_number=number, raw=dict(row),
        date=date, date_precision=precision, country=code, location=row.get("where_coordinates") or None,
        place_id=_place_id(row.get("where_coordinates"), code) if row["where_prec"] in PLACED else None,
        latitude=latitude, longitude=longitude, location_precision=LOCATION_PRECISION.get(row["where_prec"]),
        actor_name=actor_name, actor_id=actor_id, attribution=None, killed=whole_number(row.get("best")),
        outlet=sources[0]["office"] if sources else None, munitions=munition_records(munitions),
        evidence={"sources": sources}, text=headlines or None,
        in_scope=in_scope(munitions=munitions, actor_id=actor_id, target_category=None, country=code),
    )


@cache
def _place_id(where: str | None, country: str | None) -> str | None:
    """The gazetteer place UCDP's ``where_coordinates`` names ("Ramādī town", "Baghdād city"), if it knows it."""
    if not where:
        return None
    name = _KIND_SUFFIX.sub("", where.strip())
    place = gazetteer.lookup(name, country)
    return place.id if place else None


@cache
def _actor_table() -> dict[str, str]:
    text = resources.files(__package__).joinpath("mappings/ucdp.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["actors"]


def _actor(row: dict[str, str]) -> str | None:
    if row.get("type_of_violence") == "3":
        return row.get("side_a") or None
    side_a, side_b = row.get("side_a") or "", row.get("side_b") or ""
    return (side_b if side_a.startswith("Government of") else side_a) or None


def _sources(row: dict[str, str]) -> list[dict[str, str]]:
    """One entry per source: UCDP joins offices, dates and headlines with ';' in parallel."""
    columns = [(row.get(name) or "").split(";") for name in ("source_office", "source_date", "source_headline")]
    count = max(len(c) for c in columns)
    return [
        {"office": _at(columns[0], i), "date": _at(columns[1], i), "headline": _at(columns[2], i)}
        for i in range(count) if any(_at(c, i) for c in columns)
    ]


def _at(values: list[str], index: int) -> str:
    return values[index].strip() if index < len(values) else ""
