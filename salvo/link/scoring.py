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

COMPARED = ("lo", "hi", "dated", "place_id", "latitude", "longitude", "location_precision", "country", "at_sea",
            "precise",
            "target_category", "actor_id", "actor_root", "actor_kind", "total", "killed", "injured", "place_name",
            "type_bits", "known_bits", *(f"{p}{n}" for p in ("place_sig", "text_sig") for n in range(4)))


def pair_frame(pairs: pl.DataFrame, frame: pl.DataFrame) -> pl.DataFrame:
    """The pairs with each report's compared columns beside them (suffixes ``_l`` for a, ``_r`` for b)."""
    columns = compared_columns(frame)
    side = frame.select("report_id", *columns)
    return (pairs.join(side.rename({c: f"{c}_l" for c in columns}), left_on="a", right_on="report_id")
            .join(side.rename({c: f"{c}_r" for c in columns}), left_on="b", right_on="report_id"))


def compared_columns(frame: pl.DataFrame) -> list[str]:
    """The columns of a link frame that comparisons read (each side of a pair carries them)."""
    return [c for c in COMPARED if c in frame.columns] + [c for c in frame.columns if c.startswith("tf_")]


def levels(pairs: pl.DataFrame, frame: pl.DataFrame, comparisons: list[Comparison]) -> pl.DataFrame:
    """One row per pair: a, b, the rule that found it, and the level index of each comparison (null: not compared)."""
    return joined_levels(pair_frame(pairs, frame), comparisons)


def joined_levels(joined: pl.DataFrame, comparisons: list[Comparison]) -> pl.DataFrame:
    """:func:`levels` of pairs that already carry both reports' compared columns (see :func:`pair_frame`)."""
    frequencies = [pl.max_horizontal(f"{c.tf_column}_l", f"{c.tf_column}_r").alias(c.tf_column)
                   for c in comparisons if c.tf_column]
    return joined.select("a", "b", *(["rule"] if "rule" in joined.columns else []),
                         *(c.level() for c in comparisons), *frequencies)


def score(pairs: pl.DataFrame, frame: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """The pairs with their comparison levels, total match weight and match probability."""
    comparisons = build(settings.comparisons)
    scored = levels(pairs, frame, comparisons)
    return with_weights(scored, comparisons, settings.prior)


def with_weights(scored: pl.DataFrame, comparisons: list[Comparison], prior: float) -> pl.DataFrame:
    """Add ``weight`` and ``probability`` to a frame of comparison levels."""
    prior_weight = math.log2(prior / (1 - prior))
    terms = [_term(c, scored.columns) for c in comparisons]
    weight = pl.sum_horizontal(terms) + prior_weight if terms else pl.lit(prior_weight)
    return scored.with_columns(weight=weight).with_columns(
        probability=(2 ** pl.col("weight")) / (1 + 2 ** pl.col("weight")))


def _term(comparison: Comparison, columns: list[str]) -> pl.Expr:
    """One comparison's weight per pair: its level's log2(m/u), or for an agreement on a value whose term
    frequency is known, log2(m / frequency) (Splink's term-frequency adjustment)."""
    weight = pl.col(comparison.name).replace_strict({i: lv.weight for i, lv in enumerate(comparison.levels)},
                                                    default=0.0, return_dtype=pl.Float64)
    if comparison.tf_column and comparison.tf_column in columns:
        first = comparison.levels[0]
        adjusted = (pl.lit(first.m) / pl.col(comparison.tf_column).clip(lower_bound=1e-9)).log(2)
        weight = pl.when((pl.col(comparison.name) == 0) & pl.col(comparison.tf_column).is_not_null()) \
            .then(adjusted).otherwise(weight)
    return weight.fill_null(0.0)


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
    """Settings whose prior, m and u are the fitted ones (everything else unchanged).

    EM fits them on blocked pairs, so they are used as they are: the run does
    not refit the prior and u on random pairs (``u_from: settings``).
    """
    data = copy.deepcopy(settings.raw)
    data["model"]["prior"] = round(fitted.prior, 6)
    data["model"]["u_from"] = "settings"
    data["model"].pop("matches_per_report", None)
    for entry in data["model"]["comparisons"]:
        for index, level in enumerate(entry["levels"]):
            level["m"] = round(fitted.m[entry["name"]][index], 6)
            level["u"] = round(fitted.u[entry["name"]][index], 6)
    return parse_settings(data, settings.file)


def random_pairs(frame: pl.DataFrame, count: int, seed: int = 0) -> pl.DataFrame:
    """Pairs of distinct reports drawn at random (every pair when there are fewer than `count`)."""
    ids = frame["report_id"].to_numpy()
    n = len(ids)
    if n < 2:
        return pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})
    if n * (n - 1) // 2 <= count:
        first, second = np.triu_indices(n, 1)
    else:
        rng = np.random.default_rng(seed)
        first = rng.integers(0, n, count)
        second = rng.integers(0, n - 1, count)
        second = second + (second >= first)  # never a report with itself
    return pl.DataFrame({"a": ids[first], "b": ids[second]})


def level_shares(scored_levels: pl.DataFrame, comparisons: list[Comparison],
                 prior: dict[str, list[float]] | None = None, weight: float = 0.0) -> dict[str, list[float]]:
    """Each comparison's share of pairs per level (pairs it could not compare left out).

    With `prior` (shares per level) and `weight` (how many pairs it is worth),
    the counts are pulled towards the prior: a small sample barely moves it,
    a large one decides. Without, half a pair is added to every level.
    """
    shares = {}
    for c in comparisons:
        column = scored_levels[c.name].drop_nulls()
        counts = np.bincount(column.to_numpy().astype(int), minlength=len(c.levels)) if column.len() else \
            np.zeros(len(c.levels))
        if prior is not None and weight > 0:
            shares[c.name] = ((counts + weight * np.asarray(prior[c.name])) / (counts.sum() + weight)).tolist()
        else:
            shares[c.name] = ((counts + 0.5) / (counts.sum() + 0.5 * len(c.levels))).tolist()
    return shares


def calibrate(frame: pl.DataFrame, settings: Settings, *, seed: int = 0) -> Settings:
    """Settings whose prior, and u when ``u_from: random_pairs``, fit the reports being linked.

    The prior is the chance that two reports drawn at random describe one
    event: ``matches_per_report / (reports - 1)``. u is the share of random
    pairs (almost all non-matches) in each level, pulled towards the
    settings' u as if those were ``u_prior_pairs`` pairs already seen (so a
    store of a few reports keeps the settings' u). Both are properties of the
    data, not of matching, so they are measured on each run; m stays as the
    settings give it.
    """
    if settings.matches_per_report is None and settings.u_from != "random_pairs":
        return settings
    data = copy.deepcopy(settings.raw)
    if settings.matches_per_report is not None:
        data["model"]["prior"] = min(0.5, max(1e-12, settings.matches_per_report / max(frame.height - 1, 1)))
    if settings.u_from == "random_pairs":
        comparisons = build(settings.comparisons)
        given = {c.name: [lv.u for lv in c.levels] for c in settings.comparisons}
        shares = level_shares(levels(random_pairs(frame, settings.random_pairs, seed), frame, comparisons),
                              comparisons, given, settings.u_prior_pairs)
        for entry in data["model"]["comparisons"]:
            for index, level in enumerate(entry["levels"]):
                level["u"] = max(shares[entry["name"]][index], 1e-9)
    return parse_settings(data, settings.file, settings.digest)


RECALIBRATE_AFTER = 0.1
"""A run refits the prior and u once the store's reports grew or shrank by this share since they were fitted."""


def calibration_of(settings: Settings, reports: int) -> dict:
    """What :func:`calibrate` fitted, as plain data a link run keeps, so that the next run can reuse it."""
    return {"settings_digest": settings.digest, "reports": reports, "prior": settings.prior,
            "u": {c.name: [lv.u for lv in c.levels] for c in settings.comparisons}}


def reuse_calibration(settings: Settings, kept: dict | None, reports: int) -> Settings | None:
    """The settings with a kept calibration, when it was made with these settings on nearly as many reports."""
    if not kept or kept.get("settings_digest") != settings.digest or not kept.get("reports"):
        return None
    if abs(reports - kept["reports"]) > RECALIBRATE_AFTER * kept["reports"]:
        return None
    data = copy.deepcopy(settings.raw)
    data["model"]["prior"] = kept["prior"]
    for entry in data["model"]["comparisons"]:
        values = kept["u"].get(entry["name"])
        if values is None or len(values) != len(entry["levels"]):
            return None
        for level, u in zip(entry["levels"], values):
            level["u"] = u
    data["model"]["u_from"] = "settings"
    data["model"].pop("matches_per_report", None)
    return parse_settings(data, settings.file, settings.digest)


def trained_m(frame: pl.DataFrame, truth: list[str], settings: Settings) -> dict[str, list[float]]:
    """m from labelled data: each comparison's share of true pairs (all of them, blocked or not) per level."""
    labelled = frame.with_columns(truth=pl.Series(truth, dtype=pl.String))
    groups = labelled.group_by("truth").agg(pl.col("report_id")).filter(pl.col("report_id").list.len() > 1)
    pairs = [(ids[i], ids[j]) for ids in groups["report_id"].to_list()
             for i in range(len(ids)) for j in range(i + 1, len(ids))]
    comparisons = build(settings.comparisons)
    table = pl.DataFrame(pairs, schema={"a": pl.Int64, "b": pl.Int64}, orient="row")
    return level_shares(levels(table, frame, comparisons), comparisons)


def with_m(settings: Settings, m: dict[str, list[float]]) -> Settings:
    """Settings whose m probabilities are these."""
    data = copy.deepcopy(settings.raw)
    for entry in data["model"]["comparisons"]:
        for index, level in enumerate(entry["levels"]):
            level["m"] = round(max(m[entry["name"]][index], 1e-6), 6)
    return parse_settings(data, settings.file)
