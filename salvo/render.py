"""Rendering results for people: Rich tables, CSV and JSON for the CLI, the codebook as Markdown.

A face-layer module: it formats what the library returns and holds no logic of its own.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import sys
from pathlib import Path

from salvo import codebook
from salvo.safe_text import spreadsheet_text

_VOCAB_OF = {"munition": "munition_type", "target_category": "target_category", "attribution": "attribution",
             "affiliation": "affiliation"}


def label(dimension: str, value) -> str:
    """How a dimension value is shown in a table."""
    if value is None:
        return "(unknown)"
    if dimension in _VOCAB_OF:
        try:
            return codebook.vocabulary(_VOCAB_OF[dimension]).label(value)
        except KeyError:
            return str(value)
    if dimension == "actor":
        actor = codebook.actors().resolve(value)
        return actor.name if actor and actor.id == value else str(value)
    return str(value)


def _share(value) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


def stats_table(result, title: str | None = None, share_of: tuple[str, str] | None = None):
    """A Rich table of a statistic; two dimensions are shown as a cross table with totals.

    `share_of` = (value, heading) adds a column with that column value's share of each row's total,
    e.g. ``("uav", "Drone share")``.
    """
    from rich.table import Table

    unit = result.unit
    if len(result.by) == 2:
        rows_dim, cols_dim = result.by
        row_values = list(dict.fromkeys(r[rows_dim] for r in result.rows))
        col_values = list(dict.fromkeys(r[cols_dim] for r in result.rows))
        if cols_dim in _VOCAB_OF:
            vocab = codebook.vocabulary(_VOCAB_OF[cols_dim])
            col_values.sort(key=lambda v: (v is None, vocab.order(v) if v else 0))
        cells = {(r[rows_dim], r[cols_dim]): r for r in result.rows}
        table = Table(title=title, title_justify="left")
        table.add_column(rows_dim.replace("_", " ").title())
        for value in col_values:
            table.add_column(label(cols_dim, value), justify="right")
        table.add_column(f"Total {unit}", justify="right", style="bold")
        if share_of:
            table.add_column(share_of[1], justify="right", style="bold")
        for row_value in row_values:
            line, total = [], 0
            for col_value in col_values:
                cell = cells.get((row_value, col_value))
                if cell is None:
                    line.append("")
                    continue
                total += cell["count"]
                text = f"{cell['count']:,}"
                if result.share == cols_dim:
                    text += f" ({_share(cell.get('share'))})"
                line.append(text)
            if share_of:
                part = cells.get((row_value, share_of[0]), {}).get("count", 0)
                line.append(f"{total:,}")
                line.append(_share(part / total) if total else "")
                table.add_row(label(rows_dim, row_value), *line)
            else:
                table.add_row(label(rows_dim, row_value), *line, f"{total:,}")
        return table
    table = Table(title=title, title_justify="left")
    for name in result.by:
        table.add_column(name.replace("_", " ").title())
    table.add_column(unit.title(), justify="right")
    if result.share:
        table.add_column(f"Share of {result.share}", justify="right")
    for row in result.rows:
        cells = [label(name, row[name]) for name in result.by] + [f"{row['count']:,}"]
        if result.share:
            cells.append(_share(row.get("share")))
        table.add_row(*cells)
    return table


def stats_output(result, fmt: str, console) -> None:
    """Print a statistic as a table (with its counting rules), CSV or JSON."""
    if fmt == "json":
        print(json.dumps(result.rows, ensure_ascii=False, default=str))
    elif fmt == "csv":
        columns = [*result.by, "count"] + (["share"] if result.share else [])
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(_spreadsheet_row(row) for row in result.rows)
    else:
        if not result.rows:
            console.print(f"No {result.unit} counted. {result.empty_reason or ''}".rstrip(), markup=False,
                          soft_wrap=True)
            return
        console.print(stats_table(result))
        for note in result.notes:
            console.print(f"[dim]{note}[/]")


def incident_line(record) -> dict:
    """One incident as the flat row `salvo incidents` shows."""
    munitions = "; ".join(
        f"{m.munition_type} {'?' if m.count is None else ('~' if m.count_estimate else '') + str(m.count)}"
        + (f" ({m.intercepted} intercepted)" if m.intercepted is not None else "")
        for m in record.munitions
    )
    return {
        "id": record.id, "date": record.date.isoformat() if record.date else "",
        "date_precision": record.date_precision or "", "country": record.country or "",
        "place": record.location or "", "actor": record.actor_name or "", "actor_id": record.actor_id or "",
        "target_category": record.target_category or "", "munitions": munitions,
        "sources": " ".join(record.sources), "status": record.status,
    }


INCIDENT_LINE_FIELDS = ("id", "date", "date_precision", "country", "place", "actor", "actor_id", "target_category",
                        "munitions", "sources", "status")


def incidents_output(records, fmt: str, console, *, title: str | None = None) -> int:
    """Print incidents as a table, CSV or JSON; returns how many.

    CSV and JSON are written as the records come, so a listing of every
    incident streams; a table needs them all first. `title` replaces the
    table's default title ("N incidents").
    """
    return _rows_output((incident_line(r) for r in records), INCIDENT_LINE_FIELDS, fmt, console,
                        columns=("id", "date", "country", "place", "actor", "munitions", "sources"),
                        title=title, noun="incidents")


def _spreadsheet_row(row: dict) -> dict:
    """A CSV row whose text cells no spreadsheet runs as formulas (salvo.safe_text, docs/format.md)."""
    return {k: spreadsheet_text(v) if isinstance(v, str) else v for k, v in row.items()}


def _rows_output(rows, fields: tuple[str, ...], fmt: str, console, *, columns: tuple[str, ...],
                 title: str | None, noun: str) -> int:
    """Print flat rows as JSON (one list), CSV (`fields`) or a Rich table (`columns`); returns how many."""
    out, n = sys.stdout, 0
    if fmt == "json":
        out.write("[")
        for n, row in enumerate(rows, start=1):
            out.write((", " if n > 1 else "") + json.dumps(row, ensure_ascii=False))
        out.write("]\n")
        return n
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for n, row in enumerate(rows, start=1):
            writer.writerow(_spreadsheet_row(row))
        return n
    from rich.table import Table
    from rich.text import Text

    rows = list(rows)
    table = Table(title=title or f"{len(rows)} {noun}", title_justify="left")
    for name in columns:
        table.add_column(name.replace("_", " ").title(), overflow="fold")
    for row in rows:
        table.add_row(*(Text(str(row[name])) for name in columns))
    console.print(table)
    return len(rows)


def per_year_files(store, filters, *, out: Path, title: str, source: str | None, unit: str = "projectiles",
                   ytd: bool = False) -> list[Path]:
    """Compute the per-year-by-munition statistic and write its chart as PNG, SVG and HTML."""
    from salvo.analysis import stats
    from salvo.charts import per_year_chart, save_chart

    result = stats(store, by=["year", "munition"], unit=unit, filters=filters, ytd=ytd)
    subtitle = (f"A launch of unknown size counts as {result.unknown_count} "
                f"({result.unknown_count_incidents} of {result.incidents:,} incidents)."
                if unit == "projectiles" else "Each incident counted once under each munition type.")
    if result.ytd_cut:
        subtitle += f" Every year up to {result.ytd_cut:%d %B}."
    if source is None:
        source = (f"Source: Salvo incident database, {result.incidents:,} incidents "
                  f"({'reviewed and published' if not filters.include_candidates else 'all statuses'})"
                  f"{describe_filters(filters)}; drawn {dt.date.today():%d %B %Y}.")
    chart = per_year_chart(result.rows, title=title, subtitle=subtitle, source=source, unit=unit)
    return save_chart(chart, out)


def describe_filters(filters) -> str:
    """The filters in force, in words (", affiliation: iran_linked"), for source lines."""
    parts = []
    for name in ("year", "quarter", "month", "munition", "actor", "affiliation", "country", "target_category",
                 "attribution"):
        values = getattr(filters, name)
        if values:
            parts.append(f"{name.replace('_', ' ')}: {', '.join(str(v) for v in values)}")
    if filters.since or filters.until:
        parts.append(f"dates {filters.since or '…'} to {filters.until or '…'}")
    return "".join(f", {part}" for part in parts)


def codebook_markdown() -> str:
    """The codebook (vocabularies and actors) as the Markdown of docs/codebook.md."""
    lines = ["# Salvo codebook", "",
             "Generated from `salvo/codebook/vocabularies.yaml` and `salvo/codebook/actors.yaml` by",
             "`salvo codebook --markdown > docs/codebook.md`; a test keeps the two in step.", ""]
    for vocab in codebook.vocabularies().values():
        lines += [f"## {vocab.name}", "", vocab.description, "", "| code | label | definition |",
                  "| --- | --- | --- |"]
        lines += [f"| `{t.code}` | {t.label} | {t.definition} |" for t in vocab.terms]
        lines.append("")
    lines += ["## actors", "", "| id | name | affiliation | parent | aliases |", "| --- | --- | --- | --- | --- |"]
    for actor in codebook.actors():
        aliases = ", ".join(actor.aliases).replace("|", "/")
        lines.append(f"| `{actor.id}` | {actor.name} | {actor.affiliation} | {actor.parent or ''} | {aliases} |")
    lines.append("")
    return "\n".join(lines)


def codebook_table(console) -> None:
    """Print each vocabulary as a Rich table."""
    from rich.table import Table

    for vocab in codebook.vocabularies().values():
        table = Table(title=f"{vocab.name}: {vocab.description}", title_justify="left")
        table.add_column("code")
        table.add_column("label")
        table.add_column("definition")
        for term in vocab.terms:
            table.add_row(term.code, term.label, term.definition)
        console.print(table)


def evaluation(result: dict, console) -> None:
    """Print an extraction evaluation: detection scores, field accuracies, misses and false alarms."""
    from rich.table import Table

    table = Table(title="Incident detection", title_justify="left")
    for column in ("scope", "precision", "recall", "F1", "tp", "fp", "fn"):
        table.add_column(column, justify="right" if column != "scope" else "left")
    for scope in ("incident", "incident_main"):
        if scope in result:
            s = result[scope]
            table.add_row(scope.replace("incident_", "") if scope != "incident" else "all",
                          f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}",
                          str(s.get("tp", "")), str(s.get("fp", "")), str(s.get("fn", "")))
    console.print(table)
    fields = Table(title="Field accuracy on matched incidents", title_justify="left")
    fields.add_column("field")
    fields.add_column("all", justify="right")
    fields.add_column("main", justify="right")
    for name, value in result.get("fields", {}).items():
        main = result.get("fields_main", {}).get(name)
        fields.add_row(name, f"{value:.3f}" if value is not None else "", f"{main:.3f}" if main is not None else "")
    console.print(fields)
    for title, key in (("Misses", "misses"), ("False alarms", "false_alarms")):
        items = result.get(key) or []
        console.print(f"[bold]{title}[/] ({len(items)})")
        for item in items[:50]:
            console.print(f"  {json.dumps(item, ensure_ascii=False)}", markup=False, soft_wrap=True)


def link_summary(summary, console) -> None:
    """Print what a link run did."""
    if not summary.focus:
        console.print(f"Nothing new to link among {summary.reports:,} reports: no incident changed.")
        return
    console.print(
        f"Linked {summary.focus:,} new or changed report(s) of {summary.reports:,}: {summary.pairs_scored:,} "
        f"candidate pairs scored, {summary.linked_pairs:,} linked, {summary.queued_pairs:,} sent to review "
        f"(`salvo review`), {summary.refused_by_rules:,} kept apart by dataset rules or decisions.", soft_wrap=True)
    console.print(f"Incidents: {summary.incidents_added:,} added, {summary.incidents_updated:,} updated, "
                  f"{summary.incidents_merged:,} merged into others, {summary.incidents_emptied:,} left without "
                  f"reports; {summary.out_of_scope_incidents:,} of those written are out of scope (kept, not counted).",
                  soft_wrap=True)
    for split in summary.splits:
        console.print(f"Split: {split['kept']} keeps its id; {', '.join(split['split_off'])} split off.",
                      soft_wrap=True)
    if summary.undated or summary.unplaced:
        console.print(f"Linked on what they have: {summary.undated:,} report(s) with no date and no publication "
                      f"date, {summary.unplaced:,} with no place.", soft_wrap=True)


def review_items(items, console) -> None:
    """Print the review queue: each pair's score, reasons, and both reports side by side."""
    from rich.table import Table

    if not items:
        console.print("The review queue is empty.")
        return
    for item in items:
        table = Table(title=f"Pair {item.pair_id}: probability {item.probability:.2f} "
                            f"(weight {item.weight:+.1f})" + (" — could change a counted figure"
                                                             if item.consequential else ""),
                      title_justify="left")
        table.add_column("")
        for report in item.reports:
            table.add_column(f"report {report['report_id']} ({report['dataset']})", overflow="fold")
        for name in ("row_key", "incident_id", "date", "country", "location", "munitions", "actor", "target",
                     "target_category", "source", "excerpt"):
            values = [report[name] for report in item.reports]
            if name == "date":
                values = [f"{r['date']} ({r['date_precision']})" if r["date"] else "" for r in item.reports]
            if name == "munitions":
                values = [", ".join(f"{m.get('count') or '?'} {m['munition_type']}" for m in v or []) for v in values]
            table.add_row(name.replace("_", " "), *("" if v is None else str(v) for v in values))
        if item.distance_km is not None:
            table.add_row("distance", f"{item.distance_km} km", "")
        console.print(table)
        said = [r for r in item.reasons if "comparison" in r]
        console.print("  agree: " + ", ".join(f"{r['comparison']}={r['level']} ({r['weight']:+.1f})"
                                              for r in said if r["weight"] > 0), soft_wrap=True)
        console.print("  disagree: " + ", ".join(f"{r['comparison']}={r['level']} ({r['weight']:+.1f})"
                                                 for r in said if r["weight"] < 0), soft_wrap=True)
        console.print(f"  `salvo review accept {item.pair_id}` or `salvo review reject {item.pair_id}`\n")


def detail_json(detail: dict) -> dict:
    """An incident's detail (salvo.storage.linked.incident_detail) as JSON-ready values."""
    import dataclasses

    out = dict(detail)
    out["incident"] = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                       for k, v in dataclasses.asdict(detail["incident"]).items()}
    return out


def incident_detail(detail: dict, console) -> None:
    """Print one incident: values with their origin, conflicts, ledgers, reports with raw rows, history."""
    from rich.table import Table

    record = detail["incident"]
    heading = f"[bold]{record.id}[/] — {record.status}, {'in scope' if detail['in_scope'] else 'out of scope'}"
    if detail["resolved_from"]:
        heading += f" (the id {detail['resolved_from']} was merged into it)"
    console.print(heading)
    values = Table(show_header=True, title="Values, and where each came from", title_justify="left")
    for column in ("field", "value", "from"):
        values.add_column(column, overflow="fold")
    origin = detail["derivation"]
    for name, value, key in (
        ("date", f"{record.date} ({record.date_precision})" if record.date else "", "date"),
        ("place", ", ".join(str(v) for v in (record.location, record.country) if v), "place"),
        ("target", f"{record.target or ''} [{record.target_category or ''}]", "target_category"),
        ("actor", f"{record.actor_id or record.actor_name or ''} ({record.attribution})", "attribution"),
        ("munitions", ", ".join(f"{m.count if m.count is not None else '?'} {m.munition_type}"
                                + (f" ({m.intercepted} intercepted)" if m.intercepted is not None else "")
                                for m in record.munitions), None),
        ("killed", _low_best_high(record.killed_low, record.killed, record.killed_high), "killed"),
        ("injured", _low_best_high(record.injured_low, record.injured, record.injured_high), "injured"),
        ("status", record.status, "status"),
    ):
        source = origin.get(key) if key else None
        values.add_row(name, value, _origin(source))
    console.print(values)
    for conflict in detail["conflicts"]:
        console.print(f"[yellow]conflict[/] on {conflict['field']}: {conflict['reason']}: " + "; ".join(
            f"report {v['report_id']} ({v['dataset']}) {v['value']} {v['detail'] or ''}" for v in conflict["values"]),
            soft_wrap=True)
    for title, key in (("Claims ledger", "claims"), ("Outcome ledger", "outcomes")):
        if detail[key]:
            console.print(f"[bold]{title}[/]")
            for entry in detail[key]:
                console.print("  " + ", ".join(f"{k}={v}" for k, v in entry.items() if v is not None),
                              markup=False, soft_wrap=True)
    console.print(f"[bold]Reports[/] ({len(detail['reports'])})")
    for report in detail["reports"]:
        console.print(f"  report {report['id']}: {report['dataset']} {report['row_key']}", markup=False)
        for entry in report["provenance"]:
            console.print(f"    read from {entry['file']}, row {entry['row']}, {entry['imported_at']}", markup=False)
            console.print(f"    raw: {json.dumps(entry['raw'], ensure_ascii=False)}", markup=False, soft_wrap=True)
    _decisions(detail["decisions"], console)
    console.print("[bold]History[/]")
    for h in detail["history"]:
        console.print(f"  {h['at']} {h['user']} {h['action']}: {h['reason'] or ''}", markup=False, soft_wrap=True)


def _decisions(decisions: list[dict], console) -> None:
    """The link decisions that touched an incident or a report, oldest first."""
    if not decisions:
        return
    console.print("[bold]Link decisions[/]")
    for d in decisions:
        console.print(f"  {d['id']}: {d['kind']} {d['reports']} by {d['user']} at {d['at']}"
                      + (f" ({d['reason']})" if d["reason"] else "")
                      + (f", revoked {d['revoked_at']}" if d["revoked_at"] else ""), markup=False)


def _low_best_high(low, best, high) -> str:
    if best is None:
        return ""
    return str(best) if low == high else f"{best} (from {low} to {high} across reports)"


def _origin(source) -> str:
    if not source:
        return ""
    text = source.get("rule", "")
    if source.get("report") is not None:
        text += f", report {source['report']}"
    return text


REPORT_LINE_FIELDS = ("id", "dataset", "row_key", "date", "date_precision", "country", "place", "actor",
                      "munitions", "scope", "incident", "withdrawn", "url")


def report_line(report) -> dict:
    """One report (a ReportRecord) as the flat row `salvo reports` shows."""
    return {
        "id": report.id, "dataset": report.dataset, "row_key": report.row_key,
        "date": report.date.isoformat() if report.date else "", "date_precision": report.date_precision or "",
        "country": report.country or "", "place": report.location or "", "actor": report.actor_name or "",
        "munitions": _munitions_text(report.munitions), "scope": "in" if report.in_scope else "out",
        "incident": report.incident_id or "", "withdrawn": report.withdrawn, "url": report.url or "",
    }


def _munitions_text(lines) -> str:
    return "; ".join(f"{m.munition_type} {'?' if m.count is None else ('~' if m.count_estimate else '') + str(m.count)}"
                     for m in lines)


def reports_output(reports, fmt: str, console, *, title: str | None = None) -> int:
    """Print reports as a table, CSV or JSON (streamed, as incidents are); returns how many."""
    return _rows_output((report_line(r) for r in reports), REPORT_LINE_FIELDS, fmt, console,
                        columns=("id", "dataset", "row_key", "date", "country", "place", "munitions", "scope",
                                 "incident"),
                        title=title, noun="reports")


def report_detail_json(detail: dict) -> dict:
    """A report's detail (salvo.storage.queries.report_detail) as JSON-ready values."""
    import dataclasses

    def plain(record):
        if record is None:
            return None
        return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in dataclasses.asdict(record).items()}

    return {**detail, "report": plain(detail["report"]), "incident": plain(detail["incident"])}


def report_detail(detail: dict, console) -> None:
    """Print one report: what its source says, where it was read (with the raw rows), and its incident."""
    from rich.table import Table
    from rich.text import Text

    report = detail["report"]
    state = ", ".join(filter(None, ["in scope" if report.in_scope else "out of scope",
                                    "withdrawn from its dataset" if report.withdrawn else ""]))
    console.print(f"[bold]report {report.id}[/] — {report.dataset} {report.row_key} ({state})", soft_wrap=True)
    values = Table(show_header=True, title="What the source says", title_justify="left")
    for column in ("field", "value"):
        values.add_column(column, overflow="fold")
    for name, value in (
        ("date", f"{report.date} ({report.date_precision})" if report.date else ""),
        ("published", report.published_at or ""),
        ("place", ", ".join(str(v) for v in (report.location, report.country) if v)),
        ("coordinates", f"{report.latitude}, {report.longitude}" if report.latitude is not None else ""),
        ("target", f"{report.target or ''} [{report.target_category or ''}]"),
        ("actor", f"{report.actor_id or report.actor_name or ''} ({report.attribution})"),
        ("munitions", _munitions_text(report.munitions)),
        ("killed", report.killed), ("injured", report.injured), ("confidence", report.confidence),
        ("outlet", report.outlet), ("url", report.url),
    ):
        values.add_row(name, Text("" if value is None else str(value)))
    console.print(values)
    incident = detail["incident"]
    if incident is None:
        console.print("Incident: none (not linked yet: `salvo link`)" if not report.incident_id
                      else f"Incident: {report.incident_id}, which no longer resolves to a live incident", markup=False)
    else:
        merged = (f" (the report's incident {detail['resolved_from']} was merged into it)"
                  if detail["resolved_from"] else "")
        place = ", ".join(str(v) for v in (incident.location, incident.country) if v)
        console.print(f"Incident: {incident.id}{merged} — {incident.date or 'undated'}, {place or 'no place'}, "
                      f"{_munitions_text(incident.munitions) or 'no munitions'}, {incident.status} "
                      f"(`salvo show {incident.id}`)", markup=False, soft_wrap=True)
    console.print(f"[bold]Read from[/] ({len(detail['provenance'])})")
    for entry in detail["provenance"]:
        console.print(f"  {entry['file']}, row {entry['row']}, {entry['imported_at']}", markup=False, soft_wrap=True)
        console.print(f"  raw: {json.dumps(entry['raw'], ensure_ascii=False)}", markup=False, soft_wrap=True)
    if report.text:
        console.print("[bold]Text[/]")
        console.print(f"  {report.text}", markup=False, soft_wrap=True)
    _decisions(detail["decisions"], console)


def link_evaluation(result: dict, console) -> None:
    """Print linking scores per set and method: pairwise and B-cubed precision, recall and F1."""
    from rich.table import Table

    for name, scored in result.items():
        table = Table(title=f"Linking on {name.replace('_', ' ')}" + (
            f" ({scored.get('records') or scored.get('reports')} reports)"), title_justify="left")
        for column in ("method", "pairwise P", "R", "F1", "B-cubed P", "R ", "F1 "):
            table.add_column(column, justify="right" if column != "method" else "left")
        for method, s in scored["methods"].items():
            p, c = s["pairwise"], s["cluster"]
            table.add_row(method, *(f"{v:.3f}" for v in (p["precision"], p["recall"], p["f1"], c["precision"],
                                                         c["recall"], c["f1"])))
        console.print(table)
