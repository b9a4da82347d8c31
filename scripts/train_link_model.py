"""How the m and u probabilities shipped in salvo/link/settings.yaml were made. Re-run after changing comparisons.

m (how often true matches fall in each level of a comparison) is learnt from
labelled data, one estimate per labelled set, then averaged with equal weight
per set, so that neither the news reports of the gold nor the dataset rows of
the synthetic set dominate:

* the news gold (../shared/data/news and news-more: every gold incident one
  report, the clusters.json files the truth);
* a synthetic set of 20,000 events, seed 1 (salvo.link.synth; evaluations use
  seed 0, so they never score the data m was learnt on).

u (how often random pairs fall in each level) is measured on random pairs of
each set and averaged the same way; a run fits u again to the reports it links
(``u_from: random_pairs``), these values weighing as ``u_prior_pairs`` pairs.

    .venv/bin/python scripts/train_link_model.py            # prints the values
    .venv/bin/python scripts/train_link_model.py --write    # and writes them into settings.yaml
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from salvo.link.comparisons import build  # noqa: E402
from salvo.link.frame import BASE_SCHEMA, prepare, records_frame  # noqa: E402
from salvo.link.gold import gold_reports  # noqa: E402
from salvo.link.scoring import level_shares, levels, random_pairs, trained_m  # noqa: E402
from salvo.link.settings import default_path, load_settings  # noqa: E402
from salvo.link.synth import synth_frame  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SYNTHETIC_EVENTS, SYNTHETIC_SEED = 20_000, 1


def synthetic_frame(settings):
    """The synthetic training set as a prepared link frame, with its truth."""
    reports, truth = synth_frame(SYNTHETIC_EVENTS, seed=SYNTHETIC_SEED)
    base = reports.with_columns(report_id=pl.int_range(pl.len(), dtype=pl.Int64),
                                incident_id=pl.lit(None, pl.String))
    base = base.select(pl.col(n).cast(t) if n in base.columns else pl.lit(None, t).alias(n)
                       for n, t in BASE_SCHEMA.items())
    return prepare(base, settings), [str(t) for t in truth.to_list()]


def gold_frame(settings):
    """The news gold's incidents as a prepared link frame, with their truth."""
    records, truth = gold_reports([SHARED / "news" / "gold.jsonl", SHARED / "news-more" / "gold.jsonl"])
    return prepare(records_frame(records), settings), truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the values into salvo/link/settings.yaml")
    args = parser.parse_args()
    settings = load_settings()
    sets = {"news gold": gold_frame(settings), "synthetic": synthetic_frame(settings)}
    estimates = {name: trained_m(frame, truth, settings) for name, (frame, truth) in sets.items()}
    m = {name: [sum(e[name][i] for e in estimates.values()) / len(estimates) for i in range(len(levels_))]
         for name, levels_ in next(iter(estimates.values())).items()}
    comparisons = build(settings.comparisons)
    shares = [level_shares(levels(random_pairs(frame, 500_000, seed=SYNTHETIC_SEED), frame, comparisons), comparisons)
              for frame, _ in sets.values()]
    u = {name: [sum(s[name][i] for s in shares) / len(shares) for i in range(len(values))]
         for name, values in shares[0].items()}
    for c in settings.comparisons:
        print(c.name)
        for i, level in enumerate(c.levels):
            per_set = ", ".join(f"{name} {e[c.name][i]:.3f}" for name, e in estimates.items())
            print(f"  {level.name:<22} m {m[c.name][i]:.4f} ({per_set})  u {u[c.name][i]:.5f}")
    if args.write:
        write(default_path(), settings, m, u)
        print(f"wrote {default_path()}")


def write(path: Path, settings, m: dict, u: dict) -> None:
    """Replace the m and u of every level in the settings file, keeping its layout and comments."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    current, index = None, -1
    names = {c.name for c in settings.comparisons}
    for n, line in enumerate(lines):
        found = re.match(r"\s+- name: (\w+)\s*$", line)
        if found and found.group(1) in names:
            current, index = found.group(1), -1
            continue
        if current and re.match(r"\s+- \{name: ", line):
            index += 1
            line = re.sub(r"m: [0-9.e-]+", f"m: {max(m[current][index], 1e-4):.4f}", line)
            lines[n] = re.sub(r"u: [0-9.e-]+", f"u: {max(u[current][index], 1e-5):.5f}", line)
        elif current and not line.startswith("      "):
            current = None
    path.write_text("".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
