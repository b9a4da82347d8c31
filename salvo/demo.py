"""The main job (`make demo`, `salvo demo`): build a fresh store from the shipped demo data,
print projectiles per year by munition with the drone share and a year-to-date
comparison, and draw the per-year chart.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from salvo import render
from salvo.analysis import Filters, stats
from salvo.importing import import_file
from salvo.storage import connect

DEMO_DATA = "incidents.csv"


def demo_file() -> Path:
    """The shipped demo data set (Salvo CSV; see salvo/demo_data/README.md)."""
    return Path(str(resources.files("salvo.demo_data").joinpath(DEMO_DATA)))


def _fresh(db: str) -> str:
    """Remove an old demo database file so the demo always starts from nothing."""
    if "://" in db:
        return db
    path = Path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


def run(db: str, out: Path, console) -> None:
    """Build the demo store at `db`, print its tables and write the chart into `out`."""
    store = connect(_fresh(db))
    summary = import_file(store, demo_file(), user="salvo-demo")
    console.print(f"Built [bold]{db}[/] from {demo_file().name}: {summary.added} incidents "
                  f"({summary.rows} rows), {summary.rejected} rejected.\n")
    drone_share = ("uav", "Drone share")
    iran_linked = Filters(affiliation=["iran_linked"])
    tables = [
        ("Projectiles fired per year by munition type (all actors)", Filters(), False),
        ("Projectiles fired per year by Iran-linked groups, by munition type", iran_linked, False),
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
    console.print("Chart written to " + ", ".join(str(p) for p in paths))
