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
    _console(stderr=True).print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def _store(db: Optional[str]):
    from salvo.storage import connect

    try:
        return connect(db)
    except Exception as exc:  # an unreachable server or a bad URL: say which
        _fail(f"cannot open the database {db or '(default ./salvo.db)'}: {exc}")


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
    import datetime as dt

    from salvo.analysis import Filters

    def day(value, name):
        if value is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            _fail(f"--{name} {value!r} is not a date (YYYY-MM-DD)")

    lists = {name: _split(options[name]) for name in _FILTERS}
    try:
        lists["year"] = [int(y) for y in lists["year"]]
    except ValueError:
        _fail(f"--year takes years such as 2021, not {lists['year']}")
    filters = Filters(**lists, since=day(options["since"], "since"), until=day(options["until"], "until"),
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


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="A Salvo CSV, XLSX or JSON file (see docs/format.md).")],
    db: DbOption = None,
    skip_invalid: Annotated[bool, typer.Option(
        help="Import the valid incidents and write rejected rows with reasons to a side file.")] = False,
    rejects: Annotated[Optional[Path], typer.Option(help="Where rejected rows go (default FILE.rejected.csv).")] = None,
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
    """
    from salvo.importing import ImportRejected, import_file, import_reports
    from salvo.readers import formats
    from salvo.readers.errors import FileError

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
        except FileError as exc:
            _fail(f"{exc}; nothing was imported.")
        _print_report_summary(outcome, summary)
        return
    try:
        with _progress(file) as progress:
            outcome = import_file(store, file, skip_invalid=skip_invalid, rejects_path=rejects, user=user,
                                  progress=progress)
    except FileError as exc:
        _fail(f"{exc}; nothing was imported.")
    except ImportRejected as exc:
        if summary == "json":
            print(json.dumps(exc.summary.to_json(), ensure_ascii=False))
        else:
            console = _console(stderr=True)
            for error in exc.summary.errors:
                console.print(f"  {error}", markup=False, soft_wrap=True)
            console.print(f"[bold red]{len(exc.summary.errors)} error(s) in {exc.summary.rejected} incident(s); "
                          "nothing was imported.[/] Fix them, or use --skip-invalid.", soft_wrap=True)
        raise typer.Exit(1) from None
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

    store = _store(db)
    try:
        count = run_export(store, fmt, output, stream=sys.stdout)
    except ValueError as exc:
        _fail(str(exc))
    if output:
        _console(stderr=True).print(f"Wrote {count} incidents to {output}.")


@app.command()
@with_filters
def stats(
    filters,
    db: DbOption = None,
    by: Annotated[list[str], typer.Option(help="Dimensions: year, quarter, month, munition, actor, affiliation, "
                                               "country, target_category, attribution (repeatable or comma-separated).")] = ["year"],  # noqa: B006
    unit: Annotated[str, typer.Option(help="projectiles or incidents.")] = "projectiles",
    share: Annotated[Optional[str], typer.Option(help="Add each row's share of the total over this dimension.")] = None,
    ytd: Annotated[bool, typer.Option(help="Cut every year at the month and day of the latest incident.")] = False,
    unknown_count: Annotated[int, typer.Option(help="Projectiles counted for a line with unknown count.")] = 1,
    fmt: FormatOption = "table",
) -> None:
    """Count projectiles or incidents by year, munition, actor, country, ...; shares and year to date."""
    from salvo.analysis import stats as run_stats
    from salvo.analysis.filters import FilterError

    store = _store(db)
    try:
        result = run_stats(store, by=_split(by), unit=unit, filters=filters, ytd=ytd, share=share,
                           unknown_count=unknown_count)
    except FilterError as exc:
        _fail(str(exc))
    from salvo import render

    render.stats_output(result, fmt, _console())


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

    result = source_overlap(_store(db), filters, out_of_scope=out_of_scope)
    sources_output(result, fmt, _console(), limit=limit)


@app.command()
@with_filters
def incidents(
    filters,
    db: DbOption = None,
    ytd: Annotated[bool, typer.Option(help="Cut every year at the month and day of the latest incident.")] = False,
    limit: Annotated[int, typer.Option(help="Show at most this many (0: all).")] = 0,
    conflicts: Annotated[bool, typer.Option(help="Only incidents whose reports disagree beyond their precision.")] = False,
    reports: Annotated[bool, typer.Option(help="Show each incident's reports, with their raw rows and ledgers.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """List the incidents behind a figure: same filters as `salvo stats`."""
    from salvo.analysis import incident_ids
    from salvo.exports import iter_incidents

    store = _store(db)
    ids = incident_ids(store, filters, ytd=ytd)
    if conflicts:
        from salvo.storage.linked import incidents_with_conflicts

        with store.session() as session:
            flagged = incidents_with_conflicts(session)
        ids = [i for i in ids if i in flagged]
    if limit:
        ids = ids[:limit]
    from salvo import render

    if reports:
        details = _details(store, ids)
        if fmt == "json":
            print(json.dumps([render.detail_json(d) for d in details], ensure_ascii=False, default=str))
        else:
            for detail in details:
                render.incident_detail(detail, _console())
        return
    order = {incident_id: n for n, incident_id in enumerate(ids)}
    records = sorted(iter_incidents(store, ids), key=lambda r: order[r.id]) if ids else []
    render.incidents_output(records, fmt, _console())


def _details(store, ids: list[str]) -> list[dict]:
    from salvo.storage.linked import incident_detail

    with store.session() as session:
        return [d for d in (incident_detail(session, i) for i in ids) if d is not None]


@app.command()
def show(
    incident: Annotated[str, typer.Argument(help="An incident id (an id merged away resolves to its incident).")],
    db: DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.", callback=_choice("table", "json"))] = "table",
) -> None:
    """One incident: each value and where it came from, conflicts, ledgers, its reports with raw rows, history."""
    from salvo import render

    details = _details(_store(db), [incident])
    if not details:
        _fail(f"no incident {incident!r}")
    if fmt == "json":
        print(json.dumps(render.detail_json(details[0]), ensure_ascii=False, default=str))
    else:
        render.incident_detail(details[0], _console())


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
) -> None:
    """Group every report (datasets, news, analysts' entries) into incidents, incrementally, with stable ids."""
    from salvo.importing import default_user

    chosen = _settings(settings)
    store = _store(db)
    if estimate is not None:
        from salvo.link.training import estimate_settings

        if estimate.exists():
            _fail(f"{estimate} exists; choose a new file name")
        fitted = estimate_settings(store, chosen, estimate)
        _console().print(f"Estimated on {fitted.pairs:,} blocked pairs in {fitted.iterations} EM iterations "
                         f"(prior {fitted.prior:.4f}); wrote {estimate}.")
        return
    from salvo.link import link

    outcome = link(store, chosen, user=user or default_user(), full=full)
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

    items = pending(_store(db), limit or None)
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
        decision, outcome = decide(_store(db), accept=accept, user=user or default_user(), reason=reason,
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
        undo(_store(db), decision, user=user or default_user(), reason=reason, settings=_settings(settings))
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
    unit: Annotated[str, typer.Option(help="projectiles or incidents.")] = "projectiles",
    ytd: Annotated[bool, typer.Option(help="Cut every year at the month and day of the latest incident.")] = False,
) -> None:
    """Munitions fired per year, stacked by munition type."""
    from salvo import render

    store = _store(db)
    paths = render.per_year_files(store, filters, out=out, title=title, source=source, unit=unit, ytd=ytd)
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
    """Entry point of the `salvo` command."""
    app()


if __name__ == "__main__":
    main()
