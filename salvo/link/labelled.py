"""Scoring the linker on hand-labelled cross-dataset pairs of real rows (issue 13, point 6).

Two label files (``tests/fixtures/link_labels/``, see its README) pair rows of
two public datasets and say, from the rows' own texts, whether each pair is
the same attack: the drone database's ACLED rows against its GTD rows, and
UCDP GED against the GTD-derived Iraq table (2015–2017). For each file the
source files are imported into a fresh temporary store, Salvo's linker runs
on the whole store (``salvo.link.link``), and the two baselines
(:func:`salvo.link.baselines.meltt` and :func:`~salvo.link.baselines.one_per_day`)
run on the same reports. A method calls a labelled pair *linked* when it puts
both rows in one incident or cluster, by a direct link or through others;
:func:`salvo.link.metrics.labelled_pairs` scores those calls against the labels.

What the figures mean, and what they do not:

- The labels cover only a small part of each dataset: candidate pairs drawn
  by a rule (same country and within 3 days for the drone database; within
  1 day and 50 km, then a stratified sample of 168 of 2,570 candidates, for
  UCDP), minus the pairs the annotator left out as ambiguous. Precision,
  recall and F1 are over the labelled pairs only. Precision is *not* the
  share of the linker's links that are right: a link between two rows that
  no label pairs is never counted, right or wrong.
- The UCDP sample is stratified and not weighted back to its candidate
  pool; its counts are of the pairs as drawn.
- Labels are pairwise and may be many-to-one (one ACLED row for two GTD
  rows). A linker that keeps two rows of one de-duplicating dataset apart
  (``within: never``) cannot get every such pair right.
- The linker, and the baselines' clusters, chain: a pair may be linked
  through a third row without the two ever being compared.

:func:`evaluate_cross_dataset` scores both sets (a set whose data folder is
absent is skipped, saying so). With ``explain=True`` each result also lists
every labelled pair with the three calls and Salvo's score of the pair
(its blocking rule, probability and comparison levels, or that no blocking
rule paired it), for finding where the linker fails.

Run: ``python -m salvo.link.labelled [--explain N]``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select

from salvo.link.baselines import meltt, one_per_day
from salvo.link.metrics import labelled_pairs
from salvo.records import ReportRecord
from salvo.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "tests" / "fixtures" / "link_labels"
"""Where the label files are (they sit with the tests' fixtures)."""
SHARED_DATA = Path(os.environ.get("SALVO_SHARED_DATA") or ROOT.parent / "shared" / "data")
"""The shared real data folder, beside the repository ($SALVO_SHARED_DATA overrides it)."""
MAPPING = ROOT / "docs" / "examples" / "mapping.yaml"

DATASETS = {"acled": "acled", "gtd": "gtd", "ucdp": "ucdp-ged", "gtd_iraq_derived": "gtd-iraq-derived"}
"""The label files' dataset names -> the datasets the readers store reports under."""
BY_ROW_NUMBER = frozenset({"gtd_iraq_derived"})
"""Label datasets whose key is the row's number in its file (the store keys those rows by a hash)."""

Source = tuple[Path, str, dict]
Method = Callable[[list[ReportRecord]], list[str]]
BASELINES: dict[str, Method] = {"meltt": meltt, "one_per_day": one_per_day}


def sets(data: Path | None = None) -> dict[str, tuple[Path, list[Source], list[Path]]]:
    """The labelled sets: name -> (label file, sources to import, the data folders they need)."""
    data = data or SHARED_DATA
    drone = data / "drone-terrorism-db" / "Acled_GTD_Drone_Database_20260509.csv"
    ucdp = data / "ucdp-ged-iraq-hdx" / "ucdp_ged_iraq_2015-2018_hdx.csv"
    derived = data / "gtd-iraq-2015-2017-derived" / "iraq_gtd_derived_2015-2017.csv"
    return {
        "drone_db_acled_gtd": (LABELS / "drone_db_acled_gtd.csv", [(drone, "gtd", {})], [drone.parent]),
        "ucdp_gtd_iraq_2015_2017": (LABELS / "ucdp_gtd_iraq_2015_2017.csv",
                                    [(ucdp, "ucdp-ged", {}), (derived, "mapped", {"mapping": MAPPING})],
                                    [ucdp.parent, derived.parent]),
    }


class LabelError(InputError, ValueError):
    """A labelled row that the store does not hold, or holds with other values."""


@dataclass(frozen=True)
class Label:
    """One labelled pair of rows, as the label file gives it."""

    dataset_a: str
    key_a: str
    dataset_b: str
    key_b: str
    same: bool
    days_apart: int | None = None
    km_apart: float | None = None
    date_b: str | None = None
    city_b: str | None = None
    note: str = ""


def read_labels(path: Path) -> list[Label]:
    """The pairs of a label file (columns as in tests/fixtures/link_labels/README.md)."""
    labels = []
    with open(path, newline="", encoding="utf-8") as handle:
        for n, row in enumerate(csv.DictReader(handle), start=2):
            if row["label"] not in ("same", "different"):
                raise LabelError(f"{path}:{n}: label {row['label']!r} is neither 'same' nor 'different'")
            labels.append(Label(
                row["dataset_a"], row["key_a"].strip(), row["dataset_b"], row["key_b"].strip(), row["label"] == "same",
                int(row["days_apart"]) if row.get("days_apart") else None,
                float(row["km_apart"]) if row.get("km_apart") else None,
                row.get("date_b") or None, row.get("city_b") or None, row.get("note") or ""))
    return labels


def stored_dataset(name: str) -> str:
    """The stored dataset of a label file's dataset name."""
    try:
        return DATASETS[name]
    except KeyError:
        raise LabelError(f"label dataset {name!r} is not one of {', '.join(DATASETS)}") from None


def resolve(session, labels: list[Label]) -> list[tuple[int, int, bool]]:
    """Each label as (report id of a, report id of b, truly same); raises LabelError naming every row not found.

    Keys are the dataset's row keys, except for the datasets of
    :data:`BY_ROW_NUMBER`, found by their provenance row number (and then
    checked against the label's ``date_b``/``city_b`` where given).
    """
    from salvo.model import Provenance, Report

    wanted = {stored_dataset(d) for label in labels for d in (label.dataset_a, label.dataset_b)}
    rows = session.execute(select(Report.id, Report.dataset, Report.row_key, Report.date, Report.location)
                           .where(Report.dataset.in_(sorted(wanted)), Report.withdrawn.is_(False))).all()
    by_key = {(r.dataset, r.row_key): r for r in rows}
    by_row: dict[tuple[str, str], list] = {}
    by_id = {r.id: r for r in rows}
    row_numbered = {stored_dataset(d) for d in BY_ROW_NUMBER} & wanted
    if row_numbered:
        for report_id, number in session.execute(
                select(Provenance.report_id, Provenance.row_number).join(Report)
                .where(Report.dataset.in_(sorted(row_numbered)), Report.withdrawn.is_(False))):
            report = by_id[report_id]
            by_row.setdefault((report.dataset, str(number)), []).append(report)
    problems: list[str] = []

    def find(dataset: str, key: str, label: Label, side: str):
        name = stored_dataset(dataset)
        if dataset not in BY_ROW_NUMBER:
            found = by_key.get((name, key))
            if found is None:
                problems.append(f"{dataset} {key}: no report of {name} with that key")
            return found
        matches = by_row.get((name, key), [])
        if len(matches) != 1:
            problems.append(f"{dataset} row {key}: {len(matches)} reports of {name} were read from that row")
            return None
        found = matches[0]
        if side == "b" and label.date_b and (found.date is None or found.date.isoformat() != label.date_b):
            problems.append(f"{dataset} row {key}: dated {found.date}, the label says {label.date_b}")
            return None
        if side == "b" and label.city_b and (found.location or "Unknown") != label.city_b:
            problems.append(f"{dataset} row {key}: placed at {found.location!r}, the label says {label.city_b!r}")
            return None
        return found

    pairs = []
    for label in labels:
        a = find(label.dataset_a, label.key_a, label, "a")
        b = find(label.dataset_b, label.key_b, label, "b")
        if a is not None and b is not None:
            pairs.append((a.id, b.id, label.same))
    if problems:
        shown = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise LabelError(f"{len(problems)} labelled rows not found in the store: {shown}")
    return pairs


def evaluate_labelled(label_file: Path, sources: list[Source], settings=None, *, explain: bool = False,
                      methods: dict[str, Method] | None = None) -> dict[str, Any]:
    """Salvo's linker and the baselines scored on one label file, its sources imported into a fresh store.

    `sources`: ``(file, format, reader options)`` for each file to import.
    Returns ``{"pairs": n, "same": k, "reports": {dataset: count}, "settings_digest": ...,
    "methods": {"salvo": scores, "meltt": scores, "one_per_day": scores}}``
    (scores as :func:`salvo.link.metrics.labelled_pairs` gives them), and with
    `explain` the labelled pairs one by one (see :func:`score_store`).
    """
    from salvo.importing import import_reports
    from salvo.storage import connect

    labels = read_labels(Path(label_file))
    with tempfile.TemporaryDirectory(prefix="salvo-labelled-") as folder:
        store = connect(f"sqlite:///{Path(folder) / 'labelled.db'}")
        try:
            for path, fmt, options in sources:
                import_reports(store, path, fmt, user="salvo-labelled", **(options or {}))
            return score_store(store, labels, settings, explain=explain, methods=methods)
        finally:
            store.dispose()


def score_store(store, labels: list[Label], settings=None, *, explain: bool = False,
                methods: dict[str, Method] | None = None) -> dict[str, Any]:
    """Link a store holding the labelled rows, run the baselines on the same reports, and score all on the labels.

    Salvo links the whole store (``salvo.link.link``); the baselines
    (`methods`, :data:`BASELINES` by default) see every stored report of the
    labelled datasets. With `explain`, ``"labelled"`` lists every pair: its
    label and note, each method's call, Salvo's direct score of the pair
    (``rule``, ``probability``, ``levels``; ``rule`` None when no blocking rule
    paired the two) and both reports' values.
    """
    from salvo.link import link
    from salvo.link.settings import load_settings
    from salvo.model import Report
    from salvo.storage.reports import to_report_record

    settings = settings or load_settings()
    link(store, settings, full=True)
    methods = BASELINES if methods is None else methods
    with store.session() as session:
        pairs = resolve(session, labels)
        wanted = sorted({stored_dataset(d) for label in labels for d in (label.dataset_a, label.dataset_b)})
        rows = session.scalars(select(Report).where(Report.dataset.in_(wanted), Report.withdrawn.is_(False))
                               .order_by(Report.id)).all()
        records = [to_report_record(row) for row in rows]
    incident = {r.id: r.incident_id for r in records}
    calls: dict[str, Callable[[int, int], bool]] = {
        "salvo": lambda a, b: incident[a] is not None and incident[a] == incident[b]}
    for name, method in methods.items():
        clusters = dict(zip((r.id for r in records), method(list(records))))
        calls[name] = lambda a, b, clusters=clusters: clusters[a] == clusters[b]
    result: dict[str, Any] = {
        "pairs": len(pairs), "same": sum(1 for _, _, same in pairs if same),
        "reports": {d: sum(1 for r in records if r.dataset == d) for d in wanted},
        "settings_digest": settings.digest,
        "methods": {name: labelled_pairs(pairs, call) for name, call in calls.items()},
    }
    if explain:
        result["labelled"] = explain_pairs(store, labels, pairs, calls, settings)
    return result


def explain_pairs(store, labels: list[Label], pairs: list[tuple[int, int, bool]],
                  calls: dict[str, Callable[[int, int], bool]], settings) -> list[dict[str, Any]]:
    """Every labelled pair with each method's call and Salvo's own score of it (the pipeline re-run on the store).

    The pipeline is run again on the store's frame (no focus, nothing held
    together but the datasets' rules) to get every blocked pair's score,
    not only those the review queue keeps.
    """
    from salvo.link.comparisons import build
    from salvo.link.frame import prepare, store_frame
    from salvo.link.pipeline import run
    from salvo.link.scoring import reasons

    with store.session() as session:
        frame = prepare(store_frame(session), settings)
    linkage = run(frame, settings, keep_all=True)
    comparisons = build(linkage.settings.comparisons)
    keys = pl.DataFrame(sorted({(min(a, b), max(a, b)) for a, b, _ in pairs}),
                        schema={"a": pl.Int64, "b": pl.Int64}, orient="row")
    scored = {(row["a"], row["b"]): row for row in linkage.scored.join(keys, on=["a", "b"]).iter_rows(named=True)}
    wanted = sorted({i for a, b, _ in pairs for i in (a, b)})
    reports = {row["report_id"]: row for row in frame.filter(pl.col("report_id").is_in(wanted)).iter_rows(named=True)}
    out = []
    for label, (a, b, same) in zip(labels, pairs):
        row = scored.get((min(a, b), max(a, b)))
        entry = {
            "a": f"{label.dataset_a} {label.key_a}", "b": f"{label.dataset_b} {label.key_b}", "same": same,
            "note": label.note, "days_apart": label.days_apart, "km_apart": label.km_apart,
            "calls": {name: bool(call(a, b)) for name, call in calls.items()},
            "rule": row["rule"] if row else None,
            "probability": round(row["probability"], 4) if row else None,
            "levels": ({r["comparison"]: [r["level"], r["weight"]] for r in reasons(row, comparisons)}
                       if row else None),
            "why": _why(row, linked=calls["salvo"](a, b), settings=linkage.settings),
            "report_a": _values(reports[a]), "report_b": _values(reports[b]),
        }
        out.append(entry)
    return out


def _why(row: dict | None, *, linked: bool, settings) -> str:
    """In a few words, why Salvo linked a pair or not."""
    if row is None:
        return "linked through other reports (never blocked)" if linked else "not blocked"
    p = row["probability"]
    if p >= settings.link_threshold:
        return f"linked, p={p:.3f}" if linked else f"p={p:.3f} above the link threshold, refused by a dataset rule"
    band = "review queue" if p >= settings.review_threshold else "below review"
    return f"linked through other reports, direct p={p:.3f}" if linked else f"p={p:.3g} ({band})"


def _values(row: dict) -> dict[str, Any]:
    """What the failure analysis shows of one report."""
    lines = json.loads(row["munitions"] or "[]")
    return {
        "date": row["date"].isoformat() if isinstance(row["date"], dt.date) else row["date"],
        "location": row["location"], "place_id": row["place_id"], "country": row["country"],
        "lat": row["latitude"], "lon": row["longitude"], "precision": row["location_precision"],
        "munitions": [f"{m['munition_type']}" + (f"x{m['count']}" if m.get("count") else "") for m in lines],
        "actor": row["actor_id"] or row["actor_name"], "target_category": row["target_category"],
        "killed": row["killed"], "injured": row["injured"], "incident": row["incident_id"],
    }


def evaluate_cross_dataset(settings=None, *, data: Path | None = None, explain: bool = False) -> dict[str, Any]:
    """Both labelled sets scored (see :func:`evaluate_labelled`); a set whose data is absent is ``{"skipped": why}``."""
    results: dict[str, Any] = {}
    for name, (label_file, sources, folders) in sets(data).items():
        missing = [str(f) for f in folders if not f.is_dir()]
        if missing:
            results[name] = {"skipped": f"data folder {', '.join(missing)} is absent"}
            continue
        results[name] = evaluate_labelled(label_file, sources, settings, explain=explain)
    return results


def failures(result: dict[str, Any], method: str = "salvo") -> tuple[list[dict], list[dict]]:
    """The false negatives and false positives of one method in an explained result."""
    labelled: list[dict] = result.get("labelled", [])
    fn = [p for p in labelled if p["same"] and not p["calls"][method]]
    fp = [p for p in labelled if not p["same"] and p["calls"][method]]
    return fn, fp


def main(argv: list[str] | None = None) -> None:
    """Print both sets' scores as JSON; with --explain N, also up to N of Salvo's false negatives and positives."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settings", type=Path, help="a link settings file (default: the packaged one)")
    parser.add_argument("--explain", type=int, default=0, metavar="N",
                        help="also list up to N false negatives and N false positives of Salvo's linker per set")
    args = parser.parse_args(argv)
    from salvo.link.settings import load_settings

    results = evaluate_cross_dataset(load_settings(args.settings) if args.settings else None,
                                     explain=bool(args.explain))
    for result in results.values():
        if "labelled" in result:
            fn, fp = failures(result)
            result.pop("labelled")
            result["false_negatives"], result["false_positives"] = fn[:args.explain], fp[:args.explain]
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
