"""Scores for a clustering of reports against a true one: pairwise and B-cubed precision, recall and F1.

A labelling is a list of cluster labels, one per report, in one order; only
which reports share a label matters, never the labels themselves.

*Pairwise*: a pair of reports is predicted linked when the two share a
predicted label, truly linked when they share a true label. Precision is
the share of predicted pairs that are true, recall the share of true pairs
that are predicted. The counts come from cluster sizes (a cluster of n holds
n(n-1)/2 pairs; the correct pairs are those of each true x predicted cell),
so scoring never enumerates pairs.

*B-cubed* (Bagga and Baldwin 1998): for each report, precision is the share
of its predicted cluster that is in its true cluster, recall the share of its
true cluster that is in its predicted cluster; both averaged over reports.
Unlike pairwise scores it gives every report, singletons included, a say.

Undefined ratios, by convention: a precision with no predicted pairs (or a
recall with no true pairs) is 1.0 when the other side has none either (both
say "nothing is linked": they agree) and 0.0 otherwise, so predicting nothing
never scores a perfect precision against links that exist. F1 is 0.0 when
precision and recall are both 0. With these, swapping truth and prediction
swaps precision and recall and keeps F1.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")


def pairwise(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> dict[str, Any]:
    """Pairwise precision, recall and F1 of `predicted` against `truth`, with the pair counts.

    Worked example: truth [a a a b], predicted [x x y y]. True pairs: the
    three among the a's. Predicted pairs: (1,2) and (3,4). Correct: (1,2)
    only, so precision 1/2, recall 1/3, F1 0.4.

    >>> score = pairwise("aaab", "xxyy")
    >>> score["correct_pairs"], score["predicted_pairs"], score["true_pairs"], round(score["f1"], 3)
    (1, 2, 3, 0.4)
    """
    _check(truth, predicted)
    true_pairs = _pairs(Counter(truth).values())
    predicted_pairs = _pairs(Counter(predicted).values())
    correct_pairs = _pairs(Counter(zip(truth, predicted)).values())
    precision = _ratio(correct_pairs, predicted_pairs, true_pairs == 0)
    recall = _ratio(correct_pairs, true_pairs, predicted_pairs == 0)
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall),
            "true_pairs": true_pairs, "predicted_pairs": predicted_pairs, "correct_pairs": correct_pairs}


def bcubed(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> dict[str, float]:
    """B-cubed precision, recall and F1, averaged over reports (1.0 each for no reports).

    Worked example: truth [a a a b], predicted [x x y y]. Reports 1 and 2:
    precision 2/2, recall 2/3. Report 3: its cluster {3,4} holds one of its
    class, precision 1/2, recall 1/3. Report 4: precision 1/2, recall 1/1.
    Averages: precision 3/4, recall 2/3.

    >>> score = bcubed("aaab", "xxyy")
    >>> score["precision"], round(score["recall"], 4)
    (0.75, 0.6667)
    """
    _check(truth, predicted)
    if not truth:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    true_size, predicted_size = Counter(truth), Counter(predicted)
    precision = recall = 0.0
    for (t, p), shared in Counter(zip(truth, predicted)).items():
        # Each of the `shared` reports of this cell sees `shared` of its kind in either cluster.
        precision += shared * shared / predicted_size[p]
        recall += shared * shared / true_size[t]
    precision, recall = precision / len(truth), recall / len(truth)
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall)}


def labelled_pairs(pairs: Iterable[tuple[T, T, bool]], same: Callable[[T, T], bool]) -> dict[str, Any]:
    """Precision, recall and F1 of a pair decision `same` over hand-labelled pairs ``(a, b, truly_same)``.

    For pair sets drawn by hand (hard cases, a review sample) rather than a
    full clustering. Undefined ratios follow the module's convention.

    >>> labelled_pairs([(1, 1, True), (1, 2, False), (2, 3, True)], lambda a, b: abs(a - b) <= 1)
    ... # doctest: +NORMALIZE_WHITESPACE
    {'precision': 0.6666666666666666, 'recall': 1.0, 'f1': 0.8, 'pairs': 3,
     'true_positives': 2, 'false_positives': 1, 'false_negatives': 0, 'true_negatives': 0}
    """
    counts = Counter((bool(label), bool(same(a, b))) for a, b, label in pairs)
    tp, fp, fn, tn = counts[True, True], counts[False, True], counts[True, False], counts[False, False]
    precision = _ratio(tp, tp + fp, tp + fn == 0)
    recall = _ratio(tp, tp + fn, tp + fp == 0)
    return {"precision": precision, "recall": recall, "f1": f1(precision, recall), "pairs": tp + fp + fn + tn,
            "true_positives": tp, "false_positives": fp, "false_negatives": fn, "true_negatives": tn}


def f1(precision: float, recall: float) -> float:
    """The harmonic mean of precision and recall (0.0 when both are 0)."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _pairs(sizes: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in sizes)


def _ratio(hits: int, total: int, other_side_empty: bool) -> float:
    """hits / total, or the module's convention when total is 0."""
    if total:
        return hits / total
    return 1.0 if other_side_empty else 0.0


def _check(truth: Sequence[Hashable], predicted: Sequence[Hashable]) -> None:
    if len(truth) != len(predicted):
        raise ValueError(f"truth has {len(truth)} labels, prediction {len(predicted)}: they must align")
