"""The codebook: vocabularies and actors as data, aliases resolving exactly."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from salvo import codebook
from salvo.codebook.limits import parse as parse_limits
from salvo.render import codebook_markdown

DESIGN_VOCABULARIES = {
    "munition_type": ["uav", "rocket", "mortar", "ballistic_missile", "cruise_missile", "anti_ship_missile",
                      "ied", "small_arms", "unknown"],
    "target_category": ["us_military", "us_diplomatic", "partner_military", "partner_government", "civilian",
                        "commercial_shipping", "naval", "other"],
    "attribution": ["claimed", "attributed_by_officials", "suspected", "denied", "unknown"],
}


@pytest.mark.parametrize("name", DESIGN_VOCABULARIES)
def test_vocabularies_hold_the_designed_codes(name):
    assert list(codebook.vocabulary(name).codes) == DESIGN_VOCABULARIES[name]


def test_every_term_is_defined():
    for vocab in codebook.vocabularies().values():
        for term in vocab.terms:
            assert term.label and len(term.definition) > 10, (vocab.name, term.code)


@pytest.mark.parametrize("spelling, actor_id", [
    ("Kata'ib Hizballah", "kataib_hezbollah"),
    ("KH", "kataib_hezbollah"),
    ("كتائب حزب الله", "kataib_hezbollah"),
    ("the Houthis", "ansar_allah"),
    ("Houthi extremists (Ansar Allah)", "ansar_allah"),
    ("Asa'ib Ahl al-Haq", "asaib_ahl_al_haq"),
    ("Islamic State of Iraq and the Levant (ISIL)", "islamic_state"),
])
def test_aliases_resolve(spelling, actor_id):
    assert codebook.actors().resolve(spelling).id == actor_id


def test_actor_list_covers_the_theatre():
    actors = codebook.actors()
    assert len(actors) >= 30
    iran_linked = {a.id for a in actors if a.affiliation == "iran_linked"}
    assert {"kataib_hezbollah", "ansar_allah", "hezbollah", "irgc", "islamic_resistance_in_iraq"} <= iran_linked
    assert actors.get("islamic_state").affiliation == "salafi_jihadist"
    assert "irgc" in actors.ancestors("irgc_quds_force")


def test_no_substring_matches():
    assert codebook.actors().resolve("Hezbollah Brigades of the North") is None


def test_docs_codebook_is_in_step_with_the_data():
    path = Path(__file__).resolve().parents[2] / "docs" / "codebook.md"
    assert path.read_text(encoding="utf-8") == codebook_markdown(), "run `make docs` to regenerate docs/codebook.md"


def test_limits_are_data_and_keep_every_total_inside_64_bits():
    limits = codebook.limits()
    assert limits.max_count == 100_000 and limits.earliest_date == dt.date(1900, 1, 1)
    assert limits.max_count * 1_000_000 * len(codebook.vocabulary("munition_type").codes) < 2**63
    assert limits.max_count < 2**31  # the integer columns of PostgreSQL are 32-bit


def test_the_latest_date_is_today_on_the_clock_furthest_ahead():
    latest = codebook.limits().latest_date()
    assert dt.datetime.now(dt.UTC).date() <= latest <= dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)


@pytest.mark.parametrize("data, key", [
    ({"max_count": 0, "earliest_date": dt.date(1900, 1, 1), "latest_date": "today"}, "max_count"),
    ({"max_count": 2**31, "earliest_date": dt.date(1900, 1, 1), "latest_date": "today"}, "max_count"),
    ({"max_count": "lots", "earliest_date": dt.date(1900, 1, 1), "latest_date": "today"}, "max_count"),
    ({"max_count": 10, "earliest_date": "long ago", "latest_date": "today"}, "earliest_date"),
    ({"max_count": 10, "earliest_date": dt.date(1900, 1, 1), "latest_date": "soon"}, "latest_date"),
])
def test_limits_out_of_shape_name_their_key(data, key):
    with pytest.raises(ValueError, match=f"limits.{key}"):
        parse_limits(data)
