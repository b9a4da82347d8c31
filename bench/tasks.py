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


# --- Benchmark 5: linking synthetic reports (bench_link.py) -------------------------------------------------------

LINK_THRESHOLD = 0.9
"""Splink's threshold for predicting and for clustering (Salvo's own link_threshold is 0.9 too)."""


def _guard(time_limit: float | None, memory_limit_mb: float | None) -> None:
    """Stop this child (exit status 3, a line on stderr) when it runs longer than `time_limit` seconds or its
    resident memory passes `memory_limit_mb`: a linker gone wild must not take a shared machine down with it.
    A daemon thread reads /proc/self/statm twice a second (the linkers' heavy work releases the GIL)."""
    if not time_limit and not memory_limit_mb:
        return
    import threading

    page_mb = os.sysconf("SC_PAGE_SIZE") / 2**20
    start = time.perf_counter()

    def watch() -> None:
        while True:
            time.sleep(0.5)
            with open("/proc/self/statm") as handle:
                rss_mb = int(handle.read().split()[1]) * page_mb
            elapsed = time.perf_counter() - start
            if (memory_limit_mb and rss_mb > memory_limit_mb) or (time_limit and elapsed > time_limit):
                sys.stderr.write(f"BENCH_GUARD stopped after {elapsed:.0f} s at {rss_mb:,.0f} MB resident "
                                 f"(limits: {time_limit} s, {memory_limit_mb} MB)\n")
                sys.stderr.flush()
                os._exit(3)

    threading.Thread(target=watch, daemon=True).start()


def _link_scores(truth: list, predicted: list) -> dict:
    """Pairwise and B-cubed precision, recall and F1 of a labelling against the truth (salvo.link.metrics)."""
    from salvo.link.metrics import bcubed, pairwise

    pw, b3 = pairwise(truth, predicted), bcubed(truth, predicted)
    return {"precision": pw["precision"], "recall": pw["recall"], "f1": pw["f1"],
            "true_pairs": pw["true_pairs"], "predicted_pairs": pw["predicted_pairs"],
            "correct_pairs": pw["correct_pairs"], "bcubed_precision": b3["precision"],
            "bcubed_recall": b3["recall"], "bcubed_f1": b3["f1"], "clusters": len(set(predicted))}


def link_write_data(events: int, seed: int, path: str) -> dict:
    """Write synth_frame(events, seed) to Parquet (its `event` column is the truth); not timed as a figure."""
    from salvo.link.synth import synth_frame

    start = time.perf_counter()
    frame, _ = synth_frame(events, seed=seed)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    frame.write_parquet(partial)
    partial.replace(target)
    return {"seconds": time.perf_counter() - start, "reports": frame.height, "events": events}


def salvo_link_frame(parquet_path: str, time_limit: float | None = None, memory_limit_mb: float | None = None) -> dict:
    """Salvo in memory: read the reports, `cluster_frame` them (timed), score against the truth."""
    _guard(time_limit, memory_limit_mb)
    import polars as pl

    from salvo.link.pipeline import cluster_frame

    read, frame = _timed(lambda: pl.read_parquet(parquet_path))
    truth = frame["event"].to_list()
    reports = frame.drop("event")
    del frame
    seconds, labels = _timed(lambda: cluster_frame(reports))
    rss_after_link = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "read_seconds": read, "reports": reports.height,
            "link_maxrss_mb": rss_after_link, **_link_scores(truth, labels)}


def _splink_input(parquet_path: str):
    """The reports as the pyarrow table Splink registers: an integer unique_id, the compared columns and the
    munition types of the JSON `munitions` column, sorted and joined into one string ("rocket,uav")."""
    import polars as pl

    lines = pl.List(pl.Struct({"munition_type": pl.String, "count": pl.Int64, "intercepted": pl.Int64}))
    frame = pl.read_parquet(parquet_path, columns=["date", "country", "place_id", "location", "actor_id",
                                                   "target_category", "munitions", "event"])
    types = (pl.col("munitions").str.json_decode(lines).list.eval(pl.element().struct.field("munition_type"))
             .list.unique().list.sort().list.join(","))
    frame = frame.with_columns(unique_id=pl.int_range(pl.len(), dtype=pl.Int64),
                               munition_types=pl.when(types != "").then(types)).drop("munitions")
    truth = frame["event"].to_list()
    return frame.drop("event").to_arrow(), truth


def splink_link_frame(parquet_path: str, em_max_pairs: float | None = 1e6, time_limit: float | None = None,
                      memory_limit_mb: float | None = None) -> dict:
    """Splink 5 (DuckDB) with naive settings on the same reports: block on exact date and country, exact or
    Levenshtein comparisons, u by random sampling, the prior from a deterministic rule, m by EM; predict and
    cluster at 0.9; score against the truth. Timed: from registering the table to the labels in Python."""
    _guard(time_limit, memory_limit_mb)
    import logging

    import duckdb
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    convert, (table, truth) = _timed(lambda: _splink_input(parquet_path))
    phases = {}
    start = last = time.perf_counter()

    def phase(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        phases[name] = now - last
        last = now

    connection = duckdb.connect()
    connection.execute("SET enable_progress_bar = false")
    db_api = DuckDBAPI(connection)
    reports = db_api.register(table)
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[block_on("date", "country")],
        comparisons=[
            cl.AbsoluteDateDifferenceAtThresholds("date", input_is_string=False, metrics=["day", "day"],
                                                  thresholds=[1, 3]),
            cl.ExactMatch("country"),
            cl.ExactMatch("place_id"),
            cl.LevenshteinAtThresholds("location", [1, 3]),
            cl.ExactMatch("actor_id"),
            cl.ExactMatch("target_category"),
            cl.ExactMatch("munition_types"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(reports, settings, log_level=logging.WARNING)
    phase("setup")
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    phase("u")
    linker.training.estimate_probability_two_random_records_match([block_on("date", "country", "place_id")],
                                                                  recall=0.7)
    phase("prior")
    extra = {} if em_max_pairs is None else {"max_pairs": em_max_pairs}
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date"), **extra)
    phase("em_date")
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("place_id"), **extra)
    phase("em_place")
    predictions = linker.inference.predict(threshold_match_probability=LINK_THRESHOLD)
    phase("predict")
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(predictions, LINK_THRESHOLD)
    phase("cluster")
    rows = clusters.as_duckdbpyrelation().select("unique_id, cluster_id").order("unique_id").fetchall()
    labels = [cluster for _, cluster in rows]
    phase("fetch")
    seconds = time.perf_counter() - start
    if len(labels) != len(truth):
        return {"error": f"Splink clustered {len(labels)} of {len(truth)} reports"}
    pairs = predictions.as_duckdbpyrelation().aggregate("count(*)").fetchall()[0][0]
    import splink

    return {"seconds": seconds, "convert_seconds": convert, "phases": phases, "reports": len(truth),
            "predicted_pairs_over_threshold": pairs,
            "prior": linker._settings_obj._probability_two_random_records_match,
            "splink": splink.__version__, "duckdb": duckdb.__version__, **_link_scores(truth, labels)}


def salvo_link_incremental(db_path: str, events: int, seed: int, add_events: int, add_seed: int,
                           time_limit: float | None = None, memory_limit_mb: float | None = None) -> dict:
    """Salvo's store path: write the synthetic set into a new SQLite store and link it (the full run, timed),
    write 1% more reports of new events (another seed) and link again (the incremental run, timed); then score
    the store's incidents against the truth (not timed)."""
    _guard(time_limit, memory_limit_mb)
    import sqlite3

    from salvo.link import link
    from salvo.link.synth import write_synth
    from salvo.storage import connect

    store = connect(f"sqlite:///{db_path}")
    write_first, truth = _timed(lambda: write_synth(store, events, seed=seed))
    full_seconds, full = _timed(lambda: link(store))
    rss_full = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_more, more = _timed(lambda: write_synth(store, add_events, seed=add_seed))
    incremental_seconds, incremental = _timed(lambda: link(store))
    store.dispose()
    event_of = {(d, k): f"{seed}:{e}" for d, k, e in truth.iter_rows()}
    event_of.update({(d, k): f"{add_seed}:{e}" for d, k, e in more.iter_rows()})
    conn = sqlite3.connect(db_path)
    rows = conn.execute("SELECT dataset, row_key, incident_id FROM reports WHERE withdrawn = 0").fetchall()
    conn.close()
    labelled = [(event_of[(d, k)], incident) for d, k, incident in rows if (d, k) in event_of]
    unlinked = sum(1 for _, incident in labelled if incident is None)
    labels = [incident if incident is not None else f"none:{n}" for n, (_, incident) in enumerate(labelled)]
    return {"write_seconds": write_first, "full_seconds": full_seconds, "add_write_seconds": write_more,
            "incremental_seconds": incremental_seconds, "reports": truth.height, "added_reports": more.height,
            "full_summary": {k: v for k, v in full.to_json().items() if k != "splits"},
            "incremental_summary": {k: v for k, v in incremental.to_json().items() if k != "splits"},
            "maxrss_after_full_mb": rss_full, "unlinked": unlinked,
            "db_mb": Path(db_path).stat().st_size / 1e6,
            **_link_scores([t for t, _ in labelled], labels)}
