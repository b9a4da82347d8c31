"""Benchmark 3, extraction: news articles per second through Salvo's rule-based extractor.

The development articles (``../shared/data/news/articles``, read at run time,
never copied) go through ``salvo.extract.extract`` in one process, so on one
core. The first pass includes loading the pipeline and the matchers; the
figure that matters is the warm rate over later passes. There is no peer: the
extractor is Salvo's own, and the target (100 articles per second) comes from
the issue that asked for it.
"""

from __future__ import annotations

from pathlib import Path

import measure
import report

ARTICLES = measure.REPO.parent / "shared" / "data" / "news" / "articles"
TARGET_ARTICLES_PER_SECOND = 100
PASSES = 10


def run_benchmark(repeat: int) -> None:
    """Run the extractor in `repeat` fresh processes and print the median rate."""
    report.heading(f"Benchmark 3 — extraction: development articles per second, one process; median of {repeat}")
    if not ARTICLES.is_dir():
        report.note(f"skipped: the development articles are absent ({ARTICLES})")
        return
    rates, firsts, peaks, failures, articles = [], [], [], [], 0
    for number in range(repeat):
        report.note(f"  round {number + 1}/{repeat} ...")
        run = measure.run_task("salvo_extract", env=measure.child_env(), articles_dir=str(ARTICLES), passes=PASSES)
        if not run.ok:
            failures.append(run.failure())
            continue
        articles = run.result["articles"]
        rates.extend(articles / seconds for seconds in run.result["pass_seconds"])
        firsts.append(articles / run.result["first_seconds"])
        peaks.append(run.peak_mb)
    for failure in failures:
        report.note(f"  Salvo failed: {failure}")
    if not rates:
        return
    warm = measure.median(rates)
    report.note(f"  {articles} articles x {PASSES} passes per process")
    report.note(f"  warm: {warm:,.0f} articles/s (median over passes; min {min(rates):,.0f}, max {max(rates):,.0f})")
    report.note(f"  first pass, including loading: {measure.median(firsts):,.0f} articles/s; "
                f"peak {measure.median(peaks):,.0f} MB")
    verdict = "met" if warm >= TARGET_ARTICLES_PER_SECOND else "MISSED"
    report.note(f"  target >= {TARGET_ARTICLES_PER_SECOND} articles/s on one core: {warm:,.0f} — {verdict}")
