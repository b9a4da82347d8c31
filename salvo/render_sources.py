"""Rendering the cross-source view (`salvo sources`) for people: Rich tables, or JSON.

A face-layer module beside salvo/render.py: it formats what
salvo.analysis.sources returns and holds no logic of its own.
"""

from __future__ import annotations

import json

from salvo.render import label

DISAGREEMENTS_SHOWN = 20


def sources_table(result, console, *, limit: int = DISAGREEMENTS_SHOWN, title: str | None = None) -> None:
    """Print the view: incidents per dataset with what they share, counts compared per pair, and disagreements.

    At most `limit` disagreements are listed (0: all); the rest are counted.
    """
    from rich.table import Table

    scope = "live incidents, in scope or not" if result.out_of_scope else "counted incidents"
    console.print(f"[bold]{title or 'Sources'}[/]: {result.incidents:,} {scope}"
                  + (f", {result.without_reports:,} of them with no report (entered by analysts)"
                     if result.without_reports else "") + ".", soft_wrap=True)
    if not result.datasets:
        console.print("No dataset reports any of them.")
        return
    names = [d.dataset for d in result.datasets]
    table = Table(title="Incidents reported, by dataset", title_justify="left")
    for heading in ("Dataset", "Incidents", "Only this dataset", *(f"With {n}" for n in names), "Reports"):
        table.add_column(heading, justify="left" if heading == "Dataset" else "right")
    for entry in result.datasets:
        shared = [("·" if other == entry.dataset else f"{result.shared[entry.dataset][other]:,}") for other in names]
        table.add_row(entry.dataset, f"{entry.incidents:,}", f"{entry.only:,}", *shared, f"{entry.reports:,}")
    console.print(table)
    if result.pairs:
        console.print(_pairs_table(result))
    console.print(f"Launched counts compared: {result.compared:,} (incident, munition type) with figures from two "
                  f"or more datasets; {result.agree:,} agree, {result.differ:,} differ.", soft_wrap=True)
    if result.disagreements:
        console.print(_disagreements_table(result, limit))
        hidden = len(result.disagreements) - limit if limit else 0
        if hidden > 0:
            console.print(f"[dim]... and {hidden:,} more (`--format json` lists them all).[/]")
    console.print("[dim]A dataset's figure is the largest launched count its reports in the incident state; "
                  "reports stating no count take no part.[/]", soft_wrap=True)


def _pairs_table(result):
    from rich.table import Table

    table = Table(title="Datasets reporting the same incidents, and their launched counts",
                  title_justify="left")
    for heading in ("Datasets", "Shared incidents", "Counts compared", "Agree", "Differ"):
        table.add_column(heading, justify="left" if heading == "Datasets" else "right")
    for pair in result.pairs:
        table.add_row(f"{pair.first} × {pair.second}", f"{pair.shared:,}", f"{pair.compared:,}",
                      f"{pair.agree:,}", f"{pair.differ:,}")
    return table


def _disagreements_table(result, limit: int):
    from rich.table import Table

    table = Table(title="Where the launched counts differ", title_justify="left")
    for heading in ("Incident", "Date", "Munition", "Figures"):
        table.add_column(heading)
    shown = result.disagreements[:limit] if limit else result.disagreements
    for item in shown:
        figures = ", ".join(f"{dataset} {count:,}" for dataset, count in item.figures.items())
        table.add_row(item.incident_id, str(item.date or ""), label("munition", item.munition), figures)
    return table


def sources_output(result, fmt: str, console, *, limit: int = DISAGREEMENTS_SHOWN) -> None:
    """Print the view as tables (`fmt` "table") or as one JSON object ("json")."""
    if fmt == "json":
        print(json.dumps(result.to_json(), ensure_ascii=False))
    else:
        sources_table(result, console, limit=limit)
