"""The `salvo` command: a thin face over the library. Heavy modules load inside commands."""

import functools
import inspect
import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer

app = typer.Typer(
    name="salvo", no_args_is_help=True, add_completion=False, rich_markup_mode="rich",
    help="Salvo: an open incident tracker for drone, rocket and missile attacks.",
)
chart_app = typer.Typer(no_args_is_help=True, help="Draw charts (PNG, SVG and self-contained HTML).")
app.add_typer(chart_app, name="chart")
eval_app = typer.Typer(no_args_is_help=True, help="Measure Salvo's stages against gold annotations.")
app.add_typer(eval_app, name="eval")
review_app = typer.Typer(help="The review queue: pairs of reports the linker was unsure of.",
                         invoke_without_command=True)
app.add_typer(review_app, name="review")
synth_app = typer.Typer(no_args_is_help=True, help="Generate synthetic data with known truth (docs/synthetic.md).")
app.add_typer(synth_app, name="synth")

DbOption = Annotated[Optional[str], typer.Option(
    "--db", envvar="SALVO_DATABASE_URL", show_envvar=True,
    help="Database URL or SQLite file (default ./salvo.db); postgresql+psycopg://... for PostgreSQL.")]
def _choice(*allowed: str):
    """An option callback that accepts only these values."""

    def check(value: str) -> str:
        if value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.",
                                           callback=_choice("table", "csv", "json"))]


def _console(stderr: bool = False):
    from rich.console import Console

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal:
        console.width = max(console.width, 120)  # tables written to files or pipes keep whole labels
    return console


def _fail(message: str, code: int = 1) -> None:
    """Print `message` as an error and exit with `code`.

    The message is printed as plain text (brackets in it are not Rich markup) with the
    password of any URL in it hidden, whichever error it comes from.
    """
    from rich.markup import escape

    from salvo.safe_text import redact

    _console(stderr=True).print(f"[bold red]error:[/] {escape(redact(message))}", soft_wrap=True)
    raise typer.Exit(code)


def _store(db: Optional[str]):
    """The store at `db`, or an error saying which database would not open (never with its password)."""
    from salvo.storage import connect

    try:
        return connect(db)
    except ConnectionError as exc:  # a bad URL, an unreachable server, a refused login: connect names it
        _fail(str(exc))
    except Exception as exc:  # e.g. a schema newer than this Salvo
        _fail(f"cannot open the database {db or '(default ./salvo.db)'}: {exc}")


def _existing_store(db: Optional[str]):
    """Open a store that must exist already: a SQLite file that is not there is an error, not a new database.

    Only `init`, `import`, `demo` and `synth` create a database; elsewhere a mistyped --db would
    quietly create an empty one and answer from it.
    """
    from sqlalchemy.engine import make_url

    from salvo.storage import database_url

    try:
        url = make_url(database_url(db))
    except Exception:  # a malformed URL: _store says what is wrong with it
        return _store(db)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        path = Path(url.database)
        if not path.exists():
            named = f" --db {db}" if db else ""
            _fail(f"no database at {path}: create one with `salvo init{named}` or `salvo import FILE{named}`")
    return _store(db)


def _split(values: Optional[list[str]]) -> list[str]:
    """Repeatable options also accept comma-separated lists."""
    return [item.strip() for value in values or [] for item in value.split(",") if item.strip()]


_FILTERS = {
    "year": "Only these years (repeatable, or 2020,2021).",
    "quarter": "Only these quarters, e.g. 2021-Q1.",
    "month": "Only these months, e.g. 2021-03.",
    "munition": "Only these munition types (uav, rocket, ...).",
    "actor": "Only these actors (id or any alias).",
    "affiliation": "Only actors of these affiliations (iran_linked, ...).",
    "country": "Only these countries (ISO code or name).",
    "target_category": "Only these target categories (us_military, ...).",
    "attribution": "Only these attribution levels (claimed, ...).",
}


def with_filters(command):
    """Give a command the shared filter options and pass them on as one `filters` argument."""
    signature = inspect.signature(command)
    extra = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None,
                          annotation=Annotated[Optional[list[str]], typer.Option(
                              f"--{name.replace('_', '-')}", help=help_text, rich_help_panel="Filters")])
        for name, help_text in _FILTERS.items()
    ] + [
        inspect.Parameter("since", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[str], typer.Option(help="First date counted (YYYY-MM-DD).", rich_help_panel="Filters")]),
        inspect.Parameter("until", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=Annotated[
            Optional[str], typer.Option(help="Last date counted (YYYY-MM-DD).", rich_help_panel="Filters")]),
        inspect.Parameter("include_candidates", inspect.Parameter.KEYWORD_ONLY, default=False, annotation=Annotated[
            bool, typer.Option(help="Count candidate incidents too (default: reviewed and published only).",
                               rich_help_panel="Filters")]),
    ]
    params = [p for p in signature.parameters.values() if p.name != "filters"]
    names = [p.name for p in extra]

    @functools.wraps(command)
    def wrapper(**kwargs):
        options = {name: kwargs.pop(name) for name in names}
        return command(filters=_filters(options), **kwargs)

    wrapper.__signature__ = signature.replace(parameters=[*params, *extra])
    wrapper.__annotations__ = {**{p.name: p.annotation for p in params}, **{p.name: p.annotation for p in extra}}
    return wrapper


def _filters(options: dict):
    from salvo.analysis import Filters

    lists = {name: _split(options[name]) for name in _FILTERS}
    try:
        lists["year"] = [int(y) for y in lists["year"]]
    except ValueError:
        _fail(f"--year takes years such as 2021, not {lists['year']}")
    filters = Filters(**lists, since=_day(options["since"], "since"), until=_day(options["until"], "until"),
                      include_candidates=options["include_candidates"])
    from salvo.analysis.filters import FilterError

    try:
        return filters.normalised()
    except FilterError as exc:
        _fail(str(exc))


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database (or upgrade its schema) and load the codebook's actors and sites."""
    store = _store(db)
    _console().print(f"Salvo database ready at [bold]{store.url}[/] (revision {store.revision()}).")


SHOWN_ERRORS = 20
"""How many of a refused import's errors are printed; the count says how many more there are."""


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A Salvo CSV, XLSX or JSON file (see docs/format.md).")],
    db: DbOption = None,
    skip_invalid: Annotated[bool, typer.Option(
        help="Import the valid incidents and write rejected rows with reasons to a side file.")] = False,
    rejects: Annotated[Optional[Path], typer.Option(help="Where rejected rows go (default FILE.rejected.csv).")] = None,
    force: Annotated[bool, typer.Option(help="Let the rejected rows replace an existing file.")] = False,
    summary: Annotated[str, typer.Option(help="How to print the outcome: text or json.",
                                         callback=_choice("text", "json"))] = "text",
    user: Annotated[Optional[str], typer.Option(help="Name recorded in the audit log.")] = None,
    fmt: Annotated[Optional[str], typer.Option(
        "--format", help="salvo (incidents, docs/format.md) or a dataset (docs/readers.md). Default: detected.")] = None,
    mapping: Annotated[Optional[Path], typer.Option(
        help="For --format mapped: the YAML file mapping the file's columns onto Salvo's fields.")] = None,
) -> None:
    """Import incidents (Salvo's format) or a public dataset's events (as reports with provenance).

    In Salvo's format all errors are reported at once and a file with errors changes nothing.
    A file whose every row is rejected is a failed import.
    """
    from salvo.importing import ImportRejected, import_file, import_reports
    from salvo.readers import formats
    from salvo.readers.errors import FileError
    from salvo.storage.store import WriteLockTimeout  # while it waits for that lock, stderr says so (a warning)

    def refused(exc: ImportRejected) -> None:
        if summary == "json":
            print(json.dumps(exc.summary.to_json(), ensure_ascii=False))
        else:
            console = _console(stderr=True)
            for error in exc.summary.errors[:SHOWN_ERRORS]:
                console.print(f"  {error}", markup=False, soft_wrap=True)
            if len(exc.summary.errors) > SHOWN_ERRORS:
                console.print(f"  ... and {len(exc.summary.errors) - SHOWN_ERRORS:,} more (--skip-invalid writes every "
                              "rejected row with its reasons to a file)", markup=False, soft_wrap=True)
            if exc.every_row_rejected:
                console.print(f"[bold red]{len(exc.summary.errors)} error(s); every row was rejected, "
                              "nothing was imported.[/]", soft_wrap=True)
            else:
                console.print(f"[bold red]{len(exc.summary.errors)} error(s) in {exc.summary.rejected} incident(s); "
                              "nothing was imported.[/] Fix them, or use --skip-invalid.", soft_wrap=True)
        raise typer.Exit(1) from None

    if fmt is not None and fmt not in formats.formats():
        _fail(f"--format {fmt!r} is not one of {', '.join(formats.formats())}")
    if mapping is not None and fmt != "mapped":
        _fail("--mapping goes with --format mapped")
    chosen = fmt or formats.detect(file)
    store = _store(db)
    if chosen != formats.SALVO:
        if fmt is None:
            _console(stderr=True).print(f"{file}: detected format {chosen}")
        options = {"mapping": mapping} if mapping is not None else {}
        try:
            with _progress(file) as progress:
                outcome = import_reports(store, file, chosen, user=user, progress=progress, **options)
        except (FileError, WriteLockTimeout) as exc:
            _fail(f"{exc}; nothing was imported.")
        except ImportRejected as exc:
            refused(exc)
        _print_report_summary(outcome, summary)
        return
    try:
        with _progress(file) as progress:
            outcome = import_file(store, file, skip_invalid=skip_invalid, rejects_path=rejects, force=force,
                                  user=user, progress=progress)
    except (FileError, WriteLockTimeout) as exc:
        _fail(f"{exc}; nothing was imported.")
    except ImportRejected as exc:
        refused(exc)
    if summary == "json":
        print(json.dumps(outcome.to_json(), ensure_ascii=False))
        return
    console = _console()
    console.print(f"{file}: {outcome.rows:,} rows, {outcome.incidents + outcome.rejected:,} incidents — "
                  f"[green]{outcome.added:,} added[/], {outcome.updated:,} updated, {outcome.unchanged:,} unchanged, "
                  f"[red]{outcome.rejected:,} rejected[/].", soft_wrap=True)
    if outcome.rejects_file:
        console.print(f"Rejected rows and reasons written to {outcome.rejects_file}.")
    if outcome.unresolved_actors:
        names = ", ".join(f"{name} ({n})" for name, n in outcome.unresolved_actors.most_common(10))
        console.print(f"Actors kept verbatim (not in the codebook): {names}")


@contextmanager
def _progress(file: Path):
    """A progress callback for a long import: a Rich bar on a terminal, else a log line every few seconds."""
    import time

    console = _console(stderr=True)
    start = last = time.monotonic()
    if console.is_terminal:
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[rows]:,} rows"),
                       TextColumn("{task.fields[rate]:,.0f} rows/s"), TimeRemainingColumn(), console=console,
                       transient=True)
        task = bar.add_task(f"importing {file.name}", total=None, rows=0, rate=0)

        def update(rows: int, done: int, size: int) -> None:
            rate = rows / max(time.monotonic() - start, 1e-9)
            bar.update(task, completed=done, total=size or None, rows=rows, rate=rate)

        with bar:
            yield update
        return

    def log(rows: int, done: int, size: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 5:
            last = now
            share = f", {100 * done / size:.0f}% of the file" if size else ""
            print(f"importing {file.name}: {rows:,} rows, {rows / (now - start):,.0f} rows/s{share}",
                  file=sys.stderr, flush=True)

    yield log


def _print_report_summary(outcome, summary: str) -> None:
    keys = ("added", "updated", "unchanged", "withdrawn", "rejected", "out_of_scope")
    if summary == "json":
        print(json.dumps(outcome.to_json(), ensure_ascii=False))
        return
    console = _console()
    console.print(f"{outcome.file} ({outcome.format}): {outcome.rows} rows — " +
                  ", ".join(f"{getattr(outcome, k)} {k.replace('_', ' ')}" for k in keys) + ".", soft_wrap=True)
    for error in outcome.errors[:20]:
        console.print(f"  {error}", markup=False, soft_wrap=True)
    if outcome.unresolved_actors:
        names = ", ".join(f"{name} ({n})" for name, n in outcome.unresolved_actors.most_common(10))
        console.print(f"Actors kept verbatim (not in the codebook): {names}", soft_wrap=True)


@app.command()
def export(
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv, json, geojson or xlsx.")] = "csv",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (default: stdout).")] = None,
) -> None:
    """Export every incident in Salvo's interchange format (CSV, JSON, XLSX) or as GeoJSON."""
    from salvo.exports import export as run_export

    store = _existing_store(db)
    try:
        count = run_export(store, fmt, output, stream=sys.stdout)
    except ValueError as exc:
        _fail(str(exc))
    if output:
        _console(stderr=True).print(f"Wrote {count} incidents to {output}.")


UNITS = ("projectiles", "incidents")
YTD_HELP = ("Cut every year at the same day: --until when given, else the latest incident's day (today, if "
            "incidents are dated later).")


@app.command()
@with_filters
def stats(
    filters,
    db: DbOption = None,
    by: Annotated[list[str], typer.Option(help="Dimensions: year, quarter, month, munition, actor, affiliation, "
                                               "country, target_category, attribution (repeatable or comma-separated).")] = ["year"],  # noqa: B006
    unit: Annotated[str, typer.Option(help="projectiles or incidents.", callback=_choice(*UNITS))] = "projectiles",
    share: Annotated[Optional[str], typer.Option(help="Add each row's share of the total over this dimension.")] = None,
    ytd: Annotated[bool, typer.Option(help=YTD_HELP)] = False,
    unknown_count: Annotated[int, typer.Option(
        help="Projectiles counted for a line with unknown count (0 or more).")] = 1,
    fmt: FormatOption = "table",
) -> None:
    """Count projectiles or incidents by year, munition, actor, country, ...; shares and year to date."""
    from salvo.analysis import stats as run_stats
    from salvo.analysis.filters import FilterError

    store = _existing_store(db)
    try:
        result = run_stats(store, by=_split(by), unit=unit, filters=filters, ytd=ytd, share=share,
                           unknown_count=unknown_count)
    except FilterError as exc:
        _fail(str(exc))
    from salvo import render

    render.stats_output(result, fmt, _console())
    if fmt != "table" and result.empty_reason:
        _console(stderr=True).print(f"Nothing counted. {result.empty_reason}", markup=False, soft_wrap=True)


@app.command()
@with_filters
def sources(
    filters,
    db: DbOption = None,
    out_of_scope: Annotated[bool, typer.Option(
        help="Also look at incidents outside the tracker's scope (kept, not counted): most UCDP and alert "
             "events are.")] = False,
    limit: Annotated[int, typer.Option(help="List at most this many count disagreements (0: all).")] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.",
                                     callback=_choice("table", "json"))] = "table",
) -> None:
    """Per dataset: the incidents it reports, those only it reports, those it shares, and where counts differ."""
    from salvo.analysis.sources import source_overlap
    from salvo.render_sources import sources_output

    result = source_overlap(_existing_store(db), filters, out_of_scope=out_of_scope)
    sources_output(result, fmt, _console(), limit=limit)


@app.command()
@with_filters
def incidents(
    filters,
    db: DbOption = None,
    ytd: Annotated[bool, typer.Option(help=YTD_HELP)] = False,
    limit: Annotated[int, typer.Option(help="Incidents per page (0: every one, streamed).")] = 50,
    after: Annotated[Optional[str], typer.Option(
        help="Start after this cursor: the one printed under the previous page.")] = None,
    conflicts: Annotated[bool, typer.Option(help="Only incidents whose reports disagree beyond their precision.")] = False,
    reports: Annotated[bool, typer.Option(help="Show each incident's reports, with their raw rows and ledgers.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """List the incidents behind a figure, by date, a page at a time: same filters as `salvo stats`."""
    from salvo import render
    from salvo.storage import queries

    if limit < 0:
        _fail("--limit must be 0 (every incident) or more")
    store = _existing_store(db)
    try:
        if limit:
            records, cursor = queries.page(store, filters, after=after, limit=limit, ytd=ytd, conflicts=conflicts)
        else:
            records, cursor = queries.iter_incidents(store, filters, order="date", after=after, ytd=ytd,
                                                     conflicts=conflicts), None
    except queries.CursorError as exc:
        _fail(str(exc))
    if reports:
        details = _details(store, [r.id for r in records])
        if fmt == "json":
            print(json.dumps([render.detail_json(d) for d in details], ensure_ascii=False, default=str))
        else:
            for detail in details:
                render.incident_detail(detail, _console())
    else:
        title = None if after is None and cursor is None else "Incidents, " + ("next page" if after else "first page")
        render.incidents_output(records, fmt, _console(), title=title)
    _next_page(cursor, fmt)


def _next_page(cursor: Optional[str], fmt: str) -> None:
    """Say how to get the next page: under a table, or on stderr so that CSV and JSON stay clean."""
    if cursor is None:
        return
    import shlex

    _console(stderr=fmt != "table").print(f"More: add --after {shlex.quote(cursor)} for the next page.",
                                          markup=False, soft_wrap=True)


def _details(store, ids: list[str]) -> list[dict]:
    from salvo.storage.linked import incident_detail

    with store.session() as session:
        return [d for d in (incident_detail(session, i) for i in ids) if d is not None]


@app.command()
def reports(
    db: DbOption = None,
    dataset: Annotated[Optional[list[str]], typer.Option(
        help="Only reports of these datasets (acled, ucdp_ged, salvo, ...; repeatable or comma-separated).")] = None,
    scope: Annotated[Optional[str], typer.Option(
        help="in: only reports inside the tracker's scope; out: only those outside it.")] = None,
    linked: Annotated[Optional[bool], typer.Option(
        "--linked/--unlinked", help="Only reports linked to an incident, or only those not (yet) linked.")] = None,
    since: Annotated[Optional[str], typer.Option(
        help="Only reports of events on or after this date (YYYY-MM-DD).")] = None,
    until: Annotated[Optional[str], typer.Option(
        help="Only reports of events on or before this date (YYYY-MM-DD).")] = None,
    country: Annotated[Optional[list[str]], typer.Option(help="Only these countries (ISO code or name).")] = None,
    limit: Annotated[int, typer.Option(help="Reports per page (0: every one, streamed).")] = 50,
    after: Annotated[Optional[str], typer.Option(
        help="Start after this cursor: the one printed under the previous page.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """List the stored reports (each source's account of an event) in the order they were read, a page at a time."""
    from salvo import render
    from salvo.storage import queries

    if scope not in (None, "in", "out"):
        _fail(f"--scope takes in or out, not {scope!r}")
    if limit < 0:
        _fail("--limit must be 0 (every report) or more")
    chosen = queries.ReportFilters(
        dataset=_split(dataset), country=[_country_code(c) for c in _split(country)],
        in_scope=None if scope is None else scope == "in", linked=linked,
        since=_day(since, "since"), until=_day(until, "until"))
    store = _existing_store(db)
    try:
        if limit:
            found, cursor = queries.report_page(store, chosen, after=after, limit=limit)
        else:
            found, cursor = queries.iter_reports(store, chosen, after=after), None
    except queries.CursorError as exc:
        _fail(str(exc))
    title = None if after is None and cursor is None else "Reports, " + ("next page" if after else "first page")
    render.reports_output(found, fmt, _console(), title=title)
    _next_page(cursor, fmt)


def _day(value: Optional[str], name: str):
    """A YYYY-MM-DD option as a date (None stays None), or a clear error."""
    import datetime as dt

    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"--{name} {value!r} is not a date (YYYY-MM-DD)")


def _country_code(value: str) -> str:
    from salvo import gazetteer

    found = gazetteer.country(value)
    if found is None:
        _fail(f"{value!r} is not a known country")
    return found.code


@app.command()
def show(
    item: Annotated[str, typer.Argument(metavar="ID", help=(
        "An incident id (an id merged away resolves to its incident), or a report's number "
        "(report:NUMBER when an incident has that id too)."))],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.", callback=_choice("table", "json"))] = "table",
) -> None:
    """One incident: each value and its origin, conflicts, ledgers, reports with raw rows, history; or one report."""
    from salvo import render

    store = _existing_store(db)
    number = item.removeprefix("report:")
    if number == item:
        details = _details(store, [item])
        if details:
            if fmt == "json":
                print(json.dumps(render.detail_json(details[0]), ensure_ascii=False, default=str))
            else:
                render.incident_detail(details[0], _console())
            return
    if number.isdigit():
        from salvo.storage.queries import report_detail

        detail = report_detail(store, int(number))
        if detail is not None:
            if fmt == "json":
                print(json.dumps(render.report_detail_json(detail), ensure_ascii=False, default=str))
            else:
                render.report_detail(detail, _console())
            return
    _fail(f"no report {number}" if number != item else f"no incident or report {item!r}")


SettingsOption = Annotated[Optional[Path], typer.Option(
    "--settings", help="A linkage settings file (default: the shipped salvo/link/settings.yaml).")]


def _settings(path: Optional[Path]):
    from salvo.link import SettingsError, load_settings

    try:
        return load_settings(path)
    except SettingsError as exc:
        _fail(f"{exc}; nothing was linked.")


@app.command("link")
def link_command(
    db: DbOption = None,
    settings: SettingsOption = None,
    full: Annotated[bool, typer.Option(help="Re-examine every report, not only new and changed ones.")] = False,
    estimate: Annotated[Optional[Path], typer.Option(
        help="Instead of linking, re-estimate m, u and the prior by EM on the store's blocked pairs and "
             "write a settings file here.")] = None,
    user: Annotated[Optional[str], typer.Option(help="Name recorded in the audit log.")] = None,
    summary: Annotated[str, typer.Option(help="text or json.", callback=_choice("text", "json"))] = "text",
    engine: Annotated[str, typer.Option(
        help="Where blocking and scoring run: polars (in this process) or spark (a local Spark session, or the "
             "active one under spark-submit; needs the spark extra and Java). Same settings, same incidents.",
        callback=_choice("polars", "spark"))] = "polars",
) -> None:
    """Group every report (datasets, news, analysts' entries) into incidents, incrementally, with stable ids."""
    from salvo.importing import default_user

    chosen = _settings(settings)
    store = _existing_store(db)
    if estimate is not None:
        from salvo.link.training import estimate_settings

        if estimate.exists():
            _fail(f"{estimate} exists; choose a new file name")
        fitted = estimate_settings(store, chosen, estimate)
        _console().print(f"Estimated on {fitted.pairs:,} blocked pairs in {fitted.iterations} EM iterations "
                         f"(prior {fitted.prior:.4f}); wrote {estimate}.")
        return
    from salvo.link import link
    from salvo.link.spark import available

    if engine == "spark" and (missing := available()):
        _fail(f"--engine spark cannot run here: {missing}")
    outcome = link(store, chosen, user=user or default_user(), full=full, engine=engine)
    if summary == "json":
        print(json.dumps(outcome.to_json(), ensure_ascii=False))
        return
    from salvo import render

    render.link_summary(outcome, _console())


@review_app.callback()
def review(
    ctx: typer.Context,
    db: DbOption = None,
    limit: Annotated[int, typer.Option(help="Show at most this many pairs (0: all).")] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.", callback=_choice("table", "json"))] = "table",
) -> None:
    """List the pending pairs: those that could change a counted figure first, then the most uncertain."""
    if ctx.invoked_subcommand is not None:
        return
    from salvo import render
    from salvo.link import pending

    items = pending(_existing_store(db), limit or None)
    if fmt == "json":
        import dataclasses

        print(json.dumps([dataclasses.asdict(i) for i in items], ensure_ascii=False, default=str))
        return
    render.review_items(items, _console())


def _decide(pair: int, accept: bool, db, reason, user, settings) -> None:
    from salvo.importing import default_user
    from salvo.link import decide
    from salvo.link.review import ReviewError

    try:
        decision, outcome = decide(_existing_store(db), accept=accept, user=user or default_user(), reason=reason,
                                   pair_id=pair, settings=_settings(settings))
    except ReviewError as exc:
        _fail(str(exc))
    _console().print(f"Decision {decision}: pair {pair} {'accepted' if accept else 'rejected'}; "
                     f"{outcome.incidents_added} incident(s) added, {outcome.incidents_updated} updated, "
                     f"{outcome.incidents_merged} merged.")


ReasonOption = Annotated[Optional[str], typer.Option(help="Why (kept with the decision).")]
UserOption = Annotated[Optional[str], typer.Option(help="Name recorded with the decision.")]


@review_app.command("accept")
def review_accept(pair: Annotated[int, typer.Argument(help="The pair's number, as `salvo review` lists it.")],
                  db: DbOption = None, reason: ReasonOption = None, user: UserOption = None,
                  settings: SettingsOption = None) -> None:
    """Accept a pair: its two reports describe one event."""
    _decide(pair, True, db, reason, user, settings)


@review_app.command("reject")
def review_reject(pair: Annotated[int, typer.Argument(help="The pair's number, as `salvo review` lists it.")],
                  db: DbOption = None, reason: ReasonOption = None, user: UserOption = None,
                  settings: SettingsOption = None) -> None:
    """Reject a pair: its two reports describe different events (never linked again)."""
    _decide(pair, False, db, reason, user, settings)


@review_app.command("undo")
def review_undo(decision: Annotated[int, typer.Argument(help="The decision's number.")],
                db: DbOption = None, reason: ReasonOption = None, user: UserOption = None,
                settings: SettingsOption = None) -> None:
    """Undo a decision (it stays on record, revoked) and rebuild the incidents it touched."""
    from salvo.importing import default_user
    from salvo.link import undo
    from salvo.link.review import ReviewError

    try:
        undo(_existing_store(db), decision, user=user or default_user(), reason=reason, settings=_settings(settings))
    except ReviewError as exc:
        _fail(str(exc))
    _console().print(f"Decision {decision} undone; incidents rebuilt.")


@chart_app.command("per-year")
@with_filters
def chart_per_year(
    filters,
    db: DbOption = None,
    out: Annotated[Path, typer.Option(help="Folder to write per-year.png, .svg and .html into.")] = Path("out"),
    title: Annotated[str, typer.Option(help="Chart title.")] = "Munitions fired per year, by type",
    source: Annotated[Optional[str], typer.Option(help="Source line under the chart.")] = None,
    unit: Annotated[str, typer.Option(help="projectiles or incidents.", callback=_choice(*UNITS))] = "projectiles",
    ytd: Annotated[bool, typer.Option(help=YTD_HELP)] = False,
) -> None:
    """Munitions fired per year, stacked by munition type."""
    from salvo import render
    from salvo.analysis import incident_ids
    from salvo.analysis.filters import FilterError
    from salvo.analysis.stats import why_empty

    store = _existing_store(db)
    if not incident_ids(store, filters, ytd=ytd):
        _fail(f"nothing to draw. {why_empty(store, filters)}")
    try:
        paths = render.per_year_files(store, filters, out=out, title=title, source=source, unit=unit, ytd=ytd)
    except FilterError as exc:
        _fail(str(exc))
    for path in paths:
        _console().print(f"Wrote {path}")


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Articles: text or HTML files, folders of them, or - for stdin.")],
    db: DbOption = None,
    published: Annotated[Optional[str], typer.Option(help="Publication date (YYYY-MM-DD) when the text lacks one.")] = None,
    url: Annotated[Optional[str], typer.Option(help="The article's URL when the text lacks one.")] = None,
    dry_run: Annotated[bool, typer.Option(help="Print the candidates as JSON instead of storing them.")] = False,
) -> None:
    """Propose candidate incidents from news articles, each field with the words that support it."""
    import datetime as dt

    from salvo import extracting

    day = None
    if published:
        try:
            day = dt.date.fromisoformat(published)
        except ValueError:
            _fail(f"--published {published!r} is not a date (YYYY-MM-DD)")
    stdin_text = sys.stdin.read() if "-" in paths else None
    store = None if dry_run else _store(db)
    found_json, total = [], 0
    try:
        for article in extracting.articles(paths, published=day, url=url, stdin_text=stdin_text):
            found = extracting.candidates(article)
            total += len(found)
            if dry_run:
                found_json.extend(extracting.candidate_json(article, c) for c in found)
            else:
                outcomes = extracting.store_candidates(store, article, found)
                _console(stderr=True).print(f"{article.path}: {len(found)} candidate(s) "
                                            f"({', '.join(outcomes) or 'none'})", soft_wrap=True)
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read an article: {exc}")
    if dry_run:
        print(json.dumps(found_json, ensure_ascii=False, indent=1))
    else:
        _console(stderr=True).print(f"Stored {total} candidate report(s) in {store.url}.")


@eval_app.command("extract")
def eval_extract(
    gold: Annotated[Path, typer.Option(help="Gold annotations (JSON lines, one record per article).")],
    articles: Annotated[Path, typer.Option(help="Folder of the articles the gold file annotates.")],
    fmt: FormatOption = "table",
) -> None:
    """Score extraction against gold annotations: detection precision/recall/F1 and per-field accuracy."""
    from salvo.extract.evaluate import evaluate

    if not gold.is_file() or not articles.is_dir():
        _fail(f"need a gold file and an articles folder ({gold}, {articles})")
    result = evaluate(gold, articles)
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    from salvo import render

    render.evaluation(result, _console())


@eval_app.command("link")
def eval_link(
    gold: Annotated[Optional[list[Path]], typer.Option(help="News gold file(s) (JSON lines), repeatable; the "
                                                       "clusters.json beside each is the truth.")] = None,
    synthetic: Annotated[int, typer.Option(help="Also score a synthetic set of this many events (0: none).")] = 0,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic set.")] = 0,
    settings: SettingsOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.", callback=_choice("table", "json"))] = "table",
) -> None:
    """Score linking: pairwise and B-cubed precision, recall and F1, beside two baselines."""
    from salvo.link.evaluate import evaluate_sets

    if not gold and not synthetic:
        _fail("give --gold FILE (repeatable) or --synthetic N")
    for path in gold or []:
        if not path.is_file():
            _fail(f"no gold file {path}")
    result = evaluate_sets(gold_files=gold or [], synthetic=synthetic, seed=seed, settings=_settings(settings))
    if fmt == "json":
        print(json.dumps(result, ensure_ascii=False, default=str))
        return
    from salvo import render

    render.link_evaluation(result, _console())


@synth_app.command("reports")
def synth_reports(
    events: Annotated[int, typer.Option(help="How many events to generate (about 2.5 reports each).")] = 10_000,
    seed: Annotated[int, typer.Option(help="The generator's seed: the same seed gives the same reports.")] = 0,
    db: DbOption = None,
    truth: Annotated[Optional[Path], typer.Option(
        help="Write the truth (dataset, row_key, event) to this CSV file.")] = None,
) -> None:
    """Write a synthetic report set with known truth into the store, ready for `salvo link`."""
    from salvo.link.synth import write_synth

    if events <= 0:
        _fail("--events must be a positive number")
    if truth is not None and truth.exists():
        _fail(f"{truth} exists; choose a new file name")
    if truth is not None and not truth.parent.is_dir():
        _fail(f"no folder {truth.parent} for the truth file")
    store = _store(db)
    written = write_synth(store, events, seed=seed)
    if truth is not None:
        written.write_csv(truth)
    _console().print(f"Wrote {written.height:,} synthetic reports of {events:,} events (seed {seed}) to {store.url}"
                     + (f"; truth in {truth}." if truth else "."))


@app.command()
def codebook(
    markdown: Annotated[bool, typer.Option(help="Print the whole codebook as Markdown (docs/codebook.md).")] = False,
) -> None:
    """Show the codebook: vocabularies and their definitions."""
    from salvo import render

    if markdown:
        print(render.codebook_markdown(), end="")
    else:
        render.codebook_table(_console())


@app.command()
def demo(
    db: Annotated[str, typer.Option("--db", help="Where to build the demo database.")] = "out/demo.db",
    out: Annotated[Path, typer.Option(help="Folder for the chart files.")] = Path("out"),
) -> None:
    """Build a fresh database from the shipped demo data, print the per-year table and draw the chart."""
    from salvo import demo as run_demo

    run_demo.run(db, out, _console())


def main() -> None:
    """Entry point of the `salvo` command.

    An error of Salvo's hierarchy (salvo.errors) that a command did not turn into a message
    itself still ends in one line naming what was wrong, with its kind's exit code, never a
    traceback.
    """
    from salvo.errors import SalvoError

    try:
        app()
    except SalvoError as exc:
        try:
            _fail(str(exc), code=exc.exit_code)
        except typer.Exit as done:
            sys.exit(done.exit_code)


if __name__ == "__main__":
    main()
