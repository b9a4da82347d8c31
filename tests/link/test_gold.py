"""The news gold as reports and true clusters: hand-made gold files, then the real set in ../shared/data."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import pytest

from salvo.link.gold import gold_reports, location_names, parse_date, resolve_actor, resolve_place, true_clusters
from salvo.link.metrics import pairwise
from tests.conftest import shared


def _incident(**values):
    base = {"date": None, "date_precision": None, "country": None, "location": None, "target": None,
            "target_category": "other", "munition_types": ["unknown"], "projectile_count": None,
            "intercepted_count": None, "perpetrator": None, "attribution": "unknown", "casualties_killed": None,
            "casualties_injured": None, "same_incident_as": [], "mention": "main"}
    return {**base, **values}


def _write_gold(path: Path, *articles: dict) -> Path:
    path.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    return path


@pytest.fixture
def tiny_gold(tmp_path):
    """Three articles, five incidents; a01#0, a02#0 and a03#0 are one event, split over two cluster files."""
    gold = _write_gold(
        tmp_path / "gold.jsonl",
        {"id": "a01", "url": "https://www.example.com/x", "publication_date": "2021-07-05", "relevant": True,
         "incidents": [
             _incident(date="2021-07-05", date_precision="day", country="Iraq", location="Ain al-Asad airbase, Anbar province",
                       target="the base", target_category="us_military", munition_types=["rocket"],
                       projectile_count=3, intercepted_count=1, perpetrator="Kata'ib Hezbollah", attribution="suspected",
                       casualties_killed=0, casualties_injured=2, same_incident_as=["a02"]),
             _incident(date="2021-05", date_precision="month", country="Iraq", location="Erbil",
                       munition_types=["uav", "rocket"], projectile_count=4, mention="background")]},
        {"id": "a02", "url": None, "publication_date": "2021-07", "relevant": True,
         "incidents": [_incident(country="Iraq", location="Ain al-Asad air base", munition_types=["rocket"])]},
        {"id": "a03", "url": None, "publication_date": None, "relevant": True,
         "incidents": [
             _incident(date="2021", date_precision="year", country="Iraq", location="Ain al-Asad"),
             _incident(location="southern Red Sea", perpetrator="Yemen’s Houthi rebels")]},
    )
    first = tmp_path / "clusters.json"
    first.write_text(json.dumps({"asad_20210705": ["a01#0", "a02#0"]}), encoding="utf-8")
    second = tmp_path / "more_clusters.json"
    second.write_text(json.dumps({"asad_20210705": ["a02#0", "a03#0", "z99#0"]}), encoding="utf-8")
    return gold, [first, second]


def test_every_incident_is_one_report_in_order(tiny_gold):
    gold, clusters = tiny_gold
    records, truth = gold_reports([gold], clusters)
    assert [r.row_key for r in records] == ["a01#0", "a01#1", "a02#0", "a03#0", "a03#1"]
    assert {r.dataset for r in records} == {"news"}
    assert [r.row_number for r in records] == [1, 1, 2, 3, 3]


def test_truth_is_the_union_of_the_cluster_files(tiny_gold):
    """a01#0 and a02#0 are in the first file, a02#0 and a03#0 in the second under the same key: one event of
    three; a member of no loaded article (z99#0) is ignored; the others are singletons under their own key."""
    gold, clusters = tiny_gold
    _, truth = gold_reports([gold], clusters)
    assert truth == ["asad_20210705", "a01#1", "asad_20210705", "asad_20210705", "a03#1"]
    assert pairwise(truth, truth)["true_pairs"] == 3


def test_cluster_files_default_to_the_one_beside_the_gold(tiny_gold):
    gold, _ = tiny_gold
    _, truth = gold_reports([gold])
    assert truth == ["asad_20210705", "a01#1", "asad_20210705", "a03#0", "a03#1"]


def test_an_incident_under_two_keys_joins_the_two_events(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(json.dumps({"b": ["x#0", "x#1"], "a": ["x#1", "y#0"], "c": ["z#0", "z#1"]}), encoding="utf-8")
    assert true_clusters([path]) == {"x#0": "a", "x#1": "a", "y#0": "a", "z#0": "c", "z#1": "c"}


def test_report_values(tiny_gold):
    gold, clusters = tiny_gold
    main, background, undated, year_only, at_sea = gold_reports([gold], clusters)[0]
    assert main.published_at == dt.date(2021, 7, 5) and main.date == dt.date(2021, 7, 5)
    assert main.date_precision == "day"
    assert main.evidence == {"article": "a01", "mention": "main", "published_precision": "day"}
    assert main.url == "https://www.example.com/x" and main.outlet == "example.com"
    assert main.country == "IQ"
    assert (main.place_id, main.location_precision) == ("ain_al_asad_air_base", "site")
    assert main.latitude is not None and main.longitude is not None
    assert main.actor_id == "kataib_hezbollah" and main.actor_name == "Kata'ib Hezbollah"
    assert main.attribution == "suspected" and (main.killed, main.injured) == (0, 2)
    assert main.target == "the base" and main.target_category == "us_military"
    assert main.text is None  # the gold has no free text: location and target are compared as places
    assert [(m.munition_type, m.count, m.intercepted) for m in main.munitions] == [("rocket", 3, 1)]
    assert main.raw is None  # same_incident_as (the answer) is not carried


def test_month_and_year_dates_and_several_munition_types(tiny_gold):
    gold, clusters = tiny_gold
    _, background, undated, year_only, _ = gold_reports([gold], clusters)[0]
    assert (background.date, background.date_precision) == (dt.date(2021, 5, 1), "month")
    assert background.evidence["mention"] == "background"
    # With two types the gold's count is a total that belongs to neither line.
    assert [(m.munition_type, m.count) for m in background.munitions] == [("uav", None), ("rocket", None)]
    assert (background.place_id, background.location_precision) == ("geonames:95446", "city")
    assert undated.date is None and undated.date_precision is None
    assert undated.published_at == dt.date(2021, 7, 1) and undated.evidence["published_precision"] == "month"
    assert (year_only.date, year_only.date_precision) == (dt.date(2021, 1, 1), "year")
    assert year_only.published_at is None and "published_precision" not in year_only.evidence


def test_a_sea_area_resolves_without_a_country(tiny_gold):
    gold, clusters = tiny_gold
    at_sea = gold_reports([gold], clusters)[0][-1]
    assert at_sea.country is None
    assert (at_sea.place_id, at_sea.location_precision) == ("red_sea", "region")
    assert at_sea.actor_id == "ansar_allah"
    assert at_sea.location == "southern Red Sea" and at_sea.text is None


def test_parse_date():
    assert parse_date("2024-01-28") == (dt.date(2024, 1, 28), "day")
    assert parse_date("2022-08") == (dt.date(2022, 8, 1), "month")
    assert parse_date("2020") == (dt.date(2020, 1, 1), "year")
    assert parse_date(None) == (None, None)
    with pytest.raises(ValueError):
        parse_date("28 Jan 2024")


def test_location_names_try_the_whole_then_the_parts():
    assert location_names("Baghdad (Green Zone)")[:3] == ["Baghdad (Green Zone)", "Baghdad", "Green Zone"]
    assert location_names("area of Dammam")[-1] == "Dammam"
    assert location_names(None) == [] and location_names("  ") == []


@pytest.mark.parametrize(("location", "country", "place_id"), [
    ("Green Zone, Baghdad", "IQ", "green_zone"),  # the first part, the more specific, wins
    ("near the Green Zone, Baghdad", "IQ", "green_zone"),
    ("Bab el-Mandeb Strait", None, "bab_el_mandeb"),
    ("Red Sea (outside Israeli territory)", "IL", "red_sea"),  # a country-less site qualifies in any country
    ("Majdal Shams, Golan Heights", "IL", "majdal_shams"),  # a curated site coded to another country
    ("Khor Mor gasfield", "IQ", "khor_mor_gas_field"),
    ("two air bases", "IQ", None),
])
def test_resolve_place(location, country, place_id):
    place = resolve_place(location, country)
    assert (place.id if place else None) == place_id


def test_a_town_is_not_taken_from_another_country():
    assert resolve_place("Erbil", "SY") is None


def test_resolve_actor_drops_descriptions_but_stays_exact():
    assert resolve_actor("Kataib Hezbollah militia").id == "kataib_hezbollah"
    assert resolve_actor("Iranian-backed militias, known as popular mobilization units").id == "iran_backed_militias"
    assert resolve_actor("Iran-backed forces") is None
    assert resolve_actor(None) is None


def test_the_real_gold_sets():
    """Both batches: 163 incidents, 62 true pairs; the first batch alone: 78 and 31."""
    news, more = shared("news"), shared("news-more")
    records, truth = gold_reports([news / "gold.jsonl", more / "gold.jsonl"])
    assert len(records) == 163
    assert pairwise(truth, truth)["true_pairs"] == 62
    assert len({r.row_key for r in records}) == 163
    first, first_truth = gold_reports([news / "gold.jsonl"], [news / "clusters.json"])
    assert (len(first), pairwise(first_truth, first_truth)["true_pairs"]) == (78, 31)


def test_real_gold_places_mostly_resolve():
    """Most coded locations name a gazetteer place (144 of 154 when written); a drop means a gazetteer regression."""
    news, more = shared("news"), shared("news-more")
    records, _ = gold_reports([news / "gold.jsonl", more / "gold.jsonl"])
    located = [r for r in records if r.location]
    resolved = [r for r in located if r.place_id]
    assert len(resolved) >= 0.9 * len(located)
    assert Counter(r.location_precision for r in resolved).keys() <= {"site", "city", "region"}
