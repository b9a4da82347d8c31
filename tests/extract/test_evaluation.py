"""The extractor on the news development set: regression floors a little below the figures reached."""

from __future__ import annotations

import pytest

from salvo.extract.evaluate import evaluate, same_date
from tests.conftest import shared


def test_date_compared_at_gold_precision():
    assert same_date("2021-05", "month", "2021-05-20")
    assert not same_date("2021-05-20", "day", "2021-05")
    assert same_date(None, None, None) and not same_date(None, None, "2021-05")


@pytest.fixture(scope="module")
def result():
    news = shared("news")
    return evaluate(news / "gold.jsonl", news / "articles")


def test_incident_detection(result):
    assert result["incident"]["f1"] >= 0.87
    assert result["incident_main"]["f1"] >= 0.92
    assert result["negatives"]["with_candidates"] == 0


@pytest.mark.parametrize("name,floor", [("date", 0.91), ("munition_types", 0.96), ("projectile_count", 0.96),
                                        ("place", 0.89), ("target_category", 0.87), ("attribution", 0.82)])
def test_field_accuracy_on_matched_main_incidents(result, name, floor):
    assert result["fields_main"][name] >= floor


@pytest.mark.parametrize("name,floor", [("date", 0.86), ("munition_types", 0.91), ("projectile_count", 0.95),
                                        ("place", 0.88), ("target_category", 0.84), ("attribution", 0.76)])
def test_field_accuracy_on_all_matched_incidents(result, name, floor):
    assert result["fields"][name] >= floor
