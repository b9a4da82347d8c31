"""The reference places UKMTO advisories measure from, curated in sites.yaml, found under UKMTO's spellings."""

from __future__ import annotations

import pytest

from salvo import gazetteer
from salvo.readers import ukmto

# (UKMTO's words, site id, country, a GeoNames town or site nearby, how far from it the site may be in km)
UKMTO_PLACES = [
    ("Mina Saqr, United Arab Emirates", "saqr_port", "AE", ("Ras Al Khaimah", "AE"), 35),
    ("Ras Laffan, Qatar", "ras_laffan", "QA", ("Al Khawr", "QA"), 40),
    ("Sirik, Iran", "sirik", "IR", ("Minab", "IR"), 90),
    ("Ras Al Hadd, Oman", "ras_al_hadd", "OM", ("Sur", "OM"), 60),
    ("Garacad, Somalia", "garacad", "SO", ("Eyl", "SO"), 160),
]


@pytest.mark.parametrize(("phrase", "site_id", "country", "near", "within_km"), UKMTO_PLACES)
def test_ukmto_reference_places_resolve_to_curated_sites(phrase, site_id, country, near, within_km):
    place, code = ukmto.resolve_place(phrase)
    assert place is not None and place.id == site_id and code == country
    assert place.country == country and place.kind != "town" and not place.hosts_us_forces
    assert place.source and place.lat is not None and place.lon is not None
    town = gazetteer.lookup(*near)
    assert town is not None and town.country == country
    assert ukmto.distance_km(place.lat, place.lon, town.lat, town.lon) < within_km


def test_site_names_and_aliases_stay_unique_and_known_gaps_stay_gaps():
    sites = {site.id: site for site in gazetteer.sites()}
    assert {"saqr_port", "ras_laffan", "sirik", "ras_al_hadd", "garacad"} <= set(sites)
    assert gazetteer.lookup("Ras Laffan").id == "ras_laffan" and gazetteer.lookup("Mina Saqr").id == "saqr_port"
    assert gazetteer.lookup("Garaad") is None  # a Somali title as well as the town's other name: no alias
    # Mareeyo (an advisory of April 2026, Somalia) has no public coordinates we could check: not curated.
    assert ukmto.resolve_place("Mareeyo, Somalia") == (None, "SO")
