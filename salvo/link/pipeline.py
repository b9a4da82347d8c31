"""The linking pipeline on a frame of reports: block, score, cluster.

These functions know nothing of the store: :mod:`salvo.link.linker` feeds
them the store's reports and writes back what they decide, and evaluations
feed them records.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from salvo.link.blocking import candidate_pairs
from salvo.link.clustering import cluster
from salvo.link.frame import prepare, records_frame
from salvo.link.scoring import calibrate, score
from salvo.link.settings import Settings, load_settings
from salvo.records import ReportRecord


SCORE_SLICE = 1_000_000
ENGINES = ("polars", "spark")


@dataclass
class Linkage:
    """What the pipeline decided: every report's group, the scored pairs, and how many pairs rules refused."""

    frame: pl.DataFrame
    scored: pl.DataFrame
    groups: dict[int, int]
    refused: int
    settings: Settings
    pairs_scored: int = 0


def group_pairs(frame: pl.DataFrame) -> list[tuple[int, int]]:
    """Pairs that join every report of one ``together`` group to the group's first report."""
    grouped = frame.filter(pl.col("together").is_not_null()).group_by("together").agg(pl.col("report_id").sort())
    return [(ids[0], other) for ids in grouped["report_id"].to_list() for other in ids[1:]]


def run(frame: pl.DataFrame, settings: Settings, *, focus: pl.Series | None = None,
        fixed: dict[int, str] | None = None, together: list[tuple[int, int]] = (),
        apart: list[tuple[int, int]] = (), calibrated: Settings | None = None, keep_all: bool = False,
        engine: str = "polars") -> Linkage:
    """Block, score and cluster a prepared link frame.

    `focus` limits the candidate pairs to those touching these report ids, and
    `fixed` gives the incident of every other report (an incremental run):
    those incidents enter the clustering as fixed groups, and only the ones
    that a scored pair touches are clustered at all, so the work follows what
    is new. `together` and `apart` are pairs joined or kept apart whatever
    their scores (analysts' decisions). The prior and u are first fitted to
    the frame (salvo.link.scoring.calibrate), unless `calibrated` settings
    are given (a calibration kept from the last run); the settings used are
    returned with the linkage, and `groups` covers the reports that were
    clustered. `scored` holds the pairs at or above the review threshold
    (every scored pair with `keep_all`), most probable first; `pairs_scored`
    counts them all. `engine` is where blocking and scoring run: ``polars``
    in this process, or ``spark`` (salvo.link.spark), with the same result.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown linking engine {engine!r}; use {' or '.join(ENGINES)}")
    settings = calibrated or calibrate(frame, settings)
    floor = 0.0 if keep_all else settings.review_threshold
    if engine == "spark":
        from salvo.link import spark

        scored, counted = spark.scored_pairs(frame, settings, focus=focus, floor=floor)
    else:
        scored, counted = _scored_pairs(frame, settings, focus, floor)
    # Ties broken by the pair, so that clustering sees the same order on every engine.
    scored = scored.sort(["probability", "a", "b"], descending=[True, False, False])
    linked = scored.filter(pl.col("probability") >= settings.link_threshold)
    clustered = frame if focus is None else _involved(frame, scored, focus, fixed or {}, together)
    exclusive = dict(zip(clustered["report_id"].to_list(), clustered["exclusive"].to_list()))
    rejected = set(apart)
    edges = ((a, b) for a, b in linked.select("a", "b").iter_rows() if (a, b) not in rejected)
    held = _held_together(clustered, fixed or {})
    groups, refused = cluster(clustered["report_id"].to_list(), exclusive, edges,
                              together=[*group_pairs(clustered), *held, *together], apart=apart)
    return Linkage(frame, scored, groups, refused, settings, counted)


def _scored_pairs(frame: pl.DataFrame, settings: Settings, focus: pl.Series | None,
                  floor: float) -> tuple[pl.DataFrame, int]:
    """The candidate pairs scored at or above `floor` in this process, and how many were scored."""
    pairs = candidate_pairs(frame, settings, focus)
    # Scored a slice at a time, keeping only the pairs that can matter: memory follows the slice.
    parts = [score(part, frame, settings).filter(pl.col("probability") >= floor)
             for part in pairs.iter_slices(SCORE_SLICE)]
    return (pl.concat(parts) if parts else score(pairs, frame, settings)), pairs.height


def _involved(frame: pl.DataFrame, scored: pl.DataFrame, focus: pl.Series, fixed: dict[int, str],
              together: list[tuple[int, int]]) -> pl.DataFrame:
    """The reports an incremental run clusters: the focus, every report a scored pair or decision names,
    and the other reports of their incidents and of their `together` groups."""
    ids = set(focus.to_list()) | set(scored["a"].to_list()) | set(scored["b"].to_list())
    ids |= {r for pair in together for r in pair}
    incidents = {fixed[r] for r in ids if r in fixed}
    ids |= {r for r, incident in fixed.items() if incident in incidents}
    chosen = frame.filter(pl.col("report_id").is_in(sorted(ids)))
    groups = chosen["together"].drop_nulls().unique()
    if groups.len():
        chosen = frame.filter(pl.col("report_id").is_in(sorted(ids)) | pl.col("together").is_in(groups.implode()))
    return chosen


def _held_together(frame: pl.DataFrame, fixed: dict[int, str]) -> list[tuple[int, int]]:
    """Pairs that hold each fixed incident's reports (among those clustered) together."""
    first: dict[str, int] = {}
    pairs = []
    for report in sorted(frame["report_id"].to_list()):
        incident = fixed.get(report)
        if incident is None:
            continue
        if incident in first:
            pairs.append((first[incident], report))
        else:
            first[incident] = report
    return pairs


def cluster_records(records: list[ReportRecord], settings: Settings | None = None, *,
                    engine: str = "polars") -> list[str]:
    """Link plain records (no store) and return each record's group label, in order.

    This is how linking is measured apart from the store: the news gold's
    incidents, synthetic report sets, hand-labelled dataset rows.
    """
    settings = settings or load_settings()
    frame = prepare(records_frame(records), settings)
    linkage = run(frame, settings, engine=engine)
    ids = frame["report_id"].to_list()
    return [str(linkage.groups[i]) for i in ids]


def cluster_frame(reports: pl.DataFrame, settings: Settings | None = None, *, engine: str = "polars") -> list[str]:
    """Link a reports frame (salvo.storage.report_frames' columns; no store) and return each row's group label."""
    from salvo.link.frame import BASE_SCHEMA

    settings = settings or load_settings()
    base = reports.with_columns(report_id=pl.int_range(pl.len(), dtype=pl.Int64), incident_id=pl.lit(None, pl.String))
    base = base.select(pl.col(name).cast(dtype) if name in base.columns else pl.lit(None, dtype).alias(name)
                       for name, dtype in BASE_SCHEMA.items())
    linkage = run(prepare(base, settings), settings, engine=engine)
    return [str(linkage.groups[i]) for i in range(base.height)]
