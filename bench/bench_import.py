"""Benchmark 1, import: a million generated incidents from CSV into SQLite.

Salvo validates every cell, resolves every location and actor name through its
gazetteer and codebook, and writes incidents, munition lines, sources and, for
each incident, the analyst's report it rests on with its provenance (the raw
row), in one transaction. Its peers do less and so bound what is
possible: ``sqlite-utils insert --csv`` (a popular CLI, one typed table) and
plain ``csv.reader`` + ``sqlite3.executemany`` (one untyped table, no checks:
the practical limit for Python). Each run is a fresh process on a new file; the
tools take turns in every round so that machine noise falls on all of them.

Salvo's first successful database is kept as bench/.data/salvo-<n>-s<seed>.db
for the statistics benchmark.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import measure
import report

TARGET_ROWS_PER_SECOND = 50_000
TARGET_PEAK_MB = 500
SQLITE_UTILS = measure.REPO / ".venv" / "bin" / "sqlite-utils"


@dataclass
class Tool:
    """One importer's runs: the seconds its operation took, its process wall times and peak memory."""

    name: str
    seconds: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    detail: dict = field(default_factory=dict)

    def add(self, run: measure.Run, seconds: float | None) -> None:
        """Record one run (or its failure)."""
        if not run.ok:
            self.failures.append(run.failure())
            return
        self.seconds.append(seconds if seconds is not None else run.wall)
        self.walls.append(run.wall)
        self.peaks.append(run.peak_mb)


def remove_db(path: Path) -> None:
    """Delete a SQLite database and its side files."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def marker(db: Path) -> Path:
    """The file that says a kept Salvo database is complete, with its import summary."""
    return db.with_name(db.name + ".json")


def keep_db(source: Path, target: Path, summary: dict) -> None:
    """Move a finished Salvo database into place for the statistics benchmark."""
    remove_db(target)
    marker(target).unlink(missing_ok=True)
    for suffix in ("", "-wal"):
        if Path(f"{source}{suffix}").exists():
            shutil.move(f"{source}{suffix}", f"{target}{suffix}")
    marker(target).write_text(json.dumps(summary))


def ensure_salvo_db(csv_path: Path, target: Path, env: dict) -> dict:
    """The Salvo database built from `csv_path`, imported once (untimed) if it is not there yet."""
    if target.exists() and marker(target).exists():
        return json.loads(marker(target).read_text())
    report.note(f"building {target.name} with Salvo (one untimed import) ...")
    scratch = target.with_name(target.name + ".building")
    remove_db(scratch)
    run = measure.run_task("salvo_import", env=env, csv_path=str(csv_path), db_path=str(scratch))
    if not run.ok:
        raise RuntimeError(f"Salvo could not import {csv_path}: {run.failure()}")
    keep_db(scratch, target, run.result)
    return run.result


def run_benchmark(csv_path: Path, incidents: int, csv_rows: int, repeat: int, salvo_db: Path) -> None:
    """Import the file `repeat` times with each tool, print the table and the targets."""
    env = measure.child_env()
    work = salvo_db.parent / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    report.heading(f"Benchmark 1 — import {incidents:,} incidents ({csv_rows:,} CSV rows, "
                   f"{csv_path.stat().st_size / 1e6:,.0f} MB) into SQLite; median of {repeat}")
    salvo, utils, plain = Tool("Salvo import_file (validated)"), Tool("sqlite-utils insert --csv"), \
        Tool("csv.reader + sqlite3.executemany")
    kept = False
    for round_number in range(1, repeat + 1):
        report.note(f"round {round_number}/{repeat} ...")
        db = work / "salvo.db"
        remove_db(db)
        run = measure.run_task("salvo_import", env=env, csv_path=str(csv_path), db_path=str(db))
        salvo.add(run, run.result.get("seconds"))
        if run.ok:
            salvo.detail = {**run.result, **stored_counts(db)}
            if not kept:
                keep_db(db, salvo_db, run.result)
                kept = True
        remove_db(db)
        run_peers(csv_path, "incidents", work, env, utils, plain)
    print_table(salvo, utils, plain, incidents, csv_rows)


def stored_counts(db: Path) -> dict:
    """How many reports and provenance entries a Salvo database holds (read after the timed run)."""
    import sqlite3

    with sqlite3.connect(db) as conn:
        return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("reports", "provenance")}


def run_peers(csv_path: Path, table: str, work: Path, env: dict, utils: Tool, plain: Tool) -> None:
    """One round of the peers on a CSV: sqlite-utils, then csv + sqlite3, each on a new database."""
    db = work / f"sqlite-utils-{table}.db"
    remove_db(db)
    utils.add(measure.run([str(SQLITE_UTILS), "insert", str(db), table, str(csv_path), "--csv"], env=env), None)
    remove_db(db)
    db = work / f"plain-{table}.db"
    remove_db(db)
    run = measure.run_task("plain_import", env=env, csv_path=str(csv_path), db_path=str(db))
    plain.add(run, run.result.get("seconds"))
    remove_db(db)


def print_table(salvo: Tool, utils: Tool, plain: Tool, incidents: int, csv_rows: int) -> None:
    """The import table: rows/s, incidents/s, time, peak memory, and Salvo's ratio to each peer."""
    figures = {}
    for tool in (salvo, utils, plain):
        seconds = measure.median(tool.seconds)
        figures[tool.name] = (csv_rows / seconds if seconds else None, seconds,
                              measure.median(tool.walls), measure.median(tool.peaks))
    salvo_rate, _, _, salvo_peak = figures[salvo.name]
    rows = []
    for tool in (salvo, utils, plain):
        rate, seconds, wall, peak = figures[tool.name]
        mine = tool is salvo
        rows.append([
            tool.name, report.number(rate), report.number(incidents / seconds if seconds else None),
            report.number(seconds, 1), report.number(wall, 1), report.number(peak),
            "—" if mine else report.faster(salvo_rate, rate, higher_is_better=True),
            "—" if mine else report.memory_ratio(salvo_peak, peak),
        ])
    report.table(
        "import", ["tool", "rows/s", "incidents/s", "time s", "process s", "peak MB", "Salvo speed", "Salvo memory"],
        rows,
        caption=("time: Salvo = connect (schema) + import_file; csv+sqlite3 = connect + insert + commit; "
                 "sqlite-utils = whole CLI process. process s: whole child process including interpreter start."),
    )
    report.note("each round (time s / peak MB): " + "; ".join(
        f"{tool.name.split()[0]} " + ", ".join(f"{t:.1f}/{p:.0f}" for t, p in zip(tool.seconds, tool.peaks))
        for tool in (salvo, utils, plain)))
    for tool in (salvo, utils, plain):
        for failure in tool.failures[:1]:
            report.note(f"{tool.name} FAILED ({len(tool.failures)} of its runs): {failure}")
    if salvo.detail:
        d = salvo.detail
        report.note(f"Salvo: {d['rows']:,} rows, {d['incidents']:,} incidents, {d['added']:,} added "
                    f"({d.get('reports', 0):,} reports, {d.get('provenance', 0):,} provenance entries), "
                    f"{d['rejected']:,} rejected, {d['unresolved_actors']:,} unresolved actor names; "
                    f"schema setup {d['connect_seconds']:.2f} s of the time")
    target(salvo_rate, salvo_peak)


def target(rate: float | None, peak: float | None) -> None:
    """Print Salvo's import targets against this run's figures."""
    report.target(f">= {TARGET_ROWS_PER_SECOND:,} validated rows/s",
                  None if rate is None else rate >= TARGET_ROWS_PER_SECOND, f"{report.number(rate)} rows/s")
    report.target(f"< {TARGET_PEAK_MB} MB peak", None if peak is None else peak < TARGET_PEAK_MB,
                  f"{report.number(peak)} MB")
