"""Benchmark 6, export: every incident of the store Salvo built in benchmark 1, written out as CSV.

Salvo's ``export(store, "csv", path)`` streams the incidents with their
munition lines and sources from the store (salvo.storage.queries: one query
in id order, read in batches) into its interchange CSV (one row per munition
line, values formatted as docs/format.md says, spreadsheet-safe). Its peers
dump the same join, incidents LEFT JOIN munition_lines ordered by incident id
and line position, every column Salvo writes, as CSV, in the same run:

* SQLite's own ``sqlite3 -csv -header DB "SELECT ..."`` (the CLI, when it is
  installed; otherwise Python's sqlite3 module with ``csv.writer`` over the
  same query, and the table says so);
* DuckDB's ``COPY (SELECT ...) TO 'x.csv'``, over ``sqlite_scan`` of the
  store when DuckDB's sqlite extension is installed, else over ``read_parquet``
  of the two tables copied to Parquet beforehand (untimed: the extension is
  fetched from the internet, which the benchmarks never do).

The peers write raw stored values (ISO dates, 0/1 flags, the sources' JSON)
where Salvo writes the interchange format; the bytes differ, the rows must
not. Plain Python writing the same join with ``csv.writer`` and no formatting
is timed too, as the floor of any exporter written in Python. The run also
times the first page of ``salvo incidents`` (the whole command, and
``queries.page`` in-process) for a few filters.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import measure
import report

TARGET_PEER_SHARE = 0.5
TARGET_FIRST_PAGE_SECONDS = 1.0
SALVO_CLI = measure.REPO / ".venv" / "bin" / "salvo"
INCIDENT_COLUMNS = ("id", "date", "date_precision", "country", "location", "place_id", "latitude", "longitude",
                    "location_precision", "target", "target_category", "actor_id", "actor_name", "attribution",
                    "killed", "killed_low", "killed_high", "injured", "injured_low", "injured_high", "status",
                    "notes", "sources")
LINE_COLUMNS = ("munition_type", "count", "count_estimate", "intercepted", "impacted", "failed")
JOIN = ("SELECT " + ", ".join([f"i.{c}" for c in INCIDENT_COLUMNS] + [f"m.{c}" for c in LINE_COLUMNS])
        + " FROM {incidents} i LEFT JOIN {lines} m ON m.incident_id = i.id ORDER BY i.id, m.position")
SQLITE_QUERY = JOIN.format(incidents="incidents", lines="munition_lines")
PAGE_FILTERS = {"no filter": [], "--country IQ": ["--country", "IQ"],
                "--year 2021 --munition uav": ["--year", "2021", "--munition", "uav"]}


@dataclass
class Tool:
    """One way of writing the CSV: its timed seconds, process walls, peaks, output rows and notes."""

    name: str
    seconds: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)
    extra: list[float] = field(default_factory=list)
    rows: int | None = None
    megabytes: float | None = None
    failures: list[str] = field(default_factory=list)

    def add(self, run: measure.Run, seconds: float | None, output: Path | None) -> None:
        """Record one run (or its failure); count the output's CSV records the first time."""
        if not run.ok:
            self.failures.append(run.failure())
            return
        self.seconds.append(seconds if seconds is not None else run.wall)
        self.walls.append(run.wall)
        self.peaks.append(run.peak_mb)
        if output is not None and output.exists():
            self.megabytes = output.stat().st_size / 1e6
            if self.rows is None:
                self.rows = csv_records(output)
            output.unlink()


def csv_records(path: Path) -> int:
    """How many records (header excluded) a CSV file holds, quoted newlines and all."""
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


# Child processes: each function runs alone in a fresh `python -c` and prints one BENCH_RESULT line.


def run_child(name: str, env: dict, **kwargs) -> measure.Run:
    """Run the function `name` of this module in a fresh process (as measure.run_task does for tasks.py)."""
    code = (f"import sys; sys.path.insert(0, {str(measure.BENCH_DIR)!r}); import bench_export; "
            f"bench_export.child({name!r}, {json.dumps(kwargs)!r})")
    return measure.run([measure.PYTHON, "-c", code], env=env, cwd=measure.REPO)


def child(name: str, arguments: str) -> None:
    """The child's side of run_child: call the function, print its result (or error) and peak memory as JSON."""
    import resource
    import traceback

    try:
        result = globals()[name](**json.loads(arguments))
    except Exception as exc:  # a failure is a figure, not a crash of the whole run
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    result["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(measure.RESULT_PREFIX + json.dumps(result) + "\n")
    sys.stdout.flush()


def salvo_export(db_path: str, out_path: str) -> dict:
    """Salvo: open the store and export every incident as interchange CSV."""
    from salvo.exports import export
    from salvo.storage import connect

    start = time.perf_counter()
    store = connect(f"sqlite:///{db_path}")
    connected = time.perf_counter()
    incidents = export(store, "csv", Path(out_path))
    done = time.perf_counter()
    store.dispose()
    return {"seconds": done - start, "connect_seconds": connected - start, "incidents": incidents}


def python_sqlite_export(db_path: str, out_path: str) -> dict:
    """Peer when the sqlite3 CLI is missing: Python's sqlite3 and csv.writer over the same join."""
    import sqlite3

    start = time.perf_counter()
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    cursor = conn.execute(SQLITE_QUERY)
    with open(out_path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([d[0] for d in cursor.description])
        while rows := cursor.fetchmany(10_000):
            writer.writerows(rows)
    return {"seconds": time.perf_counter() - start}


def duckdb_export(db_path: str, out_path: str, parquet_dir: str) -> dict:
    """Peer: DuckDB's COPY of the join to CSV, from sqlite_scan when its extension is installed, else Parquet."""
    import duckdb

    duck = duckdb.connect()
    installed = duck.execute("SELECT installed FROM duckdb_extensions() WHERE extension_name = 'sqlite_scanner'")
    if (installed.fetchone() or [False])[0]:
        duck.execute("LOAD sqlite")
        source = "sqlite_scan"
        query = JOIN.format(incidents=f"sqlite_scan('{db_path}', 'incidents')",
                            lines=f"sqlite_scan('{db_path}', 'munition_lines')")
    else:
        source = "read_parquet"
        folder = Path(parquet_dir)
        query = JOIN.format(incidents=f"read_parquet('{folder / 'incidents.parquet'}')",
                            lines=f"read_parquet('{folder / 'munition_lines.parquet'}')")
    start = time.perf_counter()
    duck.execute(f"COPY ({query}) TO '{out_path}' (HEADER, DELIMITER ',')")
    return {"seconds": time.perf_counter() - start, "source": source, "duckdb": duckdb.__version__}


def parquet_copy(db_path: str, parquet_dir: str) -> dict:
    """Copy the two tables DuckDB reads into Parquet files (untimed preparation, kept for the run)."""
    import sqlite3

    import polars as pl

    start = time.perf_counter()
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    folder = Path(parquet_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for table, columns in (("incidents", INCIDENT_COLUMNS), ("munition_lines", ("incident_id", "position",
                                                                                *LINE_COLUMNS))):
        frame = pl.read_database(f"SELECT {', '.join(columns)} FROM {table}", connection=source,
                                 infer_schema_length=None)
        frame.write_parquet(folder / f"{table}.parquet")
        del frame
    return {"seconds": time.perf_counter() - start}


def salvo_page(db_path: str, filters: list[str], calls: int) -> dict:
    """Salvo in-process: the first page of incidents for these `salvo incidents` filter options."""
    from salvo.analysis import Filters
    from salvo.storage import connect, queries

    chosen: dict = {}
    for name, value in zip(filters[::2], filters[1::2]):
        name = name.removeprefix("--")
        chosen[name] = [int(value)] if name == "year" else [value]
    store = connect(f"sqlite:///{db_path}")
    selection = Filters(**chosen).normalised()
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        records, cursor = queries.page(store, selection, limit=50)
        times.append(time.perf_counter() - start)
    return {"first_seconds": times[0], "warm_seconds": times[1:], "rows": len(records)}


# The parent: rounds, the table, the targets.


def sqlite_cli() -> str | None:
    """The sqlite3 command, when it is installed."""
    return shutil.which("sqlite3")


def run_benchmark(salvo_db: Path, incidents: int, repeat: int) -> None:
    """Export `repeat` times with Salvo and each peer, taking turns; print the table, the first pages, the targets."""
    env = measure.child_env()
    work = salvo_db.parent / "tmp" / "export"
    work.mkdir(parents=True, exist_ok=True)
    report.heading(f"Benchmark 6 — export {incidents:,} incidents to CSV; median of {repeat}")
    cli = sqlite_cli()
    salvo = Tool("Salvo export(store, 'csv')")
    sqlite = Tool("sqlite3 -csv (the CLI)" if cli else "Python sqlite3 + csv.writer (no sqlite3 CLI here)")
    duck = Tool("DuckDB COPY ... TO csv")
    floor = Tool("Python sqlite3 + csv.writer (Python's floor)") if cli else None
    prepared = run_child("parquet_copy", env, db_path=str(salvo_db), parquet_dir=str(work))
    if not prepared.ok:
        report.note(f"DuckDB's Parquet copy failed: {prepared.failure()}")
    duck_source = None
    for round_number in range(1, repeat + 1):
        report.note(f"round {round_number}/{repeat} ...")
        out = work / "salvo.csv"
        run = run_child("salvo_export", env, db_path=str(salvo_db), out_path=str(out))
        salvo.add(run, run.result.get("seconds"), out)
        if run.ok:
            salvo.extra.append(run.result["connect_seconds"])
        out = work / "sqlite.csv"
        if cli:
            run = measure.run(["sh", "-c", 'exec "$0" -readonly -csv -header "$1" "$2" > "$3"', cli, str(salvo_db),
                               SQLITE_QUERY, str(out)], env=env)
            sqlite.add(run, None, out)
        else:
            run = run_child("python_sqlite_export", env, db_path=str(salvo_db), out_path=str(out))
            sqlite.add(run, run.result.get("seconds"), out)
        out = work / "duckdb.csv"
        run = run_child("duckdb_export", env, db_path=str(salvo_db), out_path=str(out), parquet_dir=str(work))
        duck.add(run, run.result.get("seconds"), out)
        duck_source = run.result.get("source", duck_source)
        if floor is not None:
            out = work / "python.csv"
            run = run_child("python_sqlite_export", env, db_path=str(salvo_db), out_path=str(out))
            floor.add(run, run.result.get("seconds"), out)
    print_table(salvo, sqlite, duck, floor, incidents, duck_source, prepared)
    pages = first_pages(salvo_db, repeat, env)
    shutil.rmtree(work, ignore_errors=True)
    salvo_seconds, peer_seconds = measure.median(salvo.seconds), measure.median(sqlite.seconds)
    share = peer_seconds / salvo_seconds if salvo_seconds and peer_seconds else None
    report.target(f">= {TARGET_PEER_SHARE:.1f}× the speed of {sqlite.name}", None if share is None
                  else share >= TARGET_PEER_SHARE, "—" if share is None else f"{share:.2f}×")
    slowest = max((seconds for seconds in pages.values() if seconds is not None), default=None)
    report.target(f"first page of `salvo incidents` (whole command) < {TARGET_FIRST_PAGE_SECONDS:.0f} s",
                  None if slowest is None else slowest < TARGET_FIRST_PAGE_SECONDS,
                  "—" if slowest is None else f"slowest filter {slowest:.2f} s")


def print_table(salvo: Tool, sqlite: Tool, duck: Tool, floor: Tool | None, incidents: int, duck_source: str | None,
                prepared: measure.Run) -> None:
    """The export table: incidents/s, CSV rows/s, time, peak memory, size, and Salvo against each peer.

    `floor`, when the sqlite3 CLI is there, is plain Python writing the same join with no formatting at
    all: what any exporter written in Python can at best do.
    """
    salvo_seconds, salvo_peak = measure.median(salvo.seconds), measure.median(salvo.peaks)
    tools = [tool for tool in (salvo, sqlite, duck, floor) if tool is not None]
    rows = []
    for tool in tools:
        seconds, peak = measure.median(tool.seconds), measure.median(tool.peaks)
        mine = tool is salvo
        rows.append([
            tool.name, report.number(incidents / seconds if seconds else None),
            report.number(tool.rows / seconds if seconds and tool.rows else None), report.number(seconds, 1),
            report.number(measure.median(tool.walls), 1), report.number(peak), report.number(tool.megabytes),
            "—" if mine else report.faster(salvo_seconds, seconds, higher_is_better=False),
            "—" if mine else report.memory_ratio(salvo_peak, peak),
        ])
    report.table(
        "export", ["tool", "incidents/s", "CSV rows/s", "time s", "process s", "peak MB", "MB written",
                   "Salvo speed", "Salvo memory"], rows,
        caption=("time: Salvo = connect + export(); sqlite3 CLI = the whole process; DuckDB = the COPY statement "
                 f"(over {duck_source or '?'}). process s: the whole child process."))
    report.note("each round (time s / peak MB): " + "; ".join(
        f"{tool.name.split()[0]} " + ", ".join(f"{t:.1f}/{p:.0f}" for t, p in zip(tool.seconds, tool.peaks))
        for tool in tools))
    if salvo.extra:
        report.note(f"Salvo's connect (schema check) took {measure.median(salvo.extra):.2f} s of its time")
    if duck_source == "read_parquet" and prepared.ok:
        report.note(f"DuckDB's sqlite extension is not installed (it would be downloaded): DuckDB read the two "
                    f"tables from Parquet copies made beforehand in {prepared.result['seconds']:.1f} s, not timed")
    counts = {tool.name: tool.rows for tool in tools}
    agree = len(set(counts.values())) == 1 and None not in counts.values()
    report.note(f"CSV records agree: {'yes' if agree else 'no'} ("
                + ", ".join(f"{name.split()[0]} {report.number(n)}" for name, n in counts.items()) + ")")
    for tool in tools:
        for failure in tool.failures[:1]:
            report.note(f"{tool.name} FAILED ({len(tool.failures)} of its runs): {failure}")


def first_pages(salvo_db: Path, repeat: int, env: dict) -> dict[str, float | None]:
    """Time the first page of `salvo incidents` for each filter: the whole command, and page() in-process."""
    rows, walls = [], {}
    for label, options in PAGE_FILTERS.items():
        commands, inside, failures = [], [], []
        for _ in range(repeat):
            run = measure.run([str(SALVO_CLI), "incidents", "--db", str(salvo_db), *options, "--format", "json"],
                              env=env)
            if run.ok:
                commands.append(run.wall)
            else:
                failures.append(run.failure())
            run = run_child("salvo_page", env, db_path=str(salvo_db), filters=options, calls=3)
            if run.ok:
                inside.append(run.result["first_seconds"])
                inside.extend(run.result["warm_seconds"])
            else:
                failures.append(run.failure())
        walls[label] = measure.median(commands)
        rows.append([label, report.ms(walls[label]), report.ms(measure.median(inside)),
                     failures[0].splitlines()[-1] if failures else ""])
    report.table("first page of `salvo incidents` (50 incidents, by date)",
                 ["filters", "whole command ms", "queries.page() ms", "failure"], rows,
                 caption="whole command: a fresh `salvo incidents --format json` process, interpreter start, imports "
                         "and opening the store included; page(): the query and records, in-process (median).")
    return walls


if __name__ == "__main__":
    sys.exit("run through bench/run.py --only export")
