"""The main job (`make demo`, `salvo demo`): the whole pipeline, on openly licensed source files.

It builds a fresh store from the files shipped in salvo/demo_data/ as their
publishers released them (see DATA_SOURCES.md): the drone terrorism database
(read by the GTD reader, whose ACLED rows become ACLED reports), the UCDP GED
Iraq file and the Israel Home Front Command alert history. It links their
reports into incidents, then prints, from the linked incidents, projectiles
per year by munition with the drone share (all actors, Iran-linked groups,
and Iran-linked groups year to date), draws the per-year chart, and prints a
short cross-source table.

``incidents.csv`` (the pre-digested demo set in Salvo's format) stays in the
package as a test fixture; the demo does not read it.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from salvo import render
from salvo.analysis import Filters, stats
from salvo.analysis.sources import source_overlap
from salvo.importing import import_reports
from salvo.link import link
from salvo.readers.formats import detect
from salvo.render_sources import sources_table
from salvo.storage import connect

DEMO_DATA = "incidents.csv"
# The source files the demo imports, in this order, as published (formats are detected).
SHIPPED = (
    "Acled_GTD_Drone_Database_20260509.csv",   # drone terrorism database: ACLED and GTD rows, CC BY 4.0
    "ucdp_ged_iraq_2015-2018_hdx.csv",          # UCDP GED 19.1, Iraq 2015-2018, CC BY 4.0
    "alertHistory.json",                        # Home Front Command alerts (zones beside it), MIT
)
SINCE = dt.date(2018, 1, 1)  # the reference tracker's period: 2018 to today
USER = "salvo-demo"


def demo_file() -> Path:
    """The pre-digested demo set (Salvo CSV; see salvo/demo_data/README.md), kept as a test fixture."""
    return shipped_file(DEMO_DATA)


def shipped_file(name: str) -> Path:
    """A file of salvo/demo_data/."""
    return Path(str(resources.files("salvo.demo_data").joinpath(name)))


def source_files() -> list[Path]:
    """The source files the demo builds its store from."""
    return [shipped_file(name) for name in SHIPPED]


def _fresh(db: str) -> str:
    """Remove an old demo database file so the demo always starts from nothing."""
    if "://" in db:
        return db
    path = Path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def build(db: str, console):
    """A fresh store at `db`: every shipped file imported as reports, then linked. Prints a line for each step."""
    store = connect(_fresh(db))
    for path in source_files():
        fmt = detect(path)
        summary = import_reports(store, path, fmt, user=USER)
        console.print(f"Imported {path.name} ({fmt}): {summary.added:,} reports added from {summary.rows:,} rows, "
                      f"{summary.out_of_scope:,} of them out of the tracker's scope, {summary.rejected:,} rejected.",
                      soft_wrap=True)
    linked = link(store, user=USER)
    counted = linked.incidents_added - linked.out_of_scope_incidents
    console.print(f"Linked {linked.reports:,} reports into {linked.incidents_added:,} incidents "
                  f"({counted:,} in the tracker's scope, {linked.out_of_scope_incidents:,} kept out of scope); "
                  f"{linked.linked_pairs:,} pairs linked, {linked.queued_pairs:,} in the review queue "
                  f"(`salvo review --db {store.url}`).\n", soft_wrap=True)
    return store


def run(db: str, out: Path, console) -> None:
    """Build the demo store at `db`, print its tables and write the chart into `out`."""
    store = build(db, console)
    drone_share = ("uav", "Drone share")
    everyone = Filters(since=SINCE)
    iran_linked = Filters(affiliation=["iran_linked"], since=SINCE)
    tables = [
        ("Projectiles fired per year by munition type (all actors in the tracker's scope), 2018 on", everyone, False),
        ("Projectiles fired per year by Iran-linked groups, by munition type, 2018 on", iran_linked, False),
        ("Iran-linked groups, year to date: each year up to {cut:%d %B}", iran_linked, True),
    ]
    for title, filters, ytd in tables:
        result = stats(store, by=["year", "munition"], filters=filters, ytd=ytd)
        console.print(render.stats_table(result, title=title.format(cut=result.ytd_cut), share_of=drone_share))
        for note in result.notes:
            console.print(f"[dim]{note}[/]")
        console.print()
    paths = render.per_year_files(store, iran_linked, out=out,
                                  title="Munitions fired per year by Iran-linked groups, by type", source=None)
    console.print("Chart written to " + ", ".join(str(p) for p in paths) + "\n")
    overlap = source_overlap(store, Filters(include_candidates=True), out_of_scope=True)
    sources_table(overlap, console, limit=10, title="Sources (`salvo sources`), the whole store")
