"""Countries by ISO code or by any of their names (English, common variants, Arabic)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from salvo.names import normalise


@dataclass(frozen=True)
class Country:
    """A country: ISO 3166-1 alpha-2 and alpha-3 codes and its short English name."""

    code: str
    alpha3: str
    name: str


@cache
def _index() -> tuple[dict[str, Country], dict[str, Country]]:
    """Countries by alpha-2 code and by normalised name, built once from pycountry and countries.yaml."""
    import pycountry

    by_code: dict[str, Country] = {}
    by_name: dict[str, Country] = {}
    for record in pycountry.countries:
        entry = Country(record.alpha_2, record.alpha_3, getattr(record, "common_name", record.name))
        by_code[entry.code] = entry
        for name in (record.name, getattr(record, "common_name", None), getattr(record, "official_name", None)):
            if name:
                by_name.setdefault(normalise(name), entry)
    extra = yaml.safe_load(resources.files(__package__).joinpath("countries.yaml").read_text("utf-8"))
    for code, names in (extra or {}).items():
        entry = by_code[code]
        if names and names[0]:
            by_code[code] = entry = Country(entry.code, entry.alpha3, names[0])
        for name in names or ():
            by_name[normalise(name)] = entry
    # Keep name entries pointing at the renamed records.
    for key, entry in list(by_name.items()):
        by_name[key] = by_code[entry.code]
    return by_code, by_name


def country(text: str | None) -> Country | None:
    """The country named or coded by `text` (alpha-2, alpha-3 or a name), or None."""
    if not text:
        return None
    by_code, by_name = _index()
    stripped = text.strip()
    if len(stripped) == 2 and stripped.isalpha() and stripped.upper() in by_code:
        return by_code[stripped.upper()]
    if len(stripped) == 3 and stripped.isalpha() and stripped.isupper():
        for entry in by_code.values():
            if entry.alpha3 == stripped:
                return entry
    return by_name.get(normalise(stripped))


def countries() -> list[Country]:
    """Every country, ordered by code."""
    return sorted(_index()[0].values(), key=lambda c: c.code)
