"""The gazetteer: curated sites, GeoNames towns and countries, looked up exactly by name."""

from __future__ import annotations

import pytest

from salvo import gazetteer


@pytest.mark.parametrize("spelling", ["Ain al-Asad", "Ayn al-Asad air base", "Al Asad Air Base", "AIN AL ASAD"])
def test_site_aliases(spelling):
    assert gazetteer.lookup(spelling).id == "ain_al_asad_air_base"


def test_curated_sites_cover_the_theatre():
    sites = gazetteer.sites()
    assert len(sites) >= 60
    ids = {s.id for s in sites}
    assert {"tower_22", "al_tanf_garrison", "abqaiq", "eilat", "bab_el_mandeb", "red_sea"} <= ids
    for site in sites:
        assert site.source, f"{site.id} has no note of where its coordinates come from"
        assert site.lat is None or -90 <= site.lat <= 90
    assert gazetteer.site("red_sea").country is None


def test_towns_come_from_geonames_most_populous_first():
    erbil = gazetteer.lookup("Irbil")
    assert (erbil.country, erbil.precision) == ("IQ", "city")
    assert erbil.lat == pytest.approx(36.19, abs=0.05) and erbil.lon == pytest.approx(44.01, abs=0.05)
    assert gazetteer.lookup("صنعاء").country == "YE"


def test_lookup_is_exact_never_a_substring():
    assert gazetteer.lookup("Erbil").country == "IQ"
    assert gazetteer.lookup("Asad airbase near nowhere") is None
    assert gazetteer.lookup("") is None


def test_country_restricts_towns():
    assert all(p.country == "SY" for p in gazetteer.places_named("Tadmur", "SY"))


@pytest.mark.parametrize("text, code", [
    ("IQ", "IQ"), ("IRQ", "IQ"), ("Iraq", "IQ"), ("العراق", "IQ"), ("West Bank and Gaza Strip", "PS"),
    ("UAE", "AE"), ("Türkiye", "TR"), ("Syria", "SY"), ("Iran", "IR"),
])
def test_countries(text, code):
    assert gazetteer.country(text).code == code


def test_place_by_id_finds_sites_and_towns():
    assert gazetteer.place_by_id("tower_22").country == "JO"
    town = gazetteer.lookup("Irbil")
    assert gazetteer.place_by_id(town.id) == town
