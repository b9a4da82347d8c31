"""Run Salvo's benchmarks against its peers on generated data and print the figures (`make bench`).

Two benchmarks, on the same generated incidents (bench/generate.py, kept in
bench/.data/ and reused while the size and seed are the same):

* ``import`` — CSV into SQLite: Salvo vs ``sqlite-utils insert`` and plain csv + sqlite3;
* ``stats``  — projectiles by year and munition: Salvo vs a SQLite GROUP BY and DuckDB;
* ``extract`` — news articles per second through Salvo's extractor (one process);
* ``acled``  — the same number of generated ACLED-format events read into reports:
  Salvo vs ``sqlite-utils insert`` and plain csv + sqlite3 (bench/generate_acled.py);
* ``link``   — synthetic reports of known truth (salvo.link.synth) linked into events:
  Salvo's ``cluster_frame`` vs Splink with naive settings, seconds, memory and F1,
  and an incremental ``link(store)`` adding 1% (bench/bench_link.py);
* ``export`` — every incident of benchmark 1's store to CSV: Salvo's ``export`` vs the
  sqlite3 CLI's ``-csv`` dump and DuckDB's ``COPY ... TO``, and the first page of
  ``salvo incidents`` (bench/bench_export.py).

Every measured operation runs in its own fresh process (peak memory is that
process's ``ru_maxrss``); each figure is the median of ``--repeat`` runs.
Nothing is asserted: the figures are printed beside the peers' as ratios.

    .venv/bin/python bench/run.py                      # 1,000,000 incidents, 3 runs each
    .venv/bin/python bench/run.py --rows 20000 --only import --repeat 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_acled  # noqa: E402
import bench_export  # noqa: E402
import bench_extract  # noqa: E402
import bench_import  # noqa: E402
import bench_link  # noqa: E402
import bench_stats  # noqa: E402
import generate  # noqa: E402
import generate_acled  # noqa: E402
import measure  # noqa: E402
import report  # noqa: E402


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="incidents to generate (default 1,000,000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the median is printed (default 3)")
    parser.add_argument("--only", choices=("import", "stats", "extract", "acled", "link", "export"),
                        help="run one benchmark only")
    parser.add_argument("--seed", type=int, default=generate.DEFAULT_SEED, help="generator seed")
    parser.add_argument("--link-reports", type=_sizes, default=[100_000, 1_000_000], metavar="N,N",
                        help="reports to link, comma-separated (default 100000,1000000)")
    parser.add_argument("--link-incremental", type=_sizes_or_none, default=None, metavar="N,N",
                        help="reports in the incremental link benchmark, comma-separated (default: the --link-reports "
                             "sizes; 0: skip)")
    parser.add_argument("--link-timeout", type=float, default=1800, metavar="S",
                        help="stop a link child after S seconds (default 1800; 0: no limit)")
    parser.add_argument("--link-max-mb", type=float, default=16000, metavar="MB",
                        help="stop a link child past MB resident (default 16000; 0: no limit)")
    return parser.parse_args(argv)


def _sizes_or_none(text: str) -> list[int]:
    """Like :func:`_sizes`, but '0' is the empty list (skip)."""
    return [] if text.strip() == "0" else _sizes(text)


def _sizes(text: str) -> list[int]:
    """'100000,1000000' as [100000, 1000000] (underscores allowed)."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma-separated list of numbers: {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be at least 1")
    return sizes


def prepare_data(incidents: int, seed: int) -> tuple[Path, int]:
    """The generated CSV for this size (made now if missing) and its number of rows."""
    path = generate.default_path(incidents, seed)
    if path.exists():
        report.note(f"data: reusing {path.relative_to(measure.REPO)}")
    else:
        report.note(f"data: generating {incidents:,} incidents into {path.relative_to(measure.REPO)} ...")
        start = time.perf_counter()
        generate.generate(path, incidents, seed)
        report.note(f"data: generated in {time.perf_counter() - start:.1f} s")
    return path, generate.count_rows(path)


def check_source(before: str) -> str:
    """Warn when Salvo's source changed while a benchmark ran; return the digest now."""
    now = measure.source_digest()
    if now != before:
        report.note(f"WARNING: salvo/ changed during this benchmark (source {before} -> {now}); "
                    "its figures may mix versions of Salvo")
    return now


def main(argv: list[str] | None = None) -> int:
    """Generate or reuse the data, run the chosen benchmarks, print the machine line."""
    args = parse_args(argv)
    if args.rows < 1 or args.repeat < 1:
        sys.exit("--rows and --repeat must be at least 1")
    started = time.perf_counter()
    if args.only in (None, "import", "stats", "export"):
        csv_path, csv_rows = prepare_data(args.rows, args.seed)
    salvo_db = generate.DATA_DIR / f"salvo-{args.rows}-s{args.seed}.db"
    env = measure.child_env()
    warm = measure.run_task("warm_caches", env=env)  # Salvo's gazetteer cache, built once and not timed
    if not warm.ok:
        report.note(f"warning: Salvo's caches could not be prepared: {warm.failure()}")
    source = first_source = measure.source_digest()
    if args.only in (None, "import"):
        bench_import.run_benchmark(csv_path, args.rows, csv_rows, args.repeat, salvo_db)
        source = check_source(source)
    if args.only in (None, "stats"):
        try:
            summary = bench_import.ensure_salvo_db(csv_path, salvo_db, env)
        except RuntimeError as exc:
            report.heading("Benchmark 2 — statistics")
            report.note(f"skipped: {exc}")
        else:
            bench_stats.run_benchmark(salvo_db, args.rows, args.repeat, summary)
        source = check_source(source)
    if args.only in (None, "extract"):
        bench_extract.run_benchmark(args.repeat)
        source = check_source(source)
    if args.only in (None, "acled"):
        acled_path = generate_acled.default_path(args.rows, args.seed)
        if not acled_path.exists():
            report.note(f"data: generating {args.rows:,} ACLED-format events into "
                        f"{acled_path.relative_to(measure.REPO)} ...")
            generate_acled.generate(acled_path, args.rows, args.seed)
        bench_acled.run_benchmark(acled_path, args.rows, args.repeat, generate.DATA_DIR / "tmp")
        source = check_source(source)
    if args.only in (None, "link"):
        incremental = args.link_reports if args.link_incremental is None else args.link_incremental
        bench_link.run_benchmark(args.link_reports, args.repeat, args.seed, incremental,
                                 time_limit=args.link_timeout or None, memory_limit_mb=args.link_max_mb or None)
        source = check_source(source)
    if args.only in (None, "export"):
        try:
            bench_import.ensure_salvo_db(csv_path, salvo_db, env)
        except RuntimeError as exc:
            report.heading("Benchmark 6 — export")
            report.note(f"skipped: {exc}")
        else:
            bench_export.run_benchmark(salvo_db, args.rows, args.repeat)
        source = check_source(source)
    report.console.print()
    tools = f"sqlite-utils {measure.tool_version([str(bench_import.SQLITE_UTILS), '--version']).split()[-1]}"
    changed = "" if source == first_source else f" (was {first_source} at the start)"
    report.console.print(report.machine_line(f"{tools}; salvo source {source}{changed}; "
                                             f"total {time.perf_counter() - started:,.0f} s"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
