"""Pairwise, B-cubed and labelled-pair scores: worked examples, the edge conventions, and properties."""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import pytest
from hypothesis import given, strategies as st

from salvo.link.metrics import bcubed, f1, labelled_pairs, pairwise


def test_pairwise_worked_example():
    """Truth {1,2,3} {4,5}; predicted {1,2} {3,4,5}.

    True pairs: 3 + 1 = 4. Predicted pairs: 1 + 3 = 4. Correct: (1,2) and
    (4,5) = 2. Precision 2/4, recall 2/4, F1 1/2.
    """
    score = pairwise(["a", "a", "a", "b", "b"], ["x", "x", "y", "y", "y"])
    assert score == {"precision": 0.5, "recall": 0.5, "f1": 0.5,
                     "true_pairs": 4, "predicted_pairs": 4, "correct_pairs": 2}


def test_pairwise_uneven_example():
    """Truth {1,2,3,4} {5}; predicted {1,2} {3} {4,5}: 6 true pairs, 2 predicted, 1 correct."""
    score = pairwise([0, 0, 0, 0, 1], [7, 7, 8, 9, 9])
    assert (score["true_pairs"], score["predicted_pairs"], score["correct_pairs"]) == (6, 2, 1)
    assert score["precision"] == 0.5
    assert score["recall"] == pytest.approx(1 / 6)
    assert score["f1"] == pytest.approx(2 * 0.5 * (1 / 6) / (0.5 + 1 / 6))


def test_pairwise_labels_are_only_names():
    """Only who is together counts: the same partition under other names scores the same."""
    assert pairwise([1, 1, 2], ["p", "p", "q"]) == pairwise(["z", "z", "y"], [5, 5, 6])


def test_no_predicted_pairs_against_true_pairs_scores_zero():
    """All singletons while links exist: precision 0 by convention (not a vacuous 1.0), recall 0, F1 0."""
    score = pairwise(["a", "a", "b"], [1, 2, 3])
    assert (score["precision"], score["recall"], score["f1"]) == (0.0, 0.0, 0.0)
    assert (score["true_pairs"], score["predicted_pairs"]) == (1, 0)


def test_no_pairs_on_either_side_is_perfect():
    """Truth and prediction both all singletons: they agree, so 1.0 throughout."""
    score = pairwise(["a", "b", "c"], [1, 2, 3])
    assert (score["precision"], score["recall"], score["f1"]) == (1.0, 1.0, 1.0)


def test_predicted_pairs_without_true_pairs():
    """Pairs predicted where none exist: precision 0; recall 0 too (nothing true was found, and something was claimed)."""
    score = pairwise(["a", "b", "c"], [1, 1, 2])
    assert (score["precision"], score["recall"], score["f1"]) == (0.0, 0.0, 0.0)


def test_empty_labellings():
    assert pairwise([], [])["f1"] == 1.0
    assert bcubed([], []) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}


def test_misaligned_labellings_are_refused():
    with pytest.raises(ValueError, match="align"):
        pairwise([1, 2], [1])
    with pytest.raises(ValueError, match="align"):
        bcubed([1], [1, 2])


def test_bcubed_worked_example():
    """Truth {1,2,3} {4,5}; predicted {1,2} {3,4,5}.

    Precision per report: 1: 2/2, 2: 2/2, 3: 1/3, 4: 2/3, 5: 2/3 -> mean 11/15.
    Recall per report: 1: 2/3, 2: 2/3, 3: 1/3, 4: 2/2, 5: 2/2 -> mean 11/15.
    """
    score = bcubed(["a", "a", "a", "b", "b"], ["x", "x", "y", "y", "y"])
    assert score["precision"] == pytest.approx(11 / 15)
    assert score["recall"] == pytest.approx(11 / 15)
    assert score["f1"] == pytest.approx(11 / 15)


def test_bcubed_all_singletons_and_one_cluster():
    """Truth {1,2} {3}. All singletons: precision 1, recall (1/2+1/2+1)/3 = 2/3.
    One cluster: precision (2/3+2/3+1/3)/3 = 5/9, recall 1."""
    truth = ["a", "a", "b"]
    singletons = bcubed(truth, [1, 2, 3])
    assert singletons["precision"] == 1.0 and singletons["recall"] == pytest.approx(2 / 3)
    lumped = bcubed(truth, [0, 0, 0])
    assert lumped["precision"] == pytest.approx(5 / 9) and lumped["recall"] == 1.0


def test_f1_of_zeros_is_zero():
    assert f1(0.0, 0.0) == 0.0
    assert f1(1.0, 0.5) == pytest.approx(2 / 3)


def test_labelled_pairs_counts_each_outcome():
    """Pairs (a, b, truly same) of integers, decided 'same' when within 1.

    (1,2,T) hit, (1,5,T) miss, (3,4,F) false alarm, (1,9,F) correct rejection,
    (7,7,T) hit: precision 2/3, recall 2/3.
    """
    pairs = [(1, 2, True), (1, 5, True), (3, 4, False), (1, 9, False), (7, 7, True)]
    score = labelled_pairs(pairs, lambda a, b: abs(a - b) <= 1)
    assert score["true_positives"] == 2 and score["false_negatives"] == 1
    assert score["false_positives"] == 1 and score["true_negatives"] == 1
    assert score["pairs"] == 5
    assert score["precision"] == pytest.approx(2 / 3) and score["recall"] == pytest.approx(2 / 3)


def test_labelled_pairs_edge_conventions():
    """Nothing accepted and nothing truly same: 1.0; nothing accepted while some are same: precision 0."""
    never = lambda a, b: False  # noqa: E731
    assert labelled_pairs([(1, 2, False)], never)["precision"] == 1.0
    assert labelled_pairs([(1, 2, True)], never)["precision"] == 0.0
    assert labelled_pairs([], never)["f1"] == 1.0


labellings = st.lists(st.integers(0, 4), min_size=0, max_size=30)


@st.composite
def two_labellings(draw):
    truth = draw(labellings)
    predicted = draw(st.lists(st.integers(0, 4), min_size=len(truth), max_size=len(truth)))
    return truth, predicted


def _brute_pairs(truth, predicted):
    """Counts by enumerating every pair: the definition the fast counts must equal."""
    pairs = list(combinations(range(len(truth)), 2))
    true = {p for p in pairs if truth[p[0]] == truth[p[1]]}
    pred = {p for p in pairs if predicted[p[0]] == predicted[p[1]]}
    return len(true), len(pred), len(true & pred)


@given(two_labellings())
def test_pair_counts_equal_enumeration(labels):
    truth, predicted = labels
    score = pairwise(truth, predicted)
    assert (score["true_pairs"], score["predicted_pairs"], score["correct_pairs"]) == _brute_pairs(truth, predicted)


@given(labellings)
def test_identical_labellings_score_one(truth):
    assert pairwise(truth, truth)["f1"] == 1.0
    assert bcubed(truth, truth)["f1"] == pytest.approx(1.0)


@given(two_labellings(), st.permutations(range(5)))
def test_scores_ignore_label_names(labels, renaming):
    truth, predicted = labels
    renamed = [f"c{renaming[label]}" for label in predicted]
    assert pairwise(truth, renamed) == pairwise(truth, predicted)
    assert bcubed(truth, renamed) == pytest.approx(bcubed(truth, predicted))


@given(two_labellings())
def test_swapping_truth_and_prediction_swaps_precision_and_recall(labels):
    truth, predicted = labels
    forward, backward = pairwise(truth, predicted), pairwise(predicted, truth)
    assert (forward["precision"], forward["recall"]) == (backward["recall"], backward["precision"])
    assert forward["f1"] == pytest.approx(backward["f1"])
    b_forward, b_backward = bcubed(truth, predicted), bcubed(predicted, truth)
    assert b_forward["precision"] == pytest.approx(b_backward["recall"])


@given(two_labellings())
def test_bcubed_equals_its_definition(labels):
    """B-cubed precision as the per-report average, computed report by report with exact fractions."""
    truth, predicted = labels
    if not truth:
        return
    n = len(truth)
    precision = sum(
        Fraction(sum(1 for j in range(n) if predicted[j] == predicted[i] and truth[j] == truth[i]),
                 sum(1 for j in range(n) if predicted[j] == predicted[i]))
        for i in range(n)) / n
    assert bcubed(truth, predicted)["precision"] == pytest.approx(float(precision))
