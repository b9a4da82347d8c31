"""Scoring linkers against true clusters: pairwise and B-cubed scores per method, as plain JSON.

A method is any function from reports to cluster labels (the baselines of
:mod:`salvo.link.baselines`, ``salvo.link.cluster_records``). The result
maps each method's name to ``{"pairwise": {...}, "cluster": {...}}`` where
``cluster`` holds the B-cubed scores (see :mod:`salvo.link.metrics`).

Run on the news gold: ``python -m salvo.link.evaluate ../shared/data/news/gold.jsonl [more gold.jsonl ...]``
(each gold file's ``clusters.json`` beside it is the truth).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from salvo.link.baselines import meltt, one_per_day
from salvo.link.gold import gold_reports
from salvo.link.metrics import bcubed, pairwise
from salvo.records import ReportRecord

Method = Callable[[list[ReportRecord]], list[str]]
BASELINES: dict[str, Method] = {"meltt": meltt, "one_per_day": one_per_day}
"""The naive linkers every evaluation reports beside the linker under test."""


def evaluate(records: list[ReportRecord], truth: Sequence[str], methods: Mapping[str, Method]) -> dict[str, Any]:
    """Each method's pairwise and B-cubed scores on `records` against the true labels `truth`.

    Each method gets its own copy of the list, so one cannot reorder or
    drop reports for the next.
    """
    if len(records) != len(truth):
        raise ValueError(f"{len(records)} records but {len(truth)} true labels")
    results: dict[str, Any] = {}
    for name, method in methods.items():
        predicted = list(method(list(records)))
        if len(predicted) != len(records):
            raise ValueError(f"method {name!r} gave {len(predicted)} labels for {len(records)} records")
        results[name] = {"pairwise": pairwise(truth, predicted), "cluster": bcubed(truth, predicted)}
    return results


def evaluate_gold(gold_files: list[Path], cluster_files: list[Path] | None = None,
                  methods: Mapping[str, Method] | None = None) -> dict[str, Any]:
    """:func:`evaluate` on the news gold (see :func:`salvo.link.gold.gold_reports`); the baselines by default.

    The result also says what was scored: ``{"records": n, "true_pairs": p,
    "methods": {name: scores}}``.
    """
    records, truth = gold_reports(gold_files, cluster_files)
    scores = evaluate(records, truth, BASELINES if methods is None else methods)
    return {"records": len(records), "true_pairs": pairwise(truth, truth)["true_pairs"], "methods": scores}


def main(argv: list[str] | None = None) -> None:
    """Print the baselines' (and, when importable, the linker's) scores on gold files as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("gold", nargs="+", type=Path, help="gold.jsonl files (clusters.json beside each)")
    parser.add_argument("--clusters", nargs="*", type=Path, help="clusters.json files (default: beside each gold)")
    args = parser.parse_args(argv)
    methods = dict(BASELINES)
    try:
        from salvo.link import cluster_records
    except ImportError:
        pass
    else:
        methods["salvo"] = cluster_records
    print(json.dumps(evaluate_gold(args.gold, args.clusters, methods), indent=2))


if __name__ == "__main__":
    main()


def evaluate_sets(*, gold_files: list[Path], synthetic: int = 0, seed: int = 0, settings=None) -> dict[str, Any]:
    """What ``salvo eval link`` prints: Salvo's linker beside the baselines on each set asked for.

    ``news_gold``: the gold files' incidents, one report each (the clusters.json
    beside each file is the truth). ``synthetic``: a generated set of that many
    events (see salvo.link.synth), scored on the frame path the store uses.
    """
    from salvo.link.pipeline import cluster_records

    results: dict[str, Any] = {}
    if gold_files:
        methods = {"salvo": lambda records: cluster_records(records, settings), **BASELINES}
        results["news_gold"] = evaluate_gold(gold_files, None, methods)
    if synthetic:
        from salvo.link.baselines import meltt_frame, one_per_day_frame
        from salvo.link.pipeline import cluster_frame
        from salvo.link.synth import synth_frame

        frame, truth = synth_frame(synthetic, seed=seed)
        truth_labels = [str(t) for t in truth.to_list()]
        linkers = {"salvo": lambda reports: cluster_frame(reports, settings), "meltt": meltt_frame,
                   "one_per_day": one_per_day_frame}
        scores = {}
        for name, linker in linkers.items():
            predicted = linker(frame)
            scores[name] = {"pairwise": pairwise(truth_labels, predicted), "cluster": bcubed(truth_labels, predicted)}
        results["synthetic"] = {"events": synthetic, "reports": frame.height, "seed": seed, "methods": scores}
    return results


def cross_validate(records: list[ReportRecord], truth: Sequence[str], settings=None, *, folds: int = 5,
                   seed: int = 0) -> dict[str, Any]:
    """Scores of the linker whose m probabilities are learnt on other events than those it is scored on.

    Events (true clusters) are dealt into `folds` folds at random; for each
    fold, m is estimated from the true pairs of the other folds' reports
    (salvo.link.scoring.trained_m) and the fold's reports are linked among
    themselves. Every true pair lies within one fold, so the folds' labels
    together are scored like one linkage.
    """
    import random

    from salvo.link.frame import prepare, records_frame
    from salvo.link.pipeline import cluster_records
    from salvo.link.scoring import trained_m, with_m
    from salvo.link.settings import load_settings

    settings = settings or load_settings()
    events = sorted(set(truth))
    random.Random(seed).shuffle(events)
    fold_of = {event: n % folds for n, event in enumerate(events)}
    predicted: list[str | None] = [None] * len(records)
    for fold in range(folds):
        train = [i for i, t in enumerate(truth) if fold_of[t] != fold]
        test = [i for i, t in enumerate(truth) if fold_of[t] == fold]
        frame = prepare(records_frame([records[i] for i in train]), settings)
        fitted = with_m(settings, trained_m(frame, [truth[i] for i in train], settings))
        labels = cluster_records([records[i] for i in test], fitted)
        for i, label in zip(test, labels):
            predicted[i] = f"{fold}:{label}"
    return {"folds": folds, "seed": seed, "pairwise": pairwise(truth, predicted), "cluster": bcubed(truth, predicted)}
