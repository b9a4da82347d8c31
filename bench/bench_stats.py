"""Benchmark 2, statistics: projectiles by year and munition type over a million incidents.

Salvo answers ``stats(store, by=["year", "munition"])`` from a fact table it
reads from the store once and keeps (in memory, and as Parquet in its cache
keyed by the store's revision). The figure that matters is the warm call, the
one an analyst's second and later questions pay; the cold first call (with and
without the Parquet cache) and the whole ``salvo stats`` command are printed
too, so the cost of warming is not hidden.

Peers run the same count on the same rows: one SQLite ``GROUP BY`` over the
store's tables, and DuckDB over the same two tables loaded into memory (only
the query is timed; the load is shown apart). All must give the same numbers.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import measure
import report

TARGET_WARM_SECONDS = 0.100
SALVO_CLI = measure.REPO / ".venv" / "bin" / "salvo"


@dataclass
class Series:
    """The runs of one way of answering: first-call and warm times, process walls, peaks, results."""

    name: str
    first: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    loads: list[float] = field(default_factory=list)
    rows: list | None = None
    failures: list[str] = field(default_factory=list)
    per_process: list[str] = field(default_factory=list)

    def add(self, run: measure.Run) -> None:
        """Record one child's figures (or its failure)."""
        if not run.ok:
            self.failures.append(run.failure())
            return
        result = run.result
        if "first_seconds" in result:
            self.first.append(result["first_seconds"])
        self.warm.extend(result.get("warm_seconds", []))
        if "load_seconds" in result:
            self.loads.append(result["load_seconds"])
        self.walls.append(run.wall)
        self.peaks.append(run.peak_mb)
        figures = [report.ms(result[key]) for key in ("load_seconds", "first_seconds") if key in result]
        if result.get("warm_seconds"):
            figures.append(report.ms(measure.median(result["warm_seconds"])))
        self.per_process.append("/".join(figures or [report.ms(run.wall)]) + f"/{run.peak_mb:.0f}")
        if self.rows is None and "rows" in result:
            self.rows = result["rows"]


def cli_rows(stdout: str) -> list:
    """[year, munition, count] rows from `salvo stats --format json` output."""
    return [[r["year"], r["munition"], int(r["count"])] for r in json.loads(stdout)]


def agree(results: dict[str, list | None]) -> tuple[bool, list[str]]:
    """Whether every tool's rows give the same counts; lines naming the differences when not."""
    counts = {name: {(y, m): c for y, m, c in rows} for name, rows in results.items() if rows is not None}
    if len(counts) < len(results):
        missing = [name for name, rows in results.items() if rows is None]
        return False, [f"no result from {', '.join(missing)}"]
    names = list(counts)
    reference = counts[names[0]]
    differences = []
    for name in names[1:]:
        for key in sorted(set(reference) | set(counts[name]), key=str):
            if reference.get(key) != counts[name].get(key):
                differences.append(f"{key}: {names[0]}={reference.get(key)} {name}={counts[name].get(key)}")
    return not differences, differences[:10]


def run_benchmark(salvo_db: Path, incidents: int, repeat: int, import_summary: dict) -> None:
    """Time Salvo's statistics and its peers' `repeat` times each, print the table and whether results agree."""
    calls = max(10, repeat)
    data = salvo_db.parent
    cold_cache = data / "tmp" / "cache-cold"
    env = measure.child_env()
    report.heading(f"Benchmark 2 — statistics: projectiles by year and munition, {incidents:,} incidents "
                   f"({import_summary.get('rows', 0):,} munition lines); median of {repeat} processes, "
                   f"warm figures over {calls} calls each")
    db = str(salvo_db)
    measure.run_task("salvo_stats", env=env, db_path=db, calls=0)  # fill the kept Parquet cache (untimed)
    cold, cached, cli = Series("cold"), Series("cached"), Series("cli")
    sqlite, duck = Series("sqlite"), Series("duckdb")
    cli_result = None
    for round_number in range(1, repeat + 1):
        report.note(f"round {round_number}/{repeat} ...")
        shutil.rmtree(cold_cache, ignore_errors=True)
        cold.add(measure.run_task("salvo_stats", env=measure.child_env(SALVO_CACHE_DIR=str(cold_cache)),
                                  db_path=db, calls=calls))
        cached.add(measure.run_task("salvo_stats", env=env, db_path=db, calls=calls))
        run = measure.run([str(SALVO_CLI), "stats", "--db", db, "--by", "year,munition", "--format", "json"], env=env)
        cli.add(run)
        if run.ok and cli_result is None:
            try:
                cli_result = cli_rows(run.stdout)
            except (ValueError, KeyError, TypeError) as exc:
                cli.failures.append(f"unreadable JSON output: {exc}")
        sqlite.add(measure.run_task("sqlite_stats", env=env, db_path=db, calls=calls))
        duck.add(measure.run_task("duckdb_stats", env=env, db_path=db, calls=calls,
                                  work_dir=str(data / "tmp")))
    shutil.rmtree(cold_cache, ignore_errors=True)
    print_table(cold, cached, cli, sqlite, duck)
    ok, differences = agree({"Salvo stats()": cold.rows, "salvo stats CLI": cli_result,
                             "SQLite": sqlite.rows, "DuckDB": duck.rows})
    totals = f" ({len(cold.rows or [])} groups, {sum(r[2] for r in cold.rows or []):,} projectiles)" if ok else ""
    report.note(f"results agree: {'yes' if ok else 'no'}{totals}")
    for line in differences:
        report.note(f"  {line}")
    warm = measure.median(cold.warm + cached.warm)
    report.target(f"warm stats() call < {TARGET_WARM_SECONDS * 1000:.0f} ms",
                  None if warm is None else warm < TARGET_WARM_SECONDS, f"{report.ms(warm)} ms")


def print_table(cold: Series, cached: Series, cli: Series, sqlite: Series, duck: Series) -> None:
    """The statistics table: each way of answering, its median time, peak memory and ratio to the peers."""
    sqlite_warm, duck_warm = measure.median(sqlite.warm), measure.median(duck.warm)
    salvo_warm = measure.median(cold.warm + cached.warm)
    salvo_peak = measure.median(cold.peaks + cached.peaks)

    def salvo_row(label, seconds, peak):
        """A Salvo row: its time and peak, and its time against each peer's warm query."""
        return [label, report.ms(seconds), report.number(peak),
                report.faster(seconds, sqlite_warm, higher_is_better=False),
                report.faster(seconds, duck_warm, higher_is_better=False), "—"]

    def peer_row(label, seconds, peak):
        """A peer row: its time and peak, and Salvo's warm-process memory against it."""
        return [label, report.ms(seconds), report.number(peak), "—", "—",
                report.memory_ratio(salvo_peak, peak) if peak else "—"]

    rows = [
        salvo_row("Salvo stats() warm, in-process", salvo_warm, salvo_peak),
        salvo_row("Salvo stats() first call, fresh process, no cache", measure.median(cold.first),
                  measure.median(cold.peaks)),
        salvo_row("Salvo stats() first call, fresh process, Parquet cached", measure.median(cached.first),
                  measure.median(cached.peaks)),
        salvo_row("salvo stats --format json (whole command)", measure.median(cli.walls), measure.median(cli.peaks)),
        peer_row("SQLite GROUP BY, warm", sqlite_warm, measure.median(sqlite.peaks)),
        peer_row("SQLite GROUP BY, first query in fresh process", measure.median(sqlite.first), None),
        peer_row("DuckDB in-memory query, warm", duck_warm, measure.median(duck.peaks)),
        peer_row("DuckDB load of the two tables (not in query)", measure.median(duck.loads), None),
    ]
    report.table("statistics", ["how", "time ms", "peak MB", "Salvo vs SQLite warm", "Salvo vs DuckDB warm",
                  "Salvo memory"],
                 rows,
                 caption=("time ratios: each Salvo figure against the peer's warm query. peak MB: the whole child "
                          "process; Salvo memory: Salvo's stats() process against the peer's process."))
    named = ((cold, "Salvo stats() (no cache)"), (cached, "Salvo stats() (cached)"),
             (cli, "salvo stats CLI"), (sqlite, "SQLite"), (duck, "DuckDB"))
    report.note("each process ([load/]first/warm-median ms, or wall ms; /peak MB): "
                + "; ".join(f"{label}: {', '.join(series.per_process)}" for series, label in named))
    for series, label in named:
        for failure in series.failures[:1]:
            report.note(f"{label} FAILED ({len(series.failures)} runs): {failure}")
