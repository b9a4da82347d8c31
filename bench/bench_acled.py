"""Benchmark 4, ACLED import: a million generated ACLED-format events from CSV into SQLite reports.

Salvo maps every row onto its codebook (dates and precisions, actor names,
country, gazetteer place, munition types and counts from the notes, target
category, scope) and writes one report and one provenance entry (the raw row
as JSON) per event, in one transaction. The peers load the same file with no
mapping at all: ``sqlite-utils insert --csv`` and plain ``csv.reader`` +
``sqlite3.executemany`` into one untyped table. Each run is a fresh process on
a new database; the tools take turns in every round. Peak memory is the
process's own plus that of any process it started.
"""

from __future__ import annotations

from pathlib import Path

import measure
import report
from bench_import import Tool, remove_db, run_peers

TARGET_ROWS_PER_SECOND = 50_000
TARGET_PEAK_MB = 500


def run_benchmark(csv_path: Path, rows: int, repeat: int, work: Path) -> None:
    """Import the file `repeat` times with each tool; print the table and the targets."""
    env = measure.child_env()
    work.mkdir(parents=True, exist_ok=True)
    report.heading(f"Benchmark 4 — ACLED-format import of {rows:,} events "
                   f"({csv_path.stat().st_size / 1e6:,.0f} MB) into SQLite reports; median of {repeat}")
    salvo = Tool("Salvo import_reports (mapped)")
    utils, plain = Tool("sqlite-utils insert --csv"), Tool("csv.reader + sqlite3.executemany")
    for round_number in range(1, repeat + 1):
        report.note(f"round {round_number}/{repeat} ...")
        db = work / "salvo-acled.db"
        remove_db(db)
        run = measure.run_task("salvo_import_reports", env=env, csv_path=str(csv_path), db_path=str(db), fmt="acled")
        salvo.add(run, run.result.get("seconds"))
        if run.ok:
            salvo.detail = run.result
            # Any child process's memory counts too (the sum, not the larger).
            salvo.peaks[-1] = run.result["self_maxrss_mb"] + run.result.get("children_maxrss_mb", 0)
        remove_db(db)
        run_peers(csv_path, "events", work, env, utils, plain)
    print_table(salvo, utils, plain, rows)


def print_table(salvo: Tool, utils: Tool, plain: Tool, rows: int) -> None:
    """Rows/s, time and peak memory of each tool, with Salvo's ratio to each peer."""
    figures = {}
    for tool in (salvo, utils, plain):
        seconds = measure.median(tool.seconds)
        figures[tool.name] = (rows / seconds if seconds else None, seconds, measure.median(tool.walls),
                              measure.median(tool.peaks))
    salvo_rate, _, _, salvo_peak = figures[salvo.name]
    table = []
    for tool in (salvo, utils, plain):
        rate, seconds, wall, peak = figures[tool.name]
        mine = tool is salvo
        table.append([
            tool.name, report.number(rate), report.number(seconds, 1), report.number(wall, 1), report.number(peak),
            "—" if mine else report.faster(salvo_rate, rate, higher_is_better=True),
            "—" if mine else report.memory_ratio(salvo_peak, peak),
        ])
    report.table("acled", ["tool", "rows/s", "time s", "process s", "peak MB", "Salvo speed", "Salvo memory"], table,
                 caption="time: Salvo = connect (schema) + import_reports; csv+sqlite3 = connect + insert + commit; "
                         "sqlite-utils = whole CLI process.")
    report.note("each round (time s / peak MB): " + "; ".join(
        f"{tool.name.split()[0]} " + ", ".join(f"{t:.1f}/{p:.0f}" for t, p in zip(tool.seconds, tool.peaks))
        for tool in (salvo, utils, plain)))
    for tool in (salvo, utils, plain):
        for failure in tool.failures[:1]:
            report.note(f"{tool.name} FAILED ({len(tool.failures)} of its runs): {failure}")
    if salvo.detail:
        d = salvo.detail
        report.note(f"Salvo: {d['rows']:,} rows, {d['added']:,} reports added, {d['rejected']:,} rejected, "
                    f"{d['out_of_scope']:,} out of scope, {d['unresolved_actors']:,} unresolved actor names")
    report.target(f">= {TARGET_ROWS_PER_SECOND:,} rows/s",
                  None if salvo_rate is None else salvo_rate >= TARGET_ROWS_PER_SECOND,
                  f"{report.number(salvo_rate)} rows/s")
    report.target(f"< {TARGET_PEAK_MB} MB peak", None if salvo_peak is None else salvo_peak < TARGET_PEAK_MB,
                  f"{report.number(salvo_peak)} MB")
