"""Scoring candidate pairs with a Fellegi–Sunter model, and estimating its m and u by EM.

Each comparison puts a pair in one of its levels; a level's match weight is
log2(m/u), where m is the share of true matches in that level and u the
share of non-matches. A pair's weight is the prior's log-odds plus the sum of
its levels' weights (a comparison that cannot be made adds nothing), and its
match probability is 2^w / (1 + 2^w). This is the model Splink fits; here it
runs as polars expressions over the blocked pairs, and
:func:`estimate` re-fits m, u and the prior by expectation–maximisation on the
blocked pairs of a store, without any labels.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
import polars as pl

from salvo.link.comparisons import Comparison, build
from salvo.link.settings import Settings, parse_settings

COMPARED = ("lo", "hi", "dated", "place_id", "latitude", "longitude", "country", "at_sea", "precise", "types",
            "target_category", "actor_id", "actor_root", "total", "killed", "injured", "place_words", "text_words")


def pair_frame(pairs: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """The pairs with each report's compared columns beside them (suffixes ``_l`` for a, ``_r`` for b)."""
    columns = [c for c in COMPARED if c in frame.columns]
    side = frame.select("report_id", *columns)
    return (pairs.join(side.rename({c: f"{c}_l" for c in columns}), left_on="a", right_on="report_id")
            .join(side.rename({c: f"{c}_r" for c in columns}), left_on="b", right_on="report_id"))


def levels(pairs: pl.DataFrame, frame: pl.DataFrame, comparisons: list[Comparison]) -> pl.DataFrame:
    """One row per pair: a, b, the rule that found it, and the level index of each comparison (null: not compared)."""
    joined = pair_frame(pairs, frame)
    return joined.select("a", "b", *(["rule"] if "rule" in joined.columns else []),
                         *(c.level() for c in comparisons))


def score(pairs: pl.DataFrame, frame: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """The pairs with their comparison levels, total match weight and match probability."""
    comparisons = build(settings.comparisons)
    scored = levels(pairs, frame, comparisons)
    return with_weights(scored, comparisons, settings.prior)


def with_weights(scored: pl.DataFrame, comparisons: list[Comparison], prior: float) -> pl.DataFrame:
    """Add ``weight`` and ``probability`` to a frame of comparison levels."""
    prior_weight = math.log2(prior / (1 - prior))
    terms = [pl.col(c.name).replace_strict({i: lv.weight for i, lv in enumerate(c.levels)}, default=0.0,
                                           return_dtype=pl.Float64).fill_null(0.0) for c in comparisons]
    weight = pl.sum_horizontal(terms) + prior_weight if terms else pl.lit(prior_weight)
    return scored.with_columns(weight=weight).with_columns(
        probability=(2 ** pl.col("weight")) / (1 + 2 ** pl.col("weight")))


def reasons(row: dict, comparisons: list[Comparison]) -> list[dict]:
    """What each comparison said of one scored pair: its level and that level's weight, or that it was not made."""
    out = []
    for c in comparisons:
        index = row.get(c.name)
        if index is None:
            out.append({"comparison": c.name, "level": None, "weight": 0.0})
        else:
            level = c.levels[index]
            out.append({"comparison": c.name, "level": level.name, "weight": round(level.weight, 2)})
    return out


@dataclass
class Estimate:
    """The outcome of EM: the refitted prior and each comparison's m and u per level."""

    prior: float
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    iterations: int
    pairs: int


def estimate(scored_levels: pl.DataFrame, settings: Settings, *, iterations: int = 25,
             tolerance: float = 1e-5) -> Estimate:
    """Refit the prior, m and u on a frame of comparison levels by expectation–maximisation (no labels).

    Starts from the settings' values. Levels stay in (0.001, 0.999) so that
    no weight becomes infinite.
    """
    comparisons = build(settings.comparisons)
    matrix = {c.name: scored_levels[c.name].to_numpy(allow_copy=True) for c in comparisons}
    m = {c.name: np.array([lv.m for lv in c.levels]) for c in comparisons}
    u = {c.name: np.array([lv.u for lv in c.levels]) for c in comparisons}
    prior = settings.prior
    n = scored_levels.height
    done = 0
    for done in range(1, iterations + 1):
        log_m = np.zeros(n)
        log_u = np.zeros(n)
        for name, column in matrix.items():
            known = ~np.isnan(column.astype(float))
            index = np.nan_to_num(column.astype(float), nan=0).astype(int)
            log_m += np.where(known, np.log(m[name][index]), 0.0)
            log_u += np.where(known, np.log(u[name][index]), 0.0)
        a = np.log(prior) + log_m
        b = np.log(1 - prior) + log_u
        posterior = 1 / (1 + np.exp(b - a))
        new_prior = float(np.clip(posterior.mean(), 1e-4, 0.5))
        change = abs(new_prior - prior)
        prior = new_prior
        for name, column in matrix.items():
            known = ~np.isnan(column.astype(float))
            index = np.nan_to_num(column.astype(float), nan=0).astype(int)
            levels_count = len(m[name])
            weights_m = np.bincount(index[known], weights=posterior[known], minlength=levels_count)
            weights_u = np.bincount(index[known], weights=1 - posterior[known], minlength=levels_count)
            new_m = np.clip(weights_m / max(weights_m.sum(), 1e-12), 1e-3, 0.999)
            new_u = np.clip(weights_u / max(weights_u.sum(), 1e-12), 1e-3, 0.999)
            change = max(change, float(np.abs(new_m - m[name]).max()), float(np.abs(new_u - u[name]).max()))
            m[name], u[name] = new_m, new_u
        if change < tolerance:
            break
    return Estimate(prior, {k: v.tolist() for k, v in m.items()}, {k: v.tolist() for k, v in u.items()}, done, n)


def apply_estimate(settings: Settings, fitted: Estimate) -> Settings:
    """Settings whose prior, m and u are the fitted ones (everything else unchanged)."""
    data = copy.deepcopy(settings.raw)
    data["model"]["prior"] = round(fitted.prior, 6)
    for entry in data["model"]["comparisons"]:
        for index, level in enumerate(entry["levels"]):
            level["m"] = round(fitted.m[entry["name"]][index], 6)
            level["u"] = round(fitted.u[entry["name"]][index], 6)
    return parse_settings(data, settings.file)
