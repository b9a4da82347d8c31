"""Re-estimating the model's m, u and prior from a store's reports (`salvo link --estimate FILE`)."""

from __future__ import annotations

from pathlib import Path

import yaml

from salvo.link.blocking import candidate_pairs
from salvo.link.comparisons import build
from salvo.link.frame import prepare, store_frame
from salvo.link.scoring import Estimate, apply_estimate, estimate, levels
from salvo.link.settings import Settings
from salvo.storage import Store


def estimate_settings(store: Store, settings: Settings, out: Path) -> Estimate:
    """Fit the model by EM on the store's blocked pairs and write the refitted settings to `out`."""
    with store.session() as session:
        frame = prepare(store_frame(session), settings)
    pairs = candidate_pairs(frame, settings)
    fitted = estimate(levels(pairs, frame, build(settings.comparisons)), settings)
    refitted = apply_estimate(settings, fitted)
    header = (f"# Re-estimated by `salvo link --estimate` on {fitted.pairs:,} blocked pairs of {store.url}\n"
              f"# ({fitted.iterations} EM iterations), from {settings.file}.\n")
    out.write_text(header + yaml.safe_dump(refitted.raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return fitted
