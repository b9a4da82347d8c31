"""The operations the benchmarks measure, each run alone in a fresh child process.

:func:`measure.run_task` starts ``python -c "...; tasks.main(name, args)"``;
the task does its work, times the part that matters with ``perf_counter`` and
prints one ``BENCH_RESULT {json}`` line. Only the standard library is imported
at module level, so each child's peak memory is that of the tool it measures.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import traceback
from pathlib import Path

STATS_BY = ["year", "munition"]
SQLITE_QUERY = (
    "SELECT strftime('%Y', i.date) y, m.munition_type, SUM(COALESCE(m.count,1)) "
    "FROM incidents i JOIN munition_lines m ON m.incident_id=i.id "
    "WHERE i.status IN ('reviewed','published') GROUP BY 1,2"
)
DUCKDB_QUERY = (
    "SELECT strftime(CAST(i.date AS DATE), '%Y') y, m.munition_type, SUM(COALESCE(m.count,1)) "
    "FROM incidents i JOIN munition_lines m ON m.incident_id=i.id "
    "WHERE i.status IN ('reviewed','published') GROUP BY 1,2"
)


def _timed(call):
    """(seconds, value) of calling `call()`."""
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def _triples(rows) -> list[list]:
    """Result rows as [year, munition, count] with int year and count, for comparison across tools."""
    return [[int(y) if y is not None else None, m, int(c)] for y, m, c in rows]


def warm_caches() -> dict:
    """Build Salvo's on-disk gazetteer cache once, so no timed run pays for it."""
    from salvo import codebook, gazetteer

    gazetteer.lookup("Erbil", "IQ")
    codebook.actors().resolve("Houthis")
    return {}


def salvo_import(csv_path: str, db_path: str) -> dict:
    """Salvo: connect to a new SQLite store and import the CSV (validated, one transaction)."""
    from salvo.importing import ImportRejected, import_file
    from salvo.storage import connect

    start = time.perf_counter()
    store = connect(f"sqlite:///{db_path}")
    connected = time.perf_counter()
    try:
        summary = import_file(store, csv_path)
    except ImportRejected as exc:
        errors = [f"row {e.row} {e.field}={e.value!r}: {e.reason}" for e in exc.summary.errors[:5]]
        return {"error": f"{exc}; first errors: " + "; ".join(errors)}
    done = time.perf_counter()
    store.dispose()
    return {"seconds": done - start, "connect_seconds": connected - start, "import_seconds": done - connected,
            "rows": summary.rows, "incidents": summary.incidents, "added": summary.added,
            "rejected": summary.rejected, "unresolved_actors": sum(summary.unresolved_actors.values())}


def salvo_import_reports(csv_path: str, db_path: str, fmt: str) -> dict:
    """Salvo: connect to a new SQLite store and read a dataset's file into reports (one transaction)."""
    from salvo.importing import import_reports
    from salvo.storage import connect

    start = time.perf_counter()
    store = connect(f"sqlite:///{db_path}")
    connected = time.perf_counter()
    summary = import_reports(store, csv_path, fmt)
    done = time.perf_counter()
    store.dispose()
    return {"seconds": done - start, "connect_seconds": connected - start, "import_seconds": done - connected,
            "rows": summary.rows, "added": summary.added, "rejected": summary.rejected,
            "out_of_scope": summary.out_of_scope, "unresolved_actors": sum(summary.unresolved_actors.values())}


def plain_import(csv_path: str, db_path: str) -> dict:
    """Plain Python: csv.reader into sqlite3 executemany, one untyped table, one transaction, no checks."""
    import csv
    import sqlite3

    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    with open(csv_path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        columns = ", ".join(f'"{name}"' for name in header)
        conn.execute(f"CREATE TABLE incidents ({columns})")
        marks = ", ".join("?" * len(header))
        with conn:
            conn.executemany(f"INSERT INTO incidents VALUES ({marks})", reader)
    rows = conn.execute("SELECT count(*) FROM incidents").fetchone()[0]
    conn.close()
    return {"seconds": time.perf_counter() - start, "rows": rows}


def salvo_stats(db_path: str, calls: int) -> dict:
    """Salvo in-process: open the store, the first stats() call (cold), then `calls` warm calls."""
    from salvo.analysis import stats
    from salvo.storage import connect

    connect_seconds, store = _timed(lambda: connect(f"sqlite:///{db_path}", migrate=False))
    first, result = _timed(lambda: stats(store, by=STATS_BY))
    warm = [_timed(lambda: stats(store, by=STATS_BY))[0] for _ in range(calls)]
    rows = _triples((r["year"], r["munition"], r["count"]) for r in result.rows)
    return {"connect_seconds": connect_seconds, "first_seconds": first, "warm_seconds": warm, "rows": rows}


def sqlite_stats(db_path: str, calls: int) -> dict:
    """Peer: the same count as one SQLite GROUP BY over the store's tables (first run, then `calls` runs)."""
    import sqlite3

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    first, rows = _timed(lambda: conn.execute(SQLITE_QUERY).fetchall())
    warm = [_timed(lambda: conn.execute(SQLITE_QUERY).fetchall())[0] for _ in range(calls)]
    return {"first_seconds": first, "warm_seconds": warm, "rows": _triples(rows)}


def duckdb_stats(db_path: str, calls: int, work_dir: str) -> dict:
    """Peer: the store's two tables loaded into in-memory DuckDB, then the query (first, then `calls` runs).

    Rows are fetched from SQLite with polars and handed to DuckDB as Parquet
    (DuckDB scans polars frames only through pyarrow, which is not installed).
    """
    import sqlite3

    import duckdb
    import polars as pl

    start = time.perf_counter()
    source = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    duck = duckdb.connect()
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    for table, query in (("incidents", "SELECT id, date, status FROM incidents"),
                         ("munition_lines", "SELECT incident_id, munition_type, count FROM munition_lines")):
        frame = pl.read_database(query, connection=source, infer_schema_length=None)
        path = work / f"{table}-{os.getpid()}.parquet"
        frame.write_parquet(path)
        del frame
        duck.execute(f"CREATE TABLE {table} AS SELECT * FROM read_parquet('{path}')")
        path.unlink()
    load = time.perf_counter() - start
    first, rows = _timed(lambda: duck.execute(DUCKDB_QUERY).fetchall())
    warm = [_timed(lambda: duck.execute(DUCKDB_QUERY).fetchall())[0] for _ in range(calls)]
    return {"load_seconds": load, "first_seconds": first, "warm_seconds": warm, "rows": _triples(rows),
            "duckdb": duckdb.__version__}


def main(name: str, arguments: str) -> None:
    """Run task `name` with JSON `arguments`; print its result (or error) and own peak memory as JSON."""
    try:
        result = globals()[name](**json.loads(arguments))
    except Exception as exc:  # report any failure as a figure, not a crash of the whole run
        result = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    result["self_maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["children_maxrss_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    sys.stdout.write("BENCH_RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


def salvo_extract(articles_dir: str, passes: int) -> dict:
    """Salvo's extractor over every development article, `passes` times, on one core (one process)."""
    from salvo.extract import extract, read_article

    docs = [read_article(path) for path in sorted(Path(articles_dir).glob("*.txt"))]
    start = time.perf_counter()
    first = [extract(text, published=published, url=url) for text, url, published in docs]
    first_seconds = time.perf_counter() - start
    timings = []
    for _ in range(passes):
        start = time.perf_counter()
        for text, url, published in docs:
            extract(text, published=published, url=url)
        timings.append(time.perf_counter() - start)
    return {"articles": len(docs), "candidates": sum(len(c) for c in first), "first_seconds": first_seconds,
            "pass_seconds": timings}
