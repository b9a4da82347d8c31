"""Printing benchmark figures: tables, ratios against peers, targets, and the machine they ran on.

Figures are printed, never asserted: a shared two-core machine is too noisy
for a timing to fail a build, but a table that puts Salvo beside its peers in
the same run shows at a glance where it stands.
"""

from __future__ import annotations

import os
import platform
import sqlite3
import subprocess

from rich import box
from rich.console import Console
from rich.table import Table

WIDTH = 150  # wide enough for every table, in a terminal or a log file
console = Console(highlight=False, width=WIDTH)


def number(value: float | None, digits: int = 0) -> str:
    """A figure with thousands separators, or '—' when missing."""
    return "—" if value is None else f"{value:,.{digits}f}"


def ms(seconds: float | None) -> str:
    """Seconds shown as milliseconds (one decimal under 100 ms)."""
    if seconds is None:
        return "—"
    value = seconds * 1000
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def faster(salvo: float | None, peer: float | None, *, higher_is_better: bool) -> str:
    """Salvo's figure over the peer's, in words: '2.4× faster' or '3.1× slower'."""
    if not salvo or not peer:
        return "—"
    ratio = salvo / peer if higher_is_better else peer / salvo
    return f"{ratio:.2f}× faster" if ratio >= 1 else f"{1 / ratio:.2f}× slower"


def memory_ratio(salvo: float | None, peer: float | None) -> str:
    """Salvo's peak memory over the peer's: '1.8× more' or '2.0× less'."""
    if not salvo or not peer:
        return "—"
    ratio = salvo / peer
    return f"{ratio:.2f}× more" if ratio >= 1 else f"{1 / ratio:.2f}× less"


def table(title: str, columns: list[str], rows: list[list[str]], caption: str | None = None) -> None:
    """Print one plain table: first column left-aligned, figures right-aligned."""
    grid = Table(title=title, caption=caption, box=box.SIMPLE_HEAVY, title_justify="left", caption_justify="left")
    for index, name in enumerate(columns):
        grid.add_column(name, justify="left" if index == 0 else "right", no_wrap=index == 0)
    for row in rows:
        grid.add_row(*row)
    console.print(grid)


def target(label: str, met: bool | None, figure: str) -> None:
    """Print a target and whether this run met it (a figure, not an assertion)."""
    verdict = "n/a" if met is None else ("met" if met else "MISSED")
    console.print(f"  target {label}: {figure} — {verdict}", markup=False)


def note(text: str) -> None:
    """Print an indented line of explanation."""
    console.print(f"  {text}", markup=False)


def heading(text: str) -> None:
    """Print a benchmark's heading."""
    console.print()
    console.print(text, soft_wrap=True, markup=False)
    console.print("=" * min(len(text), WIDTH))


def machine_line(extra: str = "") -> str:
    """One line naming the machine (nproc) and the Python and library versions."""
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        nproc = str(os.cpu_count())
    parts = [f"machine: {platform.machine()} {platform.system()}, nproc={nproc}",
             f"Python {platform.python_version()} ({platform.python_implementation()})",
             f"SQLite {sqlite3.sqlite_version}"]
    for module in ("duckdb", "polars", "sqlalchemy"):
        try:
            parts.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            pass
    return "; ".join(parts) + (f"; {extra}" if extra else "")
