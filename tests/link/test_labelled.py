"""Scoring the linker on hand-labelled cross-dataset pairs (salvo.link.labelled).

The hand-made test builds a store of three reports (an ACLED row and a
GTD-derived row of one drone attack, and a GTD row of another) and scores
two labelled pairs. The real-data test runs both label files on the shared
data and checks the shape of the result and the pair counts, not the scores.
"""

from __future__ import annotations

import pytest

from salvo.link.labelled import LABELS, Label, LabelError, evaluate_cross_dataset, read_labels, score_store
from tests.conftest import shared
from tests.link.reports import AIN_AL_ASAD, TOWER_22, add, report

METHODS = {"salvo", "meltt", "one_per_day"}
SCORES = {"precision", "recall", "f1", "pairs", "true_positives", "false_positives", "false_negatives",
          "true_negatives"}


def three_reports(store) -> None:
    """ACLED A1 and GTD-derived row 3 tell the Tower 22 attack; GTD G2 is a rocket attack a month later."""
    add(store,
        report("acled", "A1", "2024-01-28", TOWER_22, [("uav", 1)], killed=3, target_category="us_military",
               actor_id="islamic_resistance_in_iraq"),
        report("gtd-iraq-derived", "5f3a9c0d2e1b7a64", "2024-01-28", TOWER_22, [("uav", 1)], killed=3,
               target_category="us_military"),
        report("gtd", "202403020001", "2024-03-02", AIN_AL_ASAD, [("rocket", 4)], target_category="us_military"))


def test_labelled_pairs_are_found_by_key_and_row_number_and_scored_per_method(sqlite_store):
    three_reports(sqlite_store)  # written as rows 2, 3 and 4 of one file
    labels = [Label("acled", "A1", "gtd_iraq_derived", "3", True, date_b="2024-01-28", city_b="Tower 22"),
              Label("acled", "A1", "gtd", "202403020001", False)]
    result = score_store(sqlite_store, labels)
    assert (result["pairs"], result["same"]) == (2, 1)
    assert result["reports"] == {"acled": 1, "gtd": 1, "gtd-iraq-derived": 1}
    assert set(result["methods"]) == METHODS
    salvo = result["methods"]["salvo"]
    assert (salvo["true_positives"], salvo["true_negatives"], salvo["f1"]) == (1, 1, 1.0)
    # One row has no actor: "one attack per actor, munition and place per day" links nothing.
    assert result["methods"]["one_per_day"]["false_negatives"] == 1


def test_explained_pairs_say_why(sqlite_store):
    three_reports(sqlite_store)
    labels = [Label("acled", "A1", "gtd_iraq_derived", "3", True), Label("acled", "A1", "gtd", "202403020001", False)]
    together, apart = score_store(sqlite_store, labels, explain=True)["labelled"]
    assert together["calls"]["salvo"] and together["why"].startswith("linked, p=")
    assert together["levels"]["date"][0] == "same_day"
    assert together["report_a"]["location"] == "Tower 22"
    assert not apart["calls"]["salvo"]
    assert apart["why"] == "not blocked" or apart["why"].startswith("p=")


def test_a_row_number_whose_date_disagrees_with_the_label_is_refused(sqlite_store):
    three_reports(sqlite_store)
    wrong = [Label("acled", "A1", "gtd_iraq_derived", "3", True, date_b="2024-01-29")]
    with pytest.raises(LabelError, match="dated 2024-01-28, the label says 2024-01-29"):
        score_store(sqlite_store, wrong)
    with pytest.raises(LabelError, match="no report of acled"):
        score_store(sqlite_store, [Label("acled", "A9", "gtd", "202403020001", False)])


def test_label_files_hold_the_pairs_their_readme_counts():
    drone = read_labels(LABELS / "drone_db_acled_gtd.csv")
    ucdp = read_labels(LABELS / "ucdp_gtd_iraq_2015_2017.csv")
    assert (len(drone), sum(label.same for label in drone)) == (274, 24)
    assert (len(ucdp), sum(label.same for label in ucdp)) == (146, 26)
    assert {(label.dataset_a, label.dataset_b) for label in ucdp} == {("ucdp", "gtd_iraq_derived")}


def test_both_labelled_sets_are_scored_for_every_method():
    for folder in ("drone-terrorism-db", "ucdp-ged-iraq-hdx", "gtd-iraq-2015-2017-derived"):
        shared(folder)
    results = evaluate_cross_dataset()
    assert set(results) == {"drone_db_acled_gtd", "ucdp_gtd_iraq_2015_2017"}
    expected = {"drone_db_acled_gtd": (274, 24), "ucdp_gtd_iraq_2015_2017": (146, 26)}
    for name, result in results.items():
        assert (result["pairs"], result["same"]) == expected[name]
        assert set(result["methods"]) == METHODS
        for scores in result["methods"].values():
            assert set(scores) == SCORES
            assert scores["pairs"] == result["pairs"]
            assert scores["true_positives"] + scores["false_negatives"] == result["same"]
            assert all(0.0 <= scores[key] <= 1.0 for key in ("precision", "recall", "f1"))
    assert results["drone_db_acled_gtd"]["reports"] == {"acled": 1033, "gtd": 491}
