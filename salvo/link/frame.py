"""The link frame: reports as columns, with what blocking and comparisons need derived once.

One row per report: its stored values, plus its date window (``lo``/``hi`` in
days since 1970; null for a report with no date and no publication date),
its munition types, its total known count, its actor's root, its place words,
whether it lies at sea, and the keys of the dataset rules (``exclusive``: two
reports sharing it are distinct events; ``together``: reports sharing it are
one incident). Built from the store (:func:`store_frame`) or from records
(:func:`records_frame`), so the same linker runs on both.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache

import polars as pl

from salvo import codebook, gazetteer
from salvo.names import normalise
from salvo.records import ReportRecord, munition_dict
from salvo.link.settings import Settings

BASE_SCHEMA: dict[str, pl.DataType] = {
    "report_id": pl.Int64, "dataset": pl.String, "row_key": pl.String, "incident_id": pl.String,
    "in_scope": pl.Boolean, "date": pl.Date, "date_precision": pl.String, "published_at": pl.Date,
    "country": pl.String, "latitude": pl.Float64, "longitude": pl.Float64, "location_precision": pl.String,
    "place_id": pl.String, "location": pl.String, "target": pl.String, "target_category": pl.String,
    "actor_id": pl.String, "actor_name": pl.String, "attribution": pl.String, "killed": pl.Int64,
    "injured": pl.Int64, "confidence": pl.String, "text": pl.String, "munitions": pl.String,
    "evidence": pl.String, "url": pl.String, "outlet": pl.String,
}
_COLUMNS = ", ".join(name if name != "report_id" else "id" for name in BASE_SCHEMA)
_LINES = pl.List(pl.Struct({"munition_type": pl.String, "count": pl.Int64, "intercepted": pl.Int64,
                            "impacted": pl.Int64, "failed": pl.Int64}))
PRECISE = ("exact", "site", "city")
STOPWORDS = frozenset(
    "al el an and at by for from hit in into its near of on the to toward towards was were with area "
    "province governorate district region town city village".split())
_EPOCH = dt.date(1970, 1, 1)


def store_frame(session, *, include_withdrawn: bool = False) -> pl.DataFrame:
    """Every report in the store (withdrawn ones left out unless asked for), as a base link frame."""
    query = f"SELECT {_COLUMNS} FROM reports"
    if not include_withdrawn:
        query += " WHERE withdrawn = " + ("0" if session.connection().dialect.name == "sqlite" else "false")
    conn = session.connection()
    cursor = conn.connection.driver_connection.cursor()
    cursor.execute(query)
    schema = dict(BASE_SCHEMA)
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        schema.update(date=pl.String, published_at=pl.String, in_scope=pl.Int64)
    batches = []
    while rows := cursor.fetchmany(200_000):
        batches.append(pl.DataFrame([_plain(row) for row in rows] if not sqlite else rows, schema=schema,
                                    orient="row"))
    cursor.close()
    frame = pl.concat(batches) if batches else pl.DataFrame(schema=schema)
    if sqlite:
        frame = frame.with_columns(pl.col("date", "published_at").str.to_date("%Y-%m-%d", strict=False),
                                   pl.col("in_scope").cast(pl.Boolean))
    return frame


def _plain(row: tuple) -> tuple:
    """PostgreSQL hands JSON columns back as Python objects; the frame keeps them as JSON text."""
    return tuple(json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for v in row)


def records_frame(records: list[ReportRecord]) -> pl.DataFrame:
    """A base link frame from records; a record without an id gets its position as id."""
    rows = []
    for n, r in enumerate(records):
        row = {name: getattr(r, name, None) for name in BASE_SCHEMA if name not in ("report_id", "munitions",
                                                                                   "evidence")}
        row["report_id"] = r.id if r.id is not None else n
        row["munitions"] = json.dumps([munition_dict(m) for m in r.munitions])
        row["evidence"] = json.dumps(r.evidence, default=str) if r.evidence is not None else None
        rows.append(row)
    return pl.DataFrame(rows, schema=BASE_SCHEMA)


def prepare(frame: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Derive the link columns from a base frame (see the module docstring)."""
    frame = placed(frame)
    days = (pl.col("date") - pl.lit(_EPOCH)).dt.total_days().cast(pl.Int32)
    published = (pl.col("published_at") - pl.lit(_EPOCH)).dt.total_days().cast(pl.Int32)
    end = (pl.when(pl.col("date_precision") == "week").then(pl.col("date") + pl.duration(days=6))
           .when(pl.col("date_precision") == "month").then(pl.col("date").dt.month_end())
           .when(pl.col("date_precision") == "year").then(pl.date(pl.col("date").dt.year(), 12, 31))
           .otherwise(pl.col("date")))
    end_days = (end - pl.lit(_EPOCH)).dt.total_days().cast(pl.Int32)
    lines = pl.col("munitions").str.json_decode(_LINES)
    frame = frame.with_columns(
        lo=pl.when(days.is_not_null()).then(days).otherwise(published - settings.undated_lookback_days),
        hi=pl.when(days.is_not_null()).then(pl.coalesce(end_days, days)).otherwise(published),
        dated=pl.col("date").is_not_null() & (pl.col("date_precision") == "day"),
        lines=lines,
    ).with_columns(
        types=pl.col("lines").list.eval(pl.element().struct.field("munition_type")).list.unique().list.sort(),
        total=pl.when(pl.col("lines").list.eval(pl.element().struct.field("count").is_null()).list.any().not_()
                      & (pl.col("lines").list.len() > 0))
        .then(pl.col("lines").list.eval(pl.element().struct.field("count")).list.sum()),
        precise=pl.col("location_precision").is_in(PRECISE).fill_null(False) & pl.col("latitude").is_not_null()
        & pl.col("longitude").is_not_null(),
        at_sea=pl.when(pl.col("place_id").is_in(sea_places())).then(pl.lit("sea")),
        actor_root=pl.col("actor_id").replace_strict(actor_roots(), default=pl.col("actor_id")),
        actor_kind=pl.col("actor_id").replace_strict(actor_kinds(), default=None, return_dtype=pl.String),
        place_words=words(pl.concat_str([pl.col("location").fill_null(""), pl.col("target").fill_null("")],
                                        separator=" ")),
        place_name=names(frame["location"]),
        text_words=words(pl.col("text")),
    )
    frame = frame.with_columns(**_rule_keys(frame, settings), **term_frequencies(frame, settings)).drop("lines")
    frame = frame.with_columns(pl.col("exclusive", "together").cast(pl.Categorical))  # joined with every pair
    frame = frame.with_columns(type_bits=type_bits(pl.col("types"), known=False),
                               known_bits=type_bits(pl.col("types"), known=True))
    return with_signatures(with_signatures(frame, "place_words", "place_sig"), "text_words", "text_sig")


def placed(frame: pl.DataFrame) -> pl.DataFrame:
    """Reports that name a gazetteer place but give no coordinates get the place's, with its precision.

    A place name the gazetteer resolved locates the report as well as the
    coordinates a dataset would have given for it; without them, a report
    naming a base could not be compared by distance with one placed at the
    base's nearest town.
    """
    wanted = frame.filter(pl.col("place_id").is_not_null() & pl.col("latitude").is_null())["place_id"].unique()
    if wanted.is_empty():
        return frame
    found = {i: gazetteer.place_by_id(i) for i in wanted.to_list()}
    table = pl.DataFrame([(i, p.lat, p.lon, "city" if p.kind == "town" else p.precision)
                          for i, p in found.items() if p is not None and p.lat is not None],
                         schema={"place_id": pl.String, "_lat": pl.Float64, "_lon": pl.Float64, "_precision": pl.String},
                         orient="row")
    missing = pl.col("latitude").is_null()
    return (frame.join(table, on="place_id", how="left")
            .with_columns(latitude=pl.when(missing).then(pl.col("_lat")).otherwise(pl.col("latitude")),
                          longitude=pl.when(missing).then(pl.col("_lon")).otherwise(pl.col("longitude")),
                          location_precision=pl.when(missing & pl.col("_lat").is_not_null()).then(pl.col("_precision"))
                          .otherwise(pl.col("location_precision")))
            .drop("_lat", "_lon", "_precision"))


SIGNATURE_WORDS = 4  # 4 x 64 bits per text


@cache
def _munition_bit() -> dict[str, int]:
    from salvo import codebook

    return {code: 1 << n for n, code in enumerate(codebook.vocabulary("munition_type").codes)}


def type_bits(types: pl.Expr, *, known: bool) -> pl.Expr:
    """A report's munition types as one integer, a bit per codebook type (``known``: without ``unknown``),
    so that comparing two reports' types is integer arithmetic, not list work."""
    bits = {k: v for k, v in _munition_bit().items() if not (known and k == "unknown")}
    return types.list.eval(pl.element().replace_strict(bits, default=0, return_dtype=pl.UInt32)).list.eval(
        pl.element().bitwise_or()).list.first().fill_null(0).cast(pl.UInt32)


@cache
def _bit_values() -> dict[int, int]:
    return {n: 1 << n for n in range(64)}


def with_signatures(frame: pl.DataFrame, words_column: str, prefix: str) -> pl.DataFrame:
    """Add a text's word set as a 256-bit signature (``prefix0``..``prefix3``): each word sets one bit, so the
    Jaccard similarity of two texts is estimated from bit counts, without list work per pair."""
    size = 64 * SIGNATURE_WORDS
    bits = (frame.select("report_id", pl.col(words_column).alias("w")).explode("w").drop_nulls("w")
            .with_columns(h=(pl.col("w").hash(seed=0x5A1) % size).cast(pl.Int64))
            .with_columns(part=pl.col("h") // 64,
                          bit=(pl.col("h") % 64).replace_strict(_bit_values(), return_dtype=pl.UInt64))
            .group_by("report_id", "part").agg(pl.col("bit").bitwise_or()))
    columns = {f"{prefix}{n}": bits.filter(pl.col("part") == n).select("report_id", pl.col("bit").alias(f"{prefix}{n}"))
               for n in range(SIGNATURE_WORDS)}
    for name, part in columns.items():
        frame = frame.join(part, on="report_id", how="left").with_columns(pl.col(name).fill_null(0))
    return frame


def names(locations: pl.Series) -> pl.Series:
    """Each location as the gazetteer compares names (salvo.names.normalise), computed once per distinct name."""
    keys = {value: normalise(value) or None for value in locations.drop_nulls().unique().to_list()}
    return locations.replace_strict(keys, default=None, return_dtype=pl.String)


def words(text: pl.Expr) -> pl.Expr:
    """The distinct content words of a text (accents folded, lower case, two letters or more, no stop words), sorted."""
    folded = text.fill_null("").str.normalize("NFKD").str.replace_all(r"\p{Mn}", "").str.to_lowercase()
    found = folded.str.extract_all(r"[^\W\d_]{2,}|\d+")
    return found.list.eval(pl.element().filter(~pl.element().is_in(sorted(STOPWORDS)))).list.unique().list.sort()


def term_frequencies(frame: pl.DataFrame, settings: Settings) -> dict[str, pl.Expr]:
    """``tf_<column>``: the share of reports (with a value) that have this report's value, for each
    column a comparison adjusts for term frequency (agreeing on a rare place says more than on Baghdad)."""
    columns = {c.options["term_frequency"] for c in settings.comparisons if c.options.get("term_frequency")}
    known = {name: frame[name].drop_nulls().len() for name in columns}
    return {f"tf_{name}": pl.when(pl.col(name).is_not_null()).then(pl.len().over(name) / max(known[name], 1))
            for name in columns}


def _rule_keys(frame: pl.DataFrame, settings: Settings) -> dict[str, pl.Expr]:
    """The ``exclusive`` and ``together`` keys of each report, from its dataset's rule."""
    flags = {key: pl.col("evidence").str.json_path_match(f"$.{key}") for key in settings.evidence_keys}
    exclusive, together = pl.lit(None, pl.String), pl.lit(None, pl.String)
    for dataset in frame["dataset"].unique().to_list():
        rule = settings.dataset(dataset)
        mine = pl.col("dataset") == dataset
        if rule.within == "never":
            key = pl.lit(dataset)
        elif rule.within == "when":
            flag = flags.get(rule.when, pl.lit(None, pl.String))
            key = pl.when(flag.is_in(["true", "True", "1"]).fill_null(False)).then(None).otherwise(pl.lit(dataset))
        elif rule.distinct_within:
            key = pl.lit(f"{dataset}:") + flags.get(rule.distinct_within, pl.lit(None, pl.String))
        else:
            key = pl.lit(None, pl.String)
        exclusive = pl.when(mine).then(key).otherwise(exclusive)
        if rule.together_by:
            group = pl.lit(f"{dataset}:") + flags.get(rule.together_by, pl.lit(None, pl.String))
            together = pl.when(mine).then(group).otherwise(together)
    return {"exclusive": exclusive, "together": together}


@cache
def sea_places() -> list[str]:
    """Gazetteer ids of sea areas and waterways: reports placed there are at sea."""
    return [p.id for p in gazetteer.sites() if p.kind in ("sea_area", "waterway")]


@cache
def actor_kinds() -> dict[str, str]:
    """Each codebook actor's kind (state, militia, ..., unidentified)."""
    return {a.id: a.kind for a in codebook.actors()}


@cache
def actor_roots() -> dict[str, str]:
    """Each codebook actor's topmost parent (itself when it has none), so relatives can be told."""
    actors = codebook.actors()
    return {a.id: (actors.ancestors(a.id) or [a.id])[-1] for a in actors}
