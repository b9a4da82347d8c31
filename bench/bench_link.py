"""Benchmark 5, link: synthetic reports of known truth linked into events, Salvo beside naive Splink.

For each size, ``salvo.link.synth.synth_frame`` writes the reports once to
``bench/.data/link-<events>-s<seed>.parquet`` (the ``event`` column is the
truth), reused by later runs. In every round two fresh processes read that
file: Salvo's ``cluster_frame`` (in memory, no store) and Splink 5 on DuckDB
with naive settings (exact date and country blocking; see
``tasks.splink_link_frame``). Each times its linking, from the frame in memory
to one label per report, and scores the labels against the truth (pairwise and
B-cubed precision, recall and F1, ``salvo.link.metrics``). Peak memory is the
child's own ``ru_maxrss``, reading the file included.

The incremental benchmark writes a set into a new SQLite store
(``write_synth``), links it (the full run), writes 1% more reports of new
events (another seed) and links again (the incremental run, which re-examines
only the new reports), in one process.
"""

from __future__ import annotations

from pathlib import Path

import measure
import report
from bench_import import Tool, remove_db

DATA_DIR = measure.BENCH_DIR / ".data"
REPORTS_PER_EVENT = 2.5
"""About synth_frame's reports per event (2.51, docs/synthetic.md): 40,000 events make 100,561 reports (seed 7)."""
TARGET_TIME_RATIO = 1.2
TARGET_MEMORY_RATIO = 1.2
TARGET_F1 = 0.95
TARGET_INCREMENTAL_SHARE = 0.10
TARGET_REPORTS = 1_000_000
INCREMENTAL_SEED_OFFSET = 1000
"""The added 1% is drawn with seed + this, so its events are new ones (row keys never collide)."""


def events_for(reports: int) -> int:
    """The number of synthetic events that gives about `reports` reports (at least 1)."""
    return max(1, round(reports / REPORTS_PER_EVENT))


def data_path(events: int, seed: int) -> Path:
    """Where the reports of `events` synthetic events of this seed are kept."""
    return DATA_DIR / f"link-{events}-s{seed}.parquet"


def ensure_data(events: int, seed: int, env: dict) -> Path:
    """The Parquet file of this size and seed, written now (in a child process) if it is missing."""
    path = data_path(events, seed)
    if path.exists():
        report.note(f"data: reusing {path.relative_to(measure.REPO)}")
        return path
    report.note(f"data: writing synth_frame({events:,}, seed={seed}) to {path.relative_to(measure.REPO)} ...")
    run = measure.run_task("link_write_data", env=env, events=events, seed=seed, path=str(path))
    if not run.ok:
        raise RuntimeError(f"could not write the synthetic reports: {run.failure()}")
    report.note(f"data: {run.result['reports']:,} reports in {run.result['seconds']:.1f} s "
                f"({path.stat().st_size / 1e6:,.1f} MB)")
    return path


def _limits(time_limit: float | None, memory_limit_mb: float | None) -> dict:
    return {"time_limit": time_limit, "memory_limit_mb": memory_limit_mb}


def run_benchmark(sizes: list[int], repeat: int, seed: int, incremental: list[int],
                  time_limit: float | None = None, memory_limit_mb: float | None = None) -> None:
    """Link each size `repeat` times with Salvo and Splink in turn, print a table per size, then the
    incremental benchmark at each size of `incremental` (empty: skipped)."""
    env = measure.child_env()
    report.heading(f"Benchmark 5 — link: synthetic reports into events, Salvo beside Splink (naive); "
                   f"median of {repeat}")
    if time_limit or memory_limit_mb:
        report.note(f"every child is stopped past {report.number(time_limit)} s or "
                    f"{report.number(memory_limit_mb)} MB resident")
    for reports in sizes:
        events = events_for(reports)
        try:
            path = ensure_data(events, seed, env)
        except RuntimeError as exc:
            report.note(f"skipped {reports:,}: {exc}")
            continue
        salvo, splink = Tool("Salvo cluster_frame"), Tool("Splink naive (DuckDB)")
        for round_number in range(1, repeat + 1):
            report.note(f"{reports:,} reports: round {round_number}/{repeat} ...")
            for tool, task in ((salvo, "salvo_link_frame"), (splink, "splink_link_frame")):
                run = measure.run_task(task, env=env, parquet_path=str(path), **_limits(time_limit, memory_limit_mb))
                tool.add(run, run.result.get("seconds"))
                if run.ok:
                    tool.detail.setdefault("runs", []).append(run.result)
                    tool.detail["last"] = run.result
        print_size(events, salvo, splink)
    for reports in incremental:
        run_incremental(reports, repeat, seed, env, time_limit, memory_limit_mb)


def _scores(tool: Tool) -> dict:
    """The median of each score over the tool's runs (they are deterministic, so every run agrees)."""
    runs = tool.detail.get("runs", [])
    keys = ("precision", "recall", "f1", "bcubed_f1", "bcubed_precision", "bcubed_recall", "clusters",
            "predicted_pairs", "true_pairs", "reports")
    return {k: measure.median(r.get(k) for r in runs) for k in keys}


def _ratio(salvo: float | None, peer: float | None) -> str:
    return "—" if not salvo or not peer else f"{salvo / peer:.2f}×"


def print_size(events: int, salvo: Tool, splink: Tool) -> None:
    """One table for one size: seconds, peak MB, pairwise P/R/F1 and B-cubed F1, and Salvo/Splink ratios."""
    figures = {}
    for tool in (salvo, splink):
        figures[tool.name] = (measure.median(tool.seconds), measure.median(tool.walls), measure.median(tool.peaks),
                              _scores(tool))
    reports = next((f[3]["reports"] for f in figures.values() if f[3]["reports"]), None)
    s_time, _, s_peak, s_scores = figures[salvo.name]
    p_time, _, p_peak, p_scores = figures[splink.name]
    rows = []
    for tool in (salvo, splink):
        seconds, wall, peak, scores = figures[tool.name]
        rows.append([tool.name, report.number(seconds, 1), report.number(wall, 1), report.number(peak),
                     report.number(scores["precision"], 3), report.number(scores["recall"], 3),
                     report.number(scores["f1"], 3), report.number(scores["bcubed_f1"], 3),
                     report.number(scores["clusters"])])
    rows.append(["Salvo / Splink", _ratio(s_time, p_time), "", _ratio(s_peak, p_peak),
                 "", "", _ratio(s_scores["f1"], p_scores["f1"]), _ratio(s_scores["bcubed_f1"], p_scores["bcubed_f1"]),
                 ""])
    title = f"link {report.number(reports)} reports ({events:,} events)" if reports else f"link {events:,} events"
    report.table(title, ["tool", "link s", "process s", "peak MB", "precision", "recall", "pairwise F1",
                         "B-cubed F1", "clusters"], rows,
                 caption="link s: Salvo = cluster_frame(reports); Splink = register + train (u, prior, EM x2) + "
                         "predict + cluster + fetch labels. Peak MB: the whole child (reading the Parquet included). "
                         "Scores against the synthetic truth.")
    report.note("each round (link s / peak MB / pairwise F1): " + "; ".join(
        f"{tool.name.split()[0]} " + ", ".join(
            f"{t:.1f}/{p:.0f}/{r.get('f1', 0):.3f}" for t, p, r in zip(tool.seconds, tool.peaks,
                                                                        tool.detail.get("runs", [])))
        for tool in (salvo, splink)))
    for tool in (salvo, splink):
        for failure in tool.failures[:1]:
            report.note(f"{tool.name} FAILED ({len(tool.failures)} of its runs): {failure}")
    if s_scores["true_pairs"]:
        report.note(f"true pairs {s_scores['true_pairs']:,.0f}; predicted pairs: Salvo "
                    f"{report.number(s_scores['predicted_pairs'])}, "
                    f"Splink {report.number(p_scores['predicted_pairs'])}")
    last = splink.detail.get("last")
    if last:
        phases = ", ".join(f"{name} {seconds:.1f}" for name, seconds in last["phases"].items())
        report.note(f"Splink {last['splink']} / DuckDB {last['duckdb']}: phases (s) {phases}; prior "
                    f"{last['prior']:.3g}; {last['predicted_pairs_over_threshold']:,} pairs >= 0.9; "
                    f"input conversion {last['convert_seconds']:.1f} s (not in link s)")
    s_last = salvo.detail.get("last")
    if s_last:
        report.note(f"Salvo: reading the Parquet {s_last['read_seconds']:.1f} s (not in link s)")
    scale = "" if reports and reports >= 0.9 * TARGET_REPORTS else f" (the target is stated for {TARGET_REPORTS:,})"
    report.target(f"time <= {TARGET_TIME_RATIO}× Splink's{scale}",
                  None if not s_time or not p_time else s_time <= TARGET_TIME_RATIO * p_time,
                  f"{_ratio(s_time, p_time)}")
    report.target(f"memory <= {TARGET_MEMORY_RATIO}× Splink's{scale}",
                  None if not s_peak or not p_peak else s_peak <= TARGET_MEMORY_RATIO * p_peak,
                  f"{_ratio(s_peak, p_peak)}")
    report.target(f"pairwise F1 >= {TARGET_F1}{scale}", None if s_scores["f1"] is None else s_scores["f1"] >= TARGET_F1,
                  report.number(s_scores["f1"], 3))


def run_incremental(reports: int, repeat: int, seed: int, env: dict, time_limit: float | None,
                    memory_limit_mb: float | None) -> None:
    """Full link of a new store, then 1% more reports and a second link; `repeat` rounds, one process each."""
    events = events_for(reports)
    add_events = max(1, events // 100)
    work = DATA_DIR / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    runs, failures, peaks, walls = [], [], [], []
    for round_number in range(1, repeat + 1):
        report.note(f"incremental, {reports:,} reports: round {round_number}/{repeat} ...")
        db = work / "salvo-link-incremental.db"
        remove_db(db)
        run = measure.run_task("salvo_link_incremental", env=env, db_path=str(db), events=events, seed=seed,
                               add_events=add_events, add_seed=seed + INCREMENTAL_SEED_OFFSET,
                               **_limits(time_limit, memory_limit_mb))
        remove_db(db)
        if run.ok:
            runs.append(run.result)
            peaks.append(run.peak_mb)
            walls.append(run.wall)
        else:
            failures.append(run.failure())
    print_incremental(events, add_events, runs, peaks, walls, failures)


def print_incremental(events: int, add_events: int, runs: list[dict], peaks: list[float], walls: list[float],
                      failures: list[str]) -> None:
    """The full and the incremental run's seconds, their ratio, peak memory and the store's scores."""
    def med(key: str) -> float | None:
        return measure.median(r.get(key) for r in runs)

    full, incremental = med("full_seconds"), med("incremental_seconds")
    share = incremental / full if full and incremental is not None else None
    reports, added = med("reports"), med("added_reports")
    rows = [
        ["write_synth (not part of the figure)", report.number(med("write_seconds"), 1), report.number(reports), ""],
        ["full link(store)", report.number(full, 1), report.number(reports), ""],
        ["write_synth of 1% more (new events)", report.number(med("add_write_seconds"), 1), report.number(added), ""],
        ["incremental link(store)", report.number(incremental, 1), report.number(added),
         "—" if share is None else f"{share:.1%}"],
    ]
    report.table(f"link, incremental (SQLite store): {report.number(reports)} reports + {report.number(added)} new",
                 ["step", "seconds", "reports", "of the full run"], rows,
                 caption=f"{events:,} events + {add_events:,} new ones (seed + {INCREMENTAL_SEED_OFFSET}); "
                         f"one process per round; peak {report.number(measure.median(peaks))} MB "
                         f"(after the full run {report.number(med('maxrss_after_full_mb'))} MB); process "
                         f"{report.number(measure.median(walls), 1)} s; store {report.number(med('db_mb'))} MB")
    report.note("each round (full s / incremental s / peak MB): " + ", ".join(
        f"{r['full_seconds']:.1f}/{r['incremental_seconds']:.1f}/{p:.0f}" for r, p in zip(runs, peaks)))
    if runs:
        last = runs[-1]
        f, i = last["full_summary"], last["incremental_summary"]
        report.note(f"full run: {f['reports']:,} reports, {f['pairs_scored']:,} pairs scored, "
                    f"{f['incidents_added']:,} incidents; incremental: focus {i['focus']:,}, "
                    f"{i['pairs_scored']:,} pairs scored, {i['incidents_added']:,} added, "
                    f"{i['incidents_updated']:,} updated, {i['incidents_merged']:,} merged")
        report.note(f"the store's incidents after both runs against the truth: pairwise P {last['precision']:.3f} "
                    f"R {last['recall']:.3f} F1 {last['f1']:.3f}; B-cubed F1 {last['bcubed_f1']:.3f}; "
                    f"{last['unlinked']:,} reports without an incident")
    for failure in failures[:1]:
        report.note(f"incremental FAILED ({len(failures)} of its runs): {failure}")
    report.target(f"incremental < {TARGET_INCREMENTAL_SHARE:.0%} of the full run", None if share is None
                  else share < TARGET_INCREMENTAL_SHARE, "—" if share is None else f"{share:.1%}")
