"""ACLED events: the CSV export and the raw API response (JSON), read a block of rows at a time.

Where to get it: https://acleddata.com (the Data Export Tool gives CSV; the API,
``/acled/read``, answers with JSON in which every value is a string and
``count`` says how many events the response holds). ACLED's terms restrict
redistributing its data: keep the files outside the project.

Each event becomes a report keyed by ``event_id_cnty`` (stable across ACLED
releases), mapped with the tables of ``mappings/acled.yaml``:

* ``event_date`` (ISO, or "30 January 2024" in older exports) with
  ``time_precision`` (1 day, 2 week, 3 month; a month is stored as its first day);
* ``latitude``/``longitude`` as the source gives them, with ``geo_precision`` as
  the location precision; the place named in ``location`` resolved through the
  gazetteer (in the event's country) as the place id, beside them;
* ``actor1`` resolved through the reader's own table and the codebook's aliases
  (salvo.readers.actor_names); unresolved names are kept verbatim; ``actor2``
  is the target, its category from the target table or, failing that, from the
  notes ("container ship" is commercial shipping); an attack on a merchant ship
  is commercial shipping whether ACLED gives the ship's side as civilians or
  not at all. An interception ("Disrupted weapons use") is read the other way
  round: ACLED's actor2 fired, its actor1 stopped the weapons;
* munition types and counts from ``notes`` ("fired 3 anti-ship ballistic
  missiles"), with how many the notes say were intercepted ("Three rockets
  were intercepted"; unknown when they give no number), else from
  ``sub_event_type`` ("Shelling/artillery/missile attack" is an unknown
  munition with no count);
* ``fatalities`` as killed; ``source`` split at ";" into the sources, the first
  as the outlet; ``notes`` as the text.

The whole mapping runs as polars expressions over blocks of 50,000 rows, so a
file of millions of events is read in constant memory. A file cut short is
refused before anything is imported: a CSV whose last row has no line break or
lacks cells, a response whose JSON is not closed; for the API response, the
number of events read is also checked against ``count``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from salvo import codebook, gazetteer
from salvo.readers import actor_names, salvo_files
from salvo.readers.errors import FileError, RowError
from salvo.readers.json_array import JsonArray
from salvo.readers.munition_text import munition_lines_column
from salvo.readers.report_rows import ReportBatch, require_final_line_break
from salvo.readers.scope import in_scope_column

FORMAT = "acled"
REQUIRED = ("event_id_cnty", "event_date", "time_precision", "sub_event_type", "actor1", "actor2", "country",
            "location", "latitude", "longitude", "geo_precision", "source", "notes", "fatalities")
BATCH_ROWS = 50_000


def detect(header: list[str]) -> bool:
    """Whether a CSV header is ACLED's."""
    return {"event_id_cnty", "event_date", "sub_event_type", "actor1"} <= set(header)


def detect_file(path: Path) -> bool:
    """Whether a file is an ACLED CSV export (by its header) or API response (by its first keys)."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        with path.open("rb") as handle:
            head = handle.read(1 << 14).decode("utf-8", errors="replace")
        return '"data"' in head and '"event_id_cnty"' in head
    from salvo.readers.formats import header

    return detect(header(path))


def read(path: Path) -> Iterator[ReportBatch]:
    """The file's events as batches of reports; a row that cannot be read is an error in its batch."""
    path = Path(path)
    if path.suffix.lower() == ".json":
        yield from _read_json(path)
        return
    require_final_line_break(path)
    consumed = [0]
    frames, _ = salvo_files.frames(path, BATCH_ROWS, consumed, REQUIRED)
    for frame in frames:
        yield _batch(str(path), frame.rename({salvo_files.ROW: "_row"}), consumed[0])


def _read_json(path: Path) -> Iterator[ReportBatch]:
    """The API response's ``data`` array, a block at a time, checked against its ``count``."""
    events = JsonArray(path, "data")
    block: list[dict[str, Any]] = []
    read = 0
    for item in events:
        read += 1
        if not isinstance(item, dict):
            raise FileError(RowError(str(path), read, None, None, "an item of 'data' is not an object"))
        block.append(item)
        if len(block) == BATCH_ROWS:
            yield _batch(str(path), _frame(str(path), block, read - len(block) + 1), events.position)
            block = []
    if block or not read:
        yield _batch(str(path), _frame(str(path), block, read - len(block) + 1), events.position)
    stated = events.envelope.get("count")
    if stated is not None and str(stated) != str(read):
        raise FileError(RowError(str(path), None, "count", str(stated),
                                 f"the response says it holds {stated} events but its data array has {read}"))


def _frame(file: str, items: list[dict[str, Any]], first: int) -> pl.DataFrame:
    """API items as a frame of text, numbered from `first` (the item's position in the array)."""
    columns = list(dict.fromkeys(name for item in items[:1] or [{}] for name in item))
    for item in items:
        if len(item) != len(columns) or any(name not in item for name in columns):
            columns = list(dict.fromkeys(name for item in items for name in item))
            break
    for number, item in enumerate(items, start=first):
        if missing := [name for name in REQUIRED if name not in item]:
            raise FileError(RowError(file, number, ", ".join(missing), None, "missing ACLED field(s)"))
    data = {name: [_text(item.get(name)) for item in items] for name in columns or REQUIRED}
    frame = pl.DataFrame(data, schema={name: pl.String for name in data})
    return frame.with_columns(pl.int_range(first, first + frame.height, dtype=pl.Int64).alias("_row"))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


@cache
def _mapping() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("mappings/acled.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _batch(file: str, frame: pl.DataFrame, position: int) -> ReportBatch:
    """One block of rows mapped onto report fields."""
    mapping = _mapping()
    raw_columns = [c for c in frame.columns if c != "_row"]
    text = pl.col("notes")
    parsed = frame.with_columns(
        date=pl.coalesce(pl.col("event_date").str.strip_chars().str.to_date("%Y-%m-%d", strict=False),
                         pl.col("event_date").str.strip_chars().str.to_date("%d %B %Y", strict=False)),
        lat=pl.col("latitude").str.strip_chars().cast(pl.Float64, strict=False),
        lon=pl.col("longitude").str.strip_chars().cast(pl.Float64, strict=False),
        killed=pl.col("fatalities").str.strip_chars().cast(pl.Int64, strict=False),
        date_precision=pl.col("time_precision").str.strip_chars().replace_strict(
            mapping["time_precision"], default=None, return_dtype=pl.String),
    )
    errors = _errors(file, parsed)
    if errors:
        bad = {e.row for e in errors}
        parsed = parsed.filter(pl.col("_row").is_in(list(bad)).not_())
    interception = pl.col("sub_event_type").is_in(mapping["interceptions"])
    parsed = parsed.with_columns(interception=interception,
                                 attacker=pl.when(interception).then("actor2").otherwise("actor1"),
                                 attacked=pl.when(interception).then("actor1").otherwise("actor2"))
    parsed = parsed.with_columns(munitions=_munitions(parsed))
    parsed = parsed.with_columns(
        date=pl.when(pl.col("date_precision") == "month").then(pl.col("date").dt.truncate("1mo"))
        .otherwise(pl.col("date")),
        **_lookups(parsed),
    )
    parsed = parsed.with_columns(target_category=_target_category(text))
    parsed = parsed.with_columns(in_scope=in_scope_column(parsed.with_columns(country=pl.col("country_code"))))
    sources = pl.col("source").fill_null("").str.split(";").list.eval(pl.element().str.strip_chars()) \
        .list.eval(pl.element().filter(pl.element() != ""))
    reports = parsed.select(
        dataset=pl.lit(FORMAT), row_key=pl.col("event_id_cnty").str.strip_chars(), row_number="_row",
        raw=pl.struct(raw_columns).struct.json_encode(),
        outlet=sources.list.first(), date="date", date_precision="date_precision", country="country_code",
        location=pl.col("location").replace("", None), latitude="lat", longitude="lon",
        target=pl.col("attacked").replace("", None), target_category="target_category", actor_id="actor_id",
        actor_name=pl.col("attacker").replace("", None), attribution=pl.lit(None, pl.String), killed="killed",
        munitions=pl.struct(m="munitions").struct.json_encode().str.slice(5).str.strip_suffix("}")
        .str.replace_all(',"intercepted":null', "", literal=True),
        place_id="place_id", location_precision=pl.col("geo_precision").str.strip_chars().replace_strict(
            mapping["geo_precision"], default=None, return_dtype=pl.String),
        confidence=pl.lit(None, pl.String),
        evidence=pl.struct(
            sources=sources, source_scale="source_scale" if "source_scale" in parsed.columns else pl.lit(None),
            sub_event_type="sub_event_type", interception="interception",
        ).struct.json_encode(),
        text=pl.col("notes").replace("", None), in_scope="in_scope",
    )
    return ReportBatch(reports, errors, frame.height, position)


def _munitions(parsed: pl.DataFrame) -> pl.Series:
    """Each row's munition lines: from its notes, with what they say was intercepted, else by its sub-event type.

    Only the attack sub-event types (``notes_name_munitions``) read their
    notes; the others that imply a munition (``sub_event_munitions``) get that
    type with no count; the rest get none. A line's ``intercepted`` is the
    number the notes say were intercepted or shot down (salvo.readers.munition_text),
    and unknown when they give none: an interception's notes often say only
    "the rockets were presumably intercepted or fell in open areas".
    """
    mapping = _mapping()
    lines = munition_lines_column(parsed["notes"], intercepted=True)
    from_notes = parsed["sub_event_type"].is_in(mapping["notes_name_munitions"])
    fallback = parsed["sub_event_type"].replace_strict(mapping["sub_event_munitions"], default=None,
                                                       return_dtype=pl.String)
    named = pl.when(from_notes).then(lines).otherwise(pl.lit([], lines.dtype))
    implied = pl.concat_list(pl.struct(munition_type=fallback, count=pl.lit(None, pl.Int64),
                                       intercepted=pl.lit(None, pl.Int64)))
    return pl.select(pl.when(named.list.len() > 0).then(named).when(fallback.is_not_null()).then(implied)
                     .otherwise(named)).to_series()


def _target_category(notes: pl.Expr) -> pl.Expr:
    """The target category: a merchant ship, else the target's (``target_actors``), else the notes' (``target_notes``).

    An attack on a merchant ship (``merchant_ship``: the notes name one, and
    ACLED gives the attacked side as civilians or not at all) is commercial
    shipping however ACLED codes that side: it writes "Civilians
    (International)" for some ships and nothing for most. The notes decide
    only when the attacker is not a state's force, whose own operations
    mention the ships they guard or board.
    """
    mapping = _mapping()
    attacked = pl.col("attacked").fill_null("")
    civilian = (attacked == "") | attacked.str.contains(f"(?i){mapping['civilian_actors']}")
    state = pl.col("actor_id").replace_strict(_affiliations(), default=None, return_dtype=pl.String) == "state"
    by_notes = state.fill_null(False).not_()
    ship = by_notes & civilian & notes.str.contains(f"(?i){mapping['merchant_ship']}").fill_null(False)
    return pl.coalesce(pl.when(ship).then(pl.lit("commercial_shipping")),
                       _categories(pl.col("attacked"), "target_actors"),
                       pl.when(by_notes).then(_categories(notes, "target_notes")))


def _errors(file: str, parsed: pl.DataFrame) -> list[RowError]:
    """A RowError for each row whose key, date, coordinates or precision cannot be read."""
    def given(name: str) -> pl.Expr:
        return pl.col(name).fill_null("").str.strip_chars() != ""

    checks = [
        ("event_id_cnty", given("event_id_cnty").not_(), "no event id"),
        ("event_date", pl.col("date").is_null(), "not a date (YYYY-MM-DD or '30 January 2024')"),
        ("latitude", pl.col("lat").is_null() & given("latitude"), "not a number"),
        ("longitude", pl.col("lon").is_null() & given("longitude"), "not a number"),
        ("latitude", pl.col("lat").abs() > 90, "not a latitude (-90 to 90)"),
        ("longitude", pl.col("lon").abs() > 180, "not a longitude (-180 to 180)"),
        ("time_precision", pl.col("date_precision").is_null(), "not an ACLED time precision (1, 2 or 3)"),
    ]
    errors = []
    for column, failed, reason in checks:
        for row, value in parsed.filter(failed.fill_null(False)).select("_row", column).iter_rows():
            errors.append(RowError(file, row, column, value, reason))
    return sorted(errors, key=lambda e: (e.row, e.field))


def _lookups(frame: pl.DataFrame) -> dict[str, pl.Expr]:
    """Actor ids, country codes and gazetteer places, looked up once per distinct value."""
    table = _mapping()["actors"]
    actors = {name: actor_names.resolve(name, table) for name in frame["attacker"].drop_nulls().unique().to_list()}
    countries = {}
    for name in frame["country"].drop_nulls().unique().to_list():
        found = gazetteer.country(name)
        countries[name] = found.code if found else None
    places = {}
    pairs = frame.select("location", "country").unique().drop_nulls().rows()
    for location, country in pairs:
        place = gazetteer.lookup(location, countries.get(country))
        places[f"{location}\x1f{country}"] = place.id if place else None
    pair = pl.concat_str("location", "country", separator="\x1f")
    return {
        "actor_id": pl.col("attacker").replace_strict(actors, default=None, return_dtype=pl.String),
        "country_code": pl.col("country").replace_strict(countries, default=None, return_dtype=pl.String),
        "place_id": pair.replace_strict(places, default=None, return_dtype=pl.String),
    }


@cache
def _affiliations() -> dict[str, str]:
    return {actor.id: actor.affiliation for actor in codebook.actors()}


def _categories(column: pl.Expr, table: str) -> pl.Expr:
    """The category of the first pattern of `table` that the column matches (null when none does)."""
    result = pl.lit(None, pl.String)
    for rule in reversed(_mapping()[table]):
        result = pl.when(column.str.contains(f"(?i){rule['pattern']}").fill_null(False)) \
            .then(pl.lit(rule["category"])).otherwise(result)
    return result


def actor_table() -> dict[str, str]:
    """ACLED's own actor names -> Salvo actor ids (mappings/acled.yaml), for readers of ACLED rows elsewhere."""
    return _mapping()["actors"]


def target_from_notes(notes: str | None, actor_id: str | None) -> str | None:
    """The target category ACLED notes name, for one row with no target side; none for a state's own operation.

    A merchant ship first (``merchant_ship``), then ``target_notes``, as the
    export's rows without an ``actor2`` are read.
    """
    if not notes or (actor_id and _affiliations().get(actor_id) == "state"):
        return None
    if re.search(_mapping()["merchant_ship"], notes, re.I):
        return "commercial_shipping"
    for rule in _mapping()["target_notes"]:
        if re.search(rule["pattern"], notes, re.I):
            return rule["category"]
    return None
